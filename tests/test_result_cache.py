"""A repeated command on unchanged inputs reuses the engine result of the one before.

The cron of a team runs ``build``, then ``email``, then ``publish`` on the same files: the
second command must not read every row again, and must recompute the moment an input,
the config or reportgen changes. Rejected data is never kept.
"""

# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)
from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import CliRunner, Result
from conftest import ProjectFactory
from fakes.fixtures import (  # noqa: F401  (fixtures)
    ZD_TOKEN,
    change_zendesk,
    write_config,
    zendesk,
    zendesk_source,
)
from fakes.zendesk import ZendeskFake

from reportgen.cli import main
from reportgen.monthdata import run_engine

TICKETS = [
    ("1", "2026-10-05T10:00:00+02:00", "2026-10-05T12:00:00+02:00", "2026-10-06T10:00:00+02:00",
     "Shipping", "email", "Ann", "1", "0"),
    ("2", "2026-10-07T09:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
    ("3", "2026-10-08T09:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
    # the whole month is covered (a partial month stops `build`)
    ("4", "2026-10-01T09:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
    ("5", "2026-10-31T09:00:00+01:00", "", "", "Billing", "chat", "Bob", "", ""),
]
SURVEYS = [("a", "2026-10-05", "nps", "10"), ("b", "2026-10-06", "NPS", "2")]
BUSINESS = [("2026-10", "100", "90", "15", "10000", "5000")]
AN_HOUR_AGO = time.time() - 3600


def _age(root: Path) -> None:
    """Inputs written an hour ago: the cache does not trust a file modified within seconds."""
    for path in [*root.rglob("*.csv"), root / "config.yaml"]:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))


def _project(make_project: ProjectFactory, extra: str = "") -> Path:
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=extra)
    _age(config.parent)
    return config


def _kpis(config: Path, *more: str) -> Result:
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10", "--format", "json", *more])
    return result


@contextmanager
def _engine_runs() -> Iterator[list[int]]:
    """Count how often the engine really runs (the real engine, wrapped)."""
    calls: list[int] = []

    def counted(config: object, *args: object) -> object:
        calls.append(1)
        return run_engine(config, *args)  # type: ignore[arg-type]

    with patch("reportgen.run.run_engine", side_effect=counted):
        yield calls


def _entries(config: Path) -> list[Path]:
    return sorted((config.parent / "reportgen-history.duckdb.cache").glob("*.json"))


def test_a_second_run_on_the_same_inputs_reuses_the_first_result(make_project: ProjectFactory) -> None:
    config = _project(make_project)
    with _engine_runs() as calls:
        first = _kpis(config)
        assert first.exit_code == 0, first.output
        assert len(calls) == 1
        second = _kpis(config)
        assert second.exit_code == 0, second.output
        assert len(calls) == 1  # the engine did not run again
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert json.loads(second.stdout)["kpis"]["ticket_volume"] == 5
    # and another command (build) reuses it too
    with patch("reportgen.run.run_engine", side_effect=AssertionError("the engine ran")):
        built = CliRunner().invoke(main, ["build", "-c", str(config), "-m", "2026-10",
                                          "-o", str(config.parent / "r.xlsx")])
    assert built.exit_code == 0, built.output
    assert (config.parent / "r.xlsx").stat().st_size > 0


