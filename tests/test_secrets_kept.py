"""Secrets stay secret: a password written into ``url:``, a token echoed by a server in any form,
and the files that hold customer data are the owner's only, whatever the umask."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from click.testing import CliRunner
from fakes.fixtures import ZD_EMAIL, ZD_TOKEN, fill_zendesk, write_config, zendesk_source
from fakes.server import Reply, Request
from fakes.zendesk import ZendeskFake

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.redact import Redactor, excerpt
from reportgen.sources.api import RetryPolicy, pull
from reportgen.sources.api.pull import _legacy_key, source_key
from reportgen.sources.api.store import PulledRecord, PullStore
from reportgen.sources.api.zendesk import EXPORT

ROOT = Path(__file__).resolve().parent.parent
PROXY_PASS = "Pr0xy/Pa55+w0rd"  # a '/' and a '+': its percent-encoded form differs from the raw one
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def forms(secret: str, *users: str) -> list[str]:
    """Every way a secret may leak: as written, percent-encoded, in base64 alone and in a pair."""
    found = {secret, quote(secret, safe=""), b64(secret)}
    for user in users:
        found.add(b64(f"{user}:{secret}"))
    return sorted(found)


def leaks(folder: Path, texts: list[str], needles: list[str]) -> list[str]:
    """Which needles appear in the bytes of any file under ``folder`` or in any of ``texts``."""
    found = []
    for needle in needles:
        raw = needle.encode()
        files = [p for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes()]
        if files or any(needle in text for text in texts):
            found.append(f"{needle!r} in {files or 'the output'}")
    return found


class EchoingZendesk(ZendeskFake):
    """A Zendesk fake whose error page echoes the Authorization header it was sent (as some do)."""

    echo = False

    def route(self, request: Request) -> Reply:
        if self.echo and request.path == EXPORT:
            return Reply(400, {"error": "InvalidHeader",
                               "description": f"bad header {request.headers.get('authorization')}"})
        return super().route(request)


@pytest.fixture
def echoing() -> Iterator[EchoingZendesk]:
    fake = EchoingZendesk(ZD_EMAIL, ZD_TOKEN, page_cap=2, rating_cap=2)
    fill_zendesk(fake)
    fake.start()
    yield fake
    fake.stop()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``reportgen`` in a child process started with umask 022 (the usual default)."""
    command = ["sh", "-c", 'umask 022 && exec "$0" -m reportgen "$@"', sys.executable, *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env},
                          timeout=120)


def url_with_password(fake: ZendeskFake) -> str:
    return fake.url.replace("http://", "http://agent:${PROXY_PASS}@")


