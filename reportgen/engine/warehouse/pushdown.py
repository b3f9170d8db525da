"""Run the month's aggregation inside the warehouse and read back only aggregates.

``compute(config, dataset, source)`` connects, finds the table's (or query's)
columns with a statement returning no rows, maps them through the preset,
sends ONE generated statement (``sql.build``) and files its rows into the
same structures the file engine returns: :class:`MonthMeasures` per month and
a :class:`DatasetQuality`. ``business`` rows (one per month) are fetched as
text and parsed by the same code as the business file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy
import sqlglot
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from reportgen.business_hours import day_table
from reportgen.config import Config, WarehouseSource
from reportgen.drivers import DIMENSIONS
from reportgen.engine.aggregate import file_dimension
from reportgen.engine.drivers import Cube, CubeRows
from reportgen.engine.reasons import DISCARDED, reasons_of
from reportgen.engine.result import DatasetQuality, RowProblem
from reportgen.engine.rules import BLANK_LIKE
from reportgen.engine.warehouse.sql import (
    SOURCE_PLACEHOLDER,
    SURVEYS_PLACEHOLDER,
    BusinessHours,
    Pushdown,
    Span,
    SurveyJoin,
    build,
    compile_sql,
    day_range_sql,
    discovery_sql,
    problems_sql,
)
from reportgen.errors import ConfigError, DataError, ReportgenError
from reportgen.measures import MEASURES, MonthMeasures
from reportgen.sources.business import parse_business_rows
from reportgen.sources.files import sql_string
from reportgen.sources.schema import COLUMNS, ID_COLUMN
from reportgen.sources.text import drop_controls
from reportgen.sources.warehouse.connection import backend_of, create_engine, masked, parse_url, scrub
from reportgen.sources.warehouse.presets import check_preset, preset_mapping

# a table name as warehouses write it: dotted parts, optionally quoted ("…", `…`, […])
_PART = r'(?:[A-Za-z0-9_$\-]+|"[^"]+"|`[^`]+`)'
_TABLE = re.compile(rf"^\s*{_PART}(?:\.{_PART})*\s*$")

_SESSION_TIMEZONE = {
    "postgres": "SET TIME ZONE {tz}",
    "duckdb": "SET TimeZone = {tz}",
    "snowflake": "ALTER SESSION SET TIMEZONE = {tz}",
}

# PostgreSQL compiles a costly statement's expressions with LLVM (``jit``) before running it; the
# push-down is one long statement run once, so compiling costs more than it saves (1M tickets,
# EXPLAIN ANALYZE: 7.4 s of 16.4 s in JIT, a third of the CPU): off for this session only
_SESSION_SETTINGS = {"postgres": ("SET jit = off",)}


class Filed(Protocol):
    """Where the engine gathers a run's datasets (``reportgen.engine.run.EngineResult``)."""

    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    coverage: dict[str, tuple[dt.date, dt.date]]
    fatal: list[ReportgenError]
    problems: list[RowProblem]
    notes: list[str]
    opening_backlog: int


@dataclass
class WarehouseResult:
    """What the push-down of one dataset returns (the file engine's shapes)."""

    months: dict[str, MonthMeasures]
    quality: DatasetQuality
    coverage: tuple[dt.date, dt.date] | None = None
    columns: set[str] = field(default_factory=set)  # canonical columns the table maps to
    business: dict[str, dict[str, float | None]] = field(default_factory=dict)
    rows_fetched: int = 0  # rows that crossed the wire back to reportgen (all statements)
    problems: list[RowProblem] = field(default_factory=list)  # listed rows (``compute``'s max_problems)
    notes: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # the SQL sent, in order
    # tickets: those open when the computed span starts (0 without a span: every month is computed)
    opening_backlog: int = 0
    cube: CubeRows | None = None  # tickets: the drivers' cube, computed in the warehouse (``engine.drivers``)
    # tickets, with the surveys in the same warehouse: the surveys' drivers' cube (``sql.SurveyJoin``)
    survey_cube: CubeRows | None = None


