"""The history store: months accumulate, a re-run replaces only its month, crashes lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ProjectFactory, write_rows

from reportgen.api import compute_month
from reportgen.config import load_config
from reportgen.history import HistoryStore
from reportgen.measures import MonthMeasures

SEPTEMBER = [("s1", "2026-09-03T10:00:00+02:00", "", "", "Shipping", "email", "", "", "")]
OCTOBER = [
    ("o1", "2026-10-03T10:00:00+02:00", "", "", "Return", "chat", "", "", ""),
    ("o2", "2026-10-04T10:00:00+02:00", "", "", "Return", "chat", "", "", ""),
]


def _write_tickets(config: Path, rows: list[tuple[str, ...]]) -> None:
    write_rows(config.parent / "data" / "tickets.csv",
               ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                "agent", "replies", "reopens"), rows)


def test_only_this_months_export_still_gives_the_window(make_project: ProjectFactory) -> None:
    config_path = make_project(tickets=SEPTEMBER)
    compute_month(load_config(config_path), "2026-09")
    _write_tickets(config_path, OCTOBER)  # next month the team exports October only
    data = compute_month(load_config(config_path), "2026-10")
    assert data.measures["2026-09"].scalars["tickets_created"] == 1
    assert data.measures["2026-10"].scalars["tickets_created"] == 2
    # the window starts at the first month with data (history's September), not 12 months back
    assert data.window == ["2026-09", "2026-10"]


def test_rerun_replaces_the_report_month_and_keeps_the_others(make_project: ProjectFactory) -> None:
    config_path = make_project(tickets=SEPTEMBER + OCTOBER)
    compute_month(load_config(config_path), "2026-10")
    # a corrected export: September now has no ticket and October three
    _write_tickets(config_path, [*OCTOBER, ("o3", "2026-10-09T10:00:00+02:00", "", "", "", "", "", "", "")])
    data = compute_month(load_config(config_path), "2026-10")
    assert data.measures["2026-10"].scalars["tickets_created"] == 3
    # September was not the report month: its stored value is kept, not overwritten
    assert data.measures["2026-09"].scalars["tickets_created"] == 1
    # re-running September itself replaces it — but the data has no September now
    store = HistoryStore(load_config(config_path).resolve("reportgen-history.duckdb"))
    assert store.stored_months() == ["2026-09", "2026-10"]


def test_later_months_are_not_written(make_project: ProjectFactory) -> None:
    config_path = make_project(tickets=SEPTEMBER + OCTOBER)
    compute_month(load_config(config_path), "2026-09")
    store = HistoryStore(load_config(config_path).resolve("reportgen-history.duckdb"))
    assert store.stored_months() == ["2026-09"]


def test_a_crash_mid_save_leaves_the_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    store = HistoryStore(path)
    store.save({"2026-10": MonthMeasures({"tickets_created": 5.0}, {"category_tickets": {"A": 5.0}})},
               replace={"2026-10"})
    script = textwrap.dedent(f"""
        import os
        from reportgen.history import HistoryStore
        from reportgen.measures import MonthMeasures

        def crash(*args, **kwargs):
            os._exit(9)  # the process dies after DELETE ran inside the transaction

        HistoryStore._insert = staticmethod(crash)
        HistoryStore({str(path)!r}).save(
            {{"2026-10": MonthMeasures({{"tickets_created": 99.0}}, {{}})}}, replace={{"2026-10"}})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    loaded = HistoryStore(path).load(["2026-10"])
    assert loaded["2026-10"].scalars["tickets_created"] == 5.0
    assert loaded["2026-10"].dims["category_tickets"] == {"A": 5.0}


def test_history_keeps_kpi_values_for_analysts(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "history.duckdb"
    HistoryStore(path).save(
        {"2026-10": MonthMeasures({"promoters": 8.0, "detractors": 1.0, "nps_responses": 10.0}, {})},
        replace={"2026-10"},
    )
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT value FROM kpi_values WHERE month='2026-10' AND kpi='nps'").fetchone()
    assert row is not None and abs(row[0] - 70.0) < 1e-9  # (8 − 1) / 10 × 100


def test_stored_months_lists_every_month_with_its_kpi_values(make_project: ProjectFactory) -> None:
    from reportgen.api import stored_months

    config_path = make_project(tickets=SEPTEMBER + OCTOBER)
    compute_month(load_config(config_path), "2026-10")
    months = stored_months(config_path)
    assert [m["month"] for m in months] == ["2026-09", "2026-10"]
    october = months[1]
    # by hand: two tickets in October, both Return, both by chat; no survey → no NPS
    assert october["kpis"]["ticket_volume"] == 2 and isinstance(october["kpis"]["ticket_volume"], int)
    assert october["kpis"]["nps"] is None
    assert october["breakdowns"]["tickets_by_category"] == {"Return": 2}
    assert october["breakdowns"]["channel_share"] == {"chat": 1.0}
    assert october["data_quality"]["tickets"]["rows_read"] == 3
    # a dropped month is gone from the list
    HistoryStore(load_config(config_path).resolve("reportgen-history.duckdb")).drop("2026-09")
    assert [m["month"] for m in stored_months(config_path)] == ["2026-10"]
