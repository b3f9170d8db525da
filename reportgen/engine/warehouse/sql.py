"""The push-down SQL: the cleaned relation over a warehouse table, the engine's measures on top,
compiled to the warehouse's dialect with sqlglot (no execution here).

The cleaned relations are built to the contract ``reportgen.engine.sqlgen``
documents from the same declaration as the file engine's (``reportgen.engine.rules``: the
values' checks, the reasons in order, the discards, the outputs) as
``tickets_all`` / ``surveys_all``: every row with its ``excluded`` reason, the
measure queries reading those with ``excluded IS NULL``. Written in DuckDB's
dialect and compiled by sqlglot. One statement per dataset returns
only aggregates, as rows ``(tag, month, dimension value, v1 … vK)``:

* ``tag = 'q<i>'``: the i-th query of ``measures_sql`` (its measures in v1 …);
* ``tag = 'quality'``: rows read, exclusions and discarded values by reason
  (see :data:`QUALITY_TICKETS` / :data:`QUALITY_SURVEYS` for the order), the
  first and last local day of a usable row in the month/dimension columns;
* tickets, ``tag = 'cube'``: the drivers' cube (``engine.drivers.Cube``:
  every driver measure by created month, resolved month, category, channel and
  agent, over the same usable rows), its two months in the month/dimension
  columns and its dimensions in text columns after v1 … vK (``Pushdown.extra``,
  NULL in every other row); the engine sums it by segment locally.

Dialect handling (``compile_sql``): sqlglot rewrites functions and types
(``quantile_cont`` → ``PERCENTILE_CONT … WITHIN GROUP``, ``strftime`` →
``TO_CHAR``/``FORMAT_TIMESTAMP``, ``epoch`` → ``EXTRACT(epoch …)``,
``AT TIME ZONE`` → ``CONVERT_TIMEZONE`` …). Three spots are rewritten here on
the syntax tree where a dialect needs a different shape:

* BigQuery has no aggregate ``PERCENTILE_CONT``, only the analytic one: a branch
  with medians/p90 computes them as windows partitioned by its group keys in a
  subquery and takes ``ANY_VALUE`` of them;
* BigQuery epoch seconds are ``UNIX_MICROS(t) / 1e6``; Snowflake's are
  ``DATE_PART(epoch_microsecond, t) / 1e6`` (its ``epoch_second`` drops the
  fraction);
* BigQuery formats an instant in a zone with ``FORMAT_TIMESTAMP(fmt, t, zone)``;
* PostgreSQL and DuckDB take a column's median and p90 from one array percentile (one sort
  per group, ``_one_sort_per_column``); Snowflake and BigQuery have no array form.

Measures never use ``FILTER (WHERE …)``: ``sqlgen`` writes conditional
aggregates as ``CASE`` inside the aggregate, which every dialect accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlglot
from sqlglot import exp

from reportgen.business_hours import DayTable, durations_sql, epoch_day, given_sql, no_durations_sql
from reportgen.config import Config, KpiOptions, SourceConfig
from reportgen.engine import rules
from reportgen.engine.drivers import Cube, survey_cube, ticket_cube
from reportgen.engine.reasons import reasons_of
from reportgen.engine.sqlgen import Query, measures_sql
from reportgen.months import shift
from reportgen.sources.files import sql_string
from reportgen.sources.outbound import outbound_channels
from reportgen.sources.schema import ID_COLUMN

SOURCE_PLACEHOLDER = "__reportgen_source__"
# the surveys' relation in the tickets' statement (``SurveyJoin``)
SURVEYS_PLACEHOLDER = "__reportgen_surveys__"

# the quality row's value columns, in order (the declared reasons: ``rules.Relation.quality``)
QUALITY_TICKETS: tuple[str, ...] = rules.tickets().quality
QUALITY_SURVEYS: tuple[str, ...] = rules.surveys(KpiOptions()).quality
TICKET_DISCARDS = rules.tickets().discards


@dataclass(frozen=True)
class Pushdown:
    """The one statement of a dataset, in the target dialect, and how to read its rows."""

    dataset: str
    dialect: str
    sql: str
    queries: tuple[Query, ...]
    quality: tuple[str, ...]
    width: int
    # tickets: the drivers' cube (``engine.drivers.Cube``), rows tagged ``'cube'``: its first two
    # keys as (month, dimension value), its measures as v1 …, its other keys as the ``extra`` text
    # columns after v1 … vK (NULL in every other row)
    cube: Cube | None = None
    extra: int = 0
    survey_cube: Cube | None = None  # with ``SurveyJoin``: the surveys' drivers' cube, rows ``'survey_cube'``


@dataclass(frozen=True)
class SurveyJoin:
    """The surveys read in the same warehouse as the tickets: their drivers' cube (responses joined to
    the ticket each names) is computed in the tickets' statement, from ``SURVEYS_PLACEHOLDER``."""

    mapping: Mapping[str, str]
    source: SourceConfig
    unique: bool = False


