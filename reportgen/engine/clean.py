"""Clean stage: ``{dataset}_raw`` → ``{dataset}_all`` (every row, with its exclusion reason)
and the view ``{dataset}`` of usable rows: the cleaned relation ``reportgen.engine.sqlgen``
documents.

Duplicates: of the rows sharing an id, the last one read wins (later file, later
source, later row); the others count as ``duplicate``. Discarded optional values
(``reasons.DISCARDED``) are flagged per row by one bit each in the integer column
``discards`` (:func:`discarded` tests one): one column is cheaper to write than six.

``row_ids``: keep ``_rid`` (the raw rowid) and ``_file`` (the file's index) in
``{dataset}_all``, which ``quality.row_problems`` needs to name the rows; left out
when no row is to be listed, a million rows are 12 MB smaller.
"""

from __future__ import annotations

import duckdb

from reportgen.business_hours import day_table, durations_sql, epoch_day, given_sql, no_durations_sql
from reportgen.config import BusinessHoursOptions, KpiOptions
from reportgen.engine.month_keys import MonthKeys, exact_month_sql
from reportgen.engine.reasons import DISCARDED


def sane(column: str) -> str:
    """A parsed instant, or NULL unless finite and within 1900–2200 (guards 'infinity', year 99999)."""
    return (f"CASE WHEN isfinite({column}) AND {column} BETWEEN TIMESTAMPTZ '1900-01-01 00:00:00+00' "
            f"AND TIMESTAMPTZ '2200-01-01 00:00:00+00' THEN {column} END")


def whole(column: str) -> str:
    """A parsed DOUBLE → BIGINT when it is a whole number ≥ 0 (``3.0`` counts), else NULL."""
    return (f"CASE WHEN isfinite({column}) AND {column} >= 0 AND {column} = floor({column}) "
            f"AND {column} < 1e15 THEN CAST({column} AS BIGINT) END")


def present(stem: str) -> str:
    """True when the cell held something: it parsed, or unparsed text was kept (blank-like is not)."""
    parsed = f"{stem}_d" if stem in ("replies", "reopens") else f"{stem}_c"
    return f"({parsed} IS NOT NULL OR {stem}_s IS NOT NULL)"


def month_keys(con: duckdb.DuckDBPyConnection, dataset: str, columns: tuple[str, ...],
               report_tz: str) -> MonthKeys | None:
    """The month lookup for the sane instants of ``columns`` in ``{dataset}_raw``; None without any."""
    values = ", ".join(f"{kind}({sane(column)})" for column in columns for kind in ("min", "max"))
    row = con.execute(f"SELECT {values} FROM {dataset}_raw").fetchone()
    found = [v for v in (row or ()) if v is not None]
    return MonthKeys(report_tz, min(found), max(found)) if found else None


def month_of(column: str, keys: MonthKeys | None, report_tz: str) -> str:
    """SQL: the report zone's ``'YYYY-MM'`` of an instant (see ``engine.month_keys``)."""
    if keys is None:  # no instant at all: the exact expression costs nothing
        return exact_month_sql(column, report_tz)
    return keys.sql(column)


# discarded optional values: reason → condition on the typed ticket columns
TICKET_DISCARDS = {
    "invalid_first_response_at": f"first_response_any IS NULL AND {present('first_response')}",
    "first_response_before_created": "first_response_any < created",
    "invalid_resolved_at": f"resolved_any IS NULL AND {present('resolved')}",
    "resolved_before_created": "resolved_any < created",
    "invalid_replies": f"replies_ok IS NULL AND {present('replies')}",
    "invalid_reopens": f"reopens_ok IS NULL AND {present('reopens')}",
}
assert set(TICKET_DISCARDS) == DISCARDED
_DISCARD_BIT = {reason: 1 << index for index, reason in enumerate(TICKET_DISCARDS)}


def discarded(reason: str, table: str | None = None) -> str:
    """SQL: true when a row of ``tickets_all`` had its value discarded for ``reason``."""
    column = f"{table}.discards" if table else "discards"
    return f"(({column} & {_DISCARD_BIT[reason]}) <> 0)"


def _discards() -> str:
    """SQL: the ``discards`` bits of a row (a condition that is NULL sets no bit)."""
    return " + ".join(f"CASE WHEN {condition} THEN {_DISCARD_BIT[reason]} ELSE 0 END"
                      for reason, condition in TICKET_DISCARDS.items())


def _ids(row_ids: bool) -> str:
    return "_rid, _file, " if row_ids else ""


def _last_wins(id_column: str, dataset: str, extra: str = "") -> str:
    """CTEs ``last_of`` and ``parsed``: rows with their id and, for duplicated ids, the rowid that wins.

    The id is stored trimmed, blank-like as NULL (``load``). The raw table is named twice
    rather than through a shared CTE, which DuckDB would materialise (a full copy of every row).
    """
    return f"""
        last_of AS (
            SELECT {id_column} AS id, max(rowid) AS keep FROM {dataset}_raw
            WHERE {id_column} IS NOT NULL GROUP BY 1 HAVING count(*) > 1
        ),
        parsed AS (
            SELECT r.rowid AS _rid, r.*, r.{id_column} AS id{extra}, last_of.keep
            FROM {dataset}_raw r LEFT JOIN last_of ON r.{id_column} = last_of.id
        )"""


