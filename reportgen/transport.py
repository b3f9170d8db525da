"""The one HTTP transport: every API pull and both Google paths (publish, Sheets source) send through it.

Built on ``requests`` (installed with gspread and google-auth; google-auth's
``AuthorizedSession`` is a ``requests.Session``, so the Google paths use the
same code). urllib3's ``Retry`` honours ``Retry-After`` but has no bound on the
total time and cannot tell a write that may have been applied, so the policy
is ours:

* ``429`` (rejected before anything was done): retried for every method;
  ``500/502/503/504``, timeouts and refused or dropped connections: retried
  for idempotent methods (GET/HEAD/PUT/DELETE); for a POST they raise
  :class:`UncertainWrite`, for the caller to re-read and re-plan;
* waits are truncated exponential backoff with full jitter,
  ``uniform(0, min(cap, base·2ⁿ))``, never shorter than ``Retry-After``;
  at most ``max_attempts`` tries per request, and every request of one pull or
  publish shares ONE time budget (:class:`Budget`): a wait that would cross it
  is not started. When the server itself asks for a wait longer than the time
  left (``Retry-After: 86400``) that is what is said (:class:`AsksToWait`);
* the budget holds while the body is read: it is streamed in small reads, the
  time left checked between them (a server dripping one byte every two seconds
  cannot keep a pull alive), and the DECODED body is capped
  (``max_body_bytes``, 64 MiB by default): a gzip bomb is one line
  (:class:`BodyTooLarge`), not gigabytes of memory;
* redirects are followed only to the same scheme, host and port (the
  credentials and the data stay with the configured server); another origin
  is :class:`RedirectRefused`;
* a vendor that says when its rate window resets in its own headers instead of
  ``Retry-After`` (``X-RateLimit-Reset``) is read through ``rate_limit`` (a
  callable from the response headers to seconds to wait), both on a 429 and
  when a success says no request is left in the window;
* ``clock``, ``sleep`` and ``jitter`` are the policy's: tests replace them, so
  no test waits for real.

Errors here are :class:`TransportError`; each caller words them as its own
(``sources/api/http.py`` for the pulls, ``sheets/client.py`` for Google).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from reportgen.errors import ReportgenError
from reportgen.retry_after import retry_after_seconds

SERVER_ERRORS = frozenset({500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
MIB = 1 << 20
DEFAULT_MAX_BODY = 64 * MIB
READ_SIZE = 16 * 1024  # one read of the body: small, so the deadline and the cap are checked often
MAX_REDIRECTS = 5


def duration(seconds: float) -> str:
    """A wait as a person says it: ``45 s``, ``5 min``, ``24 h``, ``2 days``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