def _text(expression: str | None, trimmed: bool = False) -> str:
    """A text column with blank-like values (``rules.BLANK_LIKE``) as NULL; ``trimmed``: an id."""
    if expression is None:
        return "CAST(NULL AS VARCHAR)"
    text = f"CAST({expression} AS VARCHAR)"
    listed = ", ".join(sql_string(v) for v in sorted(rules.BLANK_LIKE))
    kept = f"trim({text})" if trimmed else text
    return f"CASE WHEN lower(trim({text})) IN ({listed}) THEN NULL ELSE {kept} END"


def _raw_text(expression: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if expression is None else f"CAST({expression} AS VARCHAR)"


def _typed(value: rules.Value, expression: str | None) -> str:
    """A mapped column as the value's type (a text value: blank-like as NULL), ``<value>_raw``."""
    if value.sql_type == "VARCHAR":
        return f"{_text(expression, value.column in rules.TRIMMED)} AS {value.name}_raw"
    return f"CAST({expression or 'NULL'} AS {value.sql_type}) AS {value.name}_raw"


def _terms(tz: str, month: Callable[[str], str] | None = None) -> rules.Terms:
    """How the declared rules (``engine.rules``) read the mapped columns (``<value>_raw``); ``month``:
    how an instant's month key is written (default: formatted in the report zone)."""
    return rules.Terms(lambda value: f"{value.name}_raw", lambda value: f"{value.name}_raw IS NOT NULL",
                       "_rn > 1", month or (lambda column: _month(column, tz)))


def boundary(month: str, tz: str) -> str:
    """The instant ``month`` starts in zone ``tz`` (its first local midnight, DST-aware: a
    midnight the clocks skip starts at the jump), as a DuckDB TIMESTAMPTZ literal in UTC."""
    local = dt.datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=ZoneInfo(tz))
    return f"CAST('{local.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S')}+00' AS TIMESTAMPTZ)"


@dataclass(frozen=True)
class Span:
    """The months a statement computes, ``first`` … ``last`` (YYYY-MM in the report zone ``tz``).

    Rows are chosen by comparing the raw instants with the months' boundaries (computed here,
    so a warehouse index on them serves) and month keys are found by the same comparisons,
    never by formatting every row's instant.
    """

    first: str
    last: str
    tz: str

    @property
    def months(self) -> list[str]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = shift(month, 1)
        return months

    @property
    def start(self) -> str:
        return boundary(self.first, self.tz)

    @property
    def end(self) -> str:
        return boundary(shift(self.last, 1), self.tz)

    def within(self, column: str) -> str:
        """SQL: ``column`` (an instant) falls in the span."""
        return f"({column} >= {self.start} AND {column} < {self.end})"

    def month(self, column: str) -> str:
        """SQL: ``column``'s month key within the span, NULL outside it."""
        months = self.months
        edges = [boundary(m, self.tz) for m in months[1:]]
        whens = " ".join(f"WHEN {column} < {edge} THEN '{m}'" for m, edge in zip(months, edges, strict=False))
        return (f"CASE WHEN {column} < {self.start} OR {column} >= {self.end} THEN NULL {whens} "
                f"ELSE '{months[-1]}' END")


@dataclass(frozen=True)
class Chain:
    """Which rows one chain of cleaning CTEs (``numbered``, ``ranked``, ``<dataset>_all``, each name
    ending in ``suffix``) reads, and how.

    ``where``: the rows kept, over the mapped columns (``created_raw`` …), applied before the
    rules (a warehouse pushes it down to its scan); of the rows sharing an id, the winner is still
    chosen among all of them. ``unique``: ids are known unique (no de-duplication at all).
    ``owns_dups``: this chain writes the ``dup_ids`` CTE (a second chain reuses it).
    ``month``: how month keys are written (None: formatted in the report zone).
    ``extra``: more output columns of ``<dataset>_all`` (SQL over ``ranked``'s columns).
    """

    suffix: str = ""
    # SQL over the mapped columns, given how each is read (its raw expression, or a column)
    where: Callable[[Callable[[str], str]], str] | None = None
    unique: bool = False
    owns_dups: bool = True
    month: Callable[[str], str] | None = None
    extra: str = ""
    dups: str = "dup"  # the names of the de-duplication CTEs (``<dups>_ids`` …): another dataset's differ
    placeholder: str = SOURCE_PLACEHOLDER  # the relation it reads (replaced when the statement is sent)


def _month(column: str, tz: str) -> str:
    return f"strftime({column} AT TIME ZONE {sql_string(tz)}, '%Y-%m')"


