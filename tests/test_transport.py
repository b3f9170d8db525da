"""The one HTTP transport's hard limits, against hostile local servers on 127.0.0.1: a body that drips,
a gzip bomb, a redirect to another port, a cursor that never moves, Retry-After: 86400, an HTML page."""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures / sheets_fake.fixtures are parameters here)

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fakes.clock import FakeClock
from fakes.fixtures import ZD_EMAIL, ZD_TOKEN, fill_zendesk, write_config, zendesk, zendesk_source  # noqa: F401
from fakes.server import Reply, Request
from fakes.zendesk import ZendeskFake
from sheets_fake.fixtures import Google, google, no_network, rsa_key  # noqa: F401

from reportgen.config import load_config
from reportgen.errors import DataError
from reportgen.sources.api import ApiError, HttpClient, PullIncomplete, RetryPolicy, TimeBudgetSpent, pull
from reportgen.sources.api.pull import settings_problems
from reportgen.sources.api.zendesk import EXPORT
from reportgen.transport import DEFAULT_MAX_BODY, Policy, duration

MIB = 1 << 20


class Hostile:
    """A raw HTTP server whose GET handler is a function of the handler (full control of the bytes)."""

    def __init__(self, handle: Any) -> None:
        self.paths: list[str] = []
        self.auth: list[str | None] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner.paths.append(self.path)
                owner.auth.append(self.headers.get("Authorization"))
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handle(self)

            def handle(self) -> None:  # a client that gave up closes the connection: not an error here
                with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                    super().handle()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None,
         ) -> None:
    handler.send_response(status)
    for key, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                       **(headers or {})}.items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def servers() -> Iterator[list[Hostile]]:
    started: list[Hostile] = []
    yield started
    for server in started:
        server.stop()


def client(url: str, policy: Policy | None = None) -> HttpClient:
    return HttpClient("tickets (test)", url, auth=("agent@example.com/token", ZD_TOKEN), secrets=(ZD_TOKEN,),
                      policy=policy or RetryPolicy(base_seconds=0.01, cap_seconds=0.02, total_seconds=20))


def test_the_time_limit_holds_while_a_body_drips(servers: list[Hostile]) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):  # one byte every 0.2 s: each read succeeds, the whole would take 200 s
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)

    server = Hostile(drip)
    servers.append(server)
    http = client(server.url, RetryPolicy(total_seconds=1.5))
    started = time.monotonic()
    with pytest.raises(TimeBudgetSpent) as caught:
        http.get_json("/api/v2/incremental/tickets/cursor.json")
    assert time.monotonic() - started < 4
    assert "the answer was still arriving" in str(caught.value) and "time limit of 2 s" in str(caught.value)
    assert len(server.paths) == 1


def test_a_gzip_bomb_is_one_line_at_the_cap(servers: list[Hostile]) -> None:
    bomb = gzip.compress(b"\0" * (40 * MIB), compresslevel=9)  # ~40 KB on the wire
    server = Hostile(lambda h: send(h, 200, bomb, {"Content-Encoding": "gzip"}))
    servers.append(server)
    http = client(server.url, RetryPolicy(max_body_bytes=4 * MIB, total_seconds=20))
    with pytest.raises(ApiError) as caught:
        http.get_json("/x")
    assert str(caught.value).startswith("tickets (test): /x: the answer is larger than the limit of 4 MiB")
    assert "max_body_mb" in (caught.value.hint or "") and len(server.paths) == 1  # not retried
    assert Policy().max_body_bytes == DEFAULT_MAX_BODY == 64 * MIB


def test_a_declared_length_over_the_cap_is_refused_before_reading(servers: list[Hostile]) -> None:
    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10 * MIB))
        handler.end_headers()
        handler.wfile.write(b"[" * 1024)

    server = Hostile(huge)
    servers.append(server)
    with pytest.raises(ApiError, match="the answer is 10 MiB, more than the limit of 1 MiB"):
        client(server.url, RetryPolicy(max_body_bytes=MIB)).get_json("/x")


def test_credentials_never_follow_a_redirect_to_another_port(servers: list[Hostile]) -> None:
    elsewhere = Hostile(lambda h: send(h, 200, b'{"stolen": true}'))
    here = Hostile(lambda h: send(h, 302, b"", {"Location": f"{elsewhere.url}/x"}) if h.path == "/away"
                   else send(h, 301, b"", {"Location": "/final"}) if h.path == "/moved"
                   else send(h, 200, b'{"ok": true}'))
    servers += [elsewhere, here]
    http = client(here.url)
    with pytest.raises(ApiError) as caught:
        http.get_json("/away")
    assert elsewhere.paths == []  # not even asked without the credentials
    assert "redirects to another address (http://127.0.0.1:" in str(caught.value)
    assert "url" in (caught.value.hint or "") and ZD_TOKEN not in str(caught.value)
    assert http.get_json("/moved") == {"ok": True}  # the same host and port: followed, with credentials
    assert here.paths[-2:] == ["/moved", "/final"] and here.auth[-1] and here.auth[-1].startswith("Basic ")