@dataclass(frozen=True)
class Policy:
    """How long and how often to try, and the most a response may hold."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_attempts: int = 8  # tries per request, the first included
    total_seconds: float = 1800.0  # every request of one pull / one publish together
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_body_bytes: int = DEFAULT_MAX_BODY  # the decoded body of one response
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def start(self) -> Budget:
        return Budget(self)


# ---- what can go wrong (each caller words it) ------------------------------------------------------

class TransportError(ReportgenError):
    """A request did not give an answer to use. ``what`` is a phrase for a message; ``later``: trying
    again later may help (else the settings must change)."""

    later = True

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class GaveUp(TransportError):
    """Still failing after the tries the policy allows."""


class OutOfTime(TransportError):
    """The time budget ran out (waiting, or while the body was still arriving)."""


class AsksToWait(OutOfTime):
    """The server asked (``Retry-After``) for a wait longer than the time left."""

    def __init__(self, what: str, seconds: float):
        super().__init__(what)
        self.seconds = seconds


class BodyTooLarge(TransportError):
    later = False


class RedirectRefused(TransportError):
    later = False


class BrokenOff(TransportError):
    """The connection failed while the body was read (for a non-idempotent request: maybe applied)."""


class UncertainWrite(TransportError):
    """A non-idempotent request failed so that the server may or may not have applied it."""


@dataclass
class Budget:
    """The time one pull (or publish) may still spend, shared by all its requests."""

    policy: Policy
    deadline: float = 0.0
    waits: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deadline = self.policy.clock() + self.policy.total_seconds

    def remaining(self) -> float:
        return self.deadline - self.policy.clock()

    def spent(self) -> float:
        return self.policy.total_seconds - self.remaining()

    def out_of_time(self, failure: str) -> OutOfTime:
        return OutOfTime(f"{failure}; the time limit of {self.policy.total_seconds:.0f} s is reached")

    def wait(self, attempt: int, retry_after: float | None, failure: str) -> None:
        """Sleep before try ``attempt + 2``, or raise when the tries or the time are spent."""
        policy = self.policy
        delay = min(policy.cap_seconds, policy.base_seconds * 2 ** attempt) * policy.jitter()
        if retry_after is not None:
            delay = max(delay, retry_after)
        if attempt + 1 >= policy.max_attempts:
            raise GaveUp(f"{failure}, still after {attempt + 1} tries in {self.spent():.0f} s")
        left = self.remaining()
        if retry_after is not None and retry_after > left:
            raise AsksToWait(f"{failure}: the server asks to wait {duration(retry_after)}, more than the "
                             f"{duration(max(0.0, left))} left of the time limit of "
                             f"{policy.total_seconds:.0f} s", retry_after)
        if delay > left:
            raise self.out_of_time(failure)
        self.waits.append(delay)
        policy.sleep(delay)


CANNOT_CONNECT = "cannot connect"  # how every failure to reach the server begins (callers word the fix)

# what the resolver and the socket say, as requests/urllib3 relay it (Linux, macOS, Windows)
_UNRESOLVED = ("NameResolutionError", "Name or service not known", "Failed to resolve",
               "nodename nor servname", "getaddrinfo failed", "No address associated",
               "Temporary failure in name")
_REFUSED = ("Connection refused", "ConnectionRefusedError", "actively refused")


def connect_failure(exc: requests.ConnectionError) -> str:
    """Why the server could not be reached, as the user can act on it: a host name that does not
    resolve and a refused connection usually mean a wrong url or subdomain, not a vendor's outage."""
    text = str(exc)
    if any(sign in text for sign in _UNRESOLVED):
        return f"{CANNOT_CONNECT} (the host name does not resolve)"
    if any(sign in text for sign in _REFUSED):
        return f"{CANNOT_CONNECT} (connection refused)"
    return CANNOT_CONNECT


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def where(url: str) -> str:
    """A URL as a message shows it: the path only (never a query, user or password)."""
    return urlsplit(url).path or "/"


def read_body(response: requests.Response, budget: Budget) -> bytes:
    """The decoded body, read in small pieces within the budget and the size cap; the response
    then behaves as one read at once (``.content``, ``.json()``)."""
    cap = budget.policy.max_body_bytes
    declared = response.headers.get("Content-Length", "")
    identity = response.headers.get("Content-Encoding", "identity").strip().lower() in ("", "identity")
    if identity and declared.isdigit() and int(declared) > cap:
        response.close()
        raise BodyTooLarge(f"the answer is {int(declared) / MIB:.0f} MiB, more than the limit of "
                           f"{cap / MIB:.0f} MiB")
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if budget.remaining() <= 0:
                raise budget.out_of_time(f"the answer was still arriving after {size:,} bytes")
            chunk = raw.read1(READ_SIZE, decode_content=True)  # what one receive brought, decoded
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise BodyTooLarge(f"the answer is larger than the limit of {cap / MIB:.0f} MiB "
                                   "(decoded)")
            chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # raw reads raise urllib3's own errors (ProtocolError, DecodeError, ReadTimeoutError)
        raise BrokenOff(f"the answer broke off ({type(exc).__name__})") from None
    finally:
        response.close()
    body = b"".join(chunks)
    response._content = body  # what requests' .content/.json() read
    response._content_consumed = True
    return body


