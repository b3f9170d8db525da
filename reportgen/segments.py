"""Survey scores per segment and the small-sample rule, as report blocks.

A survey KPI computed from fewer than ``report.min_responses`` answers (default 30) is
shown greyed with its count ("n = 12") and judged by nothing: no verdict against a
target, no better/worse, no unusual mark. The rule holds for the headline CSAT, NPS and
CES (:func:`sample_size`) and for every agent, category and channel of the score tables
(:func:`score_tables`: ``kpis.SEGMENT_KPIS`` through the ticket a response names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reportgen.i18n import Translator
from reportgen.kpis import SEGMENT_KPIS, SURVEY_KPI_IDS, Kpi, SegmentKpi
from reportgen.measures import dimension_value_in

DEFAULT_MIN_RESPONSES = 30


@dataclass(frozen=True)
class ScoreCell:
    value: float | None  # None: no answer of that survey in the segment
    responses: int
    few: bool  # fewer answers than report.min_responses: greyed, not judged


@dataclass(frozen=True)
class ScoreTable:
    """CSAT, NPS and CES of the report month per value of one dimension, most answers first."""

    dimension: str  # agent | category | channel
    key_header: str  # message id
    kpis: tuple[SegmentKpi, ...]  # one per column, in SURVEY_KPI_IDS order
    rows: tuple[tuple[str, tuple[ScoreCell, ...]], ...]
    min_responses: int


SCORE_TABLE_HEADERS: dict[str, str] = {"agent": "agents.col.agent", "category": "common.category",
                                       "channel": "common.channel"}


def sample_size(kpi: Kpi, scalars: Mapping[str, float | None]) -> int | None:
    """How many answers a survey KPI's value is computed from (None: not a survey KPI).

    ``scalars``: the month's KPI values; the count is a KPI of its own (``nps_responses``, …)."""
    if kpi.responses is None:
        return None
    return int(scalars.get(kpi.responses) or 0)


def score_table(dimension: str, breakdown: Mapping[str, Mapping[str, float]],
                dims: Mapping[str, Mapping[str, float]], min_responses: int,
                tr: Translator | None = None) -> ScoreTable:
    """The score table of one dimension from the month's breakdowns and per-segment measures; keys
    as shown (the default ``Uncategorized`` in ``tr``'s language)."""
    kpis = tuple(next(k for k in SEGMENT_KPIS if k.breakdown == dimension and k.base == base)
                 for base in SURVEY_KPI_IDS)
    counts = {kpi.id: dims.get(kpi.responses or "", {}) for kpi in kpis}
    keys = {key for kpi in kpis for key, n in counts[kpi.id].items() if n and not key.startswith(" ")}
    total = {key: sum(counts[kpi.id].get(key, 0) for kpi in kpis) for key in keys}
    rows = []
    for key in sorted(keys, key=lambda k: (-total[k], k)):
        cells = []
        for kpi in kpis:
            n = int(counts[kpi.id].get(key, 0))
            value = breakdown.get(kpi.id, {}).get(key) if n else None
            cells.append(ScoreCell(value, n, 0 < n < min_responses))
        rows.append((dimension_value_in(dimension, key, tr) if tr else key, tuple(cells)))
    return ScoreTable(dimension, SCORE_TABLE_HEADERS[dimension], kpis, tuple(rows), min_responses)


def score_tables(breakdown: Mapping[str, Mapping[str, float]], dims: Mapping[str, Mapping[str, float]],
                 min_responses: int, tr: Translator | None = None) -> dict[str, ScoreTable]:
    """Agent, channel and category score tables (empty when no response names a ticket)."""
    return {dimension: score_table(dimension, breakdown, dims, min_responses, tr)
            for dimension in ("agent", "channel", "category")}
