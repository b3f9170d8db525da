"""SQL for the monthly measures, generated from their declarations (no execution here).

``measures_sql(dataset, options, relation)`` returns the queries computing every
measure of ``reportgen.measures.MEASURES`` that is aggregated in SQL for that
dataset. The SQL is DuckDB's dialect written to parse with
``sqlglot.parse_one(sql, read="duckdb")`` so it can be transpiled to other
warehouses; it only uses ``count``, ``sum``, ``coalesce``, ``CASE`` and
``quantile_cont``.

The cleaned relation each query reads (one row per usable record: duplicates
removed with the last one winning, excluded rows left out, blank-like values
NULL, everything already validated; declared once in ``reportgen.engine.rules``):

``tickets``
    ============================  ============  =========================================
    column                        type          meaning
    ============================  ============  =========================================
    id                            VARCHAR       the ticket id (never NULL)
    created                       TIMESTAMPTZ   creation instant (never NULL)
    resolved                      TIMESTAMPTZ   resolution instant; NULL unless ≥ created
    created_month                 VARCHAR       'YYYY-MM' of created in the report zone
    resolved_month                VARCHAR       'YYYY-MM' of resolved (NULL if unresolved)
    first_response_hours          DOUBLE        hours to first response; NULL if none/invalid
    resolution_hours              DOUBLE        hours to resolution; NULL if unresolved
    first_response_business_hours DOUBLE        the same in working time (only with business_hours:)
    resolution_business_hours     DOUBLE        the same in working time (only with business_hours:)
    replies                       BIGINT        agent replies; NULL when unknown/invalid
    reopens                       BIGINT        times reopened (0 when unknown/invalid)
    category, channel, agent      VARCHAR       as written (trimmed later); NULL when blank
    ============================  ============  =========================================

``surveys``
    ============================  ============  =========================================
    submitted                     TIMESTAMPTZ   submission instant (never NULL)
    submitted_month               VARCHAR       'YYYY-MM' of submitted in the report zone
    kind                          VARCHAR       'nps', 'csat' or 'ces' (lower case)
    score                         DOUBLE        within the kind's scale
    ticket_ref                    VARCHAR       the ticket id it names; NULL when none
    ============================  ============  =========================================

An ``inbound`` measure (``MeasureInfo.inbound``) leaves out the rows on an outbound
channel (``outbound``: the channel values, trimmed and in lower case,
``reportgen.sources.outbound``): in its aggregate's ``CASE`` beside the other
measures of its query (no extra scan), or in the ``WHERE`` of a query whose measures
are all inbound (the channels: an outbound channel then has no row at all).
Without outbound channels every ticket is inbound and the SQL is unchanged.

Each :class:`Query` returns rows ``(month, [dimension value,] value…)`` whose value
columns are, in order, the measures named in ``Query.measures`` (also their
column aliases). A dimension query groups by the raw value: merging spellings
(case, surrounding spaces) is done by the caller on the few distinct values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from reportgen.config import KpiOptions
from reportgen.measures import MeasureInfo, active_measures

_MONTH_COLUMN = {"created": "created_month", "resolved": "resolved_month", "submitted": "submitted_month"}


@dataclass(frozen=True)
class Query:
    """One aggregate query: its SQL and the measure each value column is."""

    dataset: str
    time: str
    dimension: str | None
    measures: tuple[str, ...]
    sql: str
    inbound: bool = False  # its WHERE leaves out the tickets on outbound channels
    # a query of several dimensions at once (``measures_sql(…, merge_dimensions=True)``): rows
    # ``(month, dimension, value, value…)``, each dimension's measures in ``per_dimension``
    per_dimension: tuple[tuple[str, tuple[str, ...]], ...] = ()


def outbound_predicate(outbound: Sequence[str]) -> str:
    """A SQL condition true for a ticket on one of the ``outbound`` channels (trimmed, lower case
    values) and false otherwise, also for a ticket without a channel."""
    if not outbound:
        return "FALSE"
    values = ", ".join("'" + value.replace("'", "''") + "'" for value in outbound)
    return f"coalesce(lower(trim(channel)) IN ({values}), FALSE)"


def option_values(options: KpiOptions, outbound: Sequence[str] = ()) -> dict[str, str]:
    """The KPI options measure filters may name in braces, as SQL literals; ``{outbound}``: the
    condition of :func:`outbound_predicate`."""
    return {
        "outbound": outbound_predicate(outbound),
        "sla_hours": _number(float(options.sla.first_response_hours)),
        "sla_column": ("first_response_business_hours" if options.sla.clock == "business"
                       else "first_response_hours"),
        "max_replies": str(int(options.fcr.max_replies)),
        "csat_satisfied_min": _number(float(options.csat.satisfied_min)),
        "csat_negative_max": _number(float(options.csat.negative_max)),
        "ces_low_effort_min": _number(float(options.ces.low_effort_min)),
    }


def _number(value: float) -> str:
    return repr(value) if not value.is_integer() else f"{value:.1f}"


def sql_measures(dataset: str, business_hours: bool = False) -> list[MeasureInfo]:
    """The declared measures of a dataset that SQL computes, in declaration order (the
    business-hours ones only when ``business_hours``)."""
    return [m for m in active_measures(business_hours) if m.dataset == dataset and m.computed_in_sql]


# How a sum of hours is written. A sum of DOUBLEs depends on the order of its terms, which DuckDB's
# threads change from run to run: the same files gave an average resolution of 140.2423546221664 h,
# then 140.24235462216595 h. Durations come from instants with microseconds at most, so the file
# engine sums them as whole microseconds (HUGEINT), exactly and in any order, and divides once:
# "exact". "microseconds": that whole sum, to be summed again (the drivers' cube). "float": a plain
# sum (the warehouses' statements, in their own dialects).
HourSums = Literal["float", "exact", "microseconds"]
MICROSECONDS_PER_HOUR = 3_600_000_000


def whole_microseconds(hours: str) -> str:
    """``hours`` (a DOUBLE) as whole microseconds; NULL past HUGEINT (~4.7e28 hours, no duration)."""
    return f"TRY_CAST(round(({hours}) * {MICROSECONDS_PER_HOUR}) AS HUGEINT)"


def is_hour_sum(measure: MeasureInfo) -> bool:
    """A sum of durations in hours (the sums ``HourSums`` is about)."""
    return measure.aggregation == "sum" and measure.unit == "hours"


def in_hours(microseconds: str) -> str:
    """A sum of whole microseconds back in hours (a DOUBLE)."""
    return f"({microseconds}) / {MICROSECONDS_PER_HOUR}.0"


def aggregate_expression(measure: MeasureInfo, options: dict[str, str], inbound: bool = False,
                         hour_sums: HourSums = "float") -> str:
    """The SQL aggregate of one measure over its relation; ``inbound``: over the rows whose channel is
    not outbound only (``options["outbound"]``); ``hour_sums``: how a sum of hours is written."""
    column = measure.column.format(**options) if measure.column else None
    condition = measure.filter.format(**options) if measure.filter else None
    if inbound:
        keep = f"NOT ({options['outbound']})"
        condition = f"({condition}) AND {keep}" if condition else keep
    kind = measure.aggregation
    if kind == "count":
        target = column or "*"
        if condition:
            return f"count(CASE WHEN {condition} THEN {column or 1} END)"
        return f"count({target})"
    if kind == "count_where":
        if condition is None:
            raise ValueError(f"measure {measure.name}: count_where needs a filter")
        if column:
            condition = f"({condition}) AND {column} IS NOT NULL"
        return f"count(CASE WHEN {condition} THEN 1 END)"
    if column is None:
        raise ValueError(f"measure {measure.name}: {kind} needs a column")
    value = f"CASE WHEN {condition} THEN {column} END" if condition else column
    if is_hour_sum(measure) and hour_sums != "float":
        total = f"coalesce(sum({whole_microseconds(value)}), 0)"
        return total if hour_sums == "microseconds" else in_hours(total)
    if kind == "sum":
        return f"coalesce(sum({value}), 0)"
    if kind == "mean":
        return f"avg({value})"
    if kind == "median":
        return f"quantile_cont({value}, 0.5)"
    if kind == "p90":
        return f"quantile_cont({value}, 0.9)"
    raise ValueError(f"measure {measure.name}: aggregation {kind} is not computed in SQL")


def measures_sql(dataset: str, options: KpiOptions, relation: str | None = None,
                 business_hours: bool = False, outbound: Sequence[str] = (),
                 merge_dimensions: bool = False, hour_sums: HourSums = "float") -> list[Query]:
    """Queries computing every SQL measure of ``dataset`` over ``relation`` (default: the dataset name);
    the business-hours measures too when ``business_hours`` (the relation then has their columns);
    ``outbound``: the outbound channel values (trimmed, lower case) the inbound measures leave out.

    One query per (time column, dimension): rows grouped by month (and dimension value).
    ``merge_dimensions``: the dimension queries of one time column whose measures all add up
    (counts and sums) and share their ``WHERE`` are one ``GROUPING SETS`` query (one scan);
    its rows of tickets without agent are those of the agent ``NULL`` (the caller leaves them out).
    ``hour_sums``: how sums of hours are written (``HourSums``).
    """
    relation = relation or dataset
    values = option_values(options, outbound)
    groups: dict[tuple[str, str | None], list[MeasureInfo]] = {}
    for measure in sql_measures(dataset, business_hours):
        if measure.time is None:
            raise ValueError(f"measure {measure.name}: an aggregated measure needs a time column")
        groups.setdefault((measure.time, measure.dimension), []).append(measure)
    queries = []
    for (time, dimension), measures in groups.items():
        month = _MONTH_COLUMN[time]
        keys = [month] + ([dimension] if dimension else [])
        inbound = bool(outbound) and all(m.inbound for m in measures)  # the whole query: in its WHERE
        columns = ", ".join(
            f'{aggregate_expression(m, values, bool(outbound) and m.inbound and not inbound, hour_sums)} '
            f'AS "{m.name}"' for m in measures)
        where = [f"{month} IS NOT NULL"]
        if dimension == "agent":  # tickets without an agent are nobody's
            where.append("agent IS NOT NULL")
        if inbound:
            where.append(f"NOT ({values['outbound']})")
        group = ", ".join(str(i + 1) for i in range(len(keys)))
        sql = (f"SELECT {', '.join(keys)}, {columns} FROM {relation} "
               f"WHERE {' AND '.join(where)} GROUP BY {group}")
        queries.append(Query(dataset, time, dimension, tuple(m.name for m in measures), sql, inbound))
    return (_merged(queries, groups, relation, values, bool(outbound), hour_sums) if merge_dimensions
            else queries)


_ADDITIVE = frozenset({"count", "count_where", "sum"})


def _merged(queries: list[Query], groups: dict[tuple[str, str | None], list[MeasureInfo]], relation: str,
            values: dict[str, str], outbound: bool, hour_sums: HourSums) -> list[Query]:
    """``queries`` with the dimension queries of one (time, inbound) whose measures add up as one
    ``GROUPING SETS`` query (see :func:`measures_sql`)."""
    sets: dict[tuple[str, bool], list[Query]] = {}
    for query in queries:
        measures = groups[(query.time, query.dimension)]
        if query.dimension is not None and all(m.aggregation in _ADDITIVE for m in measures):
            sets.setdefault((query.time, query.inbound), []).append(query)
    out = [q for q in queries if not any(q in merged for merged in sets.values() if len(merged) > 1)]
    for (time, inbound), merged in sets.items():
        if len(merged) < 2:
            continue
        month = _MONTH_COLUMN[time]
        dimensions = [cast(str, q.dimension) for q in merged]
        columns = ", ".join(
            f'{aggregate_expression(m, values, outbound and m.inbound and not inbound, hour_sums)} '
            f'AS "{m.name}"' for q in merged for m in groups[(time, q.dimension)])
        where = f"{month} IS NOT NULL" + (f" AND NOT ({values['outbound']})" if inbound else "")
        name = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in dimensions) + " END"
        value = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in dimensions) + " END"
        grouping = ", ".join(f"({month}, {d})" for d in dimensions)
        sql = (f"SELECT {month}, {name}, {value}, {columns} FROM {relation} WHERE {where} "
               f"GROUP BY GROUPING SETS ({grouping})")
        out.append(Query(merged[0].dataset, time, None, tuple(m for q in merged for m in q.measures), sql,
                         inbound, tuple((cast(str, q.dimension), q.measures) for q in merged)))
    return out