def relation_of(source: WarehouseSource, where: str) -> tuple[str, str]:
    """(SQL the relation is read with, how messages name it) from ``table:`` or ``query:``."""
    if (source.table is None) == (source.query is None):
        raise ConfigError(f"{where}: a warehouse source takes exactly one of table: or query:",
                          hint='table: "analytics.tickets" or query: "SELECT … FROM …"')
    if source.table is not None:
        if not _TABLE.match(source.table):
            raise ConfigError(f"{where}.table: '{source.table}' is not a table name",
                              hint="schema.table (write a SELECT under query: for anything else)")
        return source.table.strip(), source.table.strip()
    query = source.query.strip().rstrip(";") if source.query else ""
    if not query:
        raise ConfigError(f"{where}.query: the query is empty")
    return f"({query})", "query"


def check_source(source: WarehouseSource, where: str, dataset: str = "tickets") -> URL:
    """Validate the warehouse settings of a source (no connection); returns its URL."""
    assert source.warehouse is not None
    url = parse_url(source.warehouse, where + ".warehouse")
    relation_of(source, where)
    check_preset(dataset, source, where)  # a file's keys (delimiter:, …) are refused by the config
    return url


@contextmanager
def _connection(url: URL, where: str) -> Iterator[sqlalchemy.Connection]:
    engine = create_engine(url, where)
    try:
        with engine.connect() as connection:
            yield connection
    except DBAPIError as exc:
        raise DataError(f"{where}: the warehouse {masked(url)} failed: {scrub(str(exc.orig), url)}") from None
    except SQLAlchemyError as exc:
        raise DataError(f"{where}: the warehouse {masked(url)} failed: {scrub(str(exc), url)}") from None
    finally:
        engine.dispose()


class _Session:
    """A connection that records every statement and counts the rows it returns."""

    def __init__(self, connection: sqlalchemy.Connection, result: WarehouseResult):
        self.connection = connection
        self.result = result

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        self.result.statements.append(sql)
        cursor = self.connection.exec_driver_sql(sql)
        if not cursor.returns_rows:
            return []
        rows = [tuple(row) for row in cursor.fetchall()]
        self.result.rows_fetched += len(rows)
        return rows

    def columns(self, relation: str) -> list[str]:
        sql = discovery_sql(relation)
        self.result.statements.append(sql)
        cursor = self.connection.exec_driver_sql(sql)
        names = [str(name) for name in list(cursor.keys())]
        self.result.rows_fetched += len(cursor.fetchall())
        return names