@pytest.mark.parametrize("verbose", [False, True])
def test_a_pull_leaves_no_form_of_any_secret_in_files_or_output(echoing: EchoingZendesk, tmp_path: Path,
                                                                verbose: bool) -> None:
    config = write_config(tmp_path, zendesk_source(url_with_password(echoing), token="${ZD_TOKEN}"))
    env = {"PROXY_PASS": quote(PROXY_PASS, safe=""), "ZD_TOKEN": ZD_TOKEN}
    flags = ["--verbose"] if verbose else []
    first = run_cli(*flags, "pull", "--config", str(config), env=env)
    assert first.returncode == 0, first.stderr
    echoing.echo = True  # the next pull's export request answers 400 quoting "Basic <base64>"
    second = run_cli(*flags, "pull", "--config", str(config), "--full", env=env)
    assert second.returncode == 1
    assert "HTTP 400" in second.stderr and "Basic ***" in second.stderr
    needles = forms(PROXY_PASS, "agent") + forms(ZD_TOKEN, f"{ZD_EMAIL}/token")
    outputs = [first.stdout, first.stderr, second.stdout, second.stderr]
    assert leaks(tmp_path, outputs, needles) == []
    with duckdb.connect(str(tmp_path / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        keys = {row[0] for table in ("pulled_records", "pulled_lookups", "pull_cursors")
                for row in con.execute(f"SELECT DISTINCT source FROM {table}").fetchall()}
    assert keys == {f"tickets:zendesk:{echoing.url}"}  # no userinfo, no query
    # the store and the pulled cache are the owner's only although the umask was 022
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_store_written_with_the_password_in_its_keys_is_renamed_and_continues(
        echoing: EchoingZendesk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXY_PASS", "Pr0xyPa55word")
    config = load_config(write_config(tmp_path, zendesk_source(url_with_password(echoing))))
    dataset, source = "tickets", config.sources.of_kind("api")[0][1]
    legacy = _legacy_key(dataset, source)
    assert "Pr0xyPa55word" in legacy  # the name an older reportgen stored the source under
    store = PullStore(tmp_path / "state" / "reportgen.duckdb")
    state = store.begin_full(legacy, dataset, "zendesk")
    record = PulledRecord("1", "2025-01-02T13:00:00Z", False, {"id": 1})
    cursor = base64.urlsafe_b64encode(b"seq:2").decode()  # the fake's cursor after its 2nd change
    store.commit_page(legacy, dataset, "zendesk", state, [record], {"after_cursor": cursor},
                      {"user": {"7": "Alice Rossi"}})
    pull(config, policy=FAST)
    assert echoing.calls(EXPORT)[0].params.get("cursor") == cursor  # continued from the stored cursor
    key = source_key(dataset, source)
    store = PullStore(tmp_path / "state" / "reportgen-pulled.duckdb")  # the single file was split once
    assert store.state(legacy) is None and store.state(key) is not None
    assert store.lookups(key)["user"]["7"] == "Alice Rossi"
    with duckdb.connect(str(store.path), read_only=True) as con:
        names = [row[0] for table in ("pulled_records", "pulled_lookups", "pull_cursors")
                 for row in con.execute(f"SELECT DISTINCT source FROM {table}").fetchall()]
    assert names and all("Pr0xyPa55word" not in name for name in names)
    assert leaks(tmp_path, [], ["Pr0xyPa55word"]) == []  # not even in the file's freed blocks
    assert sorted(p.name for p in store.path.parent.iterdir() if p.is_file()) == \
        ["reportgen-pulled.duckdb", "reportgen.duckdb"]


def test_store_keys_carry_no_userinfo_query_or_fragment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P", "pw-secret-1")
    config = load_config(write_config(
        tmp_path, '{api: zendesk, url: "https://me:${P}@Acme.zendesk.com:8443/base/?token=${P}#x", '
                  'email: "a@b.c", token: "t0k3n-abcdef"}'))
    source = config.sources.of_kind("api")[0][1]
    assert source_key("tickets", source) == "tickets:zendesk:https://acme.zendesk.com:8443/base"


def test_every_form_of_a_secret_is_masked() -> None:
    token, user = "tok-123456", "agent@example.com/token"
    redact = Redactor([token], [user])
    pair = b64(f"{user}:{token}")
    assert redact(f"bad header Basic {pair}") == "bad header Basic ***"
    assert redact(f"bad header Basic {pair[:20]}…") == "bad header Basic ***"
    assert redact(f"auth={pair[:-4]} end") == "auth=*** end"  # cut short, it still holds most of it
    assert redact(f"auth={pair[:24]} end") == f"auth={pair[:24]} end"  # the user name alone is no secret
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"
    assert redact(f"x={quote('a/b+c', safe='')}") == f"x={quote('a/b+c', safe='')}"
    assert Redactor(["a/b+c d"])(f"u={quote('a/b+c d', safe='')} v=a%2Fb%2Bc+d") == "u=*** v=***"
    assert redact(f'{{"t": "{token}", "b": "{b64(token)}"}}') == '{"t": "***", "b": "***"}'
    assert Redactor(["x"])("host smtp.example.com, password x.") == "host smtp.example.com, password ***."
    assert Redactor([""])("nothing to hide") == "nothing to hide"


def test_an_error_body_is_quoted_only_as_a_short_scrubbed_line() -> None:
    body = "<html>\n<title>Error</title>\x1b]0;pwned\x07 token tok-123456 " + "x" * 500
    line = excerpt(body, Redactor(["tok-123456"]))
    assert len(line) <= 120 and "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert "tok-123456" not in line and "***" in line


def test_history_and_eml_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tickets.csv").write_text(
        "ticket_id,created_at\nT1,2026-10-01T09:00:00Z\nT2,2026-10-31T09:00:00Z\n", encoding="utf-8")
    config = root / "config.yaml"
    config.write_text("sources:\n  tickets: {path: data/tickets.csv}\n"
                      "outputs:\n  email:\n    host: localhost\n    from: r@example.com\n"
                      "    to: [ceo@example.com]\n", encoding="utf-8")
    previous = os.umask(0o022)
    try:
        for args in (["build", "--out", str(root / "r.xlsx")],
                     ["email", "--dry-run", "--eml", str(root / "m.eml")]):
            result = CliRunner().invoke(main, [args[0], "--config", str(config), "--month", "2026-10",
                                               *args[1:]])
            assert result.exit_code == 0, result.output
    finally:
        os.umask(previous)
    assert stat.S_IMODE((root / "reportgen-history.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "m.eml").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "r.xlsx").stat().st_mode) == 0o644  # a report keeps the umask's mode


def test_a_google_error_echoing_the_access_token_is_masked() -> None:
    import requests
    from gspread.exceptions import APIError

    from reportgen.sheets.failures import explain_api_error

    response = requests.Response()
    response.status_code = 400
    response._content = (b'{"error": {"code": 400, "status": "INVALID_ARGUMENT", '
                         b'"message": "bad header Authorization: Bearer ya29.a0AfH6SMBx-secret\\nsecond line"}}')
    error = explain_api_error(APIError(response), key="k", email="sa@example.com", action="update")
    assert "ya29" not in str(error) and "Bearer ***" in str(error) and "\n" not in str(error)
