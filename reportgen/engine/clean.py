"""Clean stage: each row cleaned as it is loaded into ``{dataset}_all``, then duplicates marked
and the view ``{dataset}`` of usable rows: the cleaned relation ``reportgen.engine.sqlgen``
documents.

:func:`row_cleaning` compiles the declaration (``engine.rules``) into the SELECT the load
stage writes every row with (``engine.load.Into``): the checked values, the row's reason of
exclusion (a small integer, :func:`reason_of` names it), the discarded values and the output
columns, in the same pass that reads the file — no second copy of the rows. What needs every
row first is done after (:func:`clean_tickets`, :func:`clean_surveys`):

* duplicates: of the rows sharing an id, the last one read wins (later file, later source,
  later row); the others are marked ``duplicate`` — only the rows whose id repeats are
  touched;
* the months (``created_month``…): computed by the view from the instants, with a lookup
  built from their first and last values (``engine.month_keys``);
* the business durations (``business_hours:`` computed, not given): the view joins the
  per-day table built for the days the tickets span.

Discarded optional values (``reasons.DISCARDED``) are flagged per row by one bit each in the
integer column ``discards`` (:func:`discarded` tests one): one column is cheaper to write than six.

``{dataset}_all`` and the view are in the database the stages' connections share: the survey
drivers and the comments read both datasets' once both stages are done (``engine.drivers``).
``row_ids``: keep ``_file`` (the file's index) and the cells the reasons are about,
which ``quality.row_problems`` needs to name the rows and show their values (``rowid`` is the
raw rowid); left out when no row is to be listed. A timestamp's or number's cell is kept as the
file wrote it (``load.written``, read only then), where the value is given (not blank-like).
"""

from __future__ import annotations

import re

import duckdb

from reportgen.business_hours import day_table, durations_sql, epoch_day, given_sql, no_durations_sql
from reportgen.config import BusinessHoursOptions, Config, KpiOptions
from reportgen.engine import rules
from reportgen.engine.load import PARSED, TEXT_OF, Into, written
from reportgen.engine.month_keys import MonthKeys, exact_month_sql
from reportgen.engine.reasons import DISCARDED, reasons_of
from reportgen.sources.schema import ID_COLUMN


def sane(column: str) -> str:
    """A parsed instant, or NULL unless within 1900–2200 (``rules.INSTANT``: never 'infinity', year 99999)."""
    return rules.compile_sql(rules.INSTANT, {"_v": column})


def _terms(keys: MonthKeys | None, report_tz: str) -> rules.Terms:
    """How the declared rules (``engine.rules``) read the rows ``load`` reads: the parsed value
    (``…_c``/``…_d``) and the text kept when it did not parse (``TEXT_OF``). Duplicates are
    marked after every row is in (:func:`mark_duplicates`)."""
    def parsed(value: rules.Value) -> str:
        return PARSED.get(value.column, value.column)

    def given(value: rules.Value) -> str:
        if value.column in PARSED:
            return f"{PARSED[value.column]} IS NOT NULL OR {TEXT_OF[value.column]} IS NOT NULL"
        return f"{value.column} IS NOT NULL"

    return rules.Terms(parsed, given, "FALSE", lambda column: month_of(column, keys, report_tz))


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


def _reasons(relation: rules.Relation) -> dict[str, int]:
    """reason → its code in the ``excluded`` column (a TINYINT; NULL: the row is used)."""
    return {rule.reason: index + 1 for index, rule in enumerate(relation.excluded)}


_ANY_SCALES = KpiOptions()  # the reasons' order does not depend on the scales


def _reason_order(dataset: str) -> rules.Relation:
    """``dataset``'s declaration, for the order of its reasons (the codes of ``excluded``)."""
    return rules.tickets() if dataset == "tickets" else rules.surveys(_ANY_SCALES)


def reason_of(dataset: str, code: int) -> str:
    """The reason an ``excluded`` code of ``{dataset}_all`` stands for."""
    return _reason_order(dataset).excluded[code - 1].reason


def reason_code(dataset: str, reason: str) -> int:
    return _reasons(_reason_order(dataset))[reason]


