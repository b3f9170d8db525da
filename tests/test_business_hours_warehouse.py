"""Business hours pushed down to a warehouse: the same figures as the file engine (which
tests/test_business_hours.py checks against the day-by-day reference), from a DuckDB database file
and a PostgreSQL server started here; dbt_zendesk's business minutes with from: helpdesk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlglot
import warehouse_data as data
from conftest import TICKET_HEADER, write_rows
from postgres import Server, running_server

from reportgen.business_hours import day_table
from reportgen.config import Config, load_config, parse_config
from reportgen.engine import Engine
from reportgen.engine.warehouse.pushdown import compute_all
from reportgen.engine.warehouse.sql import BusinessHours, build
from reportgen.kpis import scalar_values
from reportgen.measures import MonthMeasures

# a split week with a short Friday and Saturday, in New York while the report is in Rome
# (Jan–Apr 2024 spans both clock changes: New York on 10 March, Rome on 31 March)
BUSINESS = """business_hours:
  timezone: "America/New_York"
  week:
    mon: ["09:00-12:30", "13:30-18:00"]
    tue: ["09:00-12:30", "13:30-18:00"]
    wed: "09:00-18:00"
    thu: ["09:00-12:30", "13:30-18:00"]
    fri: "09:00-16:00"
    sat: "10:00-12:00"
  holidays: [2024-01-15, 2024-02-19]
kpis:
  sla: {first_response_hours: 8, clock: business}
