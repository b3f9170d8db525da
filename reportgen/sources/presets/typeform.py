"""Typeform: the responses CSV download (Results → Responses → Download → CSV).

=====================  ====================================================================
canonical              Typeform header
=====================  ====================================================================
response_id            ``#`` (the response token; ``Response ID`` / ``Token`` also accepted)
submitted_at           ``Submit Date (UTC)``
survey                 ``options.survey`` (required: nps, csat or ces)
score                  the column named by ``options.score_column`` (required; the question's
                       title as it appears in the header)
ticket_id, comment     ``options.ticket_column`` / ``options.comment_column`` (e.g. a hidden field)
=====================  ====================================================================

Time zone: the headers state it, ``(UTC)``, and dates look like
``2024-10-05 02:39:31``: they are read as UTC whatever the source's
``timezone:``. Partial responses (``Response Type`` = partial) have no submit
date and are excluded as ``missing_submitted_at``, counted in data quality.
Answers exported as text need ``score_labels``.

Example::

    surveys:
      path: exports/typeform.csv
      preset: typeform
      options: {score_column: "How likely are you to recommend Acme to a friend?", survey: nps}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import SURVEY_OPTIONS, Preset, Reader, one_question_survey


def survey_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("typeform", dataset, header, source, path, SURVEY_OPTIONS)
    response = r.need("response_id", "#", "Response ID", "Token")
    submitted = r.need("submitted_at", "Submit Date (UTC)", "Submit Date", "Submitted At")
    if r.zone_of(submitted) is None:
        r.set_zone(submitted, "UTC")  # Typeform writes UTC, stated or not
    return one_question_survey(r, response, submitted)


TYPEFORM = Preset("typeform", ("surveys",), survey_columns,
                  "Typeform responses CSV (score column and survey kind from options)",
                  options=SURVEY_OPTIONS)