def _day(column: str, tz: str) -> str:
    return f"strftime({column} AT TIME ZONE {sql_string(tz)}, '%Y-%m-%d')"


def _order(source: SourceConfig, mapping: Mapping[str, str], columns: Sequence[str]) -> str:
    """Which of the rows sharing an id wins: ``options.latest_by`` first, then every value (deterministic)."""
    keys = [f"{column} DESC" for column in columns]
    latest = source.options.get("latest_by")
    if latest:
        keys.insert(0, "_latest DESC")
    return ", ".join(keys)


def _deduplicated(mapped: Sequence[str], order: str, raw_id: str | None, chain: Chain) -> str:
    """CTEs ``dup_ids`` (when the chain owns it) and ``numbered``: the mapped rows the chain
    keeps, ``_rn`` > 1 for the losers among repeated ids.

    Repeated ids are found by grouping the id column as stored (its statistics estimate the
    groups; no per-row expression): ``dup_ids`` holds, as text, the stored ids that repeat or that
    trimming changes, and their trimmed text (``' 7'`` and ``'7'`` are one id). The rows whose
    stored id is among them are numbered by a window over the (cleaned) id, among all rows of the
    id (the winner does not depend on which rows the chain keeps); every other row is joined on
    the stored id alone (against ``dup_ids`` grouped again: a planner then estimates it small, as it
    is, and hashes it rather than sorting the table). The mapped subquery is written out at each use
    rather than shared, so no engine materialises a copy of the table. With ``chain.unique`` no row
    is numbered at all.
    """
    expressions = {item.rsplit(" AS ", 1)[1]: item.rsplit(" AS ", 1)[0] for item in mapped}
    text = f"CAST({raw_id} AS VARCHAR)"
    unique = chain.unique or raw_id is None

    def read(name: str) -> str:  # a mapped column's expression; ``_stored_id``: the id as stored, as text
        if name == "_stored_id":
            return text if raw_id is not None else "CAST(NULL AS VARCHAR)"
        return expressions[name]

    def source(alias: str, where: bool = False) -> str:
        kept = f" WHERE {chain.where(read)}" if where and chain.where else ""
        stored = "" if unique else f", {text} AS _stored_id"
        return f"(SELECT {', '.join(mapped)}{stored} FROM {chain.placeholder} AS src{kept}) AS {alias}"

    def kept(alias: str) -> str:
        return "" if chain.where is None else f" AND ({chain.where(lambda name: f'{alias}.{name}')})"

    s, d = chain.suffix, chain.dups
    if unique:
        return f"""
numbered{s} AS (SELECT m.*, 1 AS _rn FROM {source('m', where=True)})"""
    dups = f"""
{d}_stored AS (
  SELECT {text} AS stored FROM {chain.placeholder} AS src WHERE {raw_id} IS NOT NULL
  GROUP BY {raw_id} HAVING count(*) > 1 OR trim({text}) <> {text}
),
{d}_ids AS (SELECT stored AS dup_id FROM {d}_stored UNION SELECT trim(stored) FROM {d}_stored),
{d}_rows AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.id ORDER BY {order}) AS _rn
  FROM {source('r')} WHERE r._stored_id IN (SELECT dup_id FROM {d}_ids)
),""" if chain.owns_dups else ""
    # the rows of repeated ids, numbered once for every chain (``dup_rows``: the first chain's columns)
    columns = ", ".join(f"w.{name}" for name in expressions)
    return f"""{dups}
numbered{s} AS (
  SELECT m.*, 1 AS _rn FROM {source('m', where=True)}
  LEFT JOIN (SELECT dup_id FROM {d}_ids GROUP BY dup_id) AS x ON m._stored_id = x.dup_id
  WHERE x.dup_id IS NULL
  UNION ALL
  SELECT {columns}, w._stored_id, w._rn FROM {d}_rows AS w WHERE TRUE{kept('w')}
)"""


@dataclass(frozen=True)
class BusinessHours:
    """How the pushed-down tickets get their business durations: the helpdesk's minutes
    (``from: helpdesk``) or the F(t) table of the days they span (``reportgen.business_hours``)."""

    from_helpdesk: bool = False
    table: DayTable | None = None