@pytest.mark.parametrize("change", ["touch", "rewrite_same_size", "new_file_in_glob", "config"])
def test_a_changed_input_or_config_runs_the_engine_again(make_project: ProjectFactory, change: str) -> None:
    config = _project(make_project)
    if change == "new_file_in_glob":
        text = config.read_text(encoding="utf-8").replace("data/tickets.csv", "data/tickets*.csv")
        config.write_text(text, encoding="utf-8")
        _age(config.parent)
    with _engine_runs() as calls:
        assert _kpis(config).exit_code == 0
        tickets = config.parent / "data" / "tickets.csv"
        if change == "touch":
            os.utime(tickets, (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))
        elif change == "rewrite_same_size":  # same size, same time stamp: a new inode
            text = tickets.read_text(encoding="utf-8").replace("Shipping", "Shopping")
            tickets.unlink()
            tickets.write_text(text, encoding="utf-8")
            os.utime(tickets, (AN_HOUR_AGO, AN_HOUR_AGO))
        elif change == "new_file_in_glob":
            more = config.parent / "data" / "tickets-more.csv"
            more.write_text("ticket_id,created_at\n9,2026-10-09T09:00:00+02:00\n", encoding="utf-8")
            os.utime(more, (AN_HOUR_AGO, AN_HOUR_AGO))
        else:
            config.write_text(config.read_text(encoding="utf-8") + "quality: {max_excluded_share: 0.9}\n",
                              encoding="utf-8")
        second = _kpis(config)
        assert second.exit_code == 0, second.output
        assert len(calls) == 2
    document = json.loads(second.stdout)
    if change == "rewrite_same_size":
        assert document["breakdowns"]["tickets_by_category"]["Shopping"] == 1
    if change == "new_file_in_glob":
        assert document["kpis"]["ticket_volume"] == 6


def test_no_cache_reads_every_source_again(make_project: ProjectFactory) -> None:
    config = _project(make_project)
    assert _kpis(config).exit_code == 0
    kept = _entries(config)
    assert len(kept) == 1
    with _engine_runs() as calls:
        assert _kpis(config, "--no-cache").exit_code == 0
        assert len(calls) == 1
    assert _entries(config) == kept


def test_a_rejected_run_keeps_nothing(make_project: ProjectFactory) -> None:
    """Over the quality gate: the run fails, and no entry is written for the next one."""
    bad = [(str(i), "not a date", "", "", "", "", "", "", "") for i in range(10)]
    config = make_project([*TICKETS, *bad], SURVEYS, BUSINESS)
    _age(config.parent)
    for _ in range(2):
        with _engine_runs() as calls:
            result = _kpis(config)
            assert result.exit_code == 1 and "excluded" in result.stderr, result.output
            assert len(calls) == 1
    assert not _entries(config)


def test_a_failed_run_keeps_nothing(make_project: ProjectFactory) -> None:
    config = _project(make_project)
    (config.parent / "data" / "surveys.csv").write_bytes(b"\x00\x01binary\x00" * 100)
    _age(config.parent)
    assert _kpis(config).exit_code == 1
    assert not _entries(config)


def test_an_input_modified_seconds_ago_is_not_trusted(make_project: ProjectFactory) -> None:
    """A file rewritten within its file system's time resolution could keep its identity."""
    config = make_project(TICKETS, SURVEYS, BUSINESS)  # written just now
    assert _kpis(config).exit_code == 0
    assert not _entries(config)


