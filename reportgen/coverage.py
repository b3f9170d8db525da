"""Partial months: months the data covers only in part, so no month-over-month verdict uses them.

    partial = partial_months(result.coverage, months, "Europe/Rome")   # {"2026-09": "data from 25 Sep 2026"}

The coverage of a dataset is the first and last local day of its usable rows
(``EngineResult.coverage``). The tickets decide (their volume is what a month
compares); surveys only when there are no tickets, since answers are sparse. A
month is partial when

- the data starts more than ``TOLERANCE_DAYS`` after its first day (a first
  export that began on 25 September), or
- the data ends more than ``TOLERANCE_DAYS`` before its last day (an export
  taken mid-month), or
- it has not ended yet in the report's time zone (the month still running).

A weekend without tickets at either end of a month is within the tolerance.

Reader-visible wording lives in the module-level constants below.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

TOLERANCE_DAYS = 2
COVERAGE_DATASETS = ("tickets", "surveys")

STARTS = "data from {day}"
ENDS = "data until {day}"
RUNNING = "month still running"
PARTIAL_NOTE = "Partial month ({why}): no change or verdict is shown against it"
PARTIAL_MARK = "◐"
PARTIAL_LEGEND = "{mark} partial month — {months}; no change or verdict is shown against a partial month"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def partial_months(coverage: Mapping[str, tuple[dt.date, dt.date]], months: Iterable[str],
                   timezone: str, today: dt.date | None = None) -> dict[str, str]:
    """month → why it is partial (e.g. "data from 25 Sep 2026"), for the ``months`` that are."""
    span = next((coverage[name] for name in COVERAGE_DATASETS if name in coverage), None)
    today = today or dt.datetime.now(ZoneInfo(timezone)).date()
    out: dict[str, str] = {}
    for month in months:
        first_day, last_day = month_bounds(month)
        reasons: list[str] = []
        running = today <= last_day
        if span is not None:
            first, last = span
            if first_day <= first <= last_day and (first - first_day).days > TOLERANCE_DAYS:
                reasons.append(STARTS.format(day=_day(first)))
            if not running and first_day <= last <= last_day and (last_day - last).days > TOLERANCE_DAYS:
                reasons.append(ENDS.format(day=_day(last)))
        if running:
            reasons.append(RUNNING)
        if reasons:
            out[month] = ", ".join(reasons)
    return out


def partial_note(why: str) -> str:
    return PARTIAL_NOTE.format(why=why)
