"""Qualtrics: the Data & Analysis CSV export (three header rows).

Row 1 holds the column names (``StartDate``, ``ResponseId``, ``Q1`` …), row 2
the question texts and row 3 the import ids (``{"ImportId":"recordedDate",
"timeZone":"America/Denver"}``); rows 2 and 3 are skipped.

=====================  ====================================================================
canonical              Qualtrics header (row 1)
=====================  ====================================================================
response_id            ``ResponseId`` (``ResponseID``, ``Response ID`` also accepted)
submitted_at           ``RecordedDate`` (else ``EndDate``)
survey                 ``options.survey`` (required: nps, csat or ces)
score                  the column named by ``options.score_column`` (required; a row-1 name
                       such as ``Q1``, not the ``Q1_NPS_GROUP`` column)
ticket_id              ``options.ticket_column`` (e.g. an embedded-data field)
comment                ``options.comment_column``
=====================  ====================================================================

Time zone: Qualtrics writes dates (``2024-03-05 10:12:45``) in the zone chosen
at export and states it in row 3's ``timeZone``; that zone is applied when the
file states one, else the source's ``timezone:``. Survey previews and
unfinished responses are read like any other row (filter them in the export).
Answers exported as choice text (``10 - Extremely likely``) keep their
leading number; other text needs ``score_labels``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportgen.config import SourceConfig
from reportgen.errors import DataError
from reportgen.sources.presets.base import (
    SURVEY_OPTIONS,
    Preset,
    Reader,
    csv_rows,
    one_question_survey,
)


def stated_zone(path: Path, source: SourceConfig, index: int) -> str | None:
    """The ``timeZone`` row 3 states for column ``index`` (CSV only), if a valid IANA name."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    try:
        rows = csv_rows(path, source)
        third = [next(rows, []) for _ in range(3)][2]
    except DataError:
        return None  # the engine reports an unreadable file
    if index >= len(third):
        return None
    try:
        stated = json.loads(third[index])
    except json.JSONDecodeError:
        return None
    zone = stated.get("timeZone") if isinstance(stated, dict) else None
    if not isinstance(zone, str):
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return zone


def survey_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("qualtrics", dataset, header, source, path, SURVEY_OPTIONS)
    response = r.need("response_id", "ResponseId", "Response ID")
    submitted = r.need("submitted_at", "RecordedDate", "EndDate")

    def read_time(index: int) -> str:
        zone = stated_zone(path, source, index)
        if zone is not None:
            r.set_zone(index, zone)
        return r.timestamp(index)

    return one_question_survey(r, response, submitted, read_time)


QUALTRICS = Preset("qualtrics", ("surveys",), survey_columns,
                   "Qualtrics responses CSV (three header rows)", header_rows=3, options=SURVEY_OPTIONS)