"""
BUSINESS_IDS = ("avg_first_response_business_hours", "median_first_response_business_hours",
                "p90_first_response_business_hours", "avg_resolution_business_hours",
                "median_resolution_business_hours", "p90_resolution_business_hours", "sla_first_response_rate")
TICKET_DDL = ("ticket_id text, created_at timestamptz, first_response_at timestamptz, resolved_at timestamptz, "
              "category text, channel text, agent text, replies integer, reopens integer")


def _file_config(root: Path, tickets: Sequence[data.Row]) -> Config:
    write_rows(root / "tickets.csv", TICKET_HEADER, data.csv_cells(tickets))
    path = root / "config.yaml"
    path.write_text('report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: tickets.csv}\n' + BUSINESS,
                    encoding="utf-8")
    return load_config(path)


def _warehouse_config(root: Path, url: str) -> Config:
    path = root / "warehouse.yaml"
    path.write_text(f'report: {{timezone: "Europe/Rome"}}\nsources:\n  tickets: {{warehouse: "{url}", '
                    'table: "bh.tickets"}\n' + BUSINESS, encoding="utf-8")
    return load_config(path)


def _business(months: dict[str, MonthMeasures]) -> dict[str, dict[str, float | None]]:
    return {month: {k: v for k, v in scalar_values(m).items() if k in BUSINESS_IDS} for month, m in months.items()}


def _assert_same(pushed: dict[str, dict[str, float | None]], files: dict[str, dict[str, float | None]]) -> None:
    assert list(pushed) == list(files) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    for month, kpis in files.items():
        assert set(kpis) == set(BUSINESS_IDS)
        for kpi_id, want in kpis.items():
            got = pushed[month][kpi_id]
            assert (want is None) == (got is None), (month, kpi_id, want, got)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (month, kpi_id)
    # the figures are real: business time is well below calendar time on this schedule
    assert files["2024-02"]["avg_first_response_business_hours"] is not None
    assert files["2024-02"]["avg_resolution_business_hours"] is not None


def test_duckdb_warehouse_business_hours_equal_the_file_engine(tmp_path: Path) -> None:
    tickets = data.tickets(seed=3)
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE SCHEMA bh")
        con.execute(f"CREATE TABLE bh.tickets ({TICKET_DDL})")
        con.executemany(f"INSERT INTO bh.tickets VALUES ({', '.join('?' * 9)})", tickets)
    finally:
        con.close()
    files = Engine(_file_config(tmp_path, tickets)).run()
    pushed = compute_all(_warehouse_config(tmp_path, f"duckdb:///{database}"))
    _assert_same(_business(pushed.months), _business(files.months))


@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    with running_server() as server:
        yield server


def test_postgres_business_hours_equal_the_file_engine(pg: Server, tmp_path: Path) -> None:
    tickets = data.tickets(seed=7)
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS bh CASCADE")
        con.execute("CREATE SCHEMA bh")
        con.execute(f"CREATE TABLE bh.tickets ({TICKET_DDL})")
        with con.cursor().copy("COPY bh.tickets FROM STDIN") as copy:
            for row in tickets:
                copy.write_row(row)
    files = Engine(_file_config(tmp_path, tickets)).run()
    pushed = compute_all(_warehouse_config(tmp_path, pg.url()))
    _assert_same(_business(pushed.months), _business(files.months))


def test_dbt_zendesk_business_minutes_from_the_helpdesk(tmp_path: Path) -> None:
    database = tmp_path / "dbt.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE SCHEMA zendesk")
        con.execute("""CREATE TABLE zendesk.zendesk__ticket_metrics (
            ticket_id BIGINT, created_at TIMESTAMP, status TEXT, first_reply_time_calendar_minutes DOUBLE,
            first_reply_time_business_minutes DOUBLE, last_solved_at TIMESTAMP,
            full_resolution_business_minutes DOUBLE)""")
        con.execute("""INSERT INTO zendesk.zendesk__ticket_metrics VALUES
            (1, '2024-06-03 08:00', 'solved', 90, 30, '2024-06-03 10:00', 60),
            (2, '2024-06-04 08:00', 'closed', 900, 45, '2024-06-05 08:00', 300),
            (3, '2024-06-05 08:00', 'open', NULL, NULL, NULL, NULL)""")
    finally:
        con.close()
    config = parse_config(
        'report: {timezone: "UTC"}\nsources:\n'
        f'  tickets: {{warehouse: "duckdb:///{database}", table: zendesk.zendesk__ticket_metrics, '
        'preset: dbt_zendesk}\nbusiness_hours: {from: helpdesk}\n')
    kpis = scalar_values(compute_all(config).months["2024-06"])
    assert kpis["avg_first_response_business_hours"] == pytest.approx((0.5 + 0.75) / 2)
    assert kpis["avg_first_response_hours"] == pytest.approx((1.5 + 15) / 2)  # the calendar minutes
    assert kpis["avg_resolution_business_hours"] == pytest.approx((1 + 5) / 2)

    # the same model with a working week: dbt_zendesk gives first replies as minutes, not instants
    week = parse_config(
        'report: {timezone: "UTC"}\nsources:\n'
        f'  tickets: {{warehouse: "duckdb:///{database}", table: zendesk.zendesk__ticket_metrics, '
        'preset: dbt_zendesk}\nbusiness_hours: {week: {mon: "09:00-17:00", tue: "09:00-17:00"}}\n')
    run = compute_all(week)
    kpis = scalar_values(run.months["2024-06"])
    assert kpis["avg_first_response_business_hours"] is None  # not 0
    # ticket 1: Mon 3 Jun 08:00 → 10:00 = 1 h; ticket 2: Tue 4 Jun 08:00 → Wed 5 Jun 08:00 = 8 h
    assert kpis["avg_resolution_business_hours"] == pytest.approx((1 + 8) / 2)
    notes = run.results["tickets"].notes
    assert any("first response is given as hours" in note for note in notes), notes


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "postgres", "duckdb"])
def test_business_sql_parses_back_in_each_dialect(dialect: str) -> None:
    config = parse_config('report: {timezone: "America/Chicago"}\nsources:\n  tickets: {path: x.csv}\n'
                          + BUSINESS)
    source = parse_config('sources:\n  tickets: {warehouse: "postgresql://u@h/db", table: t}\n').sources.tickets
    assert not isinstance(source, list) and config.business_hours is not None
    columns = ("ticket_id", "created_at", "first_response_at", "resolved_at")
    table = day_table(config.business_hours, "America/New_York", 19_700, 19_760)
    pushdown = build(config, "tickets", source, {c: f'"{c}"' for c in columns}, dialect,
                     BusinessHours(table=table))
    sqlglot.parse_one(pushdown.sql, read=dialect)
    measures = {name for q in pushdown.queries for name in q.measures}
    assert {"first_response_business_hours_sum", "resolution_business_p90_hours"} <= measures
    assert "BH_DAYS" in pushdown.sql.upper()
