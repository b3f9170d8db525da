"""The unusual mark: a KPI value far from its own recent months.

A scalar KPI's value in the report month is **unusual** when it lies outside
mean ± 2 standard deviations of its values in the six complete months just before
(the sample standard deviation, n − 1). Six such months are needed: with one of
them missing, without a value or partial, there is no mark, and a partial report
month gets none either (it is not compared). The mark is a flag for a reader to look,
not a verdict on better or worse: it is shown with the usual range. It is looked for
on the primary KPIs and on the secondary ones with a direction (:func:`watched`); the
counts that only describe (responses, promoters, tickets per agent) are not marked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportgen.kpis import Kpi
from reportgen.months import shift

UNUSUAL_MONTHS = 6
UNUSUAL_SIGMAS = 2.0
UNUSUAL_MARK = "⚠"


@dataclass(frozen=True)
class Usual:
    """The usual range of a KPI (mean ± 2 sd of its previous six complete months)."""

    low: float
    high: float
    unusual: bool  # the report month's value lies outside [low, high]


def watched(kpi: Kpi) -> bool:
    """Whether a KPI can be marked unusual: a primary KPI, or a secondary one with a direction."""
    return kpi.breakdown is None and (kpi.group == "primary" or kpi.direction is not None)


def usual_range(month: str, window: Sequence[str], values: Sequence[float | None],
                partial: Mapping[str, str]) -> Usual | None:
    """The usual range of a KPI over the window's ``values`` (one per window month, consecutive
    months), or None when the six complete months before ``month`` or its value are not all there."""
    if month not in window or month in partial:
        return None
    index = window.index(month)
    if index < UNUSUAL_MONTHS or window[index - UNUSUAL_MONTHS] != shift(month, -UNUSUAL_MONTHS):
        return None
    current = values[index]
    history = values[index - UNUSUAL_MONTHS:index]
    if current is None or any(v is None for v in history) or \
            any(m in partial for m in window[index - UNUSUAL_MONTHS:index]):
        return None
    known = [float(v) for v in history if v is not None]
    mean = math.fsum(known) / UNUSUAL_MONTHS
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in known) / (UNUSUAL_MONTHS - 1))  # sample sd
    low, high = mean - UNUSUAL_SIGMAS * sd, mean + UNUSUAL_SIGMAS * sd
    return Usual(low, high, not low <= float(current) <= high)
