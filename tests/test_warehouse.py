"""Warehouse push-down against real engines: a PostgreSQL server started here and a DuckDB
database file. Every KPI equals the file engine's for the same rows and the independent
reference's; only aggregates come back; BigQuery/Snowflake SQL is compiled and parsed back."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
import reference
import sqlglot
import warehouse_data as data
from conftest import BUSINESS_HEADER, SURVEY_HEADER, TICKET_HEADER, write_rows
from postgres import PASSWORD, Server, running_server

from reportgen.config import Config, load_config, parse_config
from reportgen.engine import Engine
from reportgen.engine.warehouse.pushdown import compute, compute_all
from reportgen.engine.warehouse.sql import QUALITY_SURVEYS, QUALITY_TICKETS, Span, build, problems_sql
from reportgen.errors import ConfigError, DataError, ReportgenError
from reportgen.kpis import breakdown_values, scalar_values
from reportgen.measures import MEASURES, MonthMeasures

TICKET_DDL = ("ticket_id text, created_at timestamptz, first_response_at timestamptz, resolved_at timestamptz, "
              "category text, channel text, agent text, replies integer, reopens integer, loaded_at bigint")
SURVEY_DDL = "response_id text, submitted_at timestamptz, survey text, score double precision, loaded_at bigint"
BUSINESS_DDL = ("month text, customers_start integer, customers_end integer, customers_new integer, "
                "sales_marketing_spend double precision, revenue double precision")


@pytest.fixture(scope="session")
def pg() -> Iterator[Server]:
    with running_server() as server:
        yield server


def _load_pg(server: Server, schema: str, tickets: Sequence[data.Row], surveys: Sequence[data.Row],
             business: Sequence[data.Row]) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
        for name, ddl, rows, ordered in (("tickets", TICKET_DDL, tickets, True),
                                         ("survey_responses", SURVEY_DDL, surveys, True),
                                         ("business", BUSINESS_DDL, business, False)):
            con.execute(f"CREATE TABLE {schema}.{name} ({ddl})")
            with con.cursor().copy(f"COPY {schema}.{name} FROM STDIN") as copy:
                for index, row in enumerate(rows):
                    copy.write_row((*row, index) if ordered else row)


def _file_project(root: Path, tickets: Sequence[data.Row], surveys: Sequence[data.Row],
                  business: Sequence[data.Row]) -> Config:
    write_rows(root / "tickets.csv", TICKET_HEADER, data.csv_cells(tickets))
    write_rows(root / "surveys.csv", SURVEY_HEADER, data.csv_cells(surveys))
    write_rows(root / "business.csv", BUSINESS_HEADER, data.csv_cells(business))
    path = root / "config.yaml"
    path.write_text('report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: tickets.csv}\n'
                    '  surveys: {path: surveys.csv}\n  business: {path: business.csv}\n', encoding="utf-8")
    return load_config(path)


def _warehouse_config(root: Path, url: str, schema: str, latest_by: bool = True) -> Config:
    options = ", options: {latest_by: loaded_at}" if latest_by else ""
    path = root / "warehouse.yaml"
    path.write_text(
        'report: {timezone: "Europe/Rome"}\nsources:\n'
        f'  tickets: {{warehouse: "{url}", table: "{schema}.tickets"{options}}}\n'
        f'  surveys: {{warehouse: "{url}", table: "{schema}.survey_responses"{options}}}\n'
        f'  business: {{warehouse: "{url}", table: "{schema}.business"}}\n', encoding="utf-8")
    return load_config(path)


def _kpis(months: dict[str, MonthMeasures]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {m: (scalar_values(v), breakdown_values(v)) for m, v in months.items()}



# ---- PostgreSQL: the same rows as the file engine -------------------------------------------------
def test_postgres_kpis_equal_the_file_engine_and_the_reference(pg: Server, tmp_path: Path) -> None:
    tickets, surveys = data.tickets(), data.surveys()
    _load_pg(pg, "parity", tickets, surveys, data.BUSINESS)
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    pushed = compute_all(_warehouse_config(tmp_path, pg.url(), "parity"))

    assert list(pushed.months) == list(files.months) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    data.assert_same(_kpis(pushed.months), _kpis(files.months))
    for dataset in ("tickets", "surveys"):
        ours, theirs = pushed.quality[dataset].as_dict(), files.quality[dataset].as_dict()
        ours.pop("files"), theirs.pop("files")
        assert ours == theirs, dataset
    assert pushed.coverage == files.coverage

    # and the independent stdlib reference, KPI by KPI
    expected = reference.compute(data.csv_cells(tickets), data.csv_cells(surveys), data.csv_cells(data.BUSINESS))
    for month, kpis in expected.months.items():
        scalars = scalar_values(pushed.months[month])
        for kpi_id in reference.SCALAR_IDS:
            want, got = kpis["kpis"][kpi_id], scalars[kpi_id]
            assert (want is None) == (got is None), (month, kpi_id, want, got)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (month, kpi_id)
    assert pushed.quality["tickets"].duplicates == expected.quality["tickets"]["duplicates"] > 0


def test_postgres_hand_computed_month(pg: Server, tmp_path: Path) -> None:
    """Four tickets and four responses whose KPIs are worked out by hand."""
    from datetime import UTC, datetime

    def at(day: int, hour: int) -> datetime:
        return datetime(2024, 5, day, hour, tzinfo=UTC)

    tickets = [
        ("a", at(1, 8), at(1, 9), at(1, 12), "Billing", "email", "Anna", 1, 0),    # FR 1 h, res 4 h, FCR
        ("b", at(2, 8), at(2, 11), at(3, 8), "billing", "chat", "Bo", 3, 0),       # FR 3 h, res 24 h
        ("c", at(3, 8), at(4, 14), None, "Shipping", "chat", "Anna", 0, 0),        # FR 30 h, open
        ("d", at(4, 8), None, at(6, 8), "-", "email", None, 1, 1),                 # no FR, res 48 h, reopened
    ]
    surveys = [("n1", at(5, 8), "nps", 10), ("n2", at(5, 9), "nps", 3), ("c1", at(5, 9), "csat", 5),
               ("c2", at(5, 9), "csat", 2)]
    _load_pg(pg, "hand", tickets, surveys, [])
    may = scalar_values(compute_all(_warehouse_config(tmp_path, pg.url(), "hand")).months["2024-05"])
    assert may["ticket_volume"] == 4
    assert may["avg_first_response_hours"] == pytest.approx((1 + 3 + 30) / 3)
    assert may["median_first_response_hours"] == pytest.approx(3)
    assert may["p90_first_response_hours"] == pytest.approx(3 + 0.8 * (30 - 3))  # linear interpolation
    assert may["avg_resolution_hours"] == pytest.approx((4 + 24 + 48) / 3)
    assert may["median_resolution_hours"] == pytest.approx(24)
    assert may["fcr_rate"] == pytest.approx(1 / 3)       # a (1 reply, no reopen); d was reopened
    assert may["reopen_rate"] == pytest.approx(1 / 3)
    assert may["resolution_rate"] == pytest.approx(3 / 4)
    assert may["sla_first_response_rate"] == pytest.approx(2 / 4)  # 30 h and never answered breach
    assert may["nps"] == pytest.approx(0.0)               # one promoter, one detractor
    assert may["csat"] == pytest.approx(0.5)
    assert may["backlog_open"] == 1
    breakdowns = breakdown_values(compute_all(_warehouse_config(tmp_path, pg.url(), "hand")).months["2024-05"])
    assert breakdowns["tickets_by_category"] == {"Billing": 2, "Shipping": 1, "Uncategorized": 1}


def test_naive_timestamps_are_wall_clock_time_in_the_source_zone(pg: Server, tmp_path: Path) -> None:
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS naive")
        con.execute("CREATE TABLE naive (ticket_id text, created_at timestamp, resolved_at timestamp)")
        # 00:30 on 1 March in New York is 06:30 in Rome: March; 20:00 on 29 Feb is 02:00 on 1 March
        con.execute("INSERT INTO naive VALUES ('1', '2024-03-01 00:30', NULL), ('2', '2024-02-29 17:00', NULL),"
                    " ('3', '2024-02-29 20:00', '2024-03-01 02:00')")
    config = parse_config('report: {timezone: "Europe/Rome"}\nsources:\n'
                          f'  tickets: {{warehouse: "{pg.url()}", table: naive, timezone: America/New_York}}\n')
    result = compute(config, "tickets", config.sources.of("tickets")[0])
    assert result.months["2024-02"].scalars["tickets_created"] == 1
    assert result.months["2024-03"].scalars["tickets_created"] == 2
    assert result.months["2024-03"].scalars["resolution_hours_sum"] == pytest.approx(6.0)


def test_dbt_zendesk_ticket_metrics_model(pg: Server, tmp_path: Path) -> None:
    """zendesk__ticket_metrics as dbt_zendesk builds it (real column names, extra columns around)."""
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS zendesk CASCADE")
        con.execute("CREATE SCHEMA zendesk")
        con.execute("""CREATE TABLE zendesk.zendesk__ticket_metrics (
            ticket_id bigint, url text, created_at timestamp, updated_at timestamp, type text, status text,
            priority text, created_channel text, assignee_name text, ticket_form_name text,
            first_reply_time_calendar_minutes double precision, first_reply_time_business_minutes double precision,
            first_solved_at timestamp, last_solved_at timestamp, count_public_agent_comments bigint,
            total_agent_replies bigint, count_reopens bigint, requester_id bigint)""")
        con.execute("""INSERT INTO zendesk.zendesk__ticket_metrics
            (ticket_id, created_at, type, status, created_channel, assignee_name,
             first_reply_time_calendar_minutes, first_reply_time_business_minutes, first_solved_at, last_solved_at,
             count_public_agent_comments, count_reopens) VALUES
            (1, '2024-06-03 08:00', 'question', 'solved', 'email', 'Anna', 90, 30, '2024-06-03 10:00', '2024-06-03 10:00', 1, 0),
            (2, '2024-06-04 08:00', 'incident', 'closed', 'web', 'Bo', 30, 30, '2024-06-04 20:00', '2024-06-05 08:00', 2, 1),
            (3, '2024-06-05 08:00', 'question', 'open', 'web', 'Anna', NULL, NULL, '2024-06-05 09:00', '2024-06-05 09:00', 0, 1),
            (4, '2024-06-06 08:00', NULL, 'new', 'api', NULL, NULL, NULL, NULL, NULL, 0, 0)""")
    config = parse_config(
        'report: {timezone: "UTC"}\nsources:\n'
        f'  tickets: {{warehouse: "{pg.url()}", table: zendesk.zendesk__ticket_metrics, preset: dbt_zendesk}}\n')
    june = compute_all(config).months["2024-06"]
    kpis, breakdowns = scalar_values(june), breakdown_values(june)
    assert kpis["ticket_volume"] == 4
    assert kpis["avg_first_response_hours"] == pytest.approx((1.5 + 0.5) / 2)
    # ticket 3 was solved and reopened (status open): not resolved; ticket 2's resolution is its last solve
    assert kpis["resolution_rate"] == pytest.approx(2 / 4)
    assert kpis["avg_resolution_hours"] == pytest.approx((2 + 24) / 2)
    assert kpis["fcr_rate"] == pytest.approx(1 / 2)
    assert breakdowns["tickets_by_category"] == {"question": 2, "incident": 1, "Uncategorized": 1}
    assert breakdowns["tickets_by_channel"] == {"email": 1, "web": 2, "api": 1}
    assert breakdowns["agent_tickets"] == {"Anna": 2, "Bo": 1}
    business_hours = parse_config(
        'report: {timezone: "UTC"}\nsources:\n'
        f'  tickets: {{warehouse: "{pg.url()}", table: zendesk.zendesk__ticket_metrics, preset: dbt_zendesk,'
        ' options: {business_hours: true, category_column: ticket_form_name}}\n')
    june = compute_all(business_hours).months["2024-06"]
    assert scalar_values(june)["avg_first_response_hours"] == pytest.approx(0.5)
    assert breakdown_values(june)["tickets_by_category"] == {"Uncategorized": 4}


# ---- only aggregates cross the wire ----------------------------------------------------------------
def _generated_tickets(server: Server, schema: str, count: int) -> None:
    """``count`` tickets over three months, five categories, four channels, six agents (SQL-generated)."""
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"""CREATE TABLE {schema}.tickets AS
            SELECT i::text AS ticket_id,
                   timestamptz '2024-01-01 00:00+00' + (i % 89) * interval '1 day' + (i % 24) * interval '1 hour' AS created_at,
                   timestamptz '2024-01-01 00:00+00' + (i % 89) * interval '1 day' + (i % 24 + 1 + i % 7) * interval '1 hour' AS first_response_at,
                   CASE WHEN i % 3 > 0 THEN timestamptz '2024-01-01 00:00+00' + (i % 89) * interval '1 day' + (i % 24 + 30) * interval '1 hour' END AS resolved_at,
                   'cat' || (i % 5) AS category, 'ch' || (i % 4) AS channel, 'agent' || (i % 6) AS agent,
                   i % 3 AS replies, (i % 11 = 0)::int AS reopens
            FROM generate_series(1, {count}) AS i""")


def _rows_returned(server: Server) -> int:
    with psycopg.connect(server.dsn()) as con:
        row = con.execute("SELECT coalesce(sum(rows), 0) FROM pg_stat_statements WHERE query NOT ILIKE "
                          "'%%pg_stat_statements%%' AND dbid = (SELECT oid FROM pg_database WHERE datname = %s)",
                          ("support",)).fetchone()
        assert row is not None
        return int(row[0])


def _reset_statements(server: Server) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        con.execute("SELECT pg_stat_statements_reset()")


@pytest.mark.slow
def test_rows_returned_do_not_grow_with_the_tickets(pg: Server) -> None:
    returned, fetched = [], []
    # 10,680 tickets hold every combination of the generated days, hours, categories, channels and
    # agents: beyond them more tickets add no month, segment or cell of the drivers' cube
    for count in (11_000, 33_000):
        _generated_tickets(pg, "scale", count)
        config = parse_config('report: {timezone: "Europe/Rome"}\nsources:\n'
                              f'  tickets: {{warehouse: "{pg.url()}", table: scale.tickets}}\n')
        _reset_statements(pg)
        result = compute(config, "tickets", config.sources.of("tickets")[0])
        returned.append(_rows_returned(pg))
        fetched.append(result.rows_fetched)
        assert sum(int(m.scalars["tickets_created"] or 0) for m in result.months.values()) == count
    # the server's own count (pg_stat_statements) and the driver's: the same for 10× the tickets
    assert returned[0] == returned[1] and fetched[0] == fetched[1]
    # months × dimension values, the drivers' cube (created × resolved months × the 60 combinations of
    # category, channel and agent) and one quality row (+ the driver's few connection-setup queries in
    # the server's count), never tickets
    assert 0 < fetched[0] <= returned[0] < 400


def test_the_push_down_is_not_compiled_by_postgres_jit(pg: Server) -> None:
    """PostgreSQL's JIT compiles a costly statement's expressions first (seconds for the long
    push-down, more than it saves): the session turns it off, even where the database asks for it."""
    _generated_tickets(pg, "jit", 300)
    with psycopg.connect(pg.dsn(), autocommit=True) as con:  # JIT for every statement, however cheap
        con.execute("ALTER DATABASE support SET jit_above_cost = 0")
    try:
        config = parse_config('report: {timezone: "Europe/Rome"}\nsources:\n'
                              f'  tickets: {{warehouse: "{pg.url()}", table: jit.tickets}}\n')
        with psycopg.connect(pg.dsn()) as con:  # the database's setting does JIT-compile a statement
            con.execute("SET jit = on")
            plan = "\n".join(str(row[0]) for row in con.execute("EXPLAIN ANALYZE SELECT count(*) FROM jit.tickets"))
        assert "JIT:" in plan
        _reset_statements(pg)
        result = compute(config, "tickets", config.sources.of("tickets")[0])
        assert sum(int(m.scalars["tickets_created"] or 0) for m in result.months.values()) == 300
        with psycopg.connect(pg.dsn()) as con:
            row = con.execute("SELECT count(*), coalesce(sum(jit_functions), 0) FROM pg_stat_statements "
                              "WHERE query LIKE '%%jit.tickets%%' AND query NOT ILIKE '%%pg_stat_statements%%'"
                              ).fetchone()
        assert row is not None and row[0] >= 1 and row[1] == 0
    finally:
        with psycopg.connect(pg.dsn(), autocommit=True) as con:
            con.execute("ALTER DATABASE support RESET jit_above_cost")


# ---- DuckDB file as a second real warehouse ----------------------------------------------------------
def _load_duckdb(database: Path, tickets: Sequence[data.Row], surveys: Sequence[data.Row],
                 ticket_ddl: str = TICKET_DDL) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE SCHEMA parity")
        for name, ddl, rows, ordered in (("tickets", ticket_ddl, tickets, True),
                                         ("survey_responses", SURVEY_DDL, surveys, True),
                                         ("business", BUSINESS_DDL, data.BUSINESS, False)):
            con.execute(f"CREATE TABLE parity.{name} ({ddl.replace('double precision', 'DOUBLE')})")
            values = [(*row, index) if ordered else row for index, row in enumerate(rows)]
            marks = ", ".join("?" * len(values[0]))
            con.executemany(f"INSERT INTO parity.{name} VALUES ({marks})", values)
    finally:
        con.close()


@pytest.mark.slow
def test_duckdb_file_warehouse_equals_the_file_engine(tmp_path: Path) -> None:
    tickets, surveys = data.tickets(seed=3), data.surveys(seed=9)
    database = tmp_path / "warehouse.duckdb"
    _load_duckdb(database, tickets, surveys)
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    pushed = compute_all(_warehouse_config(tmp_path, f"duckdb:///{database}", "parity"))
    data.assert_same(_kpis(pushed.months), _kpis(files.months))
    assert pushed.quality["tickets"].excluded == files.quality["tickets"].excluded
    assert pushed.quality["surveys"].as_dict()["excluded"] == files.quality["surveys"].as_dict()["excluded"]


def test_huge_and_non_finite_counts_are_discarded_in_a_warehouse_as_in_a_file(tmp_path: Path) -> None:
    """A count column typed DOUBLE holding 1e20, infinities, NaN, 2.5 or -3: the file engine discards
    the value (the ticket stays); the push-down must do the same instead of failing on the cast."""
    tickets = data.tickets(count=60, seed=4)
    odd = (1e20, float("inf"), float("-inf"), float("nan"), 2.5, -3.0, 1e15, 999_999_999_999_999.0)
    tickets = [(*row[:7], odd[index % len(odd)] if index % 3 == 0 else row[7],
                odd[(index + 1) % len(odd)] if index % 5 == 0 else row[8])
               for index, row in enumerate(tickets)]
    database = tmp_path / "warehouse.duckdb"
    _load_duckdb(database, tickets, data.surveys(count=40, seed=2),
                 TICKET_DDL.replace("replies integer, reopens integer", "replies DOUBLE, reopens DOUBLE"))
    files = Engine(_file_project(tmp_path, tickets, data.surveys(count=40, seed=2), data.BUSINESS)).run()
    pushed = compute_all(_warehouse_config(tmp_path, f"duckdb:///{database}", "parity"))
    data.assert_same(_kpis(pushed.months), _kpis(files.months))
    pushed_quality, file_quality = (dict(run.quality["tickets"].as_dict(), files=None) for run in (pushed, files))
    assert pushed_quality == file_quality
    assert file_quality["values_discarded"], "the odd counts are discarded values, counted in Data Quality"


# ---- a span: only the months a run needs ------------------------------------------------------------
def _edge_tickets() -> list[data.Row]:
    """The shared rows plus tickets on the Rome month edges around the DST change of 31 March 2024
    (22:00 UTC is midnight of 1 April in Rome), resolved across the edges."""
    from datetime import UTC, datetime

    def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime(2024, month, day, hour, minute, second, tzinfo=UTC)

    return [*data.tickets(), ("e1", at(3, 31, 21, 59), None, at(3, 31, 22), "Bug", "chat", "Bo", 1, 0),
            ("e2", at(3, 31, 22), at(3, 31, 23), None, "Bug", "chat", "Bo", 1, 0),
            ("e3", at(2, 29, 22, 59), None, at(2, 29, 23), "Bug", "chat", "Bo", 1, 0),
            ("e4", at(1, 15, 8), None, at(3, 31, 21, 59, 59), "Bug", "chat", "Bo", 1, 0),
            ("e5", at(1, 15, 8), None, None, "Bug", "chat", "Bo", 1, 0)]


@pytest.mark.parametrize("span", [("2024-03", "2024-04"), ("2024-02", "2024-02")])
def test_a_span_computes_its_months_as_the_file_engine_does(pg: Server, tmp_path: Path,
                                                             span: tuple[str, str]) -> None:
    """Only the span's months come back, each equal to the file engine's (the backlog included:
    the tickets open when the span starts are one count); the coverage is the table's."""
    tickets, surveys = _edge_tickets(), data.surveys()
    _load_pg(pg, "span", tickets, surveys, data.BUSINESS)
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    config = _warehouse_config(tmp_path, pg.url(), "span")
    pushed = compute_all(config, Span(*span, "Europe/Rome"))
    wanted = [m for m in files.months if span[0] <= m <= span[1]]
    assert list(pushed.months) == wanted and wanted

    def folded(kpis: dict[str, Any]) -> dict[str, Any]:
        # a name's spelling is the most frequent one among the months computed (the span's,
        # the file engine's: every month), so the spellings may differ; the values may not
        return {m: (scalars, {kpi: {key.casefold(): value for key, value in values.items()}
                              for kpi, values in breakdowns.items()})
                for m, (scalars, breakdowns) in kpis.items() if m in wanted}

    data.assert_same(folded(_kpis(pushed.months)), folded(_kpis(files.months)))
    assert all(pushed.months[m].scalars["backlog_open"] > 0 for m in wanted)
    # data quality counts the rows of the span's months and those no month holds (no creation time)
    from zoneinfo import ZoneInfo

    def counted(rows: Sequence[data.Row]) -> int:
        return sum(1 for row in rows if row[1] is None
                   or span[0] <= row[1].astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m") <= span[1])

    assert pushed.quality["tickets"].rows_read == counted(tickets) < files.quality["tickets"].rows_read
    assert pushed.quality["surveys"].rows_read == counted(surveys)
    assert pushed.quality["tickets"].excluded["missing_created_at"] == 1  # ticket 9999, in every run
    assert pushed.coverage == files.coverage  # the first and last day: the whole table's
    # the rows are chosen by the raw instants against the Rome boundaries, in UTC
    sql = pushed.results["tickets"].statements[-1]
    start = "'2024-02-29 23:00:00+00'" if span[0] == "2024-03" else "'2024-01-31 23:00:00+00'"
    end = "'2024-04-30 22:00:00+00'" if span[1] == "2024-04" else "'2024-02-29 23:00:00+00'"
    assert f'"created_at" AS TIMESTAMPTZ) >= CAST({start}' in sql and f"< CAST({end}" in sql
    assert "TO_CHAR" not in sql.split("'quality'")[0]  # month keys by comparison, not formatted per row


@pytest.mark.slow
def test_engine_months_on_a_duckdb_warehouse(tmp_path: Path) -> None:
    """Through the engine (as a run asks): the span's months only, equal to the file engine's."""
    tickets, surveys = _edge_tickets(), data.surveys(seed=9)
    database = tmp_path / "warehouse.duckdb"
    _load_duckdb(database, tickets, surveys)
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    pushed = Engine(_warehouse_config(tmp_path, f"duckdb:///{database}", "parity"), months=("2024-04", "2024-04")).run()
    assert list(pushed.months) == ["2024-04"]
    data.assert_same(_kpis(pushed.months), {"2024-04": _kpis(files.months)["2024-04"]})
    # April's rows and the row without a creation time (the one without an id was created in January)
    assert pushed.quality["tickets"].excluded == {"missing_created_at": 1}
    assert files.quality["tickets"].excluded == {"missing_created_at": 1, "missing_ticket_id": 1}


@pytest.mark.slow
def test_a_monthly_run_computes_only_the_months_history_lacks(tmp_path: Path) -> None:
    """The first run computes (and stores) every month; the next month's run computes that month
    alone, and its KPIs (backlog included) and the window read from history are the file engine's."""
    from reportgen.history import Completeness, HistoryStore
    from reportgen.monthdata import months_needed
    from reportgen.run import MonthRun

    tickets, surveys = _edge_tickets(), data.surveys(seed=9)
    database = tmp_path / "warehouse.duckdb"
    _load_duckdb(database, tickets, surveys)
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    config = _warehouse_config(tmp_path, f"duckdb:///{database}", "parity")
    assert months_needed(config, "2024-03") is None  # no history yet: every month, as with files
    first = MonthRun(config, "2024-03")
    assert list(first.data.measures) == ["2024-01", "2024-02", "2024-03"]
    assert list(first.engine.months) == list(files.months)

    assert months_needed(config, "2024-04") == ("2024-04", "2024-04")
    run = MonthRun(config, "2024-04")
    assert list(run.engine.months) == ["2024-04"]
    data.assert_same(run.scalars, scalar_values(files.months["2024-04"]))
    assert run.scalars["backlog_open"] > 0
    for month in ("2024-01", "2024-02", "2024-03"):  # from history
        data.assert_same(run.data.scalars[month], scalar_values(files.months[month]), month)

    # a month history holds in part is computed again (from it on); the months before are not
    store = HistoryStore(config.resolve(config.history.path))
    assert store.drop("2024-02")
    store.save({"2024-02": files.months["2024-02"]}, replace={"2024-02"},
               completeness={"2024-02": Completeness(10, 5)})
    assert months_needed(config, "2024-04") == ("2024-02", "2024-04")
    assert list(MonthRun(config, "2024-04").engine.months) == ["2024-02", "2024-03", "2024-04"]
    path = tmp_path / "files.yaml"  # files are read whole: no span
    path.write_text('sources:\n  tickets: {path: tickets.csv}\n'
                    f'history: {{path: "{config.resolve(config.history.path)}"}}\n', encoding="utf-8")
    assert months_needed(load_config(path), "2024-04") is None


@pytest.mark.parametrize("how", ["primary key", "unique index", "unique_ids", "none"])
def test_ids_known_unique_are_not_deduplicated(pg: Server, tmp_path: Path, how: str) -> None:
    """A primary key or unique index on the id column (the catalog), or ``unique_ids: true``: the
    statement has no de-duplication, and the KPIs are still the file engine's."""
    tickets = [row for row in _edge_tickets() if row[0] is not None]
    tickets = list({row[0]: row for row in tickets}.values())  # one row per id
    surveys = list({row[0]: row for row in data.surveys() if row[0] is not None}.values())
    _load_pg(pg, "uniq", tickets, surveys, data.BUSINESS)
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        if how == "primary key":
            con.execute("ALTER TABLE uniq.tickets ADD PRIMARY KEY (ticket_id)")
            con.execute("ALTER TABLE uniq.survey_responses ADD PRIMARY KEY (response_id)")
        elif how == "unique index":
            con.execute("CREATE UNIQUE INDEX ON uniq.tickets (ticket_id)")
            con.execute("CREATE UNIQUE INDEX ON uniq.survey_responses (response_id)")
            con.execute("CREATE UNIQUE INDEX ON uniq.tickets (ticket_id, agent)")  # not the id alone
    files = Engine(_file_project(tmp_path, tickets, surveys, data.BUSINESS)).run()
    config = _warehouse_config(tmp_path, pg.url(), "uniq", latest_by=False)
    if how == "unique_ids":
        for dataset in ("tickets", "surveys"):
            config.sources.of(dataset)[0].options["unique_ids"] = True
    for span in (None, Span("2024-03", "2024-03", "Europe/Rome")):
        pushed = compute_all(config, span)
        for dataset in ("tickets", "surveys"):
            assert ("dup_ids" in pushed.results[dataset].statements[-1]) == (how == "none"), dataset
        months = list(pushed.months)
        data.assert_same(_kpis(pushed.months), {m: v for m, v in _kpis(files.months).items() if m in months})
        if span is None:
            assert pushed.quality["tickets"].excluded == files.quality["tickets"].excluded


def test_a_duckdb_primary_key_skips_deduplication(tmp_path: Path) -> None:
    tickets = list({row[0]: row for row in data.tickets(count=80) if row[0] is not None}.values())
    database = tmp_path / "warehouse.duckdb"
    _load_duckdb(database, tickets, data.surveys(count=20),
                 TICKET_DDL.replace("ticket_id text", "ticket_id text PRIMARY KEY"))
    files = Engine(_file_project(tmp_path, tickets, data.surveys(count=20), data.BUSINESS)).run()
    pushed = compute_all(_warehouse_config(tmp_path, f"duckdb:///{database}", "parity", latest_by=False))
    assert "dup_ids" not in pushed.results["tickets"].statements[-1]
    assert "dup_ids" in pushed.results["surveys"].statements[-1]  # no key there
    data.assert_same(_kpis(pushed.months), _kpis(files.months))


# ---- BigQuery and Snowflake: compiled and parsed back (no live account here) ------------------------
@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "postgres", "duckdb"])
@pytest.mark.parametrize("dataset", ["tickets", "surveys"])
@pytest.mark.parametrize("months", [None, ("2026-03", "2026-05")])
@pytest.mark.parametrize("unique", [False, True])
def test_generated_sql_parses_back_in_each_dialect(dialect: str, dataset: str, months: tuple[str, str] | None,
                                                   unique: bool) -> None:
    config = parse_config('report: {timezone: "America/Chicago"}\nsources:\n  tickets: {path: x.csv}\n')
    source = parse_config('sources:\n  tickets: {warehouse: "postgresql://u@h/db", table: t}\n').sources.tickets
    assert not isinstance(source, list)
    columns = {"tickets": ("ticket_id", "created_at", "first_response_at", "resolved_at", "category",
                           "channel", "agent", "replies", "reopens"),
               "surveys": ("response_id", "submitted_at", "survey", "score")}[dataset]
    span = None if months is None else Span(*months, "America/Chicago")
    pushdown = build(config, dataset, source, {c: f'"{c}"' for c in columns}, dialect, span=span, unique=unique)
    tree = sqlglot.parse_one(pushdown.sql, read=dialect)  # raises on SQL the dialect cannot read
    assert ("dup_ids" in pushdown.sql) != unique
    selects = list(tree.find_all(sqlglot.exp.Union))
    assert selects, "one UNION ALL statement"
    # every SQL measure of the dataset is one value column of one branch
    declared = {m.name for m in MEASURES.values()  # (the business-hours ones need business_hours:)
                if m.dataset == dataset and m.computed_in_sql and not m.business_hours}
    assert {name for q in pushdown.queries for name in q.measures} == declared
    assert pushdown.quality == (QUALITY_TICKETS if dataset == "tickets" else QUALITY_SURVEYS)
    sql = pushdown.sql.upper()
    if dataset == "tickets":
        if dialect == "bigquery":
            assert "WITHIN GROUP" not in sql and "PERCENTILE_CONT(" in sql and "ANY_VALUE(" in sql
            assert "UNIX_MICROS(" in sql
            assert ("FORMAT_TIMESTAMP('%Y-%M', CREATED, 'AMERICA/CHICAGO')" in sql) == (months is None)
        elif dialect == "snowflake":
            assert "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY" in sql
        elif dialect == "postgres":  # the median and p90 of a column from one sort
            assert sql.count("(PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY FIRST_RESPONSE_HOURS))[") == 2
            assert "PERCENTILE_CONT(0.5)" not in sql
        else:
            assert "QUANTILE_CONT(FIRST_RESPONSE_HOURS, [0.5, 0.9])" in sql
        if dialect == "snowflake":
            assert "CONVERT_TIMEZONE('AMERICA/CHICAGO'" in sql and "EPOCH_MICROSECOND" in sql
        if dialect == "postgres":  # with a span, month keys by comparison: no month formatted per row
            assert "AT TIME ZONE 'AMERICA/CHICAGO'" in sql and ("'YYYY-MM')" in sql) == (months is None)
    # PostgreSQL computes the checked values once per row (a fence), not at each use of them
    ranked = next(cte.this for cte in tree.find_all(sqlglot.exp.CTE) if cte.alias_or_name == "ranked")
    fenced = ranked.args.get("offset")
    assert (fenced is not None and fenced.expression.sql() == "0") == (dialect == "postgres")
    if months is not None:  # the span's bounds, Chicago's midnights in UTC (CST in March, CDT in June)
        assert "2026-03-01 06:00:00+00" in pushdown.sql and "2026-06-01 05:00:00+00" in pushdown.sql
    assert " FILTER (" not in sql
    listing = problems_sql(config, dataset, source, {c: f'"{c}"' for c in columns}, dialect, 20)
    sqlglot.parse_one(listing, read=dialect)  # the `validate` listing too
    assert "ROW_NUMBER() OVER (PARTITION BY REASON" in listing.upper() and "<= 20" in listing


