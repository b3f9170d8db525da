"""The engine's result: measures per month, data quality, the rows behind it, survey comments.

Plain data, apart from the stages that compute it (``engine.run`` and the stage modules), so
what only reads a result — a run served from the result cache (``reportgen.result_cache``),
the gates, the text report — imports no DuckDB and no stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from reportgen.engine.reasons import REASONS
from reportgen.errors import ReportgenError
from reportgen.measures import MonthMeasures


@dataclass
class DatasetQuality:
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    duplicates: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    values_discarded: dict[str, int] = field(default_factory=dict)
    control_characters: int = 0  # rows whose ids or names had control characters dropped (sources.text)

    def as_dict(self, with_rows_only: bool = False) -> dict[str, Any]:
        if with_rows_only:
            return {"files": self.files, "rows_read": self.rows_read, "rows_used": self.rows_used}
        return {
            "files": self.files, "rows_read": self.rows_read, "rows_used": self.rows_used,
            "duplicates": self.duplicates, "excluded": dict(sorted(self.excluded.items())),
            "values_discarded": dict(sorted(self.values_discarded.items())),
            "control_characters": self.control_characters,
        }


@dataclass
class RowProblem:
    """One excluded row or discarded value, for `reportgen validate`.

    A file's row is named by its number; a warehouse's (``row`` None) by its id, ``key``
    (None: the row has none).
    """

    file: str
    row: int | None
    column: str
    reason: str
    value: str | None
    key: str | None = None

    @property
    def row_excluded(self) -> bool:
        """True when the whole row is left out; False when only this value is ignored."""
        return REASONS[self.reason].row_excluded


@dataclass(frozen=True)
class SurveyComment:
    """One response's comment with its score and the segment of the ticket it names."""

    month: str
    submitted: str  # ISO instant
    survey: str  # nps | csat | ces
    score: float
    comment: str  # as read (at most ``segments.COMMENT_READ`` characters); untrusted text
    category: str | None
    channel: str | None
    agent: str | None


@dataclass
class EngineResult:
    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    problems: list[RowProblem]
    fatal: list[ReportgenError] = field(default_factory=list)  # only when collecting (validate)
    # per dataset with usable rows: first and last local day (report zone) of its main timestamp
    coverage: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    # how files were read where it was inferred (detected encoding, date order), for `validate`
    notes: list[str] = field(default_factory=list)
    opening_backlog: int = 0  # tickets open when the first month starts (``Engine.months``)
    # per month: its survey comments, lowest scores first (``engine.segments``; report.comments)
    comments: dict[str, list[SurveyComment]] = field(default_factory=dict)

    def quality_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, quality in self.quality.items():
            out[name] = quality.as_dict(with_rows_only=name == "business")
        return out
