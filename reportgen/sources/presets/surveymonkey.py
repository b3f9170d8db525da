"""SurveyMonkey: the CSV export of all responses (two header rows).

Row 1 holds the column names and the question texts; row 2 sub-headers
(``Response``, ``Open-Ended Response``, choice labels) and is skipped.

=====================  ====================================================================
canonical              SurveyMonkey header (row 1)
=====================  ====================================================================
response_id            ``Respondent ID``
submitted_at           ``End Date``
survey                 ``options.survey`` (required: nps, csat or ces)
score                  the column named by ``options.score_column`` (required; the question
                       text of row 1)
ticket_id              ``options.ticket_column`` (e.g. ``Custom Data 1``)
comment                ``options.comment_column``
=====================  ====================================================================

Dates look like ``03/05/2024 02:39:31 PM`` (month first) and are read with
``%m/%d/%Y %I:%M:%S %p`` (and 24-hour / no-seconds variants); ISO dates are
read too; set ``date_format`` for day-first accounts. They carry no offset:
set the source's ``timezone:`` to the account's. An answer exported as
"Actual answer text" (``10 - Extremely likely``) keeps its leading number;
other text answers need ``score_labels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import SURVEY_OPTIONS, Preset, Reader, one_question_survey

FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M")


def survey_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("surveymonkey", dataset, header, source, path, SURVEY_OPTIONS)
    response = r.need("response_id", "Respondent ID")
    submitted = r.need("submitted_at", "End Date")

    def read_time(index: int) -> str:
        return r.timestamp(index, FORMATS)

    return one_question_survey(r, response, submitted, read_time)


SURVEYMONKEY = Preset("surveymonkey", ("surveys",), survey_columns,
                      "SurveyMonkey responses CSV (two header rows)", header_rows=2,
                      options=SURVEY_OPTIONS)
