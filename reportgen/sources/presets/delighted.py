"""Delighted: survey responses from the API (JSON) or a CSV with the same fields.

=====================  ====================================================================
canonical              Delighted field (JSON key or CSV header)
=====================  ====================================================================
response_id            ``id`` (``Response ID``)
submitted_at           ``created_at``: Unix seconds (``1709631000``) in the API, ISO or a
                       date text in a CSV (``Response timestamp``, ``Date``)
survey                 ``survey_type`` (nps, csat, ces; other Delighted types such as
                       ``5star`` or ``enps`` are excluded as unknown_survey_kind), or
                       ``options.survey`` for every row (needed when there is no survey_type)
score                  ``score``
ticket_id              ``options.ticket_property`` read from ``person_properties``
                       (e.g. ``Ticket ID``), or ``options.ticket_column``
comment                ``comment``
=====================  ====================================================================

Unix seconds are absolute instants (UTC); naive text dates are in the source's
``timezone:``. Delighted's CES question is on a 1–7 agreement scale: set
``kpis.ces.scale: [1, 7]`` (and ``low_effort_min``) to match.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import SURVEY_OPTIONS, Preset, Reader, sql_literal

OPTIONS = {
    "survey": "nps, csat or ces for every row (default: the survey_type field)",
    "score_labels": SURVEY_OPTIONS["score_labels"],
    "ticket_property": "key of person_properties holding the ticket id",
    "ticket_column": SURVEY_OPTIONS["ticket_column"],
    "comment_column": SURVEY_OPTIONS["comment_column"],
    "date_format": SURVEY_OPTIONS["date_format"],
}


def survey_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("delighted", dataset, header, source, path, OPTIONS)
    response = r.need("response_id", "id", "Response ID")
    created = r.need("submitted_at", "created_at", "Response timestamp", "Date", "Created at")
    score = r.need("score", "score")
    kind = r.survey_option()
    if kind is not None:
        survey = sql_literal(kind)
    else:
        found = r.find("survey_type", "Survey type")
        if found is None:
            raise r.missing("survey_type", "needed for survey",
                            hint="or set options: {survey: nps} (nps, csat or ces) for this source")
        survey = f"c{found}"
    ticket: str | None = None
    prop = r.text_option("ticket_property")
    people = r.find("person_properties")
    if prop is not None:
        if people is None:
            raise r.missing("person_properties", "needed by options.ticket_property")
        ticket = f"json_extract_string(c{people}, {sql_literal('$.' + _json_key(prop))})"
    else:
        index = r.column_option("ticket_column", "for ticket_id")
        ticket = None if index is None else f"c{index}"
    comment = r.column_option("comment_column", "for comment")
    if comment is None:
        comment = r.find("comment")
    return r.finish({
        "response_id": f"c{response}",
        "submitted_at": r.epoch_or_timestamp(created),
        "survey": survey,
        "score": r.score(score),
        "ticket_id": ticket,
        "comment": None if comment is None else f"c{comment}",
    }, r.epoch_or_timestamp)


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


DELIGHTED = Preset("delighted", ("surveys",), survey_columns,
                   "Delighted survey responses (API JSON or CSV)", options=OPTIONS)
