"""Voice of the customer: the month's survey comments as a report block.

Comments come from the engine (``engine.segments``: the ``report.comments`` lowest-scored
of the month, each with the category, channel and agent of the ticket it names).
Comments are untrusted text: control characters are dropped when read (``sources.text``),
each is cut at :data:`MAX_COMMENT` characters here, and every output writes it as text —
a string cell in the workbook and the Sheet (never a formula, whatever it starts with),
autoescaped in HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reportgen.config import KpiOptions
from reportgen.engine.result import SurveyComment
from reportgen.measures import NPS_BANDS
from reportgen.sources.text import drop_controls

MAX_COMMENT = 500  # characters shown of a comment; a longer one ends with "…"
EMAIL_QUOTES = 3  # unhappy customers' comments quoted in the email


@dataclass(frozen=True)
class CommentRow:
    """One comment as every output shows it."""

    score: float
    survey: str  # nps | csat | ces
    day: date  # submitted, in the report's time zone
    category: str | None  # None: the response names no ticket of the data
    channel: str | None
    agent: str | None
    text: str  # cut at MAX_COMMENT characters, control characters dropped
    unhappy: bool  # an NPS detractor, a negative CSAT, a high-effort CES


def cut(text: str, limit: int = MAX_COMMENT) -> str:
    """``text`` without control characters, at most ``limit`` characters (a cut one ends with '…')."""
    clean = drop_controls(text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def unhappy(survey: str, score: float, options: KpiOptions) -> bool:
    """A detractor (NPS 0–6), a negative CSAT (≤ csat.negative_max) or a high-effort CES
    (< ces.low_effort_min): the customers the email quotes."""
    if survey == "nps":
        low, high = NPS_BANDS["detractors"]
        return low <= score <= high
    if survey == "csat":
        return score <= options.csat.negative_max
    return score < options.ces.low_effort_min


def comment_rows(comments: Sequence[SurveyComment], timezone: str,
                 options: KpiOptions) -> tuple[CommentRow, ...]:
    """The month's comments (already lowest score first) as shown."""
    zone = ZoneInfo(timezone)
    return tuple(CommentRow(c.score, c.survey, datetime.fromisoformat(c.submitted).astimezone(zone).date(),
                            c.category, c.channel, c.agent, cut(c.comment),
                            unhappy(c.survey, c.score, options))
                 for c in comments)


def email_quotes(rows: Sequence[CommentRow], limit: int = EMAIL_QUOTES) -> tuple[CommentRow, ...]:
    """Up to ``limit`` unhappy customers' comments, lowest score first."""
    return tuple(row for row in rows if row.unhappy)[:limit]