def tickets_cte(mapping: Mapping[str, str], source: SourceConfig, tz: str, shown: bool = False,
                business: BusinessHours | None = None, chain: Chain = Chain()) -> str:
    """CTEs ending in ``tickets_all``: every row, with its ``excluded`` reason (NULL: usable).

    ``shown``: also keep the id and each column's value as read (``SHOWN``), for listing rows.
    ``business``: also the business durations (``first_response_business_hours``, …).
    ``chain``: which rows, and the CTEs' names (``Chain``).
    """
    get = mapping.get
    latest = source.options.get("latest_by")
    hours_given = "first_response_hours" in mapping
    relation, terms = rules.tickets(hours_given), _terms(tz, chain.month)
    values = {value.name for value in relation.values}
    mapped = [
        f"{_text(get('ticket_id'), trimmed=True)} AS id",
        *(_typed(value, None if hours_given and value.column == "first_response_at" else get(value.column))
          for value in relation.values),
        # names stay raw: blank-like ones are told apart on the few grouped values (pushdown._file)
        f"{_raw_text(get('category'))} AS category", f"{_raw_text(get('channel'))} AS channel",
        f"{_raw_text(get('agent'))} AS agent",
    ]
    if latest:
        mapped.append(f'"{latest!s}" AS _latest')
    business_cte, joins, business_columns = "", "", ""
    if business is not None and business.from_helpdesk:
        mapped += [f"CAST({get(name) or 'NULL'} AS DOUBLE) AS {name}_d"
                   for name in ("first_response_business_minutes", "resolution_business_minutes")]
        business_columns = given_sql("first_response_business_minutes_d", "resolution_business_minutes_d")
    elif business is not None and business.table is not None:
        business_cte = f"\nbh_days AS ({business.table.typed_sql()}),"
        joins, business_columns = durations_sql(business.table, first_response=not hours_given)
    elif business is not None:  # no ticket has an instant: no table to read
        business_columns = no_durations_sql()
    instants = ("created", "resolved_any", "first_response_any", "first_response_given")
    order = _order(source, mapping, (*(f"{name}_raw" for name in instants if name in values),
                                     "category", "channel", "agent", "replies_raw", "reopens_raw"))
    discards = relation.discard_conditions(terms)
    flags = ", ".join(f"CASE WHEN {discards[r]} THEN 1 ELSE 0 END AS {r}" for r in relation.discards)
    s = chain.suffix
    return f"""
{_deduplicated(mapped, order, get('ticket_id'), chain)},
ranked{s} AS (SELECT *, {', '.join(relation.checked(terms))} FROM numbered{s}),{business_cte}
tickets_all{s} AS (
  SELECT {relation.excluded_sql(terms)} AS excluded, {', '.join(relation.output_sql(terms))},
         {business_columns}{flags}{_shown('tickets', hours_given) if shown else ''}{chain.extra}
  FROM ranked{s} {joins}
)"""


def day_range_sql(mapping: Mapping[str, str], source: SourceConfig, tz: str, dialect: str) -> str:
    """The statement returning the first and last UTC day number of the tickets' instants (created,
    first response, resolved), to generate the business-hours table for (``BusinessHours``)."""
    instants = ("created", "first_response_any", "resolved_any")
    days = ", ".join(f"{kind}({epoch_day(column)})" for column in instants for kind in ("min", "max"))
    sql = f"WITH {tickets_cte(mapping, source, tz)} SELECT {days} FROM ranked"
    return compile_sql(sqlglot.parse_one(sql, read="duckdb"), dialect)


def surveys_cte(mapping: Mapping[str, str], source: SourceConfig, tz: str, config: Config,
                shown: bool = False, chain: Chain = Chain()) -> str:
    """CTEs ending in ``surveys_all``: every response, with its ``excluded`` reason (NULL: usable);
    ``shown`` and ``chain`` as for :func:`tickets_cte`."""
    get = mapping.get
    latest = source.options.get("latest_by")
    relation, terms = rules.surveys(config.kpis), _terms(tz, chain.month)
    mapped = [f"{_text(get('response_id'), trimmed=True)} AS id",
              *(_typed(value, get(value.column)) for value in relation.values),
              f"{_text(get('ticket_id'), trimmed=True)} AS ticket_id"]  # the ticket it names
    if latest:
        mapped.append(f'"{latest!s}" AS _latest')
    order = _order(source, mapping, tuple(f"{value.name}_raw" for value in relation.values))
    s = chain.suffix
    return f"""
{_deduplicated(mapped, order, get('response_id'), chain)},
ranked{s} AS (SELECT *, {', '.join(relation.checked(terms))} FROM numbered{s}),
surveys_all{s} AS (
  SELECT {relation.excluded_sql(terms)} AS excluded, {', '.join(relation.output_sql(terms))}{
      _shown('surveys', False) if shown else ''}{chain.extra}
  FROM ranked{s}
)"""


# canonical column → its value as read, in the CTEs before the rules (for listing rows)
SHOWN: dict[str, dict[str, str]] = {
    "tickets": {"ticket_id": "id", "created_at": "created_raw", "first_response_at": "first_response_any_raw",
                "resolved_at": "resolved_any_raw", "replies": "replies_raw", "reopens": "reopens_raw"},
    "surveys": {"response_id": "id", "submitted_at": "submitted_raw", "survey": "kind_raw",
                "score": "score_raw"},
}