class RedirectingZendesk(ZendeskFake):
    """A Zendesk whose export answers with a redirect to another server."""

    target = ""

    def route(self, request: Request) -> Reply:
        if request.path == EXPORT:
            return Reply(302, {}, {"Location": self.target + EXPORT})
        return super().route(request)


def stored_ids(config: Path) -> list[str]:
    store = config.parent / "state" / "reportgen-pulled.duckdb"
    with duckdb.connect(str(store), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


def test_data_from_another_host_is_never_stored(zendesk: ZendeskFake, tmp_path: Path) -> None:
    redirecting = RedirectingZendesk(ZD_EMAIL, ZD_TOKEN)
    fill_zendesk(redirecting)
    redirecting.target = zendesk.url  # a real account with tickets, on another port
    redirecting.start()
    try:
        config = write_config(tmp_path, zendesk_source(redirecting.url))
        with pytest.raises(PullIncomplete) as caught:
            pull(load_config(config), policy=FakeClock().policy(total_seconds=20))
    finally:
        redirecting.stop()
    assert zendesk.calls(EXPORT) == [] and stored_ids(config) == []
    assert "redirects to another address" in str(caught.value)
    assert "url" in (caught.value.hint or "") and "again later" not in (caught.value.hint or "")


class StuckZendesk(ZendeskFake):
    """An export that answers the same cursor, with more to come, forever."""

    def route(self, request: Request) -> Reply:
        if request.path == EXPORT:
            return Reply(200, {"tickets": [], "after_cursor": "c2FtZQ", "end_of_stream": False})
        return super().route(request)


def test_a_cursor_that_never_moves_stops_after_a_few_pages(tmp_path: Path) -> None:
    fake = StuckZendesk(ZD_EMAIL, ZD_TOKEN)
    fill_zendesk(fake)
    fake.start()
    try:
        config = load_config(write_config(tmp_path, zendesk_source(fake.url)))
        started = time.monotonic()
        with pytest.raises(PullIncomplete) as caught:
            pull(config, policy=RetryPolicy(base_seconds=0.01, total_seconds=8))
    finally:
        fake.stop()
    assert time.monotonic() - started < 5 and len(fake.calls(EXPORT)) <= 8  # 4 pages + those fetched ahead, not thousands
    message = str(caught.value)
    assert "\n" not in message and "pages in a row with the same cursor and more to come" in message


@pytest.mark.parametrize("header", ["86400", "Retry-After-as-date"])
def test_retry_after_a_day_says_so_at_once(zendesk: ZendeskFake, tmp_path: Path, header: str) -> None:
    value = header if header.isdigit() else time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                            time.gmtime(time.time() + 86400))
    zendesk.fail(EXPORT, 429, retry_after=value)
    clock = FakeClock()
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    with pytest.raises(PullIncomplete) as caught:
        pull(config, policy=clock.policy(total_seconds=1800))
    message = str(caught.value)
    assert "429 rate limited: the server asks to wait 24 h, more than the 30 min left" in message
    assert caught.value.hint == "run `reportgen pull` again later to continue from there"
    assert clock.waits == [] and len(zendesk.calls(EXPORT)) == 1


class HtmlZendesk(ZendeskFake):
    def route(self, request: Request) -> Reply:
        if request.path == EXPORT:
            return Reply(200, raw=b"<!doctype html><html><title>Sign in</title></html>")
        return super().route(request)


def test_an_html_page_says_check_url_not_run_again_later(tmp_path: Path) -> None:
    fake = HtmlZendesk(ZD_EMAIL, ZD_TOKEN)
    fill_zendesk(fake)
    fake.start()
    try:
        config = load_config(write_config(tmp_path, zendesk_source(fake.url)))
        with pytest.raises(PullIncomplete) as caught:
            pull(config, policy=FakeClock().policy(total_seconds=20))
    finally:
        fake.stop()
    assert "did not return a ticket export page" in str(caught.value)
    assert "check url" in (caught.value.hint or "") and "again later" not in (caught.value.hint or "")
    assert len(fake.calls(EXPORT)) == 1  # a page that is not JSON is not asked for again


def test_max_body_mb_is_an_option_checked_with_the_others(tmp_path: Path) -> None:
    source = zendesk_source("http://127.0.0.1:9")[:-1] + ", options: {max_body_mb: -1}}"
    config = load_config(write_config(tmp_path, source))
    assert settings_problems(config) == ["sources.tickets.options.max_body_mb (line 4): must be a positive number of MiB"]


def test_durations_read_as_a_person_says_them() -> None:
    assert [duration(s) for s in (5, 89, 300, 3600 * 5, 86400, 86400 * 3)] == \
        ["5 s", "89 s", "5 min", "5 h", "24 h", "3 days"]


def test_the_sheets_source_hears_the_same_long_wait(google: Google, tmp_path: Path) -> None:
    from test_google_sheet_source import config_for, forms_book, forms_source

    from reportgen.sources.google_sheet import stage_google_sheet

    book = forms_book(google)
    google.fake.fail("GET", "/values/", 429, retry_after="86400")
    with pytest.raises(DataError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "surveys", forms_source(book), tmp_path,
                           adapters=google.adapters)
    assert "the server asks to wait 24 h" in str(caught.value) and "run again later" in (caught.value.hint or "")
    assert google.fake.count("GET", "/values/") == 1
