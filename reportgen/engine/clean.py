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
from reportgen.engine import rules
from reportgen.engine.load import PARSED, TEXT_OF
from reportgen.engine.month_keys import MonthKeys, exact_month_sql
from reportgen.engine.reasons import DISCARDED


def sane(column: str) -> str:
    """A parsed instant, or NULL unless within 1900–2200 (``rules.INSTANT``: never 'infinity', year 99999)."""
    return rules.compile_sql(rules.INSTANT, {"_v": column})


def _terms(keys: MonthKeys | None, report_tz: str) -> rules.Terms:
    """How the declared rules (``engine.rules``) read the raw table ``load`` wrote: the parsed
    value (``…_c``/``…_d``) and the text kept when it did not parse (``TEXT_OF``)."""
    def parsed(value: rules.Value) -> str:
        return PARSED.get(value.column, value.column)

    def given(value: rules.Value) -> str:
        if value.column in PARSED:
            return f"{PARSED[value.column]} IS NOT NULL OR {TEXT_OF[value.column]} IS NOT NULL"
        return f"{value.column} IS NOT NULL"

    return rules.Terms(parsed, given, "keep IS NOT NULL AND _rid <> keep",
                       lambda column: month_of(column, keys, report_tz))


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


TICKET_DISCARDS = rules.tickets().discards  # discarded optional values, in order
assert set(TICKET_DISCARDS) == DISCARDED
_DISCARD_BIT = {reason: 1 << index for index, reason in enumerate(TICKET_DISCARDS)}


def discarded(reason: str, table: str | None = None) -> str:
    """SQL: true when a row of ``tickets_all`` had its value discarded for ``reason``."""
    column = f"{table}.discards" if table else "discards"
    return f"(({column} & {_DISCARD_BIT[reason]}) <> 0)"


def _discards(conditions: dict[str, str]) -> str:
    """SQL: the ``discards`` bits of a row (a condition that is NULL sets no bit)."""
    return " + ".join(f"CASE WHEN {condition} THEN {_DISCARD_BIT[reason]} ELSE 0 END"
                      for reason, condition in conditions.items())


def _ids(row_ids: bool) -> str:
    return "_rid, _file, " if row_ids else ""


def _last_wins(id_column: str, dataset: str) -> str:
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
            SELECT r.rowid AS _rid, r.*, r.{id_column} AS id, last_of.keep
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
    relation, terms = rules.tickets(), _terms(keys, report_tz)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tickets_all AS
        WITH {_last_wins('ticket_id', 'tickets')},
        typed AS (SELECT *, {', '.join(relation.checked(terms))} FROM parsed)
        SELECT {_ids(row_ids)}
            {relation.excluded_sql(terms)} AS excluded,
            {', '.join(relation.output_sql(terms))},
            {business_columns}
            CAST({_discards(relation.discard_conditions(terms))} AS TINYINT) AS discards
        FROM typed {joins}
    """)
    if joins:
        con.execute("DROP TABLE bh_days")
    con.execute("CREATE OR REPLACE TEMP VIEW tickets AS SELECT * FROM tickets_all WHERE excluded IS NULL")


def clean_surveys(con: duckdb.DuckDBPyConnection, report_tz: str, options: KpiOptions,
                  row_ids: bool = True) -> None:
    keys = month_keys(con, "surveys", ("submitted_c",), report_tz)
    relation, terms = rules.surveys(options), _terms(keys, report_tz)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE surveys_all AS
        WITH {_last_wins('response_id', 'surveys')},
        typed AS (SELECT *, {', '.join(relation.checked(terms))} FROM parsed)
        SELECT {_ids(row_ids)}
            {relation.excluded_sql(terms)} AS excluded, {', '.join(relation.output_sql(terms))},
            id AS link_response, comment AS link_comment  -- the comments' rows (engine.segments)
        FROM typed
    """)
    con.execute("CREATE OR REPLACE TEMP VIEW surveys AS SELECT * FROM surveys_all WHERE excluded IS NULL")