def compute(config: Config, dataset: str, source: WarehouseSource, where: str | None = None,
            max_problems: int | None = 0, span: Span | None = None) -> WarehouseResult:
    """Push the aggregation of ``dataset`` down to ``source``'s warehouse.

    ``max_problems``: rows to list per reason of exclusion or discarded value, by id, in a
    second statement sent only when the first counted some (None: ``LISTED_PER_REASON``,
    since only aggregates should cross the wire; 0: none). ``span``: the months to compute
    (None: every month; ``sql.build``).
    """
    where = where or f"sources.{dataset}"
    url = check_source(source, where, dataset)
    dialect = backend_of(url, where).dialect
    relation, shown = relation_of(source, where)
    result = WarehouseResult({}, DatasetQuality(files=[f"{masked(url)} {shown}"]))
    with _connection(url, where) as connection:
        session = _Session(connection, result)
        set_tz = _SESSION_TIMEZONE.get(dialect)
        if set_tz:  # naive timestamps are wall-clock time in the source's zone
            session.run(set_tz.format(tz=sql_string(config.source_timezone(source))))
        for setting in _SESSION_SETTINGS.get(dialect, ()):
            session.run(setting)
        found = session.columns(relation)
        mapping = preset_mapping(dataset, found, source, where)
        if dataset == "business":
            _business(session, relation, mapping, result, shown, dialect)
            return result
        business = _business_hours(config, session, mapping, source, relation, dialect) \
            if dataset == "tickets" else None
        unique = dataset != "business" and _unique_ids(session, source, mapping, ID_COLUMN[dataset], dialect)
        survey_relation, join = (_survey_join(config, session, source, where, dialect) if dataset == "tickets"
                                 else ("", None))
        pushdown = build(config, dataset, source, mapping, dialect, business, span, unique, join)
        if business is not None and not business.from_helpdesk and "first_response_hours" in mapping:
            result.notes.append(f"{where}: the first response is given as hours, not as an instant: the "
                                "business-hours first-response KPIs have no value (not 0); "
                                "business_hours: {from: helpdesk} takes the helpdesk's own business minutes")
        rows = session.run(pushdown.sql.replace(SOURCE_PLACEHOLDER, relation)
                           .replace(SURVEYS_PLACEHOLDER, survey_relation))
        _file(pushdown, rows, result)
        hours = {"first_response_at"} if "first_response_hours" in mapping else set()  # given as hours
        result.columns = set(mapping) | hours
        quality = result.quality
        limit = LISTED_PER_REASON if max_problems is None else max_problems
        if limit > 0 and (any(quality.excluded.values()) or any(quality.values_discarded.values())):
            sql = problems_sql(config, dataset, source, mapping, dialect, limit)
            _list_problems(session.run(sql.replace(SOURCE_PLACEHOLDER, relation)), dataset,
                           result.quality.files[0], result)
            counts = {**quality.excluded, **quality.values_discarded}
            if any(n > limit for n in counts.values()):
                result.notes.append(f"{dataset}: the warehouse's rows are listed {limit} per reason at most "
                                    f"(by {ID_COLUMN[dataset]}); the counts are complete")
    return result


LISTED_PER_REASON = 20

UNIQUE_IDS_OPTION = "unique_ids"

# SQL: rows when the table (:table) has a primary key or unique constraint/index on exactly the
# column (:column), with no predicate or expression (NULLs may repeat: they are missing ids)
_UNIQUE_SQL = {
    "postgres": "SELECT 1 FROM pg_index AS i JOIN pg_attribute AS a ON a.attrelid = i.indrelid "
                "AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass({table}) AND i.indisunique "
                "AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = {column}",
    "duckdb": "SELECT 1 FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
              "AND len(constraint_column_names) = 1 AND constraint_column_names[1] = {column} "
              "AND (table_name = {table} OR schema_name || '.' || table_name = {table} "
              "OR database_name || '.' || schema_name || '.' || table_name = {table})",
}


def _unique_ids(session: _Session, source: WarehouseSource, mapping: Mapping[str, str], id_column: str,
                dialect: str) -> bool:
    """Whether the ids need no de-duplication: ``options.unique_ids: true``, or the catalog shows a
    primary key or unique index on the id column of a ``table:`` source (PostgreSQL, DuckDB)."""
    if source.options.get(UNIQUE_IDS_OPTION) is True:
        return True
    column = mapping.get(id_column, "")
    catalog = _UNIQUE_SQL.get(dialect)
    if catalog is None or source.table is None or not re.fullmatch(r'"(?:[^"]|"")+"', column):
        return False
    name = column[1:-1].replace('""', '"')
    sql = catalog.format(table=sql_string(source.table.strip()), column=sql_string(name))
    try:
        if dialect == "postgres":  # a failure must not end the transaction (its time zone setting)
            with session.connection.begin_nested():
                return bool(session.run(sql))
        return bool(session.run(sql))
    except SQLAlchemyError:  # a name the catalog cannot resolve: de-duplicate
        return False