def _month_outputs(relation: rules.Relation) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(outputs computed as rows are loaded, outputs the view computes: the months)."""
    months = [(name, sql) for name, sql in relation.outputs if "month_of(" in sql]
    return [o for o in relation.outputs if o not in months], months


def _kept_values(relation: rules.Relation, names: set[str]) -> dict[str, str]:
    """value name → the column of ``{dataset}_all`` it is kept in (for the view's months and the
    business durations): the output of the same name when that is the value itself, else ``_v_…``."""
    outputs = dict(relation.outputs)
    return {name: name if outputs.get(name) == name else f"_v_{name}" for name in sorted(names)}


def _month_values(relation: rules.Relation) -> dict[str, str]:
    """The values the month outputs read (named as words in their SQL), and where they are kept."""
    _, months = _month_outputs(relation)
    return _kept_values(relation, {value.name for value in relation.values
                                   if any(re.search(rf"\b{value.name}\b", sql) for _, sql in months)})


_BUSINESS_VALUES = {"created", "first_response_any", "resolved_any"}  # what durations_sql reads


def row_cleaning(config: Config, dataset: str, row_ids: bool) -> Into:
    """The cleaning of ``dataset``'s rows as they are loaded (``load_dataset(…, into=…)``)."""
    if dataset == "tickets":
        relation = rules.tickets()
        helpdesk = config.business_hours is not None and config.business_hours.from_helpdesk
        extra = (given_sql("first_response_business_minutes_d", "resolution_business_minutes_d")
                 if helpdesk else "")
        kept = _month_values(relation)
        if config.business_hours is not None and not helpdesk:
            kept |= _kept_values(relation, _BUSINESS_VALUES)
    else:
        relation = rules.surveys(config.kpis)
        extra = "id AS link_response, comment AS link_comment,"  # the comments' rows (engine.segments)
        kept = _month_values(relation)
    terms = _terms(None, config.report.timezone)
    codes = {reason: str(code) for reason, code in _reasons(relation).items()}
    loaded, _ = _month_outputs(relation)
    outputs = [sql for sql in relation.output_sql(terms)
               if sql.rsplit(" AS ", 1)[1] in {name for name, _ in loaded}]
    values = [f"{name} AS {column}" for name, column in kept.items() if name != column]
    listed: list[str] = []
    as_written: list[str] = []  # the parsed columns a reason is about: their cells as written
    if row_ids:  # the cells a reason is about, shown by quality.row_problems
        for column in sorted(set(reasons_of(dataset).values())):
            if column in PARSED:
                as_written.append(column)
                listed.append(f"CASE WHEN {PARSED[column]} IS NOT NULL OR {TEXT_OF[column]} IS NOT NULL "
                              f"THEN {written(column)} END AS {written(column)}")
            else:
                listed.append(TEXT_OF[column])
    id_column = ID_COLUMN[dataset]
    columns = [*(["_file", *listed] if row_ids else []), "_ctl",
               f"CAST({relation.excluded_sql(terms, codes)} AS TINYINT) AS excluded", *outputs, *values]
    if extra:
        columns.append(extra.rstrip(" ,"))
    if relation.discarded:
        columns.append(f"CAST({_discards(relation.discard_conditions(terms))} AS TINYINT) AS discards")
    select = f"""
        SELECT {', '.join(columns)}
        FROM (SELECT *, {', '.join(relation.checked(terms))}
              FROM (SELECT *, {id_column} AS id FROM ({Into.ROWS})))"""
    return Into(f"{dataset}_all", select, written=tuple(as_written))


_ID = {"tickets": "id", "surveys": "link_response"}  # the column of {dataset}_all holding the id