# ---- configuration, drivers and secrets ----------------------------------------------------------------
def test_wrong_password_is_one_line_without_the_password(pg: Server, tmp_path: Path) -> None:
    wrong = "not-the-pw-42"
    os.environ["REPORTGEN_TEST_PGPASSWORD"] = wrong
    try:
        path = tmp_path / "c.yaml"
        path.write_text('sources:\n  tickets: {warehouse: "postgresql://reportgen:${REPORTGEN_TEST_PGPASSWORD}@'
                        f'127.0.0.1:{pg.port}/support", table: parity.tickets}}\n', encoding="utf-8")
        config = load_config(path)
        with pytest.raises(DataError) as caught:
            compute(config, "tickets", config.sources.of("tickets")[0])
    finally:
        del os.environ["REPORTGEN_TEST_PGPASSWORD"]
    message = str(caught.value)
    assert "\n" not in message and wrong not in message and "***" in message
    assert "password authentication failed" in message


def test_a_password_with_url_characters_connects_and_never_shows(pg: Server, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """'${PGPASSWORD}' in the URL's user part: an '@' or '/' in the password must not end it (the
    rest read as the host, sent to DNS and printed unmasked)."""
    odd = "Xy7@Kq9/Rt2:%#?"
    tickets = data.tickets(40, seed=5)
    _load_pg(pg, "oddpw", tickets, data.surveys(20, seed=6), data.BUSINESS)
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP ROLE IF EXISTS odd_user")
        con.execute(f"CREATE ROLE odd_user LOGIN PASSWORD '{odd}'")
        con.execute("GRANT USAGE ON SCHEMA oddpw TO odd_user")
        con.execute("GRANT SELECT ON ALL TABLES IN SCHEMA oddpw TO odd_user")
    path = tmp_path / "c.yaml"
    path.write_text('sources:\n  tickets: {warehouse: "postgresql://odd_user:${REPORTGEN_TEST_ODD}@'
                    f'127.0.0.1:{pg.port}/support", table: oddpw.tickets}}\n', encoding="utf-8")
    monkeypatch.setenv("REPORTGEN_TEST_ODD", odd)
    config = load_config(path)
    result = compute(config, "tickets", config.sources.of("tickets")[0])  # connected: read it whole
    assert result.quality.rows_read == len(tickets)
    assert result.quality.files == [f"postgresql://odd_user:***@127.0.0.1:{pg.port}/support oddpw.tickets"]
    monkeypatch.setenv("REPORTGEN_TEST_ODD", "Wr0ng@pw/" + odd)
    config = load_config(path)
    with pytest.raises(DataError) as caught:
        compute(config, "tickets", config.sources.of("tickets")[0])
    message = str(caught.value)
    assert "password authentication failed" in message and "odd_user:***@127.0.0.1" in message
    for piece in ("Wr0ng", "Kq9", "Rt2", "Xy7"):
        assert piece not in message, message


def test_password_never_in_quality_or_errors(pg: Server, tmp_path: Path) -> None:
    config = parse_config(f'sources:\n  tickets: {{warehouse: "{pg.url()}", table: no_such_table}}\n')
    with pytest.raises(DataError) as caught:
        compute(config, "tickets", config.sources.of("tickets")[0])
    assert PASSWORD not in str(caught.value) and "no_such_table" in str(caught.value)
    _load_pg(pg, "quiet", data.tickets(20), data.surveys(20), [])
    config = parse_config(f'sources:\n  tickets: {{warehouse: "{pg.url()}", table: quiet.tickets}}\n')
    result = compute(config, "tickets", config.sources.of("tickets")[0])
    assert PASSWORD not in repr(result.quality) and "***" in result.quality.files[0]


def test_missing_driver_names_the_extra() -> None:
    try:
        import sqlalchemy_bigquery  # noqa: F401
        pytest.skip("sqlalchemy-bigquery is installed here")
    except ImportError:
        pass
    config = parse_config('sources:\n  tickets: {warehouse: "bigquery://my-project/support", table: tickets}\n')
    with pytest.raises(DataError) as caught:
        compute(config, "tickets", config.sources.of("tickets")[0])
    assert str(caught.value) == ("sources.tickets: the bigquery driver is not installed — "
                                 "pip install 'reportgen[bigquery]'")


@pytest.mark.parametrize(("source", "expected"), [
    ('{warehouse: "postgresql://u:pw@h/db"}', "exactly one of table: or query:"),
    ('{warehouse: "postgresql://u:pw@h/db", table: t, query: "SELECT 1"}', "exactly one of table: or query:"),
    ('{warehouse: "postgresql://u:pw@h/db", table: "t; DROP TABLE x"}', "is not a table name"),
    ('{warehouse: "mysql://u:pw@h/db", table: t}', "'mysql://' is not supported"),
    ('{warehouse: "not a url", table: t}', "not a SQLAlchemy URL"),
    ('{warehouse: "postgresql://u:pw@h/db", table: t, preset: zendesk}', "does not read a warehouse table"),
])
def test_warehouse_settings_are_checked(source: str, expected: str) -> None:
    try:
        config = parse_config(f"sources:\n  tickets: {source}\n")
    except ConfigError as exc:  # the config itself may refuse it first
        assert expected in str(exc) or "preset" in str(exc)
        return
    with pytest.raises(ReportgenError) as caught:
        compute(config, "tickets", config.sources.of("tickets")[0])
    assert expected in str(caught.value) and "pw" not in str(caught.value).replace("pip", "")


def test_dbt_zendesk_is_a_warehouse_preset_only() -> None:
    with pytest.raises(ConfigError, match="dbt_zendesk"):
        parse_config('sources:\n  tickets: {path: t.csv, preset: dbt_zendesk}\n')
    parse_config('sources:\n  tickets: {warehouse: "duckdb:///x.duckdb", table: t, preset: dbt_zendesk}\n')


# ---- end to end: the CLI on a warehouse config ---------------------------------------------------------
@pytest.mark.slow
def test_reportgen_kpis_on_a_warehouse_config_equals_the_files(pg: Server, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from reportgen.cli import main

    tickets, surveys = data.tickets(150, seed=21), data.surveys(120, seed=22)
    _load_pg(pg, "cli", tickets, surveys, data.BUSINESS)
    _file_project(tmp_path / "files", tickets, surveys, data.BUSINESS)
    os.environ["REPORTGEN_TEST_PGPASSWORD"] = PASSWORD
    try:
        url = pg.url(password="${REPORTGEN_TEST_PGPASSWORD}")
        (tmp_path / "wh").mkdir()
        _warehouse_config(tmp_path / "wh", url, "cli")
        outputs = []
        for config in (tmp_path / "files" / "config.yaml", tmp_path / "wh" / "warehouse.yaml"):
            text = config.read_text(encoding="utf-8")
            config.write_text(text + f'history: {{path: "{config.parent / "history.duckdb"}"}}\n',
                              encoding="utf-8")
            run = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", "2024-02",
                                            "--format", "json"])
            assert run.exit_code == 0, run.output
            assert PASSWORD not in run.output
            outputs.append(json.loads(run.stdout))
    finally:
        del os.environ["REPORTGEN_TEST_PGPASSWORD"]
    files, pushed = outputs
    data.assert_same(pushed["kpis"], files["kpis"], "kpis")