def _shown(dataset: str, hours_given: bool) -> str:
    """The extra ``tickets_all``/``surveys_all`` columns ``_shown_<column>``: the id and values as read."""
    columns = dict(SHOWN[dataset])
    if hours_given:  # the first response is given as hours, not as an instant
        columns["first_response_at"] = "first_response_given_raw"
    return "".join(f", CAST({raw} AS VARCHAR) AS _shown_{name}" for name, raw in columns.items())


def _quality_branch(dataset: str, names: Sequence[str], width: int, tz: str, relation: str | None = None,
                    where: str | None = None, opening: str | None = None, counts: bool = True,
                    extra: int = 0) -> exp.Select:
    """The ``quality`` row of ``relation`` (default ``<dataset>_all``; ``where``: of its rows those):
    the counts of ``names`` (NULL unless ``counts``), then the opening backlog (``opening``: its
    SQL over the usable rows, else NULL); the first and last day of a usable row.

    Without ``counts`` only usable rows are read: ``excluded IS NULL`` is the WHERE, so an engine
    that inlines the relation evaluates the reasons (the blank-like id test …) once per row."""
    values = []
    usable = "excluded IS NULL"
    if not counts:
        where = usable if where is None else f"({where}) AND {usable}"
    for name in names:
        if not counts:
            values.append("NULL")
        elif name == "rows_read":
            values.append("count(*)")
        elif name in TICKET_DISCARDS:
            values.append(f"sum(CASE WHEN excluded IS NULL THEN {name} ELSE 0 END)")
        else:
            values.append(f"count(CASE WHEN excluded = {sql_string(name)} THEN 1 END)")
    if opening is not None:
        values.append(f"count(CASE WHEN {opening} THEN 1 END)" if not counts
                      else f"count(CASE WHEN {usable} AND {opening} THEN 1 END)")
    else:
        values.append("NULL")
    values += ["NULL"] * (width - len(values))
    instant = "created" if dataset == "tickets" else "submitted"
    used = instant if not counts else f"CASE WHEN {usable} THEN {instant} END"
    columns = ", ".join([*(f"CAST({v} AS DOUBLE)" for v in values), *["CAST(NULL AS VARCHAR)"] * extra])
    return _select(
        f"SELECT 'quality', {_day(f'min({used})', tz)}, {_day(f'max({used})', tz)}, {columns} "
        f"FROM {relation or f'{dataset}_all'}{f' WHERE {where}' if where else ''}")


def _select(sql: str) -> exp.Select:
    parsed = sqlglot.parse_one(sql, read="duckdb")
    assert isinstance(parsed, exp.Select)
    return parsed


def _measure_branch(index: int, query: Query, width: int, extra: int = 0) -> exp.Select:
    """A ``sqlgen`` query reshaped to (tag, month, dimension, v1 … vK, ``extra`` NULL texts) with
    explicit group keys."""
    return _reshaped(f"q{index}", query.sql, 2 if query.dimension else 1, width, extra)


def _cube_branch(tag: str, cube: Cube, width: int, extra: int, usable: bool = True) -> exp.Select:
    """A drivers' cube (``Cube``) reshaped to (tag, key 1, key 2, v1 … vK, the other keys as the
    ``extra`` texts); ``usable``: over the usable rows of its relation."""
    return _reshaped(tag, cube.sql, len(cube.keys), width, extra, usable)


def _reshaped(tag: str, sql: str, keys: int, width: int, extra: int, usable: bool = True) -> exp.Select:
    """A grouped query (``keys`` key columns, then aggregates) reshaped to (tag, key 1, key 2 or NULL,
    v1 … vK, keys 3 … as ``extra`` texts) with explicit group keys; ``usable``: over the usable rows
    (its relation has ``excluded``)."""
    # the parsed query's nodes are moved, not copied (sqlglot copies trees by default: most of the
    # time of building the statement went into copies)
    parsed = _select(sql)
    key_exprs = [e.unalias() if isinstance(e, exp.Alias) else e for e in parsed.expressions[:keys]]
    aggs = [e.unalias() if isinstance(e, exp.Alias) else e for e in parsed.expressions[keys:]]
    grouped = [k.copy() for k in key_exprs]
    texts = [exp.cast(k, "VARCHAR", copy=False) for k in key_exprs]
    texts += [exp.cast(exp.null(), "VARCHAR", copy=False) for _ in range(2 + extra - len(texts))]
    outputs: list[exp.Expression] = [
        exp.Literal.string(tag), *texts[:2],
        *[exp.cast(a, "DOUBLE", copy=False) for a in aggs],
        *[exp.cast(exp.null(), "DOUBLE", copy=False) for _ in range(width - len(aggs))],
        *texts[2:],
    ]
    branch = exp.select(*outputs, copy=False).from_(
        parsed.args["from_"] if "from_" in parsed.args else parsed.args["from"], copy=False)
    where = parsed.args.get("where")
    if where is not None:
        branch = branch.where(where.this, copy=False)
    # the usable rows: a filter here rather than a second CTE, which engines would materialise again
    if usable:
        branch = branch.where("excluded IS NULL", dialect="duckdb", copy=False)
    return branch.group_by(*grouped, copy=False)


