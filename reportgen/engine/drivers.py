"""Drivers stage: the driver KPIs' measures per month and segment (category, channel, agent), in SQL.

What is computed is read from the declarations: the measures the driver KPIs
(``reportgen.drivers.DRIVER_KPIS``) are made of, aggregated as
``reportgen.engine.sqlgen`` aggregates them, grouped by month and, in turn,
each dimension (``GROUPING SETS``: one scan for the three dimensions):

* tickets: one grouped query over the tickets (a small cube: every driver
  measure by created month, resolved month and the three dimensions), then per
  time column (created, resolved) its measures summed from the cube. Tickets
  read in a warehouse get their cube computed there, in the pushed-down
  statement over the same cleaned rows (``engine.warehouse``); its rows are
  loaded here and summed by the same second step;
* surveys: the responses joined once to the ticket they name (``ticket_id``),
  in the same two steps (a cube by month, the ticket's dimensions and whether
  it was found, then grouping sets over it); a response naming no ticket, or
  one that is not in the data, is the segment ``NO_TICKET``. The join runs once
  both stages are done (tickets and surveys run side by side), over the cleaned
  tables both leave in the shared database (``TICKETS``, ``SURVEYS``): nothing
  is copied for it. Both datasets in one warehouse: the cube is computed there
  too; a warehouse and a file (or two warehouses): no survey drivers.

Every row is a segment, so a dimension's segments add up to the month's
measure: an empty category/channel is its default (``Uncategorized``,
``Unknown``, merged with its other spellings as the breakdowns do) and a
ticket without agent is the segment ``NO_AGENT``. Values are filed into
``MonthMeasures.dims`` under ``drivers.<dimension>.<measure>`` (so the history
store keeps them with the other measures).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb

from reportgen.config import Config
from reportgen.drivers import (
    DIMENSIONS,
    NO_AGENT,
    NO_TICKET,
    driver_measures,
    segment_key,
)
from reportgen.engine.aggregate import label, merge_spellings
from reportgen.engine.sqlgen import HourSums, aggregate_expression, in_hours, is_hour_sum, option_values
from reportgen.measures import DIMENSION_DEFAULTS, MEASURES, Dimension, MonthMeasures
from reportgen.sources.outbound import outbound_channels

# the cleaned views the tickets' and surveys' stages leave in the database their connections share
# (``engine.clean``), read once both stages are done
TICKETS = "tickets"
SURVEYS = "surveys"
_MONTH_COLUMN = {"created": "created_month", "resolved": "resolved_month", "submitted": "submitted_month"}


def _segment_sets(month: str, extra: str = "") -> tuple[str, str, str]:
    """(GROUPING SETS, dimension name, segment value) of one query grouping by ``month`` and, in turn,
    each dimension (``extra``: one more grouping column in every set)."""
    sets = ", ".join(f"({month}, {d}{extra})" for d in DIMENSIONS)
    name = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in DIMENSIONS) + " END"
    value = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in DIMENSIONS) + " END"
    return sets, name, value


CUBE = "drivers_cube"  # the tickets' measures by created month, resolved month and all three dimensions


@dataclass(frozen=True)
class Cube:
    """The first step of a dataset's drivers: one grouped query (a few thousand rows; the tickets':
    :func:`ticket_cube`, the surveys': :func:`survey_cube`), its grouping columns ``keys`` (months,
    dimensions …) and measure columns ``measures`` (named as the measures), in that order.

    ``hour_sums``: how its sums of hours are written (``sqlgen.HourSums``): whole microseconds in
    the file engine (summed again exactly), plain sums in a warehouse's dialect (``"float"``)."""

    sql: str
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    hour_sums: HourSums