def _business_hours(config: Config, session: _Session, mapping: dict[str, str], source: WarehouseSource,
                    relation: str, dialect: str) -> BusinessHours | None:
    """How the tickets get their business durations: the helpdesk's minutes, or the working-time
    table of the UTC days they span (asked of the warehouse first: one row)."""
    options = config.business_hours
    if options is None:
        return None
    if options.from_helpdesk:
        return BusinessHours(from_helpdesk=True)
    sql = day_range_sql(mapping, source, config.report.timezone, dialect)
    rows = session.run(sql.replace(SOURCE_PLACEHOLDER, relation))
    days = [int(value) for value in (rows[0] if rows else ()) if value is not None]
    if not days:
        return BusinessHours()
    return BusinessHours(table=day_table(options, config.business_timezone(), min(days), max(days)))


def _list_problems(rows: Sequence[Sequence[Any]], dataset: str, shown: str, result: WarehouseResult) -> None:
    """The problem statement's rows ``(reason, id, value)`` → :class:`RowProblem` s named by id,
    in the order reasons are declared (as ``validate`` counts them)."""
    reasons = reasons_of(dataset)
    order = {reason: index for index, reason in enumerate(reasons)}
    for reason, key, value in sorted(rows, key=lambda row: order[str(row[0])]):  # stable: by id within
        result.problems.append(RowProblem(shown, None, reasons[str(reason)], str(reason),
                                          None if value is None else str(value),
                                          key=None if key is None else str(key)))


def _file(pushdown: Pushdown, rows: Sequence[Sequence[Any]], result: WarehouseResult) -> None:
    """The statement's rows → MonthMeasures per month, quality and coverage."""
    by_tag: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        by_tag.setdefault(str(row[0]), []).append(row)
    months = result.months
    for index, query in enumerate(pushdown.queries):
        typed: list[tuple[Any, ...]] = []
        for row in by_tag.get(f"q{index}", []):
            key_values = (row[1], _name(row[2])) if query.dimension else (row[1],)
            measures = tuple(_typed(m, v) for m, v in zip(query.measures, row[3:3 + len(query.measures)],
                                                          strict=True))
            typed.append(key_values + measures)
        if query.dimension is None:
            for month, *values in typed:
                months.setdefault(str(month), MonthMeasures()).scalars.update(
                    zip(query.measures, values, strict=True))
        else:
            file_dimension(query, typed, months)
    if pushdown.cube is not None:
        result.cube = _cube_rows(pushdown, pushdown.cube, by_tag.get("cube", []))
    if pushdown.survey_cube is not None:
        result.survey_cube = _cube_rows(pushdown, pushdown.survey_cube, by_tag.get("survey_cube", []))
    quality_rows = by_tag.get("quality", [])
    if not quality_rows:
        raise DataError(f"{pushdown.dataset}: the warehouse returned no quality row")
    # one row per chain of the statement (``sql.build``): counts add up, the days span them all
    firsts = [dt.date.fromisoformat(str(row[1])) for row in quality_rows if row[1] is not None]
    lasts = [dt.date.fromisoformat(str(row[2])) for row in quality_rows if row[2] is not None]
    totals = [sum(int(row[3 + i] or 0) for row in quality_rows) for i in range(len(pushdown.quality))]
    result.opening_backlog = sum(int(row[3 + len(pushdown.quality)] or 0) for row in quality_rows)
    counted: dict[str, int] = dict(zip(pushdown.quality, totals, strict=True))
    quality = result.quality
    quality.rows_read = counted.pop("rows_read")
    quality.duplicates = counted.pop("duplicate")
    for reason, count in counted.items():
        if not count:
            continue
        if reason in DISCARDED:
            quality.values_discarded[reason] = count
        else:
            quality.excluded[reason] = count
    quality.rows_used = quality.rows_read - quality.duplicates - sum(quality.excluded.values())
    if firsts and lasts:
        result.coverage = (min(firsts), max(lasts))


