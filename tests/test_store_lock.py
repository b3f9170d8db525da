"""The store of pulled records waits for a file another run holds, as the history does.

Both live in the same DuckDB file (``history.path``): a monthly pull that overlaps the
previous run's build waits for it (one line), bounded by ``$REPORTGEN_HISTORY_LOCK_TIMEOUT``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import hold_lock

from reportgen.errors import HistoryError
from reportgen.sources.api.store import PullStore


def test_the_pull_store_waits_for_the_file_then_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    holder = hold_lock(path, 60)
    lines: list[str] = []
    opened: list[int] = []
    store = PullStore(path, lock_timeout=60, on_wait=lines.append)

    def pull() -> None:
        with store.connect() as con:
            row = con.execute("SELECT 42").fetchone()
            opened.append(row[0] if row else 0)

    worker = threading.Thread(target=pull)
    try:
        worker.start()
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened == []  # still waiting while the other process holds the file
        holder.terminate()
        holder.wait(timeout=30)
        worker.join(timeout=30)
    finally:
        holder.kill()
    assert opened == [42]
    assert lines == [f"waiting for the store of pulled records {path}: another reportgen run is using it "
                     "(up to 1 minute)"]


@pytest.mark.slow
def test_the_wait_is_bounded_with_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    holder = hold_lock(path, 30)
    lines: list[str] = []
    try:
        with pytest.raises(HistoryError) as raised, PullStore(path, lock_timeout=0.5, on_wait=lines.append).connect():
            pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert len(lines) == 1 and lines[0].startswith("waiting for the store of pulled records")
    assert str(raised.value).startswith(f"{path}: the store of pulled records is still in use by another "
                                        "process after 0.5 seconds")
    assert "REPORTGEN_HISTORY_LOCK_TIMEOUT" in (raised.value.hint or "")
