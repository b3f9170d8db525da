"""The pulled-records store: one transaction per page, generations for --full, separate tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from reportgen.sources.api.store import PulledRecord, PullStore


def rec(rid: str, version: str = "a", deleted: bool = False) -> PulledRecord:
    return PulledRecord(rid, f"2025-01-01T00:00:0{len(version)}Z", deleted, {"id": rid, "v": version})


def kept(store: PullStore, key: str = "k") -> dict[str, str]:
    return {rid: data["v"] for batch in store.records(key) for rid, data in batch}


def test_a_page_and_its_cursor_commit_together_or_not_at_all(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store = PullStore(tmp_path / "s.duckdb")
    state = store.ensure("k", "tickets", "zendesk")
    state = store.commit_page("k", "tickets", "zendesk", state, [rec("1"), rec("2")], {"c": 1})

    def broken(*args: object) -> None:
        raise RuntimeError("killed between the records and the cursor")

    monkeypatch.setattr(PullStore, "_put_cursor", staticmethod(broken))
    with pytest.raises(RuntimeError):
        store.commit_page("k", "tickets", "zendesk", state, [rec("3"), rec("1", "bb")], {"c": 2})
    monkeypatch.undo()
    assert kept(store) == {"1": "a", "2": "a"}  # neither the new record nor the new version
    after = store.state("k")
    assert after is not None and after.cursor == {"c": 1} and after.pages == 1


def test_a_record_seen_again_replaces_its_earlier_version(tmp_path: Path) -> None:
    store = PullStore(tmp_path / "s.duckdb")
    state = store.ensure("k", "tickets", "zendesk")
    state = store.commit_page("k", "tickets", "zendesk", state, [rec("1"), rec("2")], {"c": 1})
    with store.holding():
        state = store.commit_page("k", "tickets", "zendesk", state, [rec("2", "bb"), rec("2", "ccc")],
                                  {"c": 2}, {"user": {"7": "Alice"}})
        state = store.commit_page("k", "tickets", "zendesk", state, [rec("1", deleted=True)], {"c": 3},
                                  {"user": {"7": "Alice"}}, end_of_stream=True)
    assert kept(store) == {"2": "ccc"}  # last version wins, the deleted one leaves
    assert store.counts("k") == (1, 1)
    assert store.lookups("k") == {"user": {"7": "Alice"}}
    assert state.complete and state.ever_complete and not state.full_pending


def test_full_pull_drops_what_it_did_not_see_again_only_at_the_end(tmp_path: Path) -> None:
    store = PullStore(tmp_path / "s.duckdb")
    state = store.ensure("k", "tickets", "zendesk")
    state = store.commit_page("k", "tickets", "zendesk", state, [rec("1"), rec("2"), rec("3")], {"c": 1},
                              end_of_stream=True)
    state = store.begin_full("k", "tickets", "zendesk")
    assert state.generation == 2 and state.cursor is None and state.ever_complete
    state = store.commit_page("k", "tickets", "zendesk", state, [rec("1", "bb")], {"c": 1})
    assert set(kept(store)) == {"1", "2", "3"}  # still readable while the full pull runs
    store.commit_page("k", "tickets", "zendesk", state, [rec("3", "bb")], {"c": 2}, end_of_stream=True)
    assert kept(store) == {"1": "bb", "3": "bb"}  # 2 was not seen again: gone


def test_tables_live_in_their_own_file_beside_the_history(tmp_path: Path) -> None:
    """What can be pulled again is apart from what cannot: ``pull --full`` rebuilds one file."""
    from reportgen.config import parse_config
    from reportgen.history import HistoryStore
    from reportgen.sources.api import store_for

    config = parse_config('history: {path: "reportgen.duckdb"}\nsources:\n  tickets: {api: zendesk}\n',
                          tmp_path / "config.yaml")
    store = store_for(config)  # a pull creating the file first
    path = tmp_path / "reportgen-pulled.duckdb"
    assert store.path == path
    store.commit_page("k", "tickets", "zendesk", store.ensure("k", "tickets", "zendesk"), [rec("1")], {})
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"pulled_records", "pulled_lookups", "pull_cursors"} <= tables
    assert not (tmp_path / "reportgen.duckdb").exists()
    assert HistoryStore(tmp_path / "reportgen.duckdb").stored_months() == []