def build(config: Config, dataset: str, source: SourceConfig, mapping: Mapping[str, str],
          dialect: str, business: BusinessHours | None = None, span: Span | None = None,
          unique: bool = False, surveys: SurveyJoin | None = None) -> Pushdown:
    """The push-down statement of ``dataset`` (tickets or surveys) for ``dialect``; ``business``:
    how the tickets get their business durations (with ``business_hours:``).

    ``span``: compute only those months (None: every month in the table). The rows created (or
    submitted) in the span, the tickets resolved in it and the rows no month can hold (their
    instant missing or invalid) are cleaned by one chain of CTEs, measured and counted for data
    quality; every other row by a second chain read by one lean aggregate: the open tickets when
    the span starts (the backlog the span's months add to) and the first and last day with data.
    ``unique``: the ids are known unique (a key in the catalog, or ``options.unique_ids``):
    no de-duplication.

    Tickets also get the drivers' cube (``engine.drivers.ticket_cube``) over the same usable rows;
    with ``surveys`` (the surveys in the same warehouse) the surveys' drivers' cube too: the
    responses of the span (or all), cleaned by the surveys' chain of CTEs (``*_s``, ``responses_dups_*``),
    joined to the tickets they name, cleaned by a third chain of the tickets' CTEs (``*_ref``)
    that keeps only the tickets those responses name (the winner of a repeated id still chosen
    among all its rows).
    """
    tz = config.report.timezone
    queries = tuple(measures_sql(dataset, config.kpis, f"{dataset}_all",
                                 business_hours=config.has_business_hours,
                                 outbound=outbound_channels(config)))
    quality = QUALITY_TICKETS if dataset == "tickets" else QUALITY_SURVEYS
    tickets = dataset == "tickets"
    # the drivers' cube over the same usable rows (``engine.drivers``): plain sums in any dialect
    cube = ticket_cube(config, f"{dataset}_all", hour_sums="float") if tickets else None
    width = max([len(quality) + 1, *(len(q.measures) for q in queries),
                 *([len(cube.measures)] if cube else [])])
    joined = None
    if cube is not None and surveys is not None:
        # one row per id named, its usable row's values (NULL: none usable), rather than the usable rows:
        # PostgreSQL estimated a handful of those (a filter on the reasons' CASE) and compared every
        # response with every ticket (2 s at 200k tickets); grouped, it hashes them
        usable = ", ".join(f"max(CASE WHEN excluded IS NULL THEN {c} END) AS {c}"
                           for c in ("id", "category", "channel", "agent"))
        referenced = f"(SELECT id AS named_id, {usable} FROM tickets_all_ref GROUP BY id)"
        joined = survey_cube(config, referenced, "(SELECT * FROM surveys_all_s WHERE excluded IS NULL)",
                             key="named_id")
        width = max(width, len(joined.measures))
    extra = max([len(c.keys) - 2 for c in (cube, joined) if c is not None], default=0)

    def ctes(chain: Chain) -> str:
        return (tickets_cte(mapping, source, tz, business=business if chain.owns_dups else None, chain=chain)
                if tickets else surveys_cte(mapping, source, tz, config, chain=chain))

    branches = [_measure_branch(i, q, width, extra) for i, q in enumerate(queries)]
    if cube is not None:
        branches.append(_cube_branch("cube", cube, width, extra))
    if joined is not None:
        branches.append(_cube_branch("survey_cube", joined, width, extra, usable=False))
    if span is None:
        text = ctes(Chain(unique=unique))
        branches.append(_quality_branch(dataset, quality, width, tz, extra=extra))
    else:
        instant = "created_raw" if tickets else "submitted_raw"
        relation = rules.tickets() if tickets else rules.surveys(config.kpis)
        check = next(value for value in relation.values if f"{value.name}_raw" == instant)

        def unplaced(column: str) -> str:  # no month can hold the row: its instant is missing or invalid
            return f"(({rules.compile_sql(check.check, {'_v': column})}) IS NULL)"

        def inside(column: Callable[[str], str]) -> str:
            resolved = f" OR {span.within(column('resolved_any_raw'))}" if tickets else ""
            return f"{span.within(column(instant))}{resolved} OR {unplaced(column(instant))}"

        counted = f", CASE WHEN {span.within(instant)} OR {unplaced(instant)} THEN 1 ELSE 0 END AS _counted"
        rest = Chain("_rest", lambda column: f"NOT coalesce({span.within(column(instant))}, TRUE)",
                     unique, owns_dups=False, month=lambda column: "CAST(NULL AS VARCHAR)")
        text = ctes(Chain(where=inside, unique=unique, month=span.month, extra=counted)) + "," + ctes(rest)
        opening = (f"created < {span.start} AND (resolved IS NULL OR resolved >= {span.start})"
                   if tickets else None)
        branches += [_quality_branch(dataset, quality, width, tz, where="_counted = 1", extra=extra),
                     _quality_branch(dataset, quality, width, tz, f"{dataset}_all_rest", opening=opening,
                                     counts=False, extra=extra)]
    if surveys is not None and joined is not None:
        text += "," + _survey_join_ctes(config, surveys, span, unique, mapping, source)
    union: exp.Expression = exp.union(*branches, distinct=False, copy=False)
    statement = sqlglot.parse_one(f"WITH {text} SELECT 1", read="duckdb")
    with_ = statement.args["with_"] if "with_" in statement.args else statement.args["with"]
    union.set("with_" if "with_" in statement.args else "with", with_)
    if dialect == "postgres":
        union = _fenced(union)
    return Pushdown(dataset, dialect, compile_sql(union, dialect, copy=False), queries, quality, width, cube,
                    extra, joined)


