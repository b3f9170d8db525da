"""History heals: a more complete month replaces the stored one, a month without usable rows is
never stored, `reportgen history list|drop` show and forget months, and a second run waits
(bounded) for the store instead of failing at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import ProjectFactory, hold_lock

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.history import Completeness, HistoryStore
from reportgen.measures import MonthMeasures
from reportgen.run import MonthRun

ROWS = [("t1", "2026-10-03T10:00:00+02:00", "", "", "Billing", "email", "Ann", "", "")]


def measures(tickets: int) -> MonthMeasures:
    return MonthMeasures(scalars={"tickets_created": float(tickets)})


def tickets(store: HistoryStore, month: str) -> float | None:
    return store.load([month])[month].scalars["tickets_created"]


def test_a_more_complete_month_replaces_the_stored_one(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.duckdb")
    # September first seen from an export that began on the 25th: 6 days, 40 rows
    store.save({"2026-09": measures(40), "2026-10": measures(300)}, replace={"2026-10"},
               completeness={"2026-09": Completeness(6, 40), "2026-10": Completeness(31, 300)})
    # next run: September is not the report month, but the sources now cover it all
    written = store.save({"2026-09": measures(290), "2026-10": measures(300)}, replace=set(),
                         completeness={"2026-09": Completeness(30, 290), "2026-10": Completeness(31, 300)})
    assert written == ["2026-09"]  # October is not more complete: it is left alone
    assert tickets(store, "2026-09") == 290
    # a partial export later does not overwrite the complete month
    assert store.save({"2026-09": measures(12)}, replace=set(),
                      completeness={"2026-09": Completeness(3, 12)}) == []
    assert tickets(store, "2026-09") == 290
    # same days, more usable rows: more complete
    assert store.save({"2026-09": measures(295)}, replace=set(),
                      completeness={"2026-09": Completeness(30, 295)}) == ["2026-09"]
    listed = {m.month: m.completeness for m in store.list_months()}
    assert listed == {"2026-09": Completeness(30, 295), "2026-10": Completeness(31, 300)}


def test_a_month_without_usable_rows_is_never_stored(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.duckdb")
    store.save({"2026-09": measures(290)}, replace=set(), completeness={"2026-09": Completeness(30, 290)})
    # every row rejected: even as the report month it does not overwrite the good copy
    assert store.save({"2026-09": measures(0)}, replace={"2026-09"},
                      completeness={"2026-09": Completeness(0, 0)}) == []
    assert tickets(store, "2026-09") == 290
    assert store.save({"2026-08": measures(0)}, replace=set(),
                      completeness={"2026-08": Completeness(0, 0)}) == []
    assert store.stored_months() == ["2026-09"]


def test_the_old_call_still_works_and_unknown_completeness_is_kept(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.duckdb")
    assert store.save({"2026-09": measures(5)}, replace=set(), data_quality={"x": 1}) == ["2026-09"]
    assert store.list_months()[0].completeness is None
    # completeness unknown for the stored copy: only an explicit replace overwrites it
    assert store.save({"2026-09": measures(9)}, replace=set(),
                      completeness={"2026-09": Completeness(30, 9)}) == []
    assert store.save({"2026-09": measures(9)}, replace={"2026-09"},
                      completeness={"2026-09": Completeness(30, 9)}) == ["2026-09"]
    assert tickets(store, "2026-09") == 9


def test_history_list_and_drop_through_the_cli(make_project: ProjectFactory) -> None:
    config = make_project(tickets=ROWS)
    store = HistoryStore(config.parent / "reportgen-history.duckdb")
    runner = CliRunner()
    empty = runner.invoke(main, ["history", "list", "-c", str(config)])
    assert empty.exit_code == 0 and "No month stored" in empty.stdout
    store.save({"2026-09": measures(1234), "2026-10": measures(7)}, replace=set(),
               completeness={"2026-09": Completeness(30, 1234), "2026-10": Completeness(6, 7)})
    listed = runner.invoke(main, ["history", "list", "-c", str(config)])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["month", "rows", "days", "with", "data", "stored", "(UTC)"]
    assert lines[1].split()[:3] == ["2026-09", "1,234", "30/30"]
    assert lines[2].split()[:3] == ["2026-10", "7", "6/31"]

    dropped = runner.invoke(main, ["history", "drop", "2026-09", "-c", str(config)])
    assert dropped.exit_code == 0 and "Dropped 2026-09" in dropped.stdout
    assert store.stored_months() == ["2026-10"]
    assert store.load(["2026-09"]) == {}

    again = runner.invoke(main, ["history", "drop", "2026-09", "-c", str(config)])
    assert again.exit_code == 1
    assert again.stderr.strip() == ("error: 2026-09 is not in the history store (stored: 2026-10) — "
                                    "`reportgen history list` shows the stored months")
    bad = runner.invoke(main, ["history", "drop", "Sept", "-c", str(config)])
    assert bad.exit_code == 2 and "'Sept' is not a month" in bad.stderr
    assert store.stored_months() == ["2026-10"]


def _kpis(config: Path, timeout: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REPORTGEN_HISTORY_LOCK_TIMEOUT": timeout}
    return subprocess.run([sys.executable, "-m", "reportgen", "kpis", "-c", str(config), "-m", "2026-10"],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.slow
def test_a_second_run_waits_for_the_store_then_runs(make_project: ProjectFactory) -> None:
    config = make_project(tickets=ROWS)
    history = config.parent / "reportgen-history.duckdb"
    HistoryStore(history).save({"2026-09": measures(3)}, replace=set())
    holder = hold_lock(history, 60)  # the overlapping cron run, released once the second run waits
    env = {**os.environ, "REPORTGEN_HISTORY_LOCK_TIMEOUT": "60"}
    second = subprocess.Popen([sys.executable, "-m", "reportgen", "kpis", "-c", str(config), "-m", "2026-10"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert second.stderr is not None
        first_line = second.stderr.readline()  # blocks until the second run says it waits
        holder.terminate()
        holder.wait(timeout=30)
        _, rest = second.communicate(timeout=120)
    finally:
        holder.kill()
        second.kill()
    assert second.returncode == 0, first_line + rest
    waiting = [line for line in (first_line + rest).splitlines() if "waiting" in line]
    assert waiting == [f"waiting for the history store {history}: another reportgen run is using it "
                       "(up to 1 minute)"]
    assert HistoryStore(history).stored_months() == ["2026-09", "2026-10"]


@pytest.mark.slow
def test_the_wait_is_bounded_with_one_clear_line(make_project: ProjectFactory) -> None:
    config = make_project(tickets=ROWS)
    history = config.parent / "reportgen-history.duckdb"
    HistoryStore(history).save({"2026-09": measures(3)}, replace=set())
    holder = hold_lock(history, 30)
    try:
        result = _kpis(config, "1")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("waiting for the history store")
    assert len(lines) == 2 and lines[1].startswith(
        f"error: {history}: the history store is still in use by another process after 1 second — "), lines
    assert "REPORTGEN_HISTORY_LOCK_TIMEOUT" in lines[1] and "Traceback" not in result.stderr
    assert HistoryStore(history).stored_months() == ["2026-09"]


def _ticket(number: int, day: str) -> tuple[str, ...]:
    return (f"t{number}", f"{day}T10:00:00+02:00", "", "", "Billing", "email", "Ann", "", "")


def test_a_run_whose_sources_cover_a_past_month_better_heals_it(make_project: ProjectFactory) -> None:
    """First export began on 25 September; the next one covers all of September: history takes it."""
    partial = [_ticket(n, f"2026-09-{25 + n}") for n in range(3)] + [_ticket(9, "2026-10-02")]
    config = make_project(tickets=partial)
    runner = CliRunner()
    first = runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"])
    assert first.exit_code == 0, first.output
    store = HistoryStore(config.parent / "reportgen-history.duckdb")
    assert tickets(store, "2026-09") == 3
    # the complete export, same report month: September is not replaced by rule, only because it
    # is now covered from the 1st (30 days) instead of the 25th (6 days)
    full = [_ticket(n, f"2026-09-{n:02d}") for n in range(1, 29)] + [_ticket(99, "2026-10-02")]
    config = make_project(tickets=full)
    # a dry run shows what the run will store, and stores nothing
    dry = MonthRun(load_config(config), "2026-10", save=False).data
    assert dry.measures["2026-09"].scalars["tickets_created"] == 28 and "2026-09" in dry.from_run
    assert tickets(store, "2026-09") == 3
    again = runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"])
    assert again.exit_code == 0, again.output
    assert tickets(store, "2026-09") == 28
    september = next(m for m in store.list_months() if m.month == "2026-09")
    assert september.completeness == Completeness(30, 28)  # covered from the 1st (the span runs into October)


def test_a_dry_run_reads_a_store_from_before_completeness_was_kept(tmp_path: Path) -> None:
    """Read-only (``save=False``: dry runs), an old store is not migrated: nothing is known about
    how complete its months were, and reading it must not fail."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("CREATE TABLE months (month VARCHAR, saved_at TIMESTAMP, data_quality VARCHAR)")
    con.execute("CREATE TABLE measures (month VARCHAR, name VARCHAR, dimension VARCHAR, value DOUBLE)")
    con.execute("CREATE TABLE kpi_values (month VARCHAR, kpi VARCHAR, dimension VARCHAR, value DOUBLE)")
    con.execute("INSERT INTO months VALUES ('2026-09', now()::TIMESTAMP, '{}')")
    con.execute("INSERT INTO measures VALUES ('2026-09', 'tickets_created', '', 6)")
    con.close()
    stored = HistoryStore(path).load_stored(["2026-09", "2026-10"])
    assert stored.measures["2026-09"].scalars == {"tickets_created": 6}
    assert stored.completeness == {}


