"""Drivers stage: the driver KPIs' measures per month and segment (category, channel, agent), in SQL.

What is computed is read from the declarations: the measures the driver KPIs
(``reportgen.drivers.DRIVER_KPIS``) are made of, aggregated as
``reportgen.engine.sqlgen`` aggregates them, grouped by month and one
dimension. One grouped query per dimension and dataset:

* tickets: ``GROUPING SETS ((created_month, d), (resolved_month, d))`` — each
  measure is read from the grouping of its own time column;
* surveys: the responses joined to the ticket they name (``ticket_id``); a
  response naming no ticket, or one that is not in the data, is the segment
  ``NO_TICKET``.

Every row is a segment, so a dimension's segments add up to the month's
measure: an empty category/channel is its default (``Uncategorized``,
``Unknown``, merged with its other spellings as the breakdowns do) and a
ticket without agent is the segment ``NO_AGENT``. Values are filed into
``MonthMeasures.dims`` under ``drivers.<dimension>.<measure>`` (so the history
store keeps them with the other measures).
"""

from __future__ import annotations

from collections import Counter
from typing import cast

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
from reportgen.engine.sqlgen import aggregate_expression, option_values
from reportgen.measures import DIMENSION_DEFAULTS, MEASURES, Dimension, MonthMeasures

# the tables the tickets' and surveys' stages leave for the survey drivers (shared by their connections)
TICKET_DIMS = "drivers_ticket_dims"
SURVEY_ROWS = "drivers_survey_rows"
_MONTH_COLUMN = {"created": "created_month", "resolved": "resolved_month", "submitted": "submitted_month"}


def ticket_drivers_sql(config: Config, dimension: Dimension, relation: str = "tickets"
                       ) -> tuple[str, list[str]]:
    """(SQL, measure names) of the tickets' driver query of one dimension: rows ``(month, value,
    time column, measure values…)``."""
    names = driver_measures("tickets")
    options = option_values(config.kpis)
    times = sorted({cast(str, MEASURES[name].time) for name in names})
    columns = ", ".join(f'{aggregate_expression(MEASURES[name], options)} AS "{name}"' for name in names)
    month = "CASE " + " ".join(f"WHEN GROUPING({_MONTH_COLUMN[t]}) = 0 THEN {_MONTH_COLUMN[t]}"
                               for t in times) + " END"
    time = "CASE " + " ".join(f"WHEN GROUPING({_MONTH_COLUMN[t]}) = 0 THEN '{t}'" for t in times) + " END"
    sets = ", ".join(f"({_MONTH_COLUMN[t]}, {dimension})" for t in times)
    sql = (f"SELECT {month} AS month, {dimension} AS segment, {time} AS time, {columns} "
           f"FROM {relation} GROUP BY GROUPING SETS ({sets})")
    return sql, names


def survey_drivers_sql(config: Config, dimension: Dimension) -> tuple[str, list[str]]:
    """(SQL, measure names) of the surveys' driver query of one dimension: rows ``(month, value,
    matched, measure values…)`` (``matched``: the response names a ticket in the data)."""
    names = driver_measures("surveys")
    options = option_values(config.kpis)
    columns = ", ".join(f'{aggregate_expression(MEASURES[name], options)} AS "{name}"' for name in names)
    sql = (f"SELECT s.submitted_month, t.{dimension}, t.id IS NOT NULL, {columns} "
           f"FROM {SURVEY_ROWS} s LEFT JOIN {TICKET_DIMS} t ON s.ticket_ref = t.id "
           f"WHERE s.submitted_month IS NOT NULL GROUP BY 1, 2, 3")
    return sql, names


def ticket_drivers(con: duckdb.DuckDBPyConnection, config: Config, months: dict[str, MonthMeasures]) -> None:
    """The tickets' driver measures per month and segment, and the ticket → segment table the
    surveys' drivers join (called while the cleaned ``tickets`` view exists)."""
    for dimension in DIMENSIONS:
        sql, names = ticket_drivers_sql(config, dimension)
        rows = con.execute(sql).fetchall()
        filed: list[tuple[str, str | None, list[tuple[str, float]]]] = []
        for month, raw, time, *values in rows:
            if month is None:
                continue
            kept = [(name, float(value)) for name, value in zip(names, values, strict=True)
                    if MEASURES[name].time == time]
            filed.append((str(month), None if raw is None else str(raw), kept))
        _file(dimension, filed, months, weight="tickets_created")
    con.execute(f"CREATE OR REPLACE TABLE {TICKET_DIMS} AS "
                f"SELECT id, {', '.join(DIMENSIONS)} FROM tickets")


def keep_survey_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Keep what the surveys' drivers need of the cleaned ``surveys`` view (dropped after its stage)."""
    con.execute(f"CREATE OR REPLACE TABLE {SURVEY_ROWS} AS "
                "SELECT submitted_month, kind, score, ticket_ref FROM surveys")


def survey_drivers(con: duckdb.DuckDBPyConnection, config: Config, months: dict[str, MonthMeasures]) -> None:
    """The surveys' driver measures per month and segment of the ticket each response names; then
    the tables the stages left are dropped. Nothing when either is missing (a pushed-down dataset)."""
    tables = {str(r[0]) for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    try:
        if {TICKET_DIMS, SURVEY_ROWS} <= tables:
            for dimension in DIMENSIONS:
                sql, names = survey_drivers_sql(config, dimension)
                filed: list[tuple[str, str | None, list[tuple[str, float]]]] = []
                for month, raw, matched, *values in con.execute(sql).fetchall():
                    kept = [(name, float(value)) for name, value in zip(names, values, strict=True)]
                    segment = (None if raw is None else str(raw)) if matched else NO_TICKET
                    filed.append((str(month), segment, kept))
                _file(dimension, filed, months, weight=None)
    finally:
        for table in (TICKET_DIMS, SURVEY_ROWS):
            con.execute(f"DROP TABLE IF EXISTS {table}")


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