def test_the_entry_is_private_and_holds_no_secret(make_project: ProjectFactory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD_FOR_CACHE_TEST", "hunter2-very-secret")
    config = _project(make_project, extra=(
        "outputs:\n  email:\n    host: localhost\n    username: a@example.com\n"
        "    password: ${SMTP_PASSWORD_FOR_CACHE_TEST}\n    from: a@example.com\n    to: [b@example.com]\n"))
    result = _kpis(config)
    assert result.exit_code == 0, result.output
    [entry] = _entries(config)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    assert b"hunter2" not in entry.read_bytes()
    # the password is not part of the key either: another one finds the same entry
    monkeypatch.setenv("SMTP_PASSWORD_FOR_CACHE_TEST", "another")
    with patch("reportgen.run.run_engine", side_effect=AssertionError("the engine ran")):
        assert _kpis(config).exit_code == 0


def test_another_reportgen_version_computes_afresh(make_project: ProjectFactory) -> None:
    config = _project(make_project)
    assert _kpis(config).exit_code == 0
    with _engine_runs() as calls, patch("reportgen.result_cache.__version__", "99.0"):
        assert _kpis(config).exit_code == 0
        assert len(calls) == 1
    assert len(_entries(config)) == 2


def test_a_damaged_entry_is_computed_again(make_project: ProjectFactory) -> None:
    config = _project(make_project)
    assert _kpis(config).exit_code == 0
    [entry] = _entries(config)
    entry.write_text("{not json", encoding="utf-8")
    with _engine_runs() as calls:
        result = _kpis(config)
        assert result.exit_code == 0, result.output
        assert len(calls) == 1
    assert json.loads(result.stdout)["kpis"]["ticket_volume"] == 5


def test_pulled_records_are_known_by_their_store_version(zendesk: ZendeskFake, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """An offline run after a pull reuses it; a pull that changes the store computes afresh."""
    monkeypatch.setenv("ZD_TOKEN", ZD_TOKEN)
    config = write_config(tmp_path, zendesk_source(zendesk.url, token="${ZD_TOKEN}"))
    args = ["kpis", "-c", str(config), "-m", "2025-01", "--format", "json"]
    with _engine_runs() as calls:
        first = CliRunner().invoke(main, args)
        assert first.exit_code == 0, first.output
        offline = CliRunner().invoke(main, [*args, "--offline"])
        assert offline.exit_code == 0, offline.output
        assert len(calls) == 1
        change_zendesk(zendesk)
        pulled = CliRunner().invoke(main, args)  # pulls the change first
        assert pulled.exit_code == 0, pulled.output
        assert len(calls) == 2
    assert json.loads(offline.stdout)["kpis"]["ticket_volume"] == 6
    assert json.loads(pulled.stdout)["kpis"]["ticket_volume"] == 5  # one deleted since
    assert ZD_TOKEN.encode() not in b"".join(p.read_bytes() for p in _entries(config))


def test_an_entry_holds_every_field_of_the_engine_result() -> None:
    """A field added to EngineResult must be kept too (else a cached run would lose it)."""
    import dataclasses

    import msgspec

    from reportgen.engine import EngineResult
    from reportgen.result_cache import _Entry

    kept = {f.name for f in msgspec.structs.fields(_Entry)}
    assert kept == {f.name for f in dataclasses.fields(EngineResult)} - {"fatal"}


def test_an_entry_gives_back_the_result_it_was_made_from(make_project: ProjectFactory) -> None:
    """Written and read again, every part of the engine result is equal (comments included)."""
    from reportgen.config import load_config
    from reportgen.engine.segments import SurveyComment
    from reportgen.result_cache import ResultCache

    config = load_config(_project(make_project))
    result = run_engine(config)
    result.comments = {"2026-10": [SurveyComment("2026-10", "2026-10-05T10:00:00+00:00", "nps", 2.0,
                                                 'slow <b>"reply"</b>', "Billing", None, "Bob")]}
    cache = ResultCache(config)
    assert cache.store(result, time.time())
    again = ResultCache(config).load()
    assert again == result


def _saved_at(config: Path) -> dict[str, object]:
    from reportgen.history import HistoryStore

    return {m.month: m.saved_at for m in HistoryStore(config.parent / "reportgen-history.duckdb").list_months()}


def test_a_repeated_run_finding_history_as_it_left_it_opens_no_history(make_project: ProjectFactory) -> None:
    """The month is stored as the run would store it, and the window reads the same: the third
    run (the second found the first's window) neither writes nor reads history."""
    config = _project(make_project)
    first = _kpis(config)
    assert first.exit_code == 0, first.output
    stored = _saved_at(config)
    assert "2026-10" in stored
    with patch("reportgen.run.run_engine", side_effect=AssertionError("the engine ran")), \
            patch("reportgen.run.gather_month", side_effect=AssertionError("history was opened")):
        again = _kpis(config)
        assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert _saved_at(config) == stored  # not written again


def test_a_changed_history_is_opened_again(make_project: ProjectFactory) -> None:
    """A month dropped since (or anything else written to the history file): the cached window
    is not used; the run stores the month again and reads the window afresh."""
    config = _project(make_project)
    assert _kpis(config).exit_code == 0
    dropped = CliRunner().invoke(main, ["history", "drop", "2026-10", "-c", str(config)])
    assert dropped.exit_code == 0, dropped.output
    assert "2026-10" not in _saved_at(config)
    with _engine_runs() as calls:
        again = _kpis(config)
        assert again.exit_code == 0, again.output
        assert not calls  # the engine result is still the cached one
    assert "2026-10" in _saved_at(config)  # stored again
    assert json.loads(again.stdout)["kpis"]["ticket_volume"] == 5
