"""Drivers ("why it changed") of tickets read in a warehouse: the drivers' cube is computed inside
the warehouse over the same cleaned, de-duplicated rows as the pushed-down measures, and gives the
same segment measures and drivers as the same rows read from a CSV file — by hand, from a DuckDB
database file and from the PostgreSQL server the tests start.

The hand-made months (UTC, rows on the 1st and the 30th, so neither month is partial):

* September: 10 tickets; Shipping 2 (first response after 5 h, channel Chat),
  Billing 8 (1 h, Email); every ticket resolved after 10 h with 1 reply, no reopen.
* October: 10 tickets; Shipping 4 (5 h), Billing 6 (1 h): Shipping's share doubled.
  One Billing ticket has ``replies = -3`` (a discarded value: the ticket stays,
  its replies are unknown, so it is no first-contact resolution). Two more rows
  must not count: an earlier copy of a Shipping ticket's id (de-duplicated, the
  later row wins) saying Billing/1 h, and a ticket without a creation time
  (excluded). A mis-cleaning moves Billing's figures, which the hand values catch.

CSAT responses (satisfied: 4 or 5), each naming a ticket:

* September: 4 responses of 5 on Billing tickets, two Ann's, two Bob's: CSAT 100 %.
* October: Ann's two Billing tickets 5 and 5, Bob's two 1 and 1 (one of them
  repeated: its earlier copy said 5, the later row wins), 5 on the de-duplicated
  Shipping ticket (Ann's), 4 naming a ticket the data lacks and 2 naming the undated
  (excluded) ticket — both "no ticket" — and a score of 9, out of the scale
  (excluded): 7 responses, 4 satisfied, CSAT 4/7.

The surveys' segments need the tickets in the same database: they are computed when
both datasets are in one warehouse; with the tickets in a warehouse and the surveys
elsewhere (a file, another database) the surveys have no drivers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
import sqlglot
from click.testing import CliRunner
from conftest import TICKET_HEADER, write_rows
from postgres import Server, running_server
from warehouse_data import assert_same

from reportgen.api import compute_month, kpis_document
from reportgen.cli import main
from reportgen.config import load_config, parse_config
from reportgen.engine import Engine
from reportgen.engine.warehouse.pushdown import compute
from reportgen.engine.warehouse.sql import Span, SurveyJoin, build

SEP, OCT = "2026-09", "2026-10"
Row = tuple[Any, ...]  # TICKET_HEADER's columns, None for no value
TICKET_DDL = ("ticket_id text, created_at timestamptz, first_response_at timestamptz, resolved_at timestamptz, "
              "category text, channel text, agent text, replies integer, reopens integer, loaded_at bigint")


def _ticket(ticket_id: str, month: str, index: int, hours: float, category: str, channel: str,
            replies: int = 1) -> Row:
    day = "01" if index % 2 == 0 else "30"
    created = f"{month}-{day}T08:00:00+00:00"
    first = f"{month}-{day}T{8 + int(hours):02d}:00:00+00:00"
    resolved = f"{month}-{day}T18:00:00+00:00"  # 10 h after creation
    agent = ("Ann", "Bob")[index % 2]
    return (ticket_id, created, first, resolved, category, channel, agent, replies, 0)


def tickets() -> list[Row]:
    rows = [_ticket(f"s-ship-{i}", SEP, i, 5, "Shipping", "Chat") for i in range(2)]
    # one id stored with spaces around it: it is "s-bill-1", which a response names
    rows += [_ticket(" s-bill-1 " if i == 1 else f"s-bill-{i}", SEP, i, 1, "Billing", "EMAIL" if i == 3 else "Email")
             for i in range(8)]
    rows += [_ticket("o-ship-0", OCT, 0, 1, "Billing", "Email")]  # an earlier copy: the later row wins
    rows += [_ticket(f"o-ship-{i}", OCT, i, 5, "Shipping", "Chat") for i in range(4)]
    rows += [_ticket(f"o-bill-{i}", OCT, i, 1, "Billing", "-" if i == 1 else "Email",
                     replies=-3 if i == 0 else 1) for i in range(6)]
    rows += [("o-nodate", None, None, None, "Shipping", "Chat", "Ann", 1, 0)]  # excluded: no creation time
    return rows


SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score", "ticket_id")
SURVEY_DDL = "response_id text, submitted_at timestamptz, survey text, score double precision, ticket_id text, " \
             "loaded_at bigint"


def surveys() -> list[Row]:
    def response(response_id: str, month: str, index: int, score: float, ticket: str) -> Row:
        return (response_id, f"{month}-{'01' if index % 2 == 0 else '30'}T09:00:00+00:00", "csat", score, ticket)

    rows = [response(f"r-s{i}", SEP, i, 5, f"s-bill-{i}") for i in range(4)]  # Ann: 0, 2; Bob: 1, 3
    rows += [response("r-o3", OCT, 1, 5, "o-bill-3")]  # an earlier copy: the later row wins
    rows += [response(f"r-o{i}", OCT, i, 5 if i % 2 == 0 else 1, f"o-bill-{i}") for i in range(4)]
    rows += [response("r-o-ship", OCT, 0, 5, "o-ship-0"), response("r-o-none", OCT, 1, 4, "nope"),
             response("r-o-undated", OCT, 0, 2, "o-nodate"), response("r-o-odd", OCT, 1, 9, "o-bill-0")]
    return rows


# ---- the same rows in three places ------------------------------------------------------------------
def _config(root: Path, tickets_source: str, surveys_source: str) -> Path:
    config = root / "config.yaml"
    config.write_text('report: {title: "T", timezone: "UTC", currency: "EUR"}\n'
                      f'history: {{path: "history"}}\nsources:\n  tickets: {tickets_source}\n'
                      f'  surveys: {surveys_source}\n', encoding="utf-8")
    return config


def _csv(root: Path, name: str, header: Sequence[str], rows: Sequence[Row]) -> str:
    write_rows(root / name, header, [["" if v is None else str(v) for v in row] for row in rows])
    return f'{{path: "{name}", preset: generic}}'


def file_project(root: Path, rows: Sequence[Row]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return _config(root, _csv(root, "tickets.csv", TICKET_HEADER, rows),
                   _csv(root, "surveys.csv", SURVEY_HEADER, surveys()))


def _duckdb_table(database: Path, table: str, ddl: str, rows: Sequence[Row]) -> str:
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS support")
        con.execute(f"CREATE TABLE support.{table} ({ddl.replace('timestamptz', 'TIMESTAMPTZ')})")
        marks = ", ".join("?" * (len(rows[0]) + 1))
        con.executemany(f"INSERT INTO support.{table} VALUES ({marks})", [(*row, i) for i, row in enumerate(rows)])
    finally:
        con.close()
    return f'{{warehouse: "duckdb:///{database}", table: support.{table}, options: {{latest_by: loaded_at}}}}'


def duckdb_project(root: Path, rows: Sequence[Row], surveys_in: str = "same") -> Path:
    """The tickets in a DuckDB file; the surveys in the ``same`` file, in ``another`` one or in a ``file``."""
    root.mkdir(parents=True, exist_ok=True)
    tickets_source = _duckdb_table(root / "warehouse.duckdb", "tickets", TICKET_DDL, rows)
    if surveys_in == "file":
        surveys_source = _csv(root, "surveys.csv", SURVEY_HEADER, surveys())
    else:
        database = root / ("warehouse.duckdb" if surveys_in == "same" else "other.duckdb")
        surveys_source = _duckdb_table(database, "surveys", SURVEY_DDL, surveys())
    return _config(root, tickets_source, surveys_source)


def load_pg(server: Server, schema: str, rows: Sequence[Row], first_index: int = 0, create: bool = True) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        if create:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            con.execute(f"CREATE SCHEMA {schema}")
            con.execute(f"CREATE TABLE {schema}.tickets ({TICKET_DDL})")
            con.execute(f"CREATE TABLE {schema}.surveys ({SURVEY_DDL})")
            with con.cursor().copy(f"COPY {schema}.surveys FROM STDIN") as copy:
                for index, row in enumerate(surveys()):
                    copy.write_row((*row, index))
        with con.cursor().copy(f"COPY {schema}.tickets FROM STDIN") as copy:
            for index, row in enumerate(rows):
                copy.write_row((*row, first_index + index))


def pg_project(root: Path, server: Server, schema: str, rows: Sequence[Row]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    load_pg(server, schema, rows)
    return _config(root, f'{{warehouse: "{server.url()}", table: {schema}.tickets, options: {{latest_by: loaded_at}}}}',
                   f'{{warehouse: "{server.url()}", table: {schema}.surveys, options: {{latest_by: loaded_at}}}}')


@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    with running_server() as server:
        yield server


# ---- helpers -----------------------------------------------------------------------------------------
def segment_measures(config: Path) -> dict[str, dict[str, dict[str, float]]]:
    """month → ``drivers.<dimension>.<measure>`` → segment → value (the engine's segment measures)."""
    months = Engine(load_config(config)).run().months
    return {month: {name: dict(values) for name, values in measures.dims.items() if name.startswith("drivers.")}
            for month, measures in months.items()}


def json_drivers(config: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", OCT, "--format", "json"])
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)["drivers"]
    return found



def by_segment(found: dict[str, Any], dimension: str) -> dict[str | None, dict[str, Any]]:
    return {s["segment"]: s for s in found["by"][dimension]}


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def check_by_hand(drivers: dict[str, Any]) -> None:
    """The drivers of October against September, worked out from the module docstring's rows with
    the spec's formulas: mix = (w2 − w1)(r1 + r2)/2, within = (r2 − r1)(w1 + w2)/2; counts n2 − n1."""
    # ticket volume 10 → 10: Shipping 2 → 4 (+2), Billing 8 → 6 (−2); the duplicate and the
    # undated ticket count nowhere
    volume = by_segment(drivers["ticket_volume"], "category")
    assert set(volume) == {"Shipping", "Billing"}
    assert (volume["Shipping"]["value_previous"], volume["Shipping"]["value"]) == (2, 4)
    assert volume["Shipping"]["contribution"] == 2 and volume["Billing"]["contribution"] == -2
    # first response: (2×5 + 8×1)/10 = 1.8 h → (4×5 + 6×1)/10 = 2.6 h, +0.8 h
    frt = drivers["avg_first_response_hours"]
    assert frt["change"] == approx(0.8)
    categories = by_segment(frt, "category")
    # Shipping: w 0.2 → 0.4, r 5 → 5: mix 0.2 × 5 = 1.0, within 0; Billing: w 0.8 → 0.6, r 1: mix −0.2
    assert categories["Shipping"]["mix"] == approx(1.0) and categories["Shipping"]["within"] == approx(0.0)
    assert (categories["Shipping"]["share_previous"], categories["Shipping"]["share"]) == (approx(0.2), approx(0.4))
    assert categories["Billing"]["contribution"] == approx(-0.2)
    assert frt["by"]["category"][0]["segment"] == "Shipping"
    # first-contact resolution: 10/10 → 9/10 (the ticket with replies -3 has no known replies)
    fcr = drivers["fcr_rate"]
    assert fcr["change"] == approx(-0.1)
    categories = by_segment(fcr, "category")
    # Billing: w 0.8 → 0.6, r 1 → 5/6: mix −0.2 × (1 + 5/6)/2 = −0.18333…, within (−1/6) × 0.7 = −0.11666…
    assert categories["Billing"]["mix"] == approx(-0.2 * (1 + 5 / 6) / 2)
    assert categories["Billing"]["within"] == approx(-1 / 6 * 0.7)
    # Shipping: w 0.2 → 0.4, r 1 → 1: mix +0.2
    assert categories["Shipping"]["contribution"] == approx(0.2)
    # the channels' spellings merge as in the breakdowns ("EMAIL" is "Email"); "-" is no channel
    channels = by_segment(drivers["ticket_volume"], "channel")
    assert (channels["Email"]["value_previous"], channels["Email"]["value"]) == (8, 5)
    assert channels["Unknown"]["value"] == 1 and channels["Chat"]["contribution"] == 2
    # CSAT 100 % → 4/7: by agent (worked out in the module docstring's terms), w1: Ann 1/2, Bob 1/2
    csat = drivers["csat"]
    assert csat["change"] == approx(4 / 7 - 1)
    agents = by_segment(csat, "agent")
    assert set(agents) == {"Ann", "Bob", None}
    # Ann: 3 of 7 (the Shipping ticket's response is Ann's: its later row wins), all satisfied:
    # mix (3/7 − 1/2) × 1 = −1/14, within 0
    assert agents["Ann"]["mix"] == approx(-1 / 14) and agents["Ann"]["within"] == approx(0.0)
    # Bob: 2 of 7 (the repeated response counts once, as 1), r 1 → 0:
    # mix (2/7 − 1/2) × 1/2 = −3/28, within −1 × (1/2 + 2/7)/2 = −11/28
    assert agents["Bob"]["mix"] == approx(-3 / 28) and agents["Bob"]["within"] == approx(-11 / 28)
    # no ticket (a missing one, an excluded one): 2 of 7, in October only, 1 of 2 satisfied: mix 2/7 × 1/2
    assert agents[None]["share"] == approx(2 / 7) and agents[None]["contribution"] == approx(1 / 7)
    assert (agents[None]["value_previous"], agents[None]["value"]) == (approx(0.5), approx(0.5))
    assert by_segment(csat, "category")["Shipping"]["share"] == approx(1 / 7)
    for found in drivers.values():
        for dimension, segments in found["by"].items():
            total = math.fsum(s["contribution"] for s in segments)
            assert math.isclose(total, found["change"], rel_tol=1e-9, abs_tol=1e-12), dimension


# ---- tests -------------------------------------------------------------------------------------------
def test_file_rows_give_the_hand_computed_drivers(tmp_path: Path) -> None:
    """The expectations hold for the file engine (the parity tests below compare with it)."""
    check_by_hand(json_drivers(file_project(tmp_path, tickets())))


def test_duckdb_warehouse_drivers_equal_the_files_and_the_hand_computed_ones(tmp_path: Path) -> None:
    files = file_project(tmp_path / "files", tickets())
    warehouse = duckdb_project(tmp_path / "warehouse", tickets())
    pushed = segment_measures(warehouse)
    assert pushed[OCT]["drivers.category.tickets_created"] == {"Shipping": 4, "Billing": 6}
    assert pushed[OCT]["drivers.agent.csat_responses"] == {"Ann": 3, "Bob": 2, " no ticket": 2}
    assert_same(pushed, segment_measures(files))
    drivers = json_drivers(warehouse)
    check_by_hand(drivers)
    assert_same(drivers, json_drivers(files))


def test_postgres_drivers_equal_the_files_and_the_hand_computed_ones(pg: Server, tmp_path: Path) -> None:
    files = file_project(tmp_path / "files", tickets())
    warehouse = pg_project(tmp_path / "warehouse", pg, "drivers", tickets())
    pushed = segment_measures(warehouse)
    assert pushed[SEP]["drivers.category.first_response_hours_sum"] == {"Shipping": approx(10), "Billing": approx(8)}
    assert_same(pushed, segment_measures(files))
    drivers = json_drivers(warehouse)
    check_by_hand(drivers)
    assert_same(drivers, json_drivers(files))


@pytest.mark.parametrize("surveys_in", ["file", "another"])
def test_surveys_elsewhere_than_the_warehouse_tickets_have_no_drivers(tmp_path: Path, surveys_in: str) -> None:
    """The responses' segments need the tickets in the same database: surveys read from a file, or
    from another warehouse, beside warehouse tickets get none (the tickets' drivers stay)."""
    drivers = json_drivers(duckdb_project(tmp_path, tickets(), surveys_in))
    assert "csat" not in drivers and "negative_feedback_rate" not in drivers
    assert drivers["avg_first_response_hours"]["change"] == approx(0.8)


def test_a_monthly_run_computes_the_report_month_and_takes_the_month_before_from_history(
        pg: Server, tmp_path: Path) -> None:
    """The first run stores both months (and their segments); the next run of October computes
    October alone in the warehouse (its span) and compares with September's stored segments."""
    warehouse = pg_project(tmp_path, pg, "monthly", tickets())
    config = load_config(warehouse)
    first = kpis_document(compute_month(config, OCT))["drivers"]
    check_by_hand(first)
    # one more October Shipping ticket in the warehouse: only a run computing October sees it
    load_pg(pg, "monthly", [_ticket("o-ship-late", OCT, 5, 5, "Shipping", "Chat")], first_index=100, create=False)
    second = kpis_document(compute_month(config, OCT))["drivers"]
    volume = by_segment(second["ticket_volume"], "category")
    assert (volume["Shipping"]["value_previous"], volume["Shipping"]["value"]) == (2, 5)
    assert volume["Shipping"]["contribution"] == 3 and volume["Billing"]["contribution"] == -2
    assert_same(second["csat"], first["csat"])  # October's responses again, September's from history


def test_the_cube_of_a_span_holds_only_its_months(pg: Server, tmp_path: Path) -> None:
    """A statement limited to October returns the cube's cells of October's tickets only (created or
    resolved then): September comes from history, never from the warehouse."""
    config = load_config(pg_project(tmp_path, pg, "span", tickets()))
    result = compute(config, "tickets", config.sources.of("tickets")[0], span=Span(OCT, OCT, "UTC"))
    assert result.cube is not None
    rows = result.cube.rows
    assert rows and {row[0] for row in rows} == {OCT} and {row[1] for row in rows} == {OCT}
    keys = result.cube.cube.keys
    created = result.cube.cube.measures.index("tickets_created")
    assert sum(row[len(keys) + created] for row in rows) == 10


# ---- BigQuery and Snowflake: compiled and parsed back (no live account here) ------------------------
@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "postgres", "duckdb"])
@pytest.mark.parametrize("months", [None, (SEP, OCT)])
@pytest.mark.parametrize("unique", [False, True])
def test_the_statement_with_both_cubes_parses_back_in_each_dialect(dialect: str, months: tuple[str, str] | None,
                                                                   unique: bool) -> None:
    config = parse_config('report: {timezone: "America/Chicago"}\nsources:\n  tickets: {path: x.csv}\n')
    source = parse_config('sources:\n  tickets: {warehouse: "postgresql://u@h/db", table: t}\n').sources.tickets
    assert not isinstance(source, list)
    responses = {c: f'"{c}"' for c in SURVEY_HEADER}
    span = None if months is None else Span(*months, "America/Chicago")
    pushdown = build(config, "tickets", source, {c: f'"{c}"' for c in TICKET_HEADER}, dialect, span=span,
                     unique=unique, surveys=SurveyJoin(responses, source, unique))
    tree = sqlglot.parse_one(pushdown.sql, read=dialect)  # raises on SQL the dialect cannot read
    tags = {literal.this for literal in tree.find_all(sqlglot.exp.Literal) if literal.is_string}
    assert {"cube", "survey_cube", "quality"} <= tags
    ctes = {cte.alias_or_name for cte in tree.find_all(sqlglot.exp.CTE)}
    assert {"tickets_all", "surveys_all_s", "tickets_all_ref"} <= ctes
    assert ("responses_dups_ids" in ctes) != unique and ("dup_ids" in ctes) != unique  # each dataset's own
    assert pushdown.cube is not None and pushdown.survey_cube is not None
    assert pushdown.extra == len(pushdown.cube.keys) - 2 == len(pushdown.survey_cube.keys) - 2


def _missing_surveys(config: Path) -> str:
    config.write_text(config.read_text(encoding="utf-8").replace(".surveys,", ".no_such_table,"), encoding="utf-8")
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", OCT, "--format", "json"])
    assert result.exit_code != 0
    return result.output


def test_a_survey_table_that_cannot_be_read_is_the_surveys_error_not_the_tickets(tmp_path: Path) -> None:
    """The tickets' statement reads the surveys' table too (their drivers): when it cannot, the
    surveys' own statement reports it, under sources.surveys."""
    output = _missing_surveys(duckdb_project(tmp_path, tickets()))
    assert "sources.surveys" in output and "sources.tickets" not in output and "no_such_table" in output


def test_a_survey_table_that_cannot_be_read_is_the_surveys_error_on_postgres(pg: Server, tmp_path: Path) -> None:
    output = _missing_surveys(pg_project(tmp_path, pg, "missing", tickets()))
    assert "sources.surveys" in output and "sources.tickets" not in output and "no_such_table" in output
