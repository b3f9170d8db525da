"""Polite, bounded HTTP for the API connectors (``requests`` + reportgen's own retry policy).

Why ``requests``: it is already installed (gspread and google-auth use it), is
well kept, pools keep-alive connections per session and is what tests can
point at a local server by URL. urllib3's ``Retry`` honours ``Retry-After``
but has no bound on the total time spent and no per-vendor messages, so the
policy is ours (the same shape as ``reportgen/sheets/client.py``):

* ``429``: wait ``Retry-After`` (seconds or an HTTP date), else the backoff;
* ``500/502/503/504``, timeouts and refused connections: truncated
  exponential backoff with full jitter, ``uniform(0, min(cap, base·2ⁿ))``,
  never shorter than ``Retry-After`` when the server sends one;
* at most ``max_attempts`` tries per request and, for the whole pull of one
  source, at most ``total_seconds`` of wall-clock time (default 30 minutes):
  a wait that would cross the deadline is not started — :class:`TimeBudgetSpent`
  is raised instead, so the caller can say what is missing;
* ``401``/``403``: :class:`AuthError` at once, never retried;
* any other ``4xx``: :class:`ApiError` at once (a retry would get the same answer).

Only GET is sent, so every retry is safe. Secrets (the token, the password)
are handed to the client, which removes them from every message it builds;
requests' own exceptions are never chained (their text could quote a URL).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import msgspec
import requests

from reportgen.errors import DataError
from reportgen.redact import Redactor, excerpt
from reportgen.retry_after import retry_after_seconds

SERVER_ERRORS = frozenset({500, 502, 503, 504})
USER_AGENT = "reportgen (+https://github.com/reportgen/reportgen)"


class ApiError(DataError):
    """A vendor API did not give what a pull needs (after any retries)."""


class AuthError(ApiError):
    """401/403: the credentials are wrong or lack the permission; never retried."""


class TimeBudgetSpent(ApiError):
    """The pull's total time bound was reached before the vendor answered."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to try; documented in docs/PULL.md."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_attempts: int = 8  # tries per request, the first included
    total_seconds: float = 1800.0  # the whole pull of one source
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


@dataclass
class HttpClient:
    """GET JSON from one vendor account, politely, within one time budget.

    ``name`` prefixes every message (e.g. ``tickets (zendesk)``); ``hint_auth``
    says which config keys to fix on a 401/403.
    """

    name: str
    base_url: str
    auth: tuple[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    hint_auth: str = "check the source's email and token"
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random
    session: requests.Session | None = None
    sent: int = 0
    waits: list[float] = field(default_factory=list)
    deadline: float = 0.0

    def __post_init__(self) -> None:
        secrets = [*self.secrets, *(self.headers.values())]
        if self.auth is not None:
            secrets.append(self.auth[1])
        self.redact = Redactor(secrets, [self.auth[0]] if self.auth is not None else [])
        self.deadline = self.clock() + self.policy.total_seconds
        if self.session is None:
            self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                     **self.headers})
        if self.auth is not None:
            self.session.auth = self.auth

    def __repr__(self) -> str:  # never the credentials
        return f"HttpClient({self.name!r}, {self.base_url!r})"

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remaining(self) -> float:
        """Seconds left in the pull's time budget."""
        return self.deadline - self.clock()

    def url(self, path: str) -> str:
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/")) if "://" not in path else path

    def _where(self, url: str) -> str:
        return self.redact(urlsplit(url).path or "/")

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body of ``GET path`` (retrying as documented above)."""
        body = self.get_bytes(path, params)
        try:
            return msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise ApiError(f"{self.name}: {self._where(self.url(path))} did not answer with JSON",
                           hint="check the source's url: it must be the account's base URL") from None

    def get_bytes(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The body of ``GET path``, read in large chunks (a 1.6 MB export page in one go)."""
        response = self.get(path, params, stream=True)
        try:
            return b"".join(response.iter_content(chunk_size=1 << 20))
        except requests.RequestException as exc:
            raise ApiError(f"{self.name}: {self._where(response.url)}: the answer broke off "
                           f"({type(exc).__name__})", hint="try again") from None
        finally:
            response.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None, *,
            stream: bool = False) -> requests.Response:
        """``GET path`` with the retry policy; the successful response."""
        assert self.session is not None
        url = self.url(path)
        attempt = 0
        while True:
            left = self.remaining()
            if left <= 0:
                raise self._budget_spent(url, "no time left")
            retry_after: float | None = None
            self.sent += 1
            try:
                response = self.session.get(
                    url, params=params, allow_redirects=True, stream=stream,
                    timeout=(min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left)))
            except requests.Timeout:
                failure = "no answer in time"
            except requests.ConnectionError:
                failure = "cannot connect"
            except requests.RequestException as exc:
                raise ApiError(f"{self.name}: {self._where(url)}: request failed "
                               f"({type(exc).__name__})", hint="check the source's url") from None
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status in (401, 403):
                    response.close()
                    what = "401 unauthorized" if status == 401 else "403 forbidden"
                    raise AuthError(f"{self.name}: {what} at {self._where(url)}: the credentials were "
                                    "refused", hint=self.hint_auth) from None
                if status == 429 or status in SERVER_ERRORS:
                    failure = "429 rate limited" if status == 429 else f"{status} server error"
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    response.close()
                else:
                    detail = excerpt(response.text, self.redact)
                    raise ApiError(f"{self.name}: HTTP {status} at {self._where(url)}"
                                   + (f": {detail}" if detail else ""),
                                   hint="check the source's url and settings") from None
            self._wait(attempt, retry_after, url, failure)
            attempt += 1

    def _wait(self, attempt: int, retry_after: float | None, url: str, failure: str) -> None:
        policy = self.policy
        delay = min(policy.cap_seconds, policy.base_seconds * 2 ** attempt) * self.jitter()
        if retry_after is not None:
            delay = max(delay, retry_after)
        if attempt + 1 >= policy.max_attempts:
            raise ApiError(f"{self.name}: {self._where(url)}: {failure}, still after {attempt + 1} tries",
                           hint="the vendor is having trouble; try again later")
        if self.clock() + delay > self.deadline:
            raise self._budget_spent(url, failure)
        self.waits.append(delay)
        self.sleep(delay)

    def _budget_spent(self, url: str, failure: str) -> TimeBudgetSpent:
        return TimeBudgetSpent(f"{self.name}: {self._where(url)}: {failure}; the pull's time limit of "
                               f"{self.policy.total_seconds:.0f} s is reached")