def _cube_rows(pushdown: Pushdown, cube: Cube, rows: Sequence[Sequence[Any]]) -> CubeRows:
    """A drivers' cube's rows (tag, key 1, key 2, measures…, other keys…) → the cube's rows (keys, then
    measures); names read as the breakdowns' (:func:`_name`), ``matched`` a whole number."""
    start, count = 3 + pushdown.width, len(cube.keys) - 2
    names = cube.keys[1:]

    def key(name: str, value: Any) -> Any:
        if name == "matched":
            return int(value)
        return _name(value) if name in DIMENSIONS else value

    return CubeRows(cube, [
        (row[1], *(key(name, value) for name, value in zip(names, (row[2], *row[start:start + count]),
                                                           strict=True)),
         *(None if value is None else float(value) for value in row[3:3 + len(cube.measures)]))
        for row in rows])


def _survey_join(config: Config, session: _Session, tickets: WarehouseSource, where: str,
                 dialect: str) -> tuple[str, SurveyJoin | None]:
    """(the surveys' relation, how they join) when their drivers are computed in the tickets' statement
    (``joined_surveys``); ("", None) otherwise, also when their table cannot be read or mapped: the
    surveys' own statement then reports it, under ``sources.surveys``."""
    responses = joined_surveys(config, tickets, where)
    if responses is None:
        return "", None
    try:
        relation = relation_of(responses, "sources.surveys")[0]
        if dialect == "postgres":  # a failure must not end the transaction (its time zone setting)
            with session.connection.begin_nested():
                found = session.columns(relation)
        else:
            found = session.columns(relation)
        mapping = preset_mapping("surveys", found, responses, "sources.surveys")
    except SQLAlchemyError:
        if dialect != "postgres":  # the failed statement ended the transaction (settings are the session's)
            session.connection.rollback()
        return "", None
    except ReportgenError:
        return "", None
    return relation, SurveyJoin(mapping, responses,
                                _unique_ids(session, responses, mapping, ID_COLUMN["surveys"], dialect))


def joined_surveys(config: Config, tickets: WarehouseSource, where: str) -> WarehouseSource | None:
    """The surveys' warehouse source when their drivers can be computed in the tickets' statement:
    the only survey source, on the same warehouse (URL) with the same source time zone; else None
    (the surveys then have no drivers, as with a survey file beside warehouse tickets)."""
    sources = config.sources.of("surveys")
    if len(sources) != 1 or not isinstance(sources[0], WarehouseSource):
        return None
    surveys = sources[0]
    assert tickets.warehouse is not None and surveys.warehouse is not None
    same = (parse_url(surveys.warehouse, "sources.surveys.warehouse") == parse_url(tickets.warehouse, where)
            and config.source_timezone(surveys) == config.source_timezone(tickets))
    return surveys if same else None


def _name(raw: Any) -> str | None:
    """A grouped category/channel/agent value without control characters (``sources.text``: the
    names with and without them merge); blank-like text (``-``, ``n/a`` …) is no value."""
    text = None if raw is None else drop_controls(str(raw))
    if text is None or text.strip().lower() in BLANK_LIKE:
        return None
    return text


def _typed(measure: str, value: Any) -> Any:
    """Counts back to int (they crossed the wire as DOUBLE); keys stay text."""
    if measure in MEASURES and value is not None:
        if MEASURES[measure].aggregation in ("count", "count_where"):
            return int(value)
        return float(value)
    return value


def _business(session: _Session, relation: str, mapping: dict[str, str], result: WarehouseResult,
              shown: str, dialect: str) -> None:
    """Business figures: one row per month, so the rows themselves are read (as text)."""
    columns = [c.name for c in COLUMNS["business"]]
    select = ", ".join(f"CAST({mapping[c]} AS VARCHAR)" if c in mapping else "CAST(NULL AS VARCHAR)"
                       for c in columns)
    sql = compile_sql(sqlglot.parse_one(f"SELECT {select} FROM {SOURCE_PLACEHOLDER} AS src", read="duckdb"),
                      dialect)
    rows = session.run(sql.replace(SOURCE_PLACEHOLDER, relation))
    records = [(Path(shown), index + 1, dict(zip(columns, (None if v is None else str(v) for v in row),
                                                   strict=True)))
               for index, row in enumerate(rows)]
    parsed = parse_business_rows(records, None)
    result.business = {month: figures.values for month, figures in parsed.items()}
    result.quality.rows_read = len(rows)
    result.quality.rows_used = len(parsed)


