"""The history and the pulled records in two files: a damaged one is named, and the one that can be
pulled again is rebuilt without touching the other; an older single-file store is split once."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import Config, parse_config
from reportgen.errors import HistoryError
from reportgen.history import HistoryStore
from reportgen.measures import MonthMeasures
from reportgen.sources.api import store_for
from reportgen.sources.api.store import PulledRecord, PullStore


def rec(rid: str, version: str) -> PulledRecord:
    return PulledRecord(rid, "2025-01-01T00:00:00Z", False, {"id": rid, "v": version})


def kept(store: PullStore, key: str = "k") -> dict[str, str]:
    return {rid: data["v"] for batch in store.records(key) for rid, data in batch}


def tables(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def months(count: int) -> MonthMeasures:
    measures = MonthMeasures()
    measures.scalars["tickets_created"] = count
    return measures


def old_single_file_store(path: Path) -> None:
    """The layout reportgen wrote until now: history and pulled tables in ``history.path``
    (the history created first, then the store's tables added to the same file)."""
    HistoryStore(path).save({"2024-01": months(5), "2024-02": months(7)}, replace=set())
    old = PullStore(path)
    state = old.ensure("k", "tickets", "zendesk")
    state = old.commit_page("k", "tickets", "zendesk", state, [rec("1", "a"), rec("2", "a")], {"c": 1})
    old.commit_page("k", "tickets", "zendesk", state, [rec("2", "b")], {"c": 2})


def config_at(folder: Path) -> Config:
    return parse_config('history: {path: "state/reportgen.duckdb"}\nsources:\n  tickets: {api: zendesk}\n',
                        folder / "config.yaml")


def test_an_older_single_file_store_is_split_once_keeping_everything(tmp_path: Path) -> None:
    history = tmp_path / "state" / "reportgen.duckdb"
    history.parent.mkdir()
    old_single_file_store(history)
    config = config_at(tmp_path)
    store = store_for(config)
    assert store.path == tmp_path / "state" / "reportgen-pulled.duckdb"
    assert kept(store) == {"1": "a", "2": "b"}
    state = store.state("k")
    assert state is not None and state.cursor == {"c": 2} and state.pages == 2
    assert not {"pulled_records", "pulled_lookups", "pull_cursors"} & tables(history)
    assert HistoryStore(history).stored_months() == ["2024-01", "2024-02"]
    # a page after the move is newer than every moved one: its version wins
    store.commit_page("k", "tickets", "zendesk", state, [rec("1", "c")], {"c": 3})
    assert kept(store) == {"1": "c", "2": "b"}
    again = store_for(config)  # nothing left to move
    assert kept(again) == {"1": "c", "2": "b"}
    assert sorted(p.name for p in history.parent.iterdir()) == ["reportgen-pulled.duckdb", "reportgen.duckdb"]


def damage(path: Path) -> None:
    """Overwrite every block after the file's headers, as a failing disk or a bad copy does."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(12288)  # DuckDB's three 4 KiB headers stay: the file still opens as DuckDB's
        handle.write(os.urandom(size - 12288))


def test_a_damaged_pulled_store_is_named_and_rebuilt_without_touching_the_history(tmp_path: Path) -> None:
    history = tmp_path / "state" / "reportgen.duckdb"
    history.parent.mkdir()
    HistoryStore(history).save({"2024-01": months(5)}, replace=set())
    store = store_for(config_at(tmp_path))
    state = store.ensure("k", "tickets", "zendesk")
    for page in range(40):  # a file of several blocks
        state = store.commit_page("k", "tickets", "zendesk", state,
                                  [rec(f"{page}-{n}", "x" * 200) for n in range(200)], {"c": page})
    damage(store.path)
    with pytest.raises(HistoryError) as raised:
        kept(store)
    message = str(raised.value)
    assert f"{store.path}: the store of pulled records is damaged" in message
    assert f"mv {store.path} {store.path}.damaged" in message and "reportgen pull --full" in message
    store.path.rename(store.path.with_name(store.path.name + ".damaged"))
    rebuilt = store_for(config_at(tmp_path))
    assert rebuilt.state("k") is None  # a full pull starts from scratch…
    assert HistoryStore(history).stored_months() == ["2024-01"]  # …and the history is all there


def test_a_damaged_history_is_one_line_saying_so_not_an_internal_error(tmp_path: Path) -> None:
    from conftest import TICKET_HEADER, write_rows

    root = tmp_path / "p"
    write_rows(root / "tickets.csv", TICKET_HEADER,
               [(f"t{n}", f"2026-10-{1 + n % 28:02d}T10:00:00+02:00", "", "", "Billing", "email", "Ann", "", "")
                for n in range(2000)])
    config = root / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nhistory: {path: h.duckdb}\n'
                      "sources:\n  tickets: {path: tickets.csv}\n", encoding="utf-8")
    history = root / "h.duckdb"
    HistoryStore(history).save({f"20{y:02d}-{m:02d}": months(m) for y in range(10, 25) for m in range(1, 13)},
                               replace=set())
    for how in ("overwrite", "truncate", "empty", "header"):
        copy = history.with_name("copy.duckdb")
        copy.write_bytes(history.read_bytes())
        if how == "overwrite":
            damage(copy)
        elif how == "truncate":
            os.truncate(copy, copy.stat().st_size // 2)
        elif how == "empty":  # a copy that never got its first block: zero bytes
            os.truncate(copy, 0)
        else:  # the header itself overwritten: DuckDB no longer sees its own file in it
            with copy.open("r+b") as handle:
                handle.write(b"\0" * 64)
        config.write_text(config.read_text(encoding="utf-8").replace("h.duckdb", "copy.duckdb"), encoding="utf-8")
        result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"])
        assert result.exit_code == 1, (how, result.output)
        assert "internal error" not in result.stderr and "please report" not in result.stderr, result.stderr
        assert f"error: {copy}: the history store is damaged" in result.stderr, result.stderr
        assert f"mv {copy} {copy}.damaged" in result.stderr
        config.write_text(config.read_text(encoding="utf-8").replace("copy.duckdb", "h.duckdb"), encoding="utf-8")
        copy.unlink()


OLD_RELEASE = "e6d00e5"  # the last commit writing pulled records into the history file


def test_a_store_written_by_the_previous_code_is_split(tmp_path: Path) -> None:
    """The previous code itself (from git) writes the single-file store; this code reads it."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    old = tmp_path / "old"
    old.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", OLD_RELEASE, "reportgen"],
                             capture_output=True, timeout=60)
    if archive.returncode != 0:
        pytest.skip(f"commit {OLD_RELEASE} not in this checkout")
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True, timeout=60)
    project = tmp_path / "project"
    project.mkdir()
    config = project / "config.yaml"
    config.write_text('history: {path: "state/reportgen.duckdb"}\nsources:\n  tickets: {api: zendesk}\n',
                      encoding="utf-8")
    script = """
import reportgen, sys
assert reportgen.__file__.startswith(sys.argv[1]), reportgen.__file__
from reportgen.config import load_config
from reportgen.history import HistoryStore
from reportgen.measures import MonthMeasures
from reportgen.sources.api import store_for
from reportgen.sources.api.store import PulledRecord
store = store_for(load_config(sys.argv[2]))
measures = MonthMeasures()
measures.scalars["tickets_created"] = 3
HistoryStore(store.path).save({"2024-01": measures}, replace=set())
state = store.ensure("k", "tickets", "zendesk")
store.commit_page("k", "tickets", "zendesk", state, [PulledRecord("1", None, False, {"v": "a"})], {"c": 1})
"""
    subprocess.run([sys.executable, "-c", script, str(old), str(config)], check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": str(old)}, cwd=project)
    history = project / "state" / "reportgen.duckdb"
    assert "pull_cursors" in tables(history)  # the old layout: one file
    store = store_for(parse_config(config.read_text(encoding="utf-8"), config))
    assert store.path == project / "state" / "reportgen-pulled.duckdb"
    assert kept(store) == {"1": "a"}
    assert HistoryStore(history).stored_months() == ["2024-01"]
    assert "pull_cursors" not in tables(history)