def test_query_source_with_renamed_columns(pg: Server) -> None:
    """``query:`` in the warehouse's own SQL, its columns mapped with ``columns:``."""
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS helpdesk")
        con.execute("CREATE TABLE helpdesk (id int, opened timestamptz, closed timestamptz, team text, "
                    "deleted boolean)")
        con.execute("INSERT INTO helpdesk VALUES (1, '2024-07-01 10:00+00', '2024-07-01 16:00+00', 'Ops', false),"
                    " (2, '2024-07-02 10:00+00', NULL, 'ops ', false), (3, '2024-07-03 10:00+00', NULL, 'X', true)")
    config = parse_config(
        'report: {timezone: "UTC"}\nsources:\n  tickets:\n'
        f'    warehouse: "{pg.url()}"\n'
        '    query: "SELECT id AS ticket_id, opened, closed, team FROM helpdesk WHERE NOT deleted"\n'
        '    columns: {created_at: opened, resolved_at: closed, category: team}\n')
    run = compute_all(config)
    july = run.months["2024-07"]
    assert scalar_values(july)["ticket_volume"] == 2
    assert scalar_values(july)["avg_resolution_hours"] == pytest.approx(6.0)
    assert breakdown_values(july)["tickets_by_category"] == {"Ops": 2}
    assert scalar_values(july)["fcr_rate"] is None  # no replies column: FCR has no value


