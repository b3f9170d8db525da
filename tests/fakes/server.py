"""A small threaded HTTP server on 127.0.0.1 for vendor fakes, with a request log and scripted faults.

A fake subclasses :class:`FakeApi` and implements ``route(request) -> Reply``.
Tests script trouble with ``fail(...)`` (a status such as 429 with
``Retry-After``, 500, 401) and ``delay(...)`` (a slow page), and read
``requests`` to assert what was asked (e.g. only changes since the cursor).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# seconds between the serving loop's checks for shutdown() (the library default, 0.5 s, is what
# every test stopping a server would wait)
POLL_INTERVAL = 0.01


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    auth: tuple[str, str] | None
    at: float
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None  # a POST's JSON (or form) body, decoded (None: none, or neither)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Fault:
    path: str  # substring of the request path
    status: int | None  # None: only a delay
    times: int
    headers: dict[str, str]
    delay: float = 0.0
    after: int = 0  # let this many matching requests through first


class FakeApi:
    """Subclass with ``route``; ``start()`` returns the base URL."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._seen: dict[int, int] = {}
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ---- scripting ------------------------------------------------------------------------------
    def fail(self, path: str, status: int, *, times: int = 1, retry_after: str | None = None,
             after: int = 0, headers: dict[str, str] | None = None) -> None:
        headers = {**({"Retry-After": retry_after} if retry_after is not None else {}), **(headers or {})}
        self.faults.append(Fault(path, status, times, headers, after=after))

    def delay(self, path: str, seconds: float, *, after: int = 0, times: int = 1) -> None:
        self.faults.append(Fault(path, None, times, {}, delay=seconds, after=after))

    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if path in r.path]

    # ---- serving --------------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fault(self, request: Request) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self.faults):
                if fault.times <= 0 or fault.path not in request.path:
                    continue
                seen = self._seen.get(index, 0)
                self._seen[index] = seen + 1
                if seen < fault.after:
                    continue
                fault.times -= 1
                return fault
        return None

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        parts = urlsplit(target)
        auth = None
        header = headers.get("authorization", "")
        if header.lower().startswith("basic "):
            user, _, password = base64.b64decode(header[6:]).decode("utf-8", "replace").partition(":")
            auth = (user, password)
        request = Request(method, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)), auth,
                          time.monotonic(), dict(headers), _decoded(body, headers.get("content-type", "")))
        with self._lock:
            self.requests.append(request)
        fault = self._fault(request)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return Reply(fault.status, {"error": "scripted"}, dict(fault.headers))
        return self.route(request)

    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                sent = self.rfile.read(length) if length else b""
                reply = api.handle(method, self.path, {k.lower(): v for k, v in self.headers.items()}, sent)
                body = reply.raw if reply.raw is not None else \
                    json.dumps(reply.body, separators=(",", ":")).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a short poll: shutdown() waits for the serving loop's next poll, 0.5 s by default
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
        self.thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _decoded(body: bytes, content_type: str) -> Any:
    """A POST's body: a form as a dict (OAuth2 token requests), else JSON; None: none, or neither."""
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
