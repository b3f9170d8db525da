"""Drivers: why a KPI changed — its month-over-month change split by segment (KPI_SPEC "Drivers").

For a KPI that is a mean or a rate over a population (tickets or survey
responses) and a dimension (category, channel, agent), between the previous
month (1) and the report month (2), with ``w_i`` segment i's share of the KPI's
own denominator and ``r_i`` the KPI within segment i (the KPI's own expression
over the segment's measures, in its JSON units)::

    mix_i    = (w2_i − w1_i) × (r1_i + r2_i) / 2
    within_i = (r2_i − r1_i) × (w1_i + w2_i) / 2
    contribution_i = mix_i + within_i;   Σ_i contribution_i = KPI(2) − KPI(1)

A segment present in one month only takes that month's value for the other
(its within is 0). A count (ticket volume) splits as ``n2_i − n1_i``.

The segments' measures are computed by the engine's SQL
(``reportgen.engine.drivers``) and kept in ``MonthMeasures.dims`` under
``drivers.<dimension>.<measure>`` (``segment_key``); everything here is arithmetic
on those few numbers per segment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportgen.kpis import KPI_BY_ID, Kpi
from reportgen.measures import MEASURES, Dimension, MonthMeasures, segment_measure_name

# the KPIs split into drivers: means and rates over tickets or responses, and the ticket count
DRIVER_KPIS: tuple[str, ...] = (
    "nps", "csat", "ces", "negative_feedback_rate", "avg_first_response_hours", "avg_resolution_hours",
    "fcr_rate", "resolution_rate", "sla_first_response_rate", "reopen_rate", "ticket_volume",
)
DIMENSIONS: tuple[Dimension, ...] = ("category", "channel", "agent")
# segment keys that are no name (a name as shown is trimmed: it never starts with a space)
NO_AGENT = " no agent"  # tickets without an agent (JSON: "")
NO_TICKET = " no ticket"  # survey responses naming no ticket of the data (JSON: null)


def driver_measures(dataset: str) -> list[str]:
    """The measures of ``dataset`` the driver KPIs are computed from, in declaration order."""
    used = {name for kpi_id in DRIVER_KPIS for name in KPI_BY_ID[kpi_id].inputs}
    return [name for name, info in MEASURES.items() if name in used and info.dataset == dataset]


def segment_key(dimension: str, measure: str) -> str:
    """Where a measure per segment of a dimension is kept in ``MonthMeasures.dims`` (declared once in
    ``reportgen.measures``: the survey scores per segment, ``kpis.SEGMENT_KPIS``, read them too)."""
    return segment_measure_name(dimension, measure)


def denominator(kpi: Kpi) -> str:
    """The measure whose population a KPI is a mean or rate over (a count: the count itself)."""
    found = kpi.expression.denominators()
    name = (found[-1] if found else kpi.expression).measures()
    assert len(name) == 1, f"{kpi.id}: a driver KPI has one measure as its population"
    return name[0]


@dataclass(frozen=True)
class Segment:
    """One segment's part of a KPI's change (values in the KPI's JSON units; shares as fractions).

    ``mix``/``within`` are None for a count (ticket volume), whose ``value`` is the segment's count.
    A segment present in one month only has share 0 and the other month's value in the month
    it is absent from."""

    segment: str  # the name, or NO_AGENT / NO_TICKET
    contribution: float
    mix: float | None
    within: float | None
    share_previous: float
    share: float
    value_previous: float
    value: float

    @property
    def name(self) -> str | None:
        """As in JSON: the name, "" for tickets without an agent, None for responses without a ticket."""
        return {NO_AGENT: "", NO_TICKET: None}.get(self.segment, self.segment)

    def as_dict(self) -> dict[str, Any]:
        return {"segment": self.name, "contribution": self.contribution, "mix": self.mix,
                "within": self.within, "share_previous": self.share_previous, "share": self.share,
                "value_previous": self.value_previous, "value": self.value}


@dataclass(frozen=True)
class KpiDrivers:
    """A KPI's change from ``previous`` to the report month, and its segments per dimension, largest
    |contribution| first."""

    kpi: Kpi
    previous: str
    change: float
    by: Mapping[str, tuple[Segment, ...]]
    values: tuple[float, float] = (0.0, 0.0)  # the KPI in the previous month and the report month

    def centred(self, segment: Segment) -> float:
        """A segment's contribution with its mix measured against the KPI's mean level,
        (w2 − w1) × ((r1 + r2)/2 − (K1 + K2)/2) + within: they add up to the change as well (the
        shares' changes add up to 0), and a segment whose share grew while its value is below the
        KPI's level counts against the KPI, as it does. For choosing what a sentence names; the
        spec's split (``contribution``) is what the numbers show."""
        if segment.mix is None or segment.within is None:
            return segment.contribution
        level = (self.values[0] + self.values[1]) / 2
        middle = (segment.value_previous + segment.value) / 2
        return (segment.share - segment.share_previous) * (middle - level) + segment.within

    def as_dict(self) -> dict[str, Any]:
        return {"previous": self.previous, "change": self.change,
                "by": {dimension: [s.as_dict() for s in segments] for dimension, segments in self.by.items()}}


def _segments(kpi: Kpi, dimension: str, month: MonthMeasures) -> dict[str, tuple[float, float | None]] | None:
    """Segment → (its population, the KPI within it) of one month; None without the split."""
    names = kpi.inputs
    per_name = {name: month.dims.get(segment_key(dimension, name)) for name in names}
    if any(values is None for values in per_name.values()):
        return None
    population = denominator(kpi)
    keys = sorted({key for values in per_name.values() for key in (values or {})})
    out: dict[str, tuple[float, float | None]] = {}
    for key in keys:
        inputs = {name: float((per_name[name] or {}).get(key, 0)) for name in names}
        size = inputs[population]
        if size:
            out[key] = (size, kpi.value(inputs))
    return out


def split(kpi: Kpi, previous: MonthMeasures, current: MonthMeasures, dimension: str
          ) -> tuple[Segment, ...] | None:
    """The segments of ``kpi``'s change by ``dimension`` (largest |contribution| first); None when
    either month lacks the split."""
    before, after = _segments(kpi, dimension, previous), _segments(kpi, dimension, current)
    if before is None or after is None:
        return None
    total1 = sum(size for size, _ in before.values())
    total2 = sum(size for size, _ in after.values())
    segments: list[Segment] = []
    for key in sorted(before.keys() | after.keys()):
        n1, r1 = before.get(key, (0.0, None))
        n2, r2 = after.get(key, (0.0, None))
        w1 = n1 / total1 if total1 else 0.0
        w2 = n2 / total2 if total2 else 0.0
        if kpi.unit == "count":
            segments.append(Segment(key, n2 - n1, None, None, w1, w2, n1, n2))
            continue
        r1 = r2 if r1 is None else r1  # present in one month only: the other month's value
        r2 = r1 if r2 is None else r2
        if r1 is None or r2 is None:
            continue
        mix = (w2 - w1) * (r1 + r2) / 2
        within = (r2 - r1) * (w1 + w2) / 2
        segments.append(Segment(key, mix + within, mix, within, w1, w2, r1, r2))
    segments.sort(key=lambda s: (-abs(s.contribution), s.segment))
    return tuple(segments)


def kpi_drivers(kpi: Kpi, previous_month: str, previous: MonthMeasures, current: MonthMeasures,
                values: tuple[float | None, float | None]) -> KpiDrivers | None:
    """A KPI's drivers from ``previous`` to ``current``; None when it has no value in either month or
    a month lacks the split (``values``: the KPI in both months)."""
    before, after = values
    if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
        return None
    by: dict[str, tuple[Segment, ...]] = {}
    for dimension in DIMENSIONS:
        segments = split(kpi, previous, current, dimension)
        if segments is None:
            return None
        by[dimension] = segments
    return KpiDrivers(kpi, previous_month, after - before, by, (before, after))


def month_drivers(month: str, previous_month: str, measures: Mapping[str, MonthMeasures],
                  scalars: Mapping[str, Mapping[str, float | None]], partial: Mapping[str, str]
                  ) -> dict[str, KpiDrivers]:
    """Every driver KPI's drivers of ``month`` against ``previous_month``: none when either month is
    missing or partial."""
    if {month, previous_month} & partial.keys() or not {month, previous_month} <= measures.keys():
        return {}
    out: dict[str, KpiDrivers] = {}
    for kpi_id in DRIVER_KPIS:
        values = (scalars.get(previous_month, {}).get(kpi_id), scalars.get(month, {}).get(kpi_id))
        found = kpi_drivers(KPI_BY_ID[kpi_id], previous_month, measures[previous_month], measures[month],
                            values)
        if found is not None:
            out[kpi_id] = found
    return out
