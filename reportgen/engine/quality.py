"""Quality stage: counts per exclusion reason, and the rows behind them (for `validate`)."""

from __future__ import annotations

import duckdb

from reportgen.engine.clean import TICKET_DISCARDS, discarded
from reportgen.engine.load import PARSED, TEXT_OF, Loaded
from reportgen.engine.reasons import reasons_of
from reportgen.engine.result import DatasetQuality, RowProblem
from reportgen.sources.files import sql_string


def count_quality(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> DatasetQuality:
    """Rows read, used, duplicated, excluded per reason and values discarded per reason."""
    dataset = loaded.dataset
    quality = DatasetQuality(files=loaded.files, rows_read=loaded.rows_read)
    for reason, count in con.execute(
        f"SELECT excluded, count(*) FROM {dataset}_all WHERE excluded IS NOT NULL GROUP BY 1"
    ).fetchall():
        if reason == "duplicate":
            quality.duplicates = count
        else:
            quality.excluded[reason] = count
    quality.rows_used = quality.rows_read - quality.duplicates - sum(quality.excluded.values())
    row = con.execute(f"SELECT count(*) FROM {dataset}_raw WHERE _ctl").fetchone()
    quality.control_characters = int(row[0]) if row else 0
    if dataset == "tickets":
        counts = ", ".join(f"count(*) FILTER (WHERE {discarded(reason)})" for reason in TICKET_DISCARDS)
        row = con.execute(f"SELECT {counts} FROM tickets").fetchone()
        assert row is not None
        for reason, count in zip(TICKET_DISCARDS, row, strict=True):
            if count:
                quality.values_discarded[reason] = count
    return quality


def row_problems(con: duckdb.DuckDBPyConnection, loaded: Loaded,
                 max_problems: int | None) -> list[RowProblem]:
    """Excluded rows and discarded values with their file and row, in reading order.

    ``max_problems`` per kind of query (None: all; 0: none, and nothing is queried).
    Rows get their numbers here only: from their rowid and the span of their file
    (``_rid`` and ``_file``, kept by the clean stage with ``row_ids=True``).
    """
    if max_problems is not None and max_problems <= 0:
        return []
    dataset = loaded.dataset
    limit = "" if max_problems is None else f"LIMIT {int(max_problems)}"
    reasons = reasons_of(dataset)

    def shown(column: str) -> str:
        text = TEXT_OF[column]
        return f"coalesce({text}, CAST({PARSED[column]} AS VARCHAR))" if column in PARSED else text

    value = "CASE a.excluded " + " ".join(
        f"WHEN {sql_string(reason)} THEN {shown(column)}" for reason, column in reasons.items()
    ) + " END"
    selects = [
        f"SELECT a._file, a._rid, a.excluded, {value} FROM {dataset}_all a JOIN "
        f"(SELECT rowid AS _id, * FROM {dataset}_raw) r ON r._id = a._rid "
        f"WHERE a.excluded IS NOT NULL AND a.excluded <> 'duplicate' ORDER BY a._rid {limit}"
    ]
    if dataset == "tickets":
        selects += [
            f"SELECT t._file, t._rid, {sql_string(reason)}, {shown(reasons[reason])} "
            f"FROM tickets t JOIN (SELECT rowid AS _id, * FROM tickets_raw) r ON r._id = t._rid "
            f"WHERE {discarded(reason, 't')} ORDER BY t._rid {limit}"
            for reason in TICKET_DISCARDS
        ]
    found = [row for sql in selects for row in con.execute(sql).fetchall()]
    problems = []
    for file_index, rid, reason, text in sorted(found, key=lambda r: (r[1], r[2])):
        span = loaded.spans[file_index]
        problems.append(RowProblem(span.path, span.row_of(int(rid)), reasons[reason], reason,
                                   None if text is None else str(text)))
    return problems
