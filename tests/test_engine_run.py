"""The engine facade: listing rows (validate) or not (kpis, build) computes the same numbers.

Without rows to list, the cleaned tables keep no row ids and the raw rows are dropped
before the aggregates; the counts, measures and coverage must not change, and the
rows listed with ``max_problems=None`` are the ones the hand-made files hold.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import SURVEY_HEADER, TICKET_HEADER, write_rows

from reportgen.config import load_config
from reportgen.engine import Engine
from reportgen.engine.run import side_by_side
from reportgen.errors import ReportgenError


def _files(root: Path) -> Path:
    write_rows(root / "a.csv", TICKET_HEADER, [
        ("T1", "2026-10-01T08:00:00Z", "2026-10-01T09:00:00Z", "2026-10-02T08:00:00Z", "Billing", "chat", "Ann",
         "1", "0"),
        ("T2", "2026-10-03T08:00:00Z", "2026-10-03T07:00:00Z", "garbage", "billing ", "web", "", "x", "-1"),
        ("T3", "2026-10-04T08:00:00Z", "", "2026-10-04T06:00:00Z", "", "", "Bob", "2.0", "1"),
        ("", "2026-10-05T08:00:00Z", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T4", "not a date", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T5", "n/a", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T1", "2026-09-30T08:00:00Z", "", "", "Shipping", "email", "Cid", "0", "0"),  # duplicate, this file
    ])
    write_rows(root / "b.csv", TICKET_HEADER, [
        # T3 again in a later file: this one wins, the one in a.csv is the duplicate
        ("T3", "2026-10-06T08:00:00Z", "2026-10-06T08:30:00Z", "2026-10-07T08:00:00Z", "Product", "chat", "Bob",
         "1", "0"),
    ])
    write_rows(root / "survey.csv", SURVEY_HEADER, [
        ("R1", "2026-10-01T08:00:00Z", "nps", "9"), ("R1", "2026-10-01T09:00:00Z", "nps", "3"),
        ("R2", "2026-10-02T08:00:00Z", "csat", "9"), ("R3", "2026-10-02T08:00:00Z", "ces", "n/a"),
    ])
    config = root / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                      '  tickets: {path: "?.csv"}\n  surveys: {path: survey.csv}\n', encoding="utf-8")
    return config


def test_listing_rows_or_not_gives_the_same_numbers(tmp_path: Path) -> None:
    config = load_config(_files(tmp_path))
    listed = Engine(config, max_problems=None).run()
    counted = Engine(config, max_problems=0).run()
    assert counted.problems == []
    assert counted.months == listed.months
    assert counted.quality_dict() == listed.quality_dict()
    assert counted.coverage == listed.coverage

    tickets = counted.quality["tickets"]
    assert (tickets.rows_read, tickets.duplicates) == (8, 2)
    assert tickets.excluded == {"missing_ticket_id": 1, "invalid_created_at": 1, "missing_created_at": 1}
    assert tickets.values_discarded == {
        "first_response_before_created": 1, "invalid_resolved_at": 1, "invalid_replies": 1,
        "invalid_reopens": 1,
    }
    assert counted.quality["surveys"].excluded == {"score_out_of_scale": 1, "missing_score": 1}
    # T1's later row (a.csv, row 8) is from September; T3's winner is b.csv's
    assert counted.months["2026-09"].scalars["tickets_created"] == 1
    october = counted.months["2026-10"]
    assert october.scalars["tickets_created"] == 2
    assert october.dims["category_tickets"] == {"billing": 1, "Product": 1}
    assert counted.coverage["tickets"] == (dt.date(2026, 9, 30), dt.date(2026, 10, 6))

    rows = {(Path(p.file).name, p.row, p.reason) for p in listed.problems}
    assert rows == {
        ("a.csv", 3, "first_response_before_created"), ("a.csv", 3, "invalid_resolved_at"),
        ("a.csv", 3, "invalid_replies"), ("a.csv", 3, "invalid_reopens"),
        ("a.csv", 5, "missing_ticket_id"), ("a.csv", 6, "invalid_created_at"),
        ("a.csv", 7, "missing_created_at"), ("survey.csv", 4, "score_out_of_scale"),
        ("survey.csv", 5, "missing_score"),
    }


def test_the_rows_are_held_once_and_cleaned_as_they_are_read(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """When the data quality is counted, each dataset's rows are in one table (the cleaned one,
    written as the file is read), not also in a raw copy; a duplicate loses its other reason."""
    import reportgen.engine.run as engine_run

    held: dict[str, dict[str, int]] = {}
    count_quality = engine_run.count_quality

    def spy(con: duckdb.DuckDBPyConnection, loaded: engine_run.Loaded) -> engine_run.DatasetQuality:
        held[loaded.dataset] = {str(name): int(rows) for name, rows in con.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables() WHERE estimated_size > 0").fetchall()}
        return count_quality(con, loaded)

    monkeypatch.setattr(engine_run, "_concurrent", lambda config: False)
    monkeypatch.setattr(engine_run, "count_quality", spy)
    result = Engine(load_config(_files(tmp_path))).run()
    assert held["tickets"] == {"tickets_all": 8}
    assert held["surveys"] == {"tickets_all": 8, "surveys_all": 4}  # the tickets' stay for the joins
    # R1's first row would have been used; T1's first (a.csv row 2) too: both are duplicates only
    assert result.quality["surveys"].duplicates == 1 and result.quality["tickets"].duplicates == 2


def test_tickets_and_surveys_side_by_side_keep_their_zones_and_order(tmp_path: Path) -> None:
    """Both datasets read files, so they run side by side on connections of their own: each
    source's naive times stay in its own zone (a per-connection setting), and of two broken
    datasets the tickets' problem is the one raised, every time."""
    write_rows(tmp_path / "tickets.csv", TICKET_HEADER, [
        # 23:30 on 31 Oct in New York is 04:30 on 1 Nov in Rome (the report zone)
        ("T1", "2026-10-31 23:30:00", "", "", "Billing", "chat", "Ann", "1", "0"),
    ])
    write_rows(tmp_path / "surveys.csv", SURVEY_HEADER, [
        # 00:30 on 1 Nov in Tokyo is 16:30 on 31 Oct in Rome
        ("R1", "2026-11-01 00:30:00", "nps", "10"),
    ])
    config = tmp_path / "config.yaml"
    config.write_text(
        'report: {timezone: "Europe/Rome"}\nsources:\n'
        '  tickets: {path: tickets.csv, timezone: "America/New_York"}\n'
        '  surveys: {path: surveys.csv, timezone: "Asia/Tokyo"}\n', encoding="utf-8")
    for _ in range(3):
        result = Engine(load_config(config)).run()
        assert result.months["2026-11"].scalars["tickets_created"] == 1
        assert result.months["2026-10"].scalars["nps_responses"] == 1
        assert not result.months["2026-11"].scalars.get("nps_responses")

    (tmp_path / "tickets.csv").write_text("ticket_id,category\nT1,Billing\n", encoding="utf-8")
    (tmp_path / "surveys.csv").write_text("response_id,score\nR1,9\n", encoding="utf-8")
    for _ in range(3):
        with pytest.raises(ReportgenError) as raised:
            Engine(load_config(config)).run()
        assert "created_at" in str(raised.value) and "tickets.csv" in str(raised.value)
    collected = Engine(load_config(config), collect=True).run()
    assert [Path(str(e.location.file)).name for e in collected.fatal if e.location] == \
        ["tickets.csv", "surveys.csv"]


