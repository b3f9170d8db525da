"""The drivers as a reader sees them: per KPI that moved, its change, the top contributors per
dimension and one sentence, in the report's language (the "Why it changed" tab, the Sheet, the email).

The numbers are ``reportgen.drivers``'s; this module picks what is shown and words it:

* a KPI *moved* when its change is not 0 at the unit's shown decimals;
* KPIs are ordered by the size of their change relative to the previous month's value
  (largest first; from 0, first of all);
* the sentence names the segment with the largest contribution in the direction of the change
  over the three dimensions (ties: category, channel, agent), its mix measured against the KPI's level
  (``KpiDrivers.centred``: a growing segment whose value is below the KPI's pulls it down, not
  up), and says whether its share moved (mix) or its own value (within), whichever is larger.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from reportgen.drivers import DIMENSIONS, NO_AGENT, NO_TICKET, KpiDrivers, Segment, denominator
from reportgen.i18n import Translator
from reportgen.kpis import Kpi
from reportgen.measures import dimension_value_in
from reportgen.units import change_value, format_change, format_value, unit_format

TOP = 3  # contributors shown per dimension


@dataclass(frozen=True)
class DriverLine:
    """One KPI that moved: its values, its change (as shown: percentages in points), its top
    contributors per dimension and the sentence naming the main one."""

    kpi: Kpi
    label: str
    previous: float
    value: float
    change: float  # in the KPI's JSON units
    top: Mapping[str, tuple[Segment, ...]]  # dimension → up to TOP segments, largest |contribution| first
    sentence: str


@dataclass(frozen=True)
class DriversBlock:
    """The drivers of a report month against ``previous`` (None: nothing to compare with)."""

    previous: str | None
    lines: tuple[DriverLine, ...]

    def sentences(self, limit: int) -> list[str]:
        """The first ``limit`` sentences (largest changes first)."""
        return [line.sentence for line in self.lines[:limit]]


def segment_name(dimension: str, segment: Segment, tr: Translator) -> str:
    """A segment as shown in a table: the name (the default in the report's language), or what the
    blank segments are."""
    if segment.segment == NO_AGENT:
        return tr.t("drivers.no_agent")
    if segment.segment == NO_TICKET:
        return tr.t("drivers.no_ticket")
    return dimension_value_in(dimension, segment.segment, tr)


def moved(kpi: Kpi, change: float) -> bool:
    """Whether a change shows as something other than 0 at the unit's decimals."""
    unit = "ratio" if kpi.unit == "count" and not float(change).is_integer() else kpi.unit
    shown = change_value(kpi.unit, 0.0, change)
    return round(abs(shown), unit_format(unit).decimals) > 0


def _size(found: KpiDrivers, previous: float) -> float:
    return math.inf if previous == 0 else abs(found.change) / abs(previous)


def drivers_block(drivers: Mapping[str, KpiDrivers], previous_values: Mapping[str, float | None],
                  tr: Translator, currency: str = "") -> DriversBlock:
    """The block of the KPIs that moved, largest relative change first (``previous_values``: the KPIs
    of the previous month)."""
    lines: list[tuple[float, int, DriverLine]] = []
    previous_month: str | None = None
    for order, (kpi_id, found) in enumerate(drivers.items()):
        previous_month = found.previous
        before = previous_values.get(kpi_id)
        if before is None or not moved(found.kpi, found.change):
            continue
        top: dict[str, tuple[Segment, ...]] = {d: found.by[d][:TOP] for d in DIMENSIONS}
        line = DriverLine(found.kpi, found.kpi.label_in(tr), before, before + found.change, found.change,
                          top, sentence(found, before, tr, currency))
        lines.append((-_size(found, before), order, line))
    lines.sort(key=lambda item: (item[0], item[1]))
    return DriversBlock(previous_month, tuple(line for *_, line in lines))


def main_driver(found: KpiDrivers) -> tuple[str, Segment] | None:
    """The segment that moved the KPI most, in the direction it moved, over the dimensions: the
    largest contribution of the change's sign with the mix measured against the KPI's level
    (``KpiDrivers.centred``; ties: dimension order). None when nothing moved."""
    best: tuple[str, Segment] | None = None
    size = 0.0
    sign = 1.0 if found.change > 0 else -1.0
    for dimension in DIMENSIONS:
        for segment in found.by.get(dimension, ()):
            if found.centred(segment) * sign > size:
                best, size = (dimension, segment), found.centred(segment) * sign
    return best


def sentence(found: KpiDrivers, previous: float, tr: Translator, currency: str = "") -> str:
    """"Average first response time rose 3.0 h, mostly because the Shipping category went from 10 %
    to 40 % of answered tickets; its own value stayed at 5.0 h." in ``tr``'s language."""
    kpi = found.kpi
    shown = change_value(kpi.unit, previous, previous + found.change)
    change = tr.t("drivers.rose" if found.change > 0 else "drivers.fell", kpi=kpi.label_in(tr),
                  change=format_change(abs(shown), kpi.unit, currency, tr).lstrip("+"))
    best = main_driver(found)
    if best is None:
        return tr.t("drivers.sentence", change=change, because="").rstrip(", .") + "."
    dimension, segment = best
    name = _named(dimension, segment, tr)

    def value(number: float) -> str:
        return format_value(number, kpi.unit, currency, tr)

    def share(number: float) -> str:
        return format_value(number, "percent", tr=tr)

    if kpi.unit == "count":
        because = tr.t("drivers.because_count", segment=name, before=value(segment.value_previous),
                       after=value(segment.value))
        return tr.t("drivers.sentence", change=change, because=because)
    within = segment.within or 0.0
    if abs(found.centred(segment) - within) >= abs(within):  # its share moved more than its value
        population = tr.t(f"drivers.population.{denominator(kpi)}")
        because = tr.t("drivers.because_mix", segment=name, before=share(segment.share_previous),
                       after=share(segment.share), population=population)
        before, after = value(segment.value_previous), value(segment.value)
        own = (tr.t("drivers.own_same", value=after) if before == after
               else tr.t("drivers.own_changed", before=before, after=after))
        return tr.t("drivers.sentence_own", change=change, because=because, own=own)
    because = tr.t("drivers.because_within", segment=name, before=value(segment.value_previous),
                   after=value(segment.value))
    return tr.t("drivers.sentence", change=change, because=because)


def _named(dimension: str, segment: Segment, tr: Translator) -> str:
    if segment.segment in (NO_AGENT, NO_TICKET):
        return segment_name(dimension, segment, tr)
    return tr.t(f"drivers.segment.{dimension}", name=segment_name(dimension, segment, tr))