def mark_duplicates(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Of the rows sharing an id, all but the last read are ``duplicate`` (only those are touched).

    A duplicate is told before any later reason (``rules``): the mark replaces the reason the row
    had; a row without id is never one. The ids are first grouped by their 64-bit hash (a
    fixed-size key groups faster than text: 2.1 -> 1.6 CPU-s at 5M rows); only the rows whose
    hash repeats are then grouped by the id itself, so a collision is never taken for a duplicate."""
    code, key, table = reason_code(dataset, "duplicate"), _ID[dataset], f"{dataset}_all"
    con.execute(f"""
        UPDATE {table} SET excluded = {code} WHERE rowid IN (
            WITH repeated AS (SELECT hash({key}) AS h FROM {table} WHERE {key} IS NOT NULL
                              GROUP BY 1 HAVING count(*) > 1),
            candidates AS (SELECT rowid AS r, {key} AS id FROM {table}
                           WHERE {key} IS NOT NULL AND hash({key}) IN (SELECT h FROM repeated))
            SELECT c.r FROM candidates c JOIN (
                SELECT id, max(r) AS keep FROM candidates GROUP BY id HAVING count(*) > 1) d ON c.id = d.id
            WHERE c.r <> d.keep)""")


def _month_keys(con: duckdb.DuckDBPyConnection, dataset: str, columns: list[str],
                report_tz: str) -> MonthKeys | None:
    """The month lookup for the instants of ``columns`` in ``{dataset}_all``; None without any."""
    if not columns:
        return None
    values = ", ".join(f"{kind}({column})" for column in columns for kind in ("min", "max"))
    row = con.execute(f"SELECT {values} FROM {dataset}_all").fetchone()
    found = [v for v in (row or ()) if v is not None]
    return MonthKeys(report_tz, min(found), max(found)) if found else None


def _view(con: duckdb.DuckDBPyConnection, dataset: str, relation: rules.Relation, report_tz: str,
          joins: str = "", business_columns: str = "", business: dict[str, str] | None = None) -> None:
    """The view ``{dataset}``: the usable rows of ``{dataset}_all`` with their months (and the
    business durations: ``joins``, ``business_columns`` over the values ``business`` names)."""
    kept = _month_values(relation) | (business or {})
    timestamps = {v.name for v in relation.values if v.sql_type == "TIMESTAMPTZ"}
    keys = _month_keys(con, dataset, [column for name, column in kept.items() if name in timestamps
                                      and name in _month_values(relation)], report_tz)
    _, months = _month_outputs(relation)
    month_sql = [rules.compile_sql(sql, {name: column for name, column in kept.items() if name != column},
                                   lambda column: month_of(column, keys, report_tz)) + f" AS {name}"
                 for name, sql in months]
    aliases = [f"{column} AS {name}" for name, column in kept.items() if name != column]
    hidden = ", ".join(["excluded", *(column for name, column in kept.items() if name != column)])
    inner = f"SELECT *{''.join(', ' + a for a in aliases)} FROM {dataset}_all WHERE excluded IS NULL"
    renamed = ", ".join(name for name, column in kept.items() if name != column)
    exclude = f"{hidden}{', ' + renamed if renamed else ''}"
    con.execute(f"CREATE OR REPLACE VIEW {dataset} AS SELECT _t.* EXCLUDE ({exclude}), "
                f"{business_columns} {', '.join(month_sql)} FROM ({inner}) _t {joins}")


def business_durations(con: duckdb.DuckDBPyConnection, options: BusinessHoursOptions,
                       zone: str, kept: dict[str, str]) -> tuple[str, str]:
    """(joins, columns) of the tickets' view that add ``first_response_business_hours`` and
    ``resolution_business_hours`` when computed (not the helpdesk's own).

    The working time before each instant is read from the per-UTC-day table ``bh_days``
    (``reportgen.business_hours``), generated here for the days the tickets span.
    """
    row = con.execute("SELECT " + ", ".join(
        f"{kind}({epoch_day(column)})" for column in kept.values()
        for kind in ("min", "max")) + " FROM tickets_all").fetchone()
    days = [int(v) for v in (row or ()) if v is not None]
    if not days:
        return "", no_durations_sql()
    table = day_table(options, zone, min(days), max(days))
    con.execute(f"CREATE OR REPLACE TABLE bh_days AS SELECT * FROM {table.values_sql()}")
    return durations_sql(table)


def clean_tickets(con: duckdb.DuckDBPyConnection, report_tz: str,
                  business_hours: BusinessHoursOptions | None = None, business_tz: str = "UTC") -> None:
    """After every row is loaded (``row_cleaning``): duplicates, then the view ``tickets``.
    ``business_hours`` (in ``business_tz``), when computed: the view adds the business durations."""
    mark_duplicates(con, "tickets")
    relation = rules.tickets()
    if business_hours is None or business_hours.from_helpdesk:
        _view(con, "tickets", relation, report_tz)
        return
    kept = _kept_values(relation, _BUSINESS_VALUES)
    joins, columns = business_durations(con, business_hours, business_tz, kept)
    _view(con, "tickets", relation, report_tz, joins, columns, kept)


def clean_surveys(con: duckdb.DuckDBPyConnection, report_tz: str, config: Config) -> None:
    """After every row is loaded (``row_cleaning``): duplicates, then the view ``surveys``."""
    mark_duplicates(con, "surveys")
    _view(con, "surveys", rules.surveys(config.kpis), report_tz)


def drop_cleaned(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what the clean stages left in the shared database (views first)."""
    for dataset in ("tickets", "surveys"):
        con.execute(f"DROP VIEW IF EXISTS {dataset}")
        con.execute(f"DROP TABLE IF EXISTS {dataset}_all")
    con.execute("DROP TABLE IF EXISTS bh_days")
