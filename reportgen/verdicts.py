"""Status against target and month-over-month change: one rule for the workbook, the sheet and the email."""

from __future__ import annotations

from reportgen.kpis import Kpi
from reportgen.units import change_value, shown_number

GOOD, BAD, NEUTRAL = "good", "bad", "neutral"


def target_status(kpi: Kpi, current: float | None, target: float | None) -> tuple[str, str]:
    """(message id, tone) for the report month: "status.on_target" / "status.below_target" /
    "status.above_target" (texts in the catalogues), or "" when unknown. A time KPI that misses its
    target is "status.slower_than_target" (or, where more time is better, "faster"): above/below
    alone left the reader to guess which way is bad.

    A KPI without a direction (a plain count) has no status. Value and target are compared as the
    reader sees them (``units.shown_number``): 66.66 % against a target of 66.67 % both read 66.7 %,
    and "Below target" beside two equal numbers would not be believed.
    """
    if target is None or current is None or kpi.direction is None:
        return "", NEUTRAL
    current, target = shown_number(current, kpi.unit), shown_number(target, kpi.unit)
    met = current >= target if kpi.direction == "higher" else current <= target
    if met:
        return "status.on_target", GOOD
    if kpi.unit == "hours":
        return ("status.faster_than_target" if kpi.direction == "higher"
                else "status.slower_than_target"), BAD
    return ("status.below_target" if kpi.direction == "higher" else "status.above_target"), BAD


def month_change(kpi: Kpi, previous: float | None, current: float | None) -> tuple[float | None, str]:
    """(change, tone): percentages change in percentage points; tone by the KPI's direction."""
    if current is None or previous is None:
        return None, NEUTRAL
    change = change_value(kpi.unit, previous, current)
    if not kpi.direction or change == 0:
        return change, NEUTRAL
    better = change > 0 if kpi.direction == "higher" else change < 0
    return change, GOOD if better else BAD