LONG_QUERY = "SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3"  # minutes, if let run


def _long(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.execute(LONG_QUERY).fetchone()
    return int(row[0]) if row else 0


def test_side_by_side_stops_the_others_when_a_task_fails() -> None:
    """A failed tickets pipeline does not wait for the surveys' long read: its query is interrupted."""
    def failing(cursor: duckdb.DuckDBPyConnection) -> int:
        raise ValueError("tickets: broken")

    started = time.monotonic()
    with pytest.raises(ValueError, match="tickets: broken"):
        side_by_side(duckdb.connect(), [failing, _long])
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_side_by_side_raises_what_a_serial_run_would() -> None:
    """The first task's failure wins even when a later task fails sooner."""
    def slow_failure(cursor: duckdb.DuckDBPyConnection) -> int:
        time.sleep(0.5)
        raise ValueError("first")

    def quick_failure(cursor: duckdb.DuckDBPyConnection) -> int:
        raise ValueError("second")

    for _ in range(3):
        with pytest.raises(ValueError, match="first"):
            side_by_side(duckdb.connect(), [slow_failure, quick_failure])


def test_side_by_side_interrupt_stops_every_query() -> None:
    """Ctrl-C (here: raised in the first task) interrupts the running queries and is raised."""
    def interrupted(cursor: duckdb.DuckDBPyConnection) -> int:
        time.sleep(0.2)
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        side_by_side(duckdb.connect(), [interrupted, _long])
    assert time.monotonic() - started < 10


def test_side_by_side_keeps_each_connection_setting() -> None:
    con = duckdb.connect()

    def zone(name: str) -> Callable[[duckdb.DuckDBPyConnection], str]:
        def task(cursor: duckdb.DuckDBPyConnection) -> str:
            cursor.execute(f"SET TimeZone = '{name}'")
            time.sleep(0.1)
            row = cursor.execute("SELECT current_setting('TimeZone')").fetchone()
            return str(row[0]) if row else ""
        return task

    assert side_by_side(con, [zone("Asia/Tokyo"), zone("America/New_York")]) == \
        ["Asia/Tokyo", "America/New_York"]


def test_sums_of_hours_are_exact_so_every_run_gives_the_same_bits(tmp_path: Path) -> None:
    """Durations are summed as whole microseconds: the sum is the exact one, rounded once, whatever
    order DuckDB's threads add the rows in (a sum of doubles moved the 15th digit from run to run).
    The expected values are exact fractions, computed here from the timestamps written."""
    from fractions import Fraction
    from random import Random

    from reportgen.measures import segment_measure_name

    draw = Random(7)
    start = dt.datetime(2026, 10, 1, 8, tzinfo=dt.UTC)
    rows, microseconds, by_agent = [], 0, {"Ann": 0, "Bob": 0}
    for n in range(3000):
        created = start + dt.timedelta(seconds=draw.randrange(20 * 86400))
        took = dt.timedelta(seconds=draw.randrange(1, 200_000), microseconds=draw.randrange(1_000_000))
        agent = ("Ann", "Bob")[n % 2]
        microseconds += took // dt.timedelta(microseconds=1)
        by_agent[agent] += took // dt.timedelta(microseconds=1)
        rows.append((f"T{n}", created.isoformat(), "", (created + took).isoformat(), "Billing", "chat", agent,
                     "1", "0"))
    write_rows(tmp_path / "t.csv", TICKET_HEADER, rows)
    config_path = tmp_path / "config.yaml"
    config_path.write_text('report: {timezone: "UTC"}\nsources:\n  tickets: {path: t.csv}\n', encoding="utf-8")
    exact = float(Fraction(microseconds, 3_600_000_000))
    plain = 0.0
    for row in rows:  # what a sum of the per-row hours in file order gives: not the exact value here
        plain += (dt.datetime.fromisoformat(row[3]) - dt.datetime.fromisoformat(row[1])) / dt.timedelta(hours=1)
    assert plain != exact

    runs = [Engine(load_config(config_path)).run().months["2026-10"] for _ in range(3)]
    for month in runs:
        assert month.scalars["resolution_hours_sum"] == exact
        segments = month.dims[segment_measure_name("agent", "resolution_hours_sum")]
        assert segments == {agent: float(Fraction(total, 3_600_000_000)) for agent, total in by_agent.items()}
