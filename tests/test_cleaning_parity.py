"""One declaration of the cleaning rules (``reportgen.engine.rules``), the same results whatever the
source: random rows with hostile values are read from a CSV file, from a DuckDB warehouse and from
a real PostgreSQL server, and every KPI, breakdown and data-quality count must agree.

A cell a typed warehouse column cannot hold is stored as the value a reader of that cell gets:
text that is not a number as NaN, text that is not an instant as 'infinity' (the CSV holds the
text itself); blank-likes (``-``, ``n/a``, empty) as NULL in typed columns and as written in text
columns. Duplicates win by the order the rows are written in (the warehouses' ``latest_by``).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from conftest import SURVEY_HEADER, TICKET_HEADER, write_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from postgres import Server, running_server
from warehouse_data import assert_same

from reportgen.config import Config, load_config
from reportgen.engine import Engine
from reportgen.engine.warehouse.pushdown import compute_all
from reportgen.kpis import breakdown_values, scalar_values
from reportgen.measures import MonthMeasures

TICKET_DDL = ("ticket_id text, created_at timestamptz, first_response_at timestamptz, resolved_at timestamptz, "
              "category text, channel text, agent text, replies double precision, reopens double precision, "
              "loaded_at bigint")
SURVEY_DDL = "response_id text, submitted_at timestamptz, survey text, score double precision, loaded_at bigint"

START = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(hours=1)  # Rome's first hour of January


class Text(str):
    """A cell that is not a value of its column's type: the CSV holds the text, a warehouse the
    value a reader gets from it (``typed``)."""

    typed: Any

    def __new__(cls, text: str, typed: Any) -> Text:
        cell = super().__new__(cls, text)
        cell.typed = typed
        return cell


BLANK = st.sampled_from(["", "-", "n/a", " N/A ", "—", "(none)"]).map(lambda text: Text(text, None))
IDS = st.one_of(st.sampled_from(["1", "2", "3", " 3", "4 ", "17", "abc", "ABC"]), BLANK)
NAMES = st.sampled_from(["email", "EMAIL ", " Email", "chat", "Chat", "-", "", "n/a", "Billing",
                         "billing ", "(none)"])
INSTANTS = st.one_of(
    st.integers(min_value=-90 * 24, max_value=100 * 24).map(lambda hours: START + timedelta(hours=hours)),
    st.sampled_from([
        datetime(2300, 1, 5, tzinfo=UTC), datetime(1850, 3, 1, tzinfo=UTC),  # out of range
        Text("infinity", "infinity"), Text("not a time", "infinity"), Text("2024-02-30 10:00", "infinity"),
    ]),
    BLANK, st.none(),
)
COUNTS = st.one_of(
    st.integers(min_value=0, max_value=5).map(float),
    st.sampled_from([-3.0, 2.5, 0.5, 1e20, 1e15, 999_999_999_999_999.0, float("inf"), float("-inf")]),
    st.sampled_from(["abc", "two"]).map(lambda text: Text(text, math.nan)),
    BLANK, st.none(),
)
KINDS = st.sampled_from(["nps", "NPS ", " csat", "CES", "other", "-", "", "n/a"])
SCORES = st.one_of(
    st.integers(min_value=-1, max_value=12).map(float),
    st.sampled_from([2.5, 7.5, 100.0, -0.5, float("inf")]),
    st.sampled_from(["good", "x"]).map(lambda text: Text(text, math.nan)),
    BLANK, st.none(),
)


@st.composite
def tickets(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        created = draw(INSTANTS)
        later = draw(st.integers(min_value=-48, max_value=24 * 30))
        base = created if isinstance(created, datetime) else START

        def after(chance: bool, base: datetime = base, later: int = later) -> Any:
            return base + timedelta(hours=later, minutes=7) if chance else draw(INSTANTS)

        rows.append((draw(IDS), created, after(draw(st.booleans())), after(draw(st.booleans())),
                     draw(NAMES), draw(NAMES), draw(NAMES), draw(COUNTS), draw(COUNTS)))
    return rows


@st.composite
def surveys(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    return [(draw(IDS), draw(INSTANTS), draw(KINDS), draw(SCORES))
            for _ in range(draw(st.integers(min_value=1, max_value=20)))]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _typed(value: Any) -> Any:
    """What a typed warehouse column holds for the cell (text columns hold it as written)."""
    if isinstance(value, Text):
        return value.typed
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _typed_row(row: Sequence[Any], texts: set[int], index: int) -> tuple[Any, ...]:
    return (*(str(value) if column in texts and value is not None else _typed(value)
              for column, value in enumerate(row)), index)


TICKET_TEXTS, SURVEY_TEXTS = {0, 4, 5, 6}, {0, 2}


def _files(root: Path, ticket_rows: Sequence[Sequence[Any]], survey_rows: Sequence[Sequence[Any]]) -> Config:
    write_rows(root / "tickets.csv", TICKET_HEADER, [[_cell(v) for v in row] for row in ticket_rows])
    write_rows(root / "surveys.csv", SURVEY_HEADER, [[_cell(v) for v in row] for row in survey_rows])
    path = root / "files.yaml"
    path.write_text('report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: tickets.csv}\n'
                    '  surveys: {path: surveys.csv}\n', encoding="utf-8")
    return load_config(path)


def _warehouse(root: Path, url: str, schema: str) -> Config:
    path = root / f"{schema}.yaml"
    options = "options: {latest_by: loaded_at}"
    path.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                    f'  tickets: {{warehouse: "{url}", table: "{schema}.tickets", {options}}}\n'
                    f'  surveys: {{warehouse: "{url}", table: "{schema}.survey_responses", {options}}}\n',
                    encoding="utf-8")
    return load_config(path)


def _rows(ticket_rows: Sequence[Sequence[Any]], survey_rows: Sequence[Sequence[Any]]
          ) -> tuple[tuple[str, str, list[tuple[Any, ...]]], ...]:
    return (("tickets", TICKET_DDL, [_typed_row(r, TICKET_TEXTS, i) for i, r in enumerate(ticket_rows)]),
            ("survey_responses", SURVEY_DDL, [_typed_row(r, SURVEY_TEXTS, i) for i, r in enumerate(survey_rows)]))


def _load_duckdb(database: Path, ticket_rows: Sequence[Sequence[Any]],
                 survey_rows: Sequence[Sequence[Any]]) -> None:
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE SCHEMA hostile")
        for name, ddl, rows in _rows(ticket_rows, survey_rows):
            con.execute(f"CREATE TABLE hostile.{name} ({ddl.replace('double precision', 'DOUBLE')})")
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO hostile.{name} VALUES ({marks})", rows)
    finally:
        con.close()


def _load_pg(server: Server, schema: str, ticket_rows: Sequence[Sequence[Any]],
             survey_rows: Sequence[Sequence[Any]]) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
        for name, ddl, rows in _rows(ticket_rows, survey_rows):
            con.execute(f"CREATE TABLE {schema}.{name} ({ddl})")
            with con.cursor().copy(f"COPY {schema}.{name} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _kpis(months: dict[str, MonthMeasures]) -> dict[str, Any]:
    return {month: (scalar_values(v), breakdown_values(v)) for month, v in months.items()}



@pytest.fixture(scope="module")
def pg() -> Iterator[Server]:
    with running_server() as server:
        yield server


@pytest.mark.slow
@pytest.mark.postgres
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ticket_rows=tickets(), survey_rows=surveys())
def test_a_file_a_duckdb_and_a_postgres_warehouse_agree_on_hostile_rows(
        pg: Server, ticket_rows: list[tuple[Any, ...]], survey_rows: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = Engine(_files(root, ticket_rows, survey_rows)).run()
        _load_duckdb(root / "warehouse.duckdb", ticket_rows, survey_rows)
        _load_pg(pg, "hostile", ticket_rows, survey_rows)
        for name, url in (("duckdb", f"duckdb:///{root / 'warehouse.duckdb'}"), ("postgres", pg.url())):
            pushed = compute_all(_warehouse(root, url, "hostile"))
            assert_same(_kpis(pushed.months), _kpis(files.months), name)
            for dataset in ("tickets", "surveys"):
                assert_same(dict(pushed.quality[dataset].as_dict(), files=None),
                      dict(files.quality[dataset].as_dict(), files=None), f"{name}.{dataset}.quality")


@pytest.mark.slow
@pytest.mark.postgres
def test_the_hostile_values_reach_every_rule(pg: Server, tmp_path: Path) -> None:
    """The strategies' values are not a walk-over: one hand-picked table of them is cleaned alike by
    the three sources and hits the reasons the property test is about (counts checked by hand)."""
    jan = START + timedelta(days=10)
    ticket_rows: list[tuple[Any, ...]] = [
        ("1", jan, jan + timedelta(hours=2), jan + timedelta(hours=5), "EMAIL ", "chat", "Bo", 2.5, -3.0),
        (" 1", jan, None, None, "email", "-", "", float("inf"), Text("abc", math.nan)),  # wins over "1"
        ("2", datetime(2300, 1, 5, tzinfo=UTC), None, None, "Billing", "chat", "Bo", 1.0, 0.0),
        ("3", Text("", None), None, None, "Billing", "chat", "Bo", 1.0, 0.0),
        (Text("n/a", None), jan, None, None, "Billing", "chat", "Bo", 1.0, 0.0),
        ("4", jan, Text("not a time", "infinity"), jan - timedelta(hours=1), "n/a", "Chat", "Bo",
         1e20, 2.0),  # a huge count is a discarded value, never a failed cast
    ]
    survey_rows: list[tuple[Any, ...]] = [
        ("r1", jan, "NPS ", 9.0), ("r2", jan, "csat", 7.5), ("r3", jan, "ces", Text("good", math.nan)),
        ("r4", jan, "-", 3.0), ("r5", jan, "nps", None),
    ]
    files = Engine(_files(tmp_path, ticket_rows, survey_rows)).run()
    tickets_quality = files.quality["tickets"]
    assert tickets_quality.duplicates == 1
    assert tickets_quality.excluded == {"invalid_created_at": 1, "missing_created_at": 1, "missing_ticket_id": 1}
    assert tickets_quality.values_discarded == {"invalid_first_response_at": 1, "resolved_before_created": 1,
                                                "invalid_replies": 2, "invalid_reopens": 1}
    assert files.quality["surveys"].excluded == {"score_out_of_scale": 1, "invalid_score": 1,
                                                 "missing_survey": 1, "missing_score": 1}
    assert breakdown_values(files.months["2024-01"])["tickets_by_channel"] == {"Unknown": 1, "Chat": 1}
    _load_duckdb(tmp_path / "warehouse.duckdb", ticket_rows, survey_rows)
    _load_pg(pg, "handpicked", ticket_rows, survey_rows)
    for name, url, schema in (("duckdb", f"duckdb:///{tmp_path / 'warehouse.duckdb'}", "hostile"),
                              ("postgres", pg.url(), "handpicked")):
        pushed = compute_all(_warehouse(tmp_path, url, schema))
        assert_same(_kpis(pushed.months), _kpis(files.months), name)
        for dataset in ("tickets", "surveys"):
            assert_same(dict(pushed.quality[dataset].as_dict(), files=None),
                  dict(files.quality[dataset].as_dict(), files=None), f"{name}.{dataset}.quality")


def test_every_reason_has_one_rule_in_the_declaration() -> None:
    """The reasons (``engine.reasons``: what each means) and the rules (``engine.rules``: when each
    applies) name the same reasons, each once, excluded ones as exclusions in the declared order."""
    from reportgen.config import KpiOptions
    from reportgen.engine import rules
    from reportgen.engine.reasons import REASONS

    for relation in (rules.tickets(), rules.tickets(hours_given=True), rules.surveys(KpiOptions())):
        declared = [r.name for r in REASONS.values() if r.dataset == relation.dataset]
        excluded = [rule.reason for rule in relation.excluded if rule.reason != "duplicate"]
        assert excluded + list(relation.discards) == declared
        assert all(REASONS[name].row_excluded for name in excluded)
        assert not any(REASONS[name].row_excluded for name in relation.discards)
        assert relation.quality == ("rows_read", "duplicate", *declared)
