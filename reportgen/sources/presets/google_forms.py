"""Google Forms: a form's response sheet (Responses › Link to Sheets), read with ``google_sheet:``
or downloaded as CSV (File › Download › CSV).

=====================  ====================================================================
canonical              response sheet column
=====================  ====================================================================
response_id            ``options.id_column`` when the sheet has one, else the Timestamp and
                       the response's place in the sheet (Forms appends one row per response)
submitted_at           ``Timestamp``
survey                 ``options.survey`` (required: nps, csat or ces)
score                  the column named by ``options.score_column`` (required; the question
                       text, which is the column's header)
ticket_id, comment     ``options.ticket_column`` / ``options.comment_column`` (e.g. a
                       "Ticket number" question or a prefilled field)
=====================  ====================================================================

Time zone: Forms writes ``Timestamp`` as wall-clock time in the spreadsheet's
time zone (File › Settings), without an offset. Read through ``google_sheet:``,
that zone is taken from the spreadsheet unless the source sets ``timezone:``;
for a CSV download set ``timezone:`` to it. In a CSV the timestamp is shown the
sheet locale's way: ``3/5/2026 14:02:11`` (month first, the en_US default) and
ISO dates are read; set ``date_format`` (e.g. ``"%d/%m/%Y %H:%M:%S"``) for a
day-first locale. Read through ``google_sheet:``, the spreadsheet's locale
decides and nothing needs setting. Linear-scale answers are numbers; answers
given as choices (``Very satisfied``) need ``score_labels``.

Example::

    surveys:
      google_sheet: "https://docs.google.com/spreadsheets/d/1XyZ…/edit"
      worksheet: "Form Responses 1"
      preset: google_forms
      options: {score_column: "How likely are you to recommend us to a friend?", survey: nps}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import SURVEY_OPTIONS, Preset, Reader, survey_extras, survey_question

OPTIONS = {**SURVEY_OPTIONS, "id_column": "header of a column holding a response id (default: the row)"}
FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def survey_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("google_forms", dataset, header, source, path, OPTIONS)
    submitted = r.need("submitted_at", "Timestamp", "Horodateur", "Zeitstempel", "Marca temporal",
                       "Informazioni cronologiche", "Carimbo de data/hora")
    score, kind = survey_question(r)
    chosen = r.column_option("id_column", "for response_id")
    # no id column: the Timestamp text and the record's place, unique within and across sheets
    response = f"c{chosen}" if chosen is not None else \
        f"concat_ws('#', trim(c{submitted}), CAST(row_number() OVER () AS VARCHAR))"

    def read_time(index: int) -> str:
        return r.timestamp(index, FORMATS)

    return r.finish({
        "response_id": response,
        "submitted_at": read_time(submitted),
        "survey": kind,
        "score": score,
        **survey_extras(r),
    }, read_time)


GOOGLE_FORMS = Preset("google_forms", ("surveys",), survey_columns,
                      "a Google Form's response sheet (score question and survey kind from options)",
                      options=OPTIONS)
