"""What a killed run leaves behind is cleaned up by the next one, and a run that waits says so once.

kill -9 during a workbook write leaves the temporary file ``reports/.2026-10.xlsx.<random>.tmp``
(the rename never happens); the next write beside it removes such leftovers — only files named
the way reportgen names them, only old ones (a run writing right now is left alone).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import hold_lock
from workbook_support import write_three_month_project

from reportgen.api import build_workbook
from reportgen.config import load_config
from reportgen.errors import HistoryError
from reportgen.store_file import connect_waiting

TWO_HOURS = 2 * 3600


def test_the_next_build_removes_a_killed_runs_temporary_workbooks(tmp_path: Path) -> None:
    config = load_config(write_three_month_project(tmp_path / "project"))
    reports = tmp_path / "reports"
    reports.mkdir()
    old = [reports / ".2026-10.xlsx.k3j_x9a1.tmp", reports / ".2026-09.xlsx.abcdefgh.tmp"]
    fresh = reports / ".2026-10.xlsx.zzzzzzzz.tmp"  # another run is writing it now
    others = [reports / ".notes.txt.abcdefgh.tmp", reports / "2026-10.xlsx.abcdefgh.tmp",
              reports / ".2026-10.xlsx.tmp", reports / "keep.xlsx"]
    for path in [*old, fresh, *others]:
        path.write_bytes(b"partial")
    past = time.time() - TWO_HOURS
    for path in [*old, *others]:
        os.utime(path, (past, past))

    target, _ = build_workbook(config, "2026-10", out=reports / "2026-10.xlsx")

    assert target.is_file()
    assert not any(path.exists() for path in old)
    assert fresh.exists() and all(path.exists() for path in others)
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        [target.name, fresh.name, *(p.name for p in others)])


def test_waiting_for_the_store_is_said_once_however_often_the_run_opens_it(tmp_path: Path) -> None:
    """A run opens the store many times (each month's history, each pull page): one line is enough."""
    path = tmp_path / "history.duckdb"
    holder = hold_lock(path, 60)
    lines: list[str] = []
    try:
        for _ in range(3):
            with pytest.raises(HistoryError):
                connect_waiting(path, timeout=0.3, on_wait=lines.append)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"waiting for the history store {path}: another reportgen run is using it")