def ticket_cube(config: Config, relation: str = TICKETS, hour_sums: HourSums = "microseconds") -> Cube:
    """The cube of the tickets' driver measures over ``relation``: every driver measure by created month,
    resolved month, category, channel and agent (a few thousand rows)."""
    outbound = outbound_channels(config)  # an inbound measure leaves them out, per segment as in total
    options = option_values(config.kpis, outbound)
    names = driver_measures("tickets")
    keys = [*dict.fromkeys(_MONTH_COLUMN[cast(str, MEASURES[n].time)] for n in names), *DIMENSIONS]
    inbound = {n for n in names if outbound and MEASURES[n].inbound}
    columns = ", ".join(f'{aggregate_expression(MEASURES[n], options, n in inbound, hour_sums)} AS "{n}"'
                        for n in names)
    sql = (f"SELECT {', '.join(keys)}, {columns} FROM {relation} "
           f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
    return Cube(sql, tuple(keys), tuple(names), hour_sums)


def cube_queries(config: Config, hour_sums: HourSums = "microseconds") -> list[tuple[str, list[str]]]:
    """The second step: per time column, its measures summed from the cube (``CUBE``) by that month
    and, in turn, each dimension (grouping sets); [(SQL, measure names)] giving rows ``(month,
    dimension, value, measure values…)``."""
    times: dict[str, list[str]] = {}
    for name in driver_measures("tickets"):
        times.setdefault(cast(str, MEASURES[name].time), []).append(name)
    queries = []
    for time, measured in times.items():
        month = _MONTH_COLUMN[time]
        sets, dimension, value = _segment_sets(month)
        sums = ", ".join(f'{_cube_sum(n, hour_sums)} AS "{n}"' for n in measured)
        queries.append((f"SELECT {month}, {dimension}, {value}, {sums} FROM {CUBE} "
                        f"WHERE {month} IS NOT NULL GROUP BY GROUPING SETS ({sets})", measured))
    return queries


def _cube_sum(name: str, hour_sums: HourSums) -> str:
    """A measure summed over the cube's cells: sums of hours in whole microseconds back to hours."""
    total = f'sum("{name}")'
    return in_hours(total) if is_hour_sum(MEASURES[name]) and hour_sums == "microseconds" else total


SURVEY_CUBE = "drivers_survey_cube"  # the responses' measures by month, ticket dimensions and match


def survey_cube(config: Config, tickets: str = TICKETS, surveys: str = SURVEYS, key: str = "id") -> Cube:
    """The first step of the surveys' drivers: the responses (``surveys``) joined once to the ticket each
    names (in ``tickets``, on its column ``key``; ``id`` NULL: not a ticket of the data), every driver
    measure grouped by submitted month, the ticket's three dimensions and ``matched`` (1: the
    response names a ticket of the data, else 0)."""
    names = driver_measures("surveys")
    options = option_values(config.kpis)
    keys = ("submitted_month", *DIMENSIONS, "matched")
    columns = ", ".join(f'{aggregate_expression(MEASURES[n], options)} AS "{n}"' for n in names)
    sql = (f"SELECT {', '.join(keys)}, {columns} FROM ("
           f"SELECT s.submitted_month, s.kind, s.score, CASE WHEN t.id IS NULL THEN 0 ELSE 1 END AS matched, "
           f"{', '.join(f't.{d}' for d in DIMENSIONS)} "
           f"FROM {surveys} AS s LEFT JOIN {tickets} AS t ON s.ticket_ref = t.{key} "  # on the responses
           f"WHERE s.submitted_month IS NOT NULL) AS joined "
           f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
    return Cube(sql, keys, tuple(names), "float")


def survey_drivers_sql(config: Config) -> tuple[str, list[str]]:
    """(SQL, measure names) of the second step: the surveys' measures summed from their cube
    (``SURVEY_CUBE``) by month and each dimension (grouping sets); rows ``(month, dimension, value,
    matched, measure values…)``."""
    names = driver_measures("surveys")
    sets, dimension, value = _segment_sets("submitted_month", ", matched")
    sums = ", ".join(f'sum("{n}") AS "{n}"' for n in names)
    return (f"SELECT submitted_month, {dimension}, {value}, matched, {sums} FROM {SURVEY_CUBE} "
            f"GROUP BY GROUPING SETS ({sets})"), names


Filed = dict[str, list[tuple[str, str | None, list[tuple[str, float]]]]]  # dimension → rows to file


def ticket_drivers(con: duckdb.DuckDBPyConnection, config: Config, months: dict[str, MonthMeasures],
                   cube: CubeRows | None = None) -> None:
    """The tickets' driver measures per month and segment: the cube computed here over the cleaned
    ``tickets`` view (while it exists), or the rows of one computed elsewhere (``cube``: a
    warehouse's, ``engine.warehouse``), then the same second step (:func:`cube_queries`)."""
    if cube is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {CUBE} AS {ticket_cube(config).sql}")
        hour_sums: HourSums = "microseconds"
    else:
        _load_cube(con, cube, CUBE)
        hour_sums = cube.cube.hour_sums
    filed: Filed = {d: [] for d in DIMENSIONS}
    for sql, names in cube_queries(config, hour_sums):
        for month, dimension, raw, *values in con.execute(sql).fetchall():
            kept = [(name, float(value)) for name, value in zip(names, values, strict=True)]
            filed[str(dimension)].append((str(month), None if raw is None else str(raw), kept))
    con.execute(f"DROP TABLE {CUBE}")
    for dimension, rows in filed.items():
        _file(cast(Dimension, dimension), rows, months, weight="tickets_created")


@dataclass
class CubeRows:
    """A :class:`Cube` computed elsewhere: its rows, each the cube's keys then its measures
    (names as the data has them: blank-like ones None, as in the cleaned ``tickets``)."""

    cube: Cube
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def _load_cube(con: duckdb.DuckDBPyConnection, cube: CubeRows, table: str) -> None:
    """The rows of a cube computed elsewhere as the temporary table ``table`` (one statement: each
    column a list parameter, unnested side by side; the keys as text, ``matched`` a whole number)."""
    names = [*cube.cube.keys, *cube.cube.measures]
    columns = [list(column) for column in zip(*cube.rows, strict=True)] if cube.rows else [[] for _ in names]

    def sql_type(index: int, name: str) -> str:
        return "INTEGER" if name == "matched" else "VARCHAR" if index < len(cube.cube.keys) else "DOUBLE"

    typed = ", ".join(f'unnest(?::{sql_type(index, name)}[]) AS "{name}"' for index, name in enumerate(names))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {typed}", columns)


def survey_drivers(con: duckdb.DuckDBPyConnection, config: Config, months: dict[str, MonthMeasures],
                   cube: CubeRows | None = None) -> None:
    """The surveys' driver measures per month and segment of the ticket each response names: their
    cube computed here over both cleaned tables once both stages are done (nothing when either is
    missing: a pushed-down dataset), or the rows of one computed elsewhere (``cube``: a warehouse's
    holding both datasets), then the same second step (:func:`survey_drivers_sql`)."""
    if cube is not None:
        _load_cube(con, cube, SURVEY_CUBE)
    elif {TICKETS, SURVEYS} <= shared_relations(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {SURVEY_CUBE} AS {survey_cube(config).sql}")
    else:
        return
    sql, names = survey_drivers_sql(config)
    filed: Filed = {d: [] for d in DIMENSIONS}
    for month, dimension, raw, matched, *values in con.execute(sql).fetchall():
        kept = [(name, float(value)) for name, value in zip(names, values, strict=True)]
        segment = (None if raw is None else str(raw)) if int(matched) else NO_TICKET
        filed[str(dimension)].append((str(month), segment, kept))
    con.execute(f"DROP TABLE {SURVEY_CUBE}")
    for dimension, rows in filed.items():
        _file(cast(Dimension, dimension), rows, months, weight=None)


def shared_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views of the database the stages' connections share (not a connection's
    temporary ones)."""
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary UNION ALL "
                       "SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal").fetchall()
    return {str(row[0]) for row in rows}


def _file(dimension: Dimension, rows: list[tuple[str, str | None, list[tuple[str, float]]]],
          months: dict[str, MonthMeasures], weight: str | None) -> None:
    """File rows ``(month, raw value, [(measure, value)…])`` under each value's merged spelling
    (``reportgen.engine.aggregate``: case and spaces; weighted by ``weight``, else by rows)."""
    default = DIMENSION_DEFAULTS[dimension]

    def name_of(raw: str | None) -> str:
        if raw == NO_TICKET:
            return NO_TICKET
        return label(raw, default) or NO_AGENT

    spellings: Counter[str] = Counter()
    for _, raw, values in rows:
        name = name_of(raw)
        if name not in (NO_AGENT, NO_TICKET):
            spellings[name] += int(dict(values).get(weight, 0)) if weight else 1
    shown = merge_spellings(spellings)
    for month, raw, values in rows:
        name = name_of(raw)
        key = shown.get(name, name)
        dims = months.setdefault(month, MonthMeasures()).dims
        for measure, value in values:
            per_key = dims.setdefault(segment_key(dimension, measure), {})
            per_key[key] = per_key.get(key, 0) + value
