"""Quality stage: counts per exclusion reason, and the rows behind them (for `validate`)."""

from __future__ import annotations

import duckdb

from reportgen.engine.clean import TICKET_DISCARDS, discarded, reason_code, reason_of
from reportgen.engine.load import PARSED, TEXT_OF, Loaded, written
from reportgen.engine.reasons import REASONS, reasons_of
from reportgen.engine.result import DatasetQuality, RowProblem
from reportgen.sources.files import sql_string


def count_quality(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> DatasetQuality:
    """Rows read, used, duplicated, excluded per reason and values discarded per reason (one scan)."""
    dataset = loaded.dataset
    quality = DatasetQuality(files=loaded.files, rows_read=loaded.rows_read)
    discards = TICKET_DISCARDS if dataset == "tickets" else ()
    counts = "".join(f", count(*) FILTER (WHERE {discarded(reason)})" for reason in discards)
    for code, rows, controls, *discarded_values in con.execute(
        f"SELECT excluded, count(*), count(*) FILTER (WHERE _ctl){counts} FROM {dataset}_all GROUP BY 1"
    ).fetchall():
        quality.control_characters += int(controls)
        if code is None:  # the rows used: their values discarded
            for reason, count in zip(discards, discarded_values, strict=True):
                if count:
                    quality.values_discarded[reason] = int(count)
            continue
        reason = reason_of(dataset, int(code))
        if reason == "duplicate":
            quality.duplicates = int(rows)
        else:
            quality.excluded[reason] = int(rows)
    quality.rows_used = quality.rows_read - quality.duplicates - sum(quality.excluded.values())
    return quality


def row_problems(con: duckdb.DuckDBPyConnection, loaded: Loaded,
                 max_problems: int | None) -> list[RowProblem]:
    """Excluded rows and discarded values with their file and row, in reading order.

    ``max_problems`` per kind of query (None: all; 0: none, and nothing is queried).
    Rows get their numbers here only: from their rowid and the span of their file
    (``_file`` and the cells shown, kept by the clean stage with ``row_ids=True``).
    """
    if max_problems is not None and max_problems <= 0:
        return []
    dataset = loaded.dataset
    limit = "" if max_problems is None else f"LIMIT {int(max_problems)}"
    reasons = reasons_of(dataset)

    def shown(column: str) -> str:  # the cell as the file wrote it (engine.clean.row_cleaning)
        return written(column) if column in PARSED else TEXT_OF[column]

    duplicate = reason_code(dataset, "duplicate")
    value = "CASE excluded " + " ".join(
        f"WHEN {reason_code(dataset, reason)} THEN {shown(column)}"
        for reason, column in reasons.items() if REASONS[reason].row_excluded
    ) + " END"
    selects = [
        f"SELECT _file, rowid, excluded, {value} FROM {dataset}_all "
        f"WHERE excluded IS NOT NULL AND excluded <> {duplicate} ORDER BY rowid {limit}"
    ]
    if dataset == "tickets":
        selects += [
            f"SELECT _file, rowid, {sql_string(reason)}, {shown(reasons[reason])} "
            f"FROM tickets_all WHERE excluded IS NULL AND {discarded(reason)} ORDER BY rowid {limit}"
            for reason in TICKET_DISCARDS
        ]
    found = [row for sql in selects for row in con.execute(sql).fetchall()]
    named = [(file_index, rid, reason if isinstance(reason, str) else reason_of(dataset, int(reason)), text)
             for file_index, rid, reason, text in found]
    problems = []
    for file_index, rid, reason, text in sorted(named, key=lambda r: (r[1], r[2])):
        span = loaded.spans[file_index]
        problems.append(RowProblem(span.path, span.row_of(int(rid)), reasons[reason], reason,
                                   None if text is None else str(text)))
    return problems