@dataclass
class Transport:
    """Sends requests on one session under one budget. ``sent`` counts every HTTP request made."""

    session: requests.Session
    budget: Budget
    sent: int = 0
    # seconds to wait that the vendor's own rate-limit headers ask for (None: they ask nothing)
    # (headers, whether the answer was a 429) → seconds to wait (None: no wait asked)
    rate_limit: Callable[[Mapping[str, str], bool], float | None] | None = None

    @property
    def policy(self) -> Policy:
        return self.budget.policy

    def _timeout(self, timeout: Any) -> Any:
        left = max(0.001, self.budget.remaining())
        if timeout is None:
            return (min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left))
        if isinstance(timeout, tuple):
            return tuple(min(float(t), left) for t in timeout)
        return min(float(timeout), left)

    def request(self, method: str, url: str, *, params: Any = None, json: Any = None, data: Any = None,
                files: Any = None, headers: Mapping[str, str] | None = None, timeout: Any = None,
                idempotent: bool | None = None) -> requests.Response:
        """The response (body read) of the first try that is not a retryable failure.

        Raises :class:`TransportError` (or :class:`UncertainWrite`); a 4xx/5xx that is not retried
        is returned for the caller to word.
        """
        idempotent = method.upper() in IDEMPOTENT if idempotent is None else idempotent
        attempt = 0
        while True:
            if self.budget.remaining() <= 0:
                raise self.budget.out_of_time("no time left")
            retry_after: float | None = None
            try:
                response = self._send(method, url, params=params, json=json, data=data, files=files,
                                      headers=headers, timeout=timeout)
                failure = ""
                status = response.status_code
                if status == 429 or status in SERVER_ERRORS:
                    failure = "429 rate limited" if status == 429 else f"{status} server error"
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    if retry_after is None and status == 429 and self.rate_limit is not None:
                        retry_after = self.rate_limit(response.headers, True)
                    response.close()
                    if status != 429 and not idempotent:
                        raise UncertainWrite(f"{status} from the server")
                else:
                    read_body(response, self.budget)
                    self._pace(response)
                    return response
            except requests.Timeout:
                failure = "no answer in time"
                if not idempotent:
                    raise UncertainWrite("no answer (timed out)") from None
            except (requests.ConnectionError, BrokenOff) as exc:
                failure = connect_failure(exc) if isinstance(exc, requests.ConnectionError) else exc.what
                if not idempotent:
                    raise UncertainWrite(f"no answer ({failure})") from None
            self.budget.wait(attempt, retry_after, failure)
            attempt += 1

    def _pace(self, response: requests.Response) -> None:
        """When the vendor's headers say the window is spent, wait for it before the next request."""
        if self.rate_limit is None or response.status_code >= 400:
            return
        seconds = self.rate_limit(response.headers, False)
        if seconds is not None and seconds > 0:
            if seconds > self.budget.remaining():
                raise AsksToWait(f"the rate limit is spent: the server asks to wait {duration(seconds)}, "
                                 f"more than the {duration(max(0.0, self.budget.remaining()))} left of the "
                                 f"time limit of {self.policy.total_seconds:.0f} s", seconds)
            self.budget.waits.append(seconds)
            self.policy.sleep(seconds)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request, and the redirects it gets to the same origin (another origin: refused)."""
        timeout = self._timeout(kwargs.pop("timeout"))
        start = origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            self.sent += 1
            try:
                response = self.session.request(method, url, allow_redirects=False, stream=True,
                                                timeout=timeout, **kwargs)
            except (requests.Timeout, requests.ConnectionError):
                raise
            except requests.RequestException as exc:
                raise BrokenOff(f"request failed ({type(exc).__name__})") from None
            if not response.is_redirect:
                return response
            target = urljoin(url, response.headers.get("Location", ""))
            response.close()
            there = origin(target)
            if there != start:
                port = f":{there[2]}" if there[2] else ""
                raise RedirectRefused(f"the server redirects to another address ({there[0]}://{there[1]}"
                                      f"{port}); credentials are not sent there and nothing from it is "
                                      "stored")
            if response.status_code in (301, 302, 303) and method.upper() not in ("GET", "HEAD"):
                method, kwargs = "GET", {**kwargs, "json": None, "data": None, "files": None}
            url, kwargs["params"] = target, None
        raise RedirectRefused(f"more than {MAX_REDIRECTS} redirects")
