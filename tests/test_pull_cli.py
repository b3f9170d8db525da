"""`reportgen pull` as a person (or cron) runs it: real child processes, real HTTP on 127.0.0.1."""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from fakes.fixtures import (  # noqa: F401  (fixtures)
    ZD_EMAIL,
    ZD_TOKEN,
    csat_source,
    write_config,
    zendesk,
    zendesk_source,
)
from fakes.kill import kill_pull_while_waiting
from fakes.zendesk import ZendeskFake

from reportgen.sources.api.progress import Progress
from reportgen.sources.api.zendesk import EXPORT

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def stored_ids(config: Path) -> list[str]:
    store = config.parent / "state" / "reportgen-pulled.duckdb"  # beside the history (api.split)
    with duckdb.connect(str(store), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records ORDER BY record_id").fetchall()]


@pytest.mark.slow
def test_pull_prints_one_summary_line_when_not_a_terminal(zendesk: ZendeskFake, tmp_path: Path) -> None:
    secret = "${ZENDESK_API_TOKEN}"
    config = write_config(tmp_path, zendesk_source(zendesk.url, token=secret), csat_source(zendesk.url, secret))
    done = run_cli("pull", "--config", str(config), env={"ZENDESK_API_TOKEN": ZD_TOKEN})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and "\r" not in done.stderr
    assert lines[0].startswith("tickets (zendesk): 3 pages, 6 records in ")
    assert "records/s" in lines[0] and lines[0].endswith("; 6 stored")
    assert lines[1].startswith("surveys (zendesk_csat): 2 pages, 3 records in ")
    assert files_containing(tmp_path, ZD_TOKEN) == []  # not in the store, not in the cache


def test_progress_on_a_terminal_redraws_one_line() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    stream = Tty()
    progress = Progress("tickets (zendesk)", stream, clock=lambda: now[0])
    now[0] = 1.0
    progress.page(1000)
    now[0] = 2.0
    progress.page(1000)
    progress.finish("2,000 stored")
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "\rtickets (zendesk): 2 pages, 2,000 records, 1,000 records/s" in text
    assert text.endswith("\rtickets (zendesk): 2 pages, 2,000 records in 2.0 s (1,000 records/s); "
                         "2,000 stored\n")


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_wrong_token_is_one_line_and_never_shown(zendesk: ZendeskFake, tmp_path: Path, verbose: bool) -> None:
    wrong = "WRONG-tok-9a8b7c6d5e"
    config = write_config(tmp_path, zendesk_source(zendesk.url, token="${ZENDESK_API_TOKEN}"))
    args = ["--verbose"] if verbose else []
    done = run_cli(*args, "pull", "--config", str(config), env={"ZENDESK_API_TOKEN": wrong})
    assert done.returncode == 1
    assert wrong not in done.stdout and wrong not in done.stderr
    assert files_containing(tmp_path, wrong) == []
    assert len(zendesk.requests) == 1  # a 401 is not retried
    if not verbose:
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith("error: tickets (zendesk): 401 unauthorized")
        assert "email: and token:" in done.stderr


def test_validate_style_credentials_check(zendesk: ZendeskFake, tmp_path: Path) -> None:
    from reportgen.config import load_config
    from reportgen.sources.api import check_credentials

    good = load_config(write_config(tmp_path / "a", zendesk_source(zendesk.url)))
    assert check_credentials(good) == []
    assert [r.path for r in zendesk.requests] == ["/api/v2/users/me.json"]  # one cheap request
    bad = load_config(write_config(tmp_path / "b", zendesk_source(zendesk.url, token="nope-nope-1")))
    problems = check_credentials(bad)
    assert len(problems) == 1 and "401" in str(problems[0]) and "nope-nope-1" not in str(problems[0])


@pytest.mark.slow
def test_time_limit_via_cli_names_what_is_missing(zendesk: ZendeskFake, tmp_path: Path) -> None:
    zendesk.fail(EXPORT, 429, retry_after="60", after=1)
    source = zendesk_source(zendesk.url)[:-1] + ", options: {max_minutes: 0.1}}"
    config = write_config(tmp_path, source)
    started = time.monotonic()
    done = run_cli("pull", "--config", str(config))
    assert time.monotonic() - started < 30
    assert done.returncode == 1 and done.stderr.count("error:") == 1
    error = next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert "time limit of 6 s" in error and "not pulled yet" in error and "stored data is intact" in error
    assert stored_ids(config) == ["1", "2"]


@pytest.mark.slow
def test_kill_9_mid_pull_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    fake = ZendeskFake(ZD_EMAIL, ZD_TOKEN, page_cap=3)
    fake.add_user(7, "Alice Rossi")
    for i in range(1, 16):  # 15 tickets: 5 pages of 3
        fake.add_ticket(i, f"2025-01-{i + 1:02d}T09:00:00Z", assignee_id=7)
    fake.delay(EXPORT, 30, after=3)  # the 4th page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = write_config(tmp_path, zendesk_source(fake.url).replace(
            ', category: "custom_field:360001234"', ""))
        killed = kill_pull_while_waiting(fake, config, EXPORT, 4)
        assert killed == -signal.SIGKILL
        stored = stored_ids(config)
        committed = len(stored)  # whole pages only: 3 (normally) or 2 if the kill beat the 3rd commit
        assert committed in (6, 9), stored
        assert stored == sorted(str(i) for i in range(1, committed + 1))  # nothing of the 4th page
        requests_before = len(fake.calls(EXPORT))
        done = run_cli("pull", "--config", str(config))
        assert done.returncode == 0, done.stderr
        resumed = fake.calls(EXPORT)[requests_before:]
        # continues after the last committed page: asks the 4th page again, never start_time
        assert resumed[0].params["cursor"] == fake.calls(EXPORT)[committed // 3].params["cursor"]
        assert "start_time" not in resumed[0].params
        missing = 15 - committed  # only the missing tickets were pulled
        assert f"{missing // 3} pages, {missing} records" in done.stderr
        assert stored_ids(config) == sorted(str(i) for i in range(1, 16))
        cache = next((tmp_path / "state").glob("*.pulled/tickets-zendesk-*.csv"), None)
        assert cache is None  # materialize writes the cache only when asked
        from reportgen.config import load_config
        from reportgen.sources.api import materialize

        loaded = load_config(config)
        with materialize(loaded, "tickets", loaded.sources.tickets).open(encoding="utf-8") as handle:
            ids = [row["ticket_id"] for row in csv.DictReader(handle)]
        assert sorted(ids, key=int) == [str(i) for i in range(1, 16)]  # each exactly once
    finally:
        fake.stop()


def test_report_commands_pull_first_unless_offline(zendesk: ZendeskFake, tmp_path: Path) -> None:
    from reportgen.config import load_config
    from reportgen.errors import DataError
    from reportgen.sources.api import materialize, pull_first

    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    assert pull_first(config, offline=True) is None
    assert zendesk.requests == []  # offline: not a single request
    with pytest.raises(DataError, match="nothing was pulled yet"):
        materialize(config, "tickets", config.sources.tickets)
    summary = pull_first(config)
    assert summary is not None and summary.sources[0].records == 6
    assert materialize(config, "tickets", config.sources.tickets).exists()


@pytest.mark.slow
def test_full_flag_and_nothing_to_pull(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = write_config(tmp_path / "a", zendesk_source(zendesk.url))
    assert run_cli("pull", "--config", str(config)).returncode == 0
    done = run_cli("pull", "--config", str(config), "--full")
    assert done.returncode == 0 and "3 pages, 6 records" in done.stderr
    starts = [r.params.get("start_time") for r in zendesk.calls(EXPORT) if "start_time" in r.params]
    assert len(starts) == 2  # the first pull and the --full one both began at start:
    files = write_config(tmp_path / "b", '{path: "data/tickets.csv"}')
    done = run_cli("pull", "--config", str(files))
    assert done.returncode == 1 and "no source with api: to pull" in done.stderr
    assert done.stderr.count("\n") == 1
