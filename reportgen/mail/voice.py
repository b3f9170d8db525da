"""The email's survey parts: the manager's note, small-sample and unusual marks, customers' quotes.

Read from the report's blocks (``reportgen.blocks``), like the rest of the email: the
note (``reportgen.notes``: Markdown rendered with raw HTML disabled), the headline's
"n = 4" and "⚠ unusual" (``reportgen.segments``, ``reportgen.unusual``) and up to three
unhappy customers' comments (``reportgen.voice``). Comments and the note are untrusted:
the templates autoescape them; the note's HTML comes only from the Markdown renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from reportgen.blocks import KpiRow, MonthBlocks
from reportgen.config import Config
from reportgen.i18n import Translator
from reportgen.measures import dimension_value_in
from reportgen.report_survey import sample_text, score_text, unusual_text, usual_note
from reportgen.voice import email_quotes


@dataclass(frozen=True)
class Quote:
    text: str  # the comment (cut at 500 characters); escaped by the templates
    meta: str  # "1 / 5 · CSAT · Shipping · email · Luca"


@dataclass(frozen=True)
class EmailVoice:
    note_html: Markup | None
    note_text: str | None
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class RowMarks:
    """A headline row's survey marks: '' when none."""

    sample: str  # "n = 4": too few answers, no verdict
    unusual: str  # "⚠ unusual"
    unusual_note: str  # its usual range


def row_marks(row: KpiRow, tr: Translator, currency: str) -> RowMarks:
    sample = sample_text(tr, row.responses) if row.few and row.responses is not None else ""
    if row.unusual:
        return RowMarks(sample, unusual_text(tr), usual_note(tr, row, currency))
    return RowMarks(sample, "", "")


def email_voice(blocks: MonthBlocks, tr: Translator, config: Config) -> EmailVoice:
    quotes = []
    for comment in email_quotes(blocks.comments):
        parts = [score_text(tr, comment.survey, comment.score, config), tr.t(f"segment.col.{comment.survey}")]
        if comment.category is not None and comment.channel is not None:
            parts += [dimension_value_in("category", comment.category, tr),
                      dimension_value_in("channel", comment.channel, tr)]
        parts += [comment.agent] if comment.agent else []
        quotes.append(Quote(comment.text, " · ".join(parts)))
    note = blocks.note
    return EmailVoice(note.html if note else None, note.text if note else None, tuple(quotes))