def warehouse_source(config: Config, dataset: str) -> WarehouseSource | None:
    """The warehouse source of ``dataset``, None when it reads none; a mix is refused."""
    sources = config.sources.of(dataset)
    found = [s for s in sources if isinstance(s, WarehouseSource)]
    if not found:
        return None
    if len(sources) > 1:
        raise ConfigError(f"sources.{dataset}: a warehouse source cannot be combined with other sources "
                          "of the same dataset", hint="union them in the warehouse with query: instead")
    return found[0]


def merge_into(months: dict[str, MonthMeasures], result: WarehouseResult) -> None:
    """File one dataset's pushed-down measures into the months of the run."""
    for month, measures in result.months.items():
        target = months.setdefault(month, MonthMeasures())
        target.scalars.update(measures.scalars)
        for name, values in measures.dims.items():
            target.dims.setdefault(name, {}).update(values)


@dataclass
class PushdownRun:
    """Every dataset of a config computed in its warehouse, finished like the file engine's months."""

    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    coverage: dict[str, tuple[dt.date, dt.date]]
    results: dict[str, WarehouseResult]

    @property
    def rows_fetched(self) -> int:
        return sum(r.rows_fetched for r in self.results.values())


def compute_all(config: Config, span: Span | None = None) -> PushdownRun:
    """All datasets of a config whose sources are warehouses (none may read files); ``span``:
    only those months (``sql.build``)."""
    from reportgen.engine.aggregate import finish

    months: dict[str, MonthMeasures] = {}
    opening = 0
    run = PushdownRun(months, {}, {}, {})
    columns: set[str] = set()
    business: dict[str, dict[str, float | None]] = {}
    for dataset in ("tickets", "surveys", "business"):
        sources = config.sources.of(dataset)
        if not sources:
            run.quality[dataset] = DatasetQuality()
            continue
        source = warehouse_source(config, dataset)
        if source is None:
            raise ConfigError(f"sources.{dataset}: not a warehouse source")
        result = compute(config, dataset, source, span=span)
        opening += result.opening_backlog
        run.results[dataset] = result
        run.quality[dataset] = result.quality
        if result.coverage is not None:
            run.coverage[dataset] = result.coverage
        if dataset == "tickets":
            columns = result.columns
        merge_into(months, result)
        business.update(result.business)
    if span is not None:
        business = {m: v for m, v in business.items() if span.first <= m <= span.last}
    finish(months, config, business, columns, opening)
    run.months = dict(sorted(months.items()))
    return run


def push_down(config: Config, dataset: str, result: Filed, collect: bool,
              max_problems: int | None = 0, months: tuple[str, str] | None = None) -> WarehouseResult:
    """Compute ``dataset`` in its warehouse and file months, quality, coverage, the opening
    backlog and the rows listed (``compute``'s ``max_problems``) into ``result``; ``months``:
    only the months first … last (report zone), None: every month.

    When collecting (``validate``), a failure is recorded in ``result.fatal`` and the dataset
    is left empty instead of raising.
    """
    source = warehouse_source(config, dataset)
    assert source is not None
    try:
        span = None if months is None else Span(*months, config.report.timezone)
        pushed = compute(config, dataset, source, max_problems=max_problems, span=span)
    except ReportgenError as exc:
        if not collect:
            raise
        result.fatal.append(exc)
        pushed = WarehouseResult({}, DatasetQuality())
    merge_into(result.months, pushed)
    result.quality[dataset] = pushed.quality
    result.problems += pushed.problems
    result.notes += pushed.notes
    result.opening_backlog += pushed.opening_backlog
    if pushed.coverage is not None:
        result.coverage[dataset] = pushed.coverage
    return pushed