def test_a_warehouse_source_is_alone_in_its_dataset(tmp_path: Path) -> None:
    config = parse_config('sources:\n  tickets:\n    - {path: t.csv}\n'
                          '    - {warehouse: "duckdb:///x.duckdb", table: t}\n')
    with pytest.raises(ConfigError, match="cannot be combined"):
        compute_all(config)


def test_validate_reports_an_unreachable_table_in_one_line(pg: Server, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportgen.cli import main

    path = tmp_path / "config.yaml"
    path.write_text(f'sources:\n  tickets: {{warehouse: "{pg.url()}", table: nowhere.tickets}}\n',
                    encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", "--config", str(path)])
    assert run.exit_code != 0
    assert "nowhere.tickets" in run.output and PASSWORD not in run.output and "Traceback" not in run.output


def test_workbook_from_a_warehouse_names_the_source_without_its_password(pg: Server, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from reportgen.cli import main

    _load_pg(pg, "book", data.tickets(120, seed=31), data.surveys(80, seed=32), data.BUSINESS)
    config = tmp_path / "warehouse.yaml"
    _warehouse_config(tmp_path, pg.url(), "book")
    config.write_text(config.read_text(encoding="utf-8")
                      + f'history: {{path: "{tmp_path / "h.duckdb"}"}}\n', encoding="utf-8")
    out = tmp_path / "report.xlsx"
    run = CliRunner().invoke(main, ["build", "--config", str(config), "--month", "2024-02", "--out", str(out)])
    assert run.exit_code == 0, run.output
    cells = [str(c.value) for ws in load_workbook(out, data_only=True) for r in ws.iter_rows() for c in r
             if c.value is not None]
    assert not any(PASSWORD in c for c in cells)
    assert any("reportgen:***@127.0.0.1" in c and "book.tickets" in c for c in cells)


def test_validate_lists_a_warehouse_s_rows_by_id(pg: Server, tmp_path: Path) -> None:
    """The gate's fix says "`reportgen validate` lists every row": for a warehouse, by id, in a
    second statement sent only when there is something to list, at most 20 rows per reason."""
    from click.testing import CliRunner

    from reportgen.cli import main

    def ticket(tid: str | None, created: str | None, resolved: str | None = None, replies: int = 1) -> data.Row:
        return (tid, created, None, resolved, "Billing", "email", "Ann", replies, 0, 0)

    october = "2026-10-05 10:00:00+00"
    tickets = [ticket(f"T{n:02d}", october, "2026-10-05 09:00:00+00") for n in range(1, 26)]  # resolved before
    tickets += [ticket(f"T{n:02d}", october, "2026-10-06 10:00:00+00") for n in range(26, 41)]
    tickets += [ticket(None, october), ticket("T90", None), ticket("T91", "1850-01-01 00:00:00+00"),
                ticket("T92", october, replies=-1)]
    with psycopg.connect(pg.dsn(), autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS listed CASCADE")
        con.execute("CREATE SCHEMA listed")
        con.execute(f"CREATE TABLE listed.tickets ({TICKET_DDL})")
        con.execute(f"CREATE TABLE listed.clean ({TICKET_DDL})")
        with con.cursor().copy("COPY listed.tickets FROM STDIN") as copy:
            for row in tickets:
                copy.write_row(row)
        with con.cursor().copy("COPY listed.clean FROM STDIN") as copy:
            for row in tickets[25:40]:
                copy.write_row(row)
    config = tmp_path / "config.yaml"
    config.write_text(f'sources:\n  tickets: {{warehouse: "{pg.url()}", table: listed.tickets}}\n',
                      encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert run.exit_code == 1 and PASSWORD not in run.output and "Traceback" not in run.output
    lines = run.output.splitlines()
    where = "***@127.0.0.1"  # the source is named as everywhere else: the URL without its password
    listed = [line for line in lines if where in line and "listed.tickets, " in line]
    assert listed[0].endswith("listed.tickets, a row without ticket_id, column 'ticket_id': "
                              "missing ticket id (empty) — row excluded")
    assert listed[1].endswith("ticket_id 'T90', column 'created_at': missing created at (empty) — row excluded")
    assert "ticket_id 'T91', column 'created_at': invalid created at '1850-01-01" in listed[2]
    before = [line for line in listed if "resolved before created" in line]
    assert [line.split("ticket_id '")[1][:3] for line in before] == [f"T{n:02d}" for n in range(1, 21)]
    assert "value ignored" in before[0] and "'2026-10-05 09:00:00" in before[0]
    assert listed[-1].endswith("ticket_id 'T92', column 'replies': invalid replies '-1' — value ignored")
    assert len(listed) == 3 + 20 + 1
    assert "  resolved_before_created: 25" in lines
    assert ("note: tickets: the warehouse's rows are listed 20 per reason at most (by ticket_id); "
            "the counts are complete") in lines
    # nothing to list: only the aggregate statement is sent
    source = parse_config(f'sources:\n  tickets: {{warehouse: "{pg.url()}", table: listed.clean}}\n'
                          ).sources.tickets
    assert not isinstance(source, list)
    result = compute(load_config(config), "tickets", source, max_problems=None)
    assert not result.problems and not any("PARTITION BY REASON" in sql.upper() for sql in result.statements)


def test_an_override_naming_an_absent_warehouse_column_stops_with_the_closest(tmp_path: Path) -> None:
    """An optional column's misspelt override was skipped: every ticket became Uncategorized."""
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMPTZ, category VARCHAR)")
        con.execute("INSERT INTO tickets VALUES ('T1', '2024-03-15 10:00:00+00', 'Billing')")
    finally:
        con.close()
    config = parse_config(f'sources:\n  tickets: {{warehouse: "duckdb:///{database}", table: tickets, '
                          'columns: {category: "categroy"}}\n')
    with pytest.raises(DataError) as raised:
        compute_all(config)
    message = str(raised.value)
    assert "no column 'categroy' (columns: category)" in message, message
    assert "closest: category;" in message, message