def _survey_join_ctes(config: Config, surveys: SurveyJoin, span: Span | None, unique: bool,
                      mapping: Mapping[str, str], source: SourceConfig) -> str:
    """The CTEs of the surveys' drivers' cube in the tickets' statement: ``surveys_all_s`` (the span's
    responses, or all) and ``tickets_all_ref`` (the tickets they name, after the same rules and
    de-duplication as every ticket: its repeated ids are the tickets' chain's ``dup_rows``)."""
    tz = config.report.timezone
    within = (lambda column: span.within(column("submitted_raw"))) if span is not None else None
    responses = Chain("_s", within, surveys.unique, month=span.month if span is not None else None,
                      dups="responses_dups", placeholder=SURVEYS_PLACEHOLDER)

    def named(column: Callable[[str], str]) -> str:
        # the stored id trimmed, not the cleaned id (whose blank-like test cost most of this chain's scan):
        # the same for every id a response can name, as a response's blank-like ticket id is no id
        named_ids = "SELECT ticket_ref FROM surveys_all_s WHERE excluded IS NULL"
        return f"trim({column('_stored_id')}) IN ({named_ids})"

    referenced = Chain("_ref", named, unique, owns_dups=False, month=lambda column: "CAST(NULL AS VARCHAR)")
    return (surveys_cte(surveys.mapping, surveys.source, tz, config, chain=responses) + ","
            + tickets_cte(mapping, source, tz, chain=referenced))


def _fenced(statement: exp.Expression) -> exp.Expression:
    """PostgreSQL: the checked values (``ranked``) computed once per row. A CTE read once is
    inlined, and its columns' expressions with it, into every expression using them: each range
    check was evaluated at every use (the reasons, the outputs, the month keys, the durations …).
    ``OFFSET 0`` keeps ``ranked`` a subquery of its own (the planner still drops the columns no
    reader uses). The rows outside a span (``ranked_rest``) use few values: no fence (measured)."""
    for cte in statement.find_all(exp.CTE):
        if cte.alias_or_name == "ranked" and isinstance(cte.this, exp.Select):
            cte.this.offset(0, copy=False)
    return statement


# ---- dialect handling ---------------------------------------------------------------------------
def compile_sql(tree: exp.Expr, dialect: str, copy: bool = True) -> str:
    """DuckDB-dialect tree → SQL text for ``dialect`` (with the rewrites the module docstring lists);
    ``copy=False``: the rewrites change ``tree`` itself (a tree built for this call only)."""
    if copy:
        tree = tree.copy()
    if dialect in ("postgres", "duckdb"):
        tree = tree.transform(_one_sort_per_column, copy=False)
    if dialect == "bigquery":
        tree = tree.transform(_bigquery_percentiles, copy=False)
        tree = tree.transform(_bigquery_functions, copy=False)
    elif dialect == "snowflake":
        tree = tree.transform(_snowflake_functions, copy=False)
    return tree.sql(dialect=dialect)


def _one_sort_per_column(node: exp.Expression) -> exp.Expression:
    """A grouped SELECT's percentiles of one column (the median and p90) → elements of ONE array
    percentile, ``(percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x))[i]``: the engine
    computes identical aggregates once, so each group's values are sorted once, not per percentile."""
    if not isinstance(node, exp.Select) or node.args.get("group") is None:
        return node
    found: dict[str, list[exp.PercentileCont]] = {}
    for expression in node.expressions:
        for call in expression.find_all(exp.PercentileCont):
            fraction = call.args.get("expression")
            if isinstance(fraction, exp.Literal) and not isinstance(call.parent, exp.Window):
                found.setdefault(call.this.sql("duckdb"), []).append(call)
    for calls in found.values():
        fractions = list(dict.fromkeys(call.args["expression"].this for call in calls))
        if len(fractions) < 2:
            continue
        for call in calls:
            shared = exp.PercentileCont(this=call.this.copy(), expression=exp.Array(
                expressions=[exp.Literal.number(f) for f in fractions]))
            index = exp.Literal.number(fractions.index(call.args["expression"].this) + 1)
            call.replace(exp.Bracket(this=exp.Paren(this=shared), expressions=[index]))
    return node