def test_the_report_month_is_not_replaced_by_a_copy_covering_fewer_of_its_days(
        make_project: ProjectFactory) -> None:
    """October was stored from a full export; re-run for October with a rolling export that starts on
    the 25th: the stored October stays (and is what the report shows), and the run says so."""
    full = [_ticket(n, f"2026-10-{n:02d}") for n in range(1, 32)]
    config = make_project(tickets=full)
    runner = CliRunner()
    assert runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"]).exit_code == 0
    store = HistoryStore(config.parent / "reportgen-history.duckdb")
    rolling = [_ticket(n, f"2026-10-{n:02d}") for n in range(25, 32)] + [_ticket(40, "2026-11-20")]
    config = make_project(tickets=rolling)
    again = runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10", "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["kpis"]["ticket_volume"] == 31  # the stored October, not 7 tickets
    assert tickets(store, "2026-10") == 31
    assert ("2026-10: history holds it more completely (31 days with data) than these sources: the stored "
            "copy is used — `reportgen history drop 2026-10` to replace it") in again.stderr
    # a corrected export covering as many days replaces it (the report month's figures may change)
    corrected = [_ticket(n, f"2026-10-{n:02d}") for n in range(1, 32) if n != 5]
    config = make_project(tickets=corrected)
    assert runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"]).exit_code == 0
    assert tickets(store, "2026-10") == 30