def business_durations(con: duckdb.DuckDBPyConnection, options: BusinessHoursOptions | None,
                       zone: str) -> tuple[str, str]:
    """(joins, columns) of the tickets' clean query that add ``first_response_business_hours`` and
    ``resolution_business_hours``; ("", "") without business_hours:.

    Computed: the working time before each instant is read from the per-UTC-day table ``bh_days``
    (``reportgen.business_hours``), generated here for the days the tickets span.
    """
    if options is None:
        return "", ""
    if options.from_helpdesk:  # the helpdesk's own minutes, loaded as numbers
        return "", given_sql("first_response_business_minutes_d", "resolution_business_minutes_d")
    row = con.execute("SELECT " + ", ".join(
        f"{kind}({epoch_day(sane(column))})" for column in ("created_c", "first_response_c", "resolved_c")
        for kind in ("min", "max")) + " FROM tickets_raw").fetchone()
    days = [int(v) for v in (row or ()) if v is not None]
    if not days:
        return "", no_durations_sql()
    table = day_table(options, zone, min(days), max(days))
    con.execute(f"CREATE OR REPLACE TEMP TABLE bh_days AS SELECT * FROM {table.values_sql()}")
    return durations_sql(table)


def clean_tickets(con: duckdb.DuckDBPyConnection, report_tz: str, row_ids: bool = True,
                  business_hours: BusinessHoursOptions | None = None, business_tz: str = "UTC") -> None:
    """``business_hours`` (in ``business_tz``): add the business durations (``business_durations``)."""
    keys = month_keys(con, "tickets", ("created_c", "resolved_c"), report_tz)
    joins, business_columns = business_durations(con, business_hours, business_tz)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tickets_all AS
        WITH {_last_wins('ticket_id', 'tickets')},
        typed AS (
            SELECT *, {sane('created_c')} AS created,
                   {sane('first_response_c')} AS first_response_any,
                   {sane('resolved_c')} AS resolved_any,
                   {whole('replies_d')} AS replies_ok, {whole('reopens_d')} AS reopens_ok
            FROM parsed
        )
        SELECT {_ids(row_ids)}
            CASE WHEN id IS NULL THEN 'missing_ticket_id'
                 WHEN keep IS NOT NULL AND _rid <> keep THEN 'duplicate'
                 WHEN created IS NULL AND NOT {present('created')} THEN 'missing_created_at'
                 WHEN created IS NULL THEN 'invalid_created_at' END AS excluded,
            created, id,
            CASE WHEN resolved_any >= created THEN resolved_any END AS resolved,
            category, channel, agent, replies_ok AS replies, coalesce(reopens_ok, 0) AS reopens,
            {month_of('created', keys, report_tz)} AS created_month,
            CASE WHEN resolved_any >= created
                 THEN {month_of('resolved_any', keys, report_tz)} END AS resolved_month,
            CASE WHEN first_response_any >= created
                 THEN (epoch(first_response_any) - epoch(created)) / 3600.0 END AS first_response_hours,
            CASE WHEN resolved_any >= created
                 THEN (epoch(resolved_any) - epoch(created)) / 3600.0 END AS resolution_hours,
            {business_columns}
            CAST({_discards()} AS TINYINT) AS discards
        FROM typed {joins}
    """)
    if joins:
        con.execute("DROP TABLE bh_days")
    con.execute("CREATE OR REPLACE TEMP VIEW tickets AS SELECT * FROM tickets_all WHERE excluded IS NULL")


def clean_surveys(con: duckdb.DuckDBPyConnection, report_tz: str, options: KpiOptions,
                  row_ids: bool = True) -> None:
    csat_lo, csat_hi = (float(v) for v in options.csat.scale)
    ces_lo, ces_hi = (float(v) for v in options.ces.scale)
    keys = month_keys(con, "surveys", ("submitted_c",), report_tz)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE surveys_all AS
        WITH {_last_wins('response_id', 'surveys', ', lower(trim(survey)) AS kind, score_d AS score')},
        typed AS (SELECT *, {sane('submitted_c')} AS submitted FROM parsed)
        SELECT {_ids(row_ids)}
            CASE WHEN id IS NULL THEN 'missing_response_id'
                 WHEN keep IS NOT NULL AND _rid <> keep THEN 'duplicate'
                 WHEN submitted IS NULL AND NOT {present('submitted')} THEN 'missing_submitted_at'
                 WHEN submitted IS NULL THEN 'invalid_submitted_at'
                 WHEN kind IS NULL OR kind = '' THEN 'missing_survey'
                 WHEN kind NOT IN ('nps', 'csat', 'ces') THEN 'unknown_survey_kind'
                 WHEN score IS NULL AND score_s IS NULL THEN 'missing_score'
                 WHEN score IS NULL OR NOT isfinite(score) THEN 'invalid_score'
                 WHEN (kind = 'nps' AND (score < 0 OR score > 10 OR score <> floor(score)))
                   OR (kind = 'csat' AND (score < {csat_lo} OR score > {csat_hi}))
                   OR (kind = 'ces' AND (score < {ces_lo} OR score > {ces_hi}))
                 THEN 'score_out_of_scale' END AS excluded,
            submitted, kind, score, ticket_id AS ticket_ref,
            {month_of('submitted', keys, report_tz)} AS submitted_month
        FROM typed
    """)
    con.execute("CREATE OR REPLACE TEMP VIEW surveys AS SELECT * FROM surveys_all WHERE excluded IS NULL")