def _micros_seconds(function: str, *args: exp.Expression) -> exp.Expression:
    call = exp.Anonymous(this=function, expressions=list(args))
    return exp.Paren(this=exp.Div(this=call, expression=exp.Literal.number("1000000.0")))


def _bigquery_functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TimeToUnix):
        return _micros_seconds("UNIX_MICROS", node.this)
    if isinstance(node, exp.TimeToStr) and isinstance(node.this, exp.AtTimeZone):
        return exp.Anonymous(this="FORMAT_TIMESTAMP",
                             expressions=[node.args["format"], node.this.this, node.this.args["zone"]])
    return node


def _snowflake_functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TimeToUnix):
        return _micros_seconds("DATE_PART", exp.var("epoch_microsecond"), node.this)
    return node


def _bigquery_percentiles(node: exp.Expression) -> exp.Expression:
    """A grouped SELECT with PERCENTILE_CONT aggregates → windows in a subquery + ANY_VALUE."""
    if not isinstance(node, exp.Select) or not list(node.find_all(exp.PercentileCont)):
        return node
    group = node.args.get("group")
    if group is None:
        return node
    keys = [k.copy() for k in group.expressions]
    windows: list[exp.Expr] = [exp.Star()]
    counter = 0

    def replace(inner: exp.Expression) -> exp.Expression:
        nonlocal counter
        if isinstance(inner, exp.PercentileCont) and not isinstance(inner.parent, exp.Window):
            name = f"_p{counter}"
            counter += 1
            window = exp.Window(this=inner.copy(), partition_by=[k.copy() for k in keys])
            windows.append(exp.alias_(window, name))
            return exp.AnyValue(this=exp.column(name))
        return inner

    outer = node.copy()
    outer.set("expressions", [e.transform(replace) for e in outer.expressions])
    from_key = "from_" if "from_" in outer.args else "from"
    inner_select = exp.select(*windows).from_(outer.args[from_key].this.copy())
    where = outer.args.get("where")
    if where is not None:
        inner_select = inner_select.where(where.this.copy())
        outer.set("where", None)
    outer.set(from_key, exp.From(this=exp.Subquery(this=inner_select, alias=exp.TableAlias(
        this=exp.to_identifier("_windowed")))))
    return outer


def problems_sql(config: Config, dataset: str, source: SourceConfig, mapping: Mapping[str, str],
                 dialect: str, limit: int) -> str:
    """The statement listing excluded rows and discarded values of ``dataset`` (not duplicates):
    rows ``(reason, id, value as read)``, at most ``limit`` per reason, by id — for ``validate``."""
    tz = config.report.timezone
    ctes = (tickets_cte(mapping, source, tz, shown=True) if dataset == "tickets"
            else surveys_cte(mapping, source, tz, config, shown=True))
    reasons = reasons_of(dataset)
    id_column = ID_COLUMN[dataset]
    value = "CASE excluded " + " ".join(f"WHEN {sql_string(reason)} THEN _shown_{column}"
                                        for reason, column in reasons.items()
                                        if reason not in TICKET_DISCARDS) + " END"
    branches = [f"SELECT excluded AS reason, _shown_{id_column} AS id, {value} AS value FROM {dataset}_all "
                f"WHERE excluded IS NOT NULL AND excluded <> 'duplicate'"]
    if dataset == "tickets":
        branches += [f"SELECT {sql_string(reason)}, _shown_ticket_id, _shown_{reasons[reason]} "
                     f"FROM tickets_all WHERE excluded IS NULL AND {reason} = 1"
                     for reason in TICKET_DISCARDS]
    listed = " UNION ALL ".join(branches)
    sql = (f"WITH {ctes}, problems AS ({listed}) "
           f"SELECT reason, id, value FROM (SELECT reason, id, value, row_number() OVER "
           f"(PARTITION BY reason ORDER BY id NULLS FIRST, value) AS _n FROM problems) AS listed "
           f"WHERE _n <= {int(limit)} ORDER BY reason, _n")
    return compile_sql(sqlglot.parse_one(sql, read="duckdb"), dialect)


def discovery_sql(relation: str) -> str:
    """A statement returning no rows whose result columns are the relation's."""
    return f"SELECT * FROM {relation} AS src WHERE 1 = 0"