def test_surveys_alone_do_not_make_a_month_whose_tickets_left_the_export_whole(
        make_project: ProjectFactory) -> None:
    """September was stored with its tickets. The ticket export now rolls (October only) while the
    survey export still spans September: a copy of September with no tickets must not replace the
    stored one, though surveys cover all of its days (it is judged by the tickets, as the report's
    partial mark is)."""
    september = [_ticket(n, f"2026-09-{n:02d}") for n in range(1, 31)]
    october = [_ticket(100 + n, f"2026-10-{n:02d}") for n in range(1, 32)]
    answers = [(f"r{m}-{n}", f"2026-{m}-{n:02d}T12:00:00+02:00", "csat", 5)
               for m in ("09", "10") for n in range(1, 29)]
    config = make_project(tickets=september + october, surveys=answers)
    runner = CliRunner()
    assert runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"]).exit_code == 0
    store = HistoryStore(config.parent / "reportgen-history.duckdb")
    assert tickets(store, "2026-09") == 30
    config = make_project(tickets=october, surveys=answers)
    again = runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-09", "--format", "json", "--no-cache"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["kpis"]["ticket_volume"] == 30  # the stored September
    assert tickets(store, "2026-09") == 30
    assert next(m for m in store.list_months() if m.month == "2026-09").completeness == Completeness(30, 58)


def test_a_month_whose_own_ticket_export_came_back_empty_does_not_replace_it(tmp_path: Path) -> None:
    """One file per month; September's came back with its header only while August's and October's
    hold tickets. Run for September, the month lies inside the tickets' span but has no ticket:
    its copy must not replace the stored September (it counts no day as covered)."""
    from conftest import TICKET_HEADER, write_rows

    root = tmp_path / "p"
    for month, days in (("08", 31), ("09", 30), ("10", 31)):
        write_rows(root / f"t-{month}.csv", TICKET_HEADER, [_ticket(int(month) * 100 + n, f"2026-{month}-{n:02d}")
                                                             for n in range(1, days + 1)])
    config = root / "config.yaml"
    # the survey export still holds September's answers: the month has usable rows without tickets
    write_rows(root / "s.csv", ("response_id", "submitted_at", "survey", "score"),
               [(f"r{n}", f"2026-09-{n:02d}T12:00:00+02:00", "csat", 5) for n in range(1, 29)])
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: "t-*.csv"}\n'
                      '  surveys: {path: s.csv}\n', encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"]).exit_code == 0
    store = HistoryStore(root / "reportgen-history.duckdb")
    assert tickets(store, "2026-09") == 30
    write_rows(root / "t-09.csv", TICKET_HEADER, [])
    again = runner.invoke(main, ["kpis", "-c", str(config), "-m", "2026-09", "--format", "json", "--no-cache"])
    assert again.exit_code == 0, again.output
    assert tickets(store, "2026-09") == 30
    assert json.loads(again.stdout)["kpis"]["ticket_volume"] == 30  # the stored September
