"""The API connectors' HTTP client: the shared transport (``reportgen/transport.py``) + their messages.

The policy is the transport's: ``429``, ``5xx``, timeouts and refused
connections are retried with truncated exponential backoff and full jitter,
never sooner than ``Retry-After``, at most ``max_attempts`` tries per request
and, for the whole pull of one source, at most ``total_seconds`` (default 30
minutes, ``options.max_minutes``), the deadline holding while a body is read;
a body is capped (64 MiB decoded, ``options.max_body_mb``); a redirect to
another host or port is refused. Here the failures become one line naming the
source and what to do:

* ``401``/``403``: :class:`AuthError` at once, never retried;
* any other ``4xx``: :class:`ApiError` at once, quoting at most a short scrubbed
  line of the body (a retry would get the same answer);
* the time limit, or a server asking for a longer wait than is left:
  :class:`TimeBudgetSpent` (``the API asks to wait 24 h``: run again later);
* a page that is not what the connector expects, too large, or from another
  host: :class:`ApiError` whose hint is to check ``url``.

Only reads are sent (GET, and the POST of a search, a token or an export request,
which changes nothing a retry could double), so every retry is safe. A connector naming its
vendor's rate-limit headers (:class:`RateLimit`) waits for the window to reset when a 429 has no
``Retry-After`` or when a page says no request is left. Secrets (the token, the password)
are handed to the client, which removes every form of them from every message
it builds (``reportgen.redact``); requests' own exceptions are never chained
(their text could quote a URL).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import msgspec
import requests

from reportgen.errors import DataError
from reportgen.redact import Redactor, excerpt
from reportgen.retry_after import retry_after_seconds as retry_after_seconds
from reportgen.transport import (
    CANNOT_CONNECT,
    AsksToWait,
    BodyTooLarge,
    OutOfTime,
    Policy,
    RedirectRefused,
    Transport,
    TransportError,
    where,
)

USER_AGENT = "reportgen (+https://github.com/reportgen/reportgen)"
RetryPolicy = Policy  # the pulls' policy: 30 minutes a source by default


class ApiError(DataError):
    """A vendor API did not give what a pull needs (after any retries).

    ``later``: running the pull again later may help (vendor trouble, time); else a setting must
    change (the hint says which)."""

    later = False


class AuthError(ApiError):
    """401/403: the credentials are wrong or lack the permission; never retried."""


class VendorTrouble(ApiError):
    """The vendor kept failing (5xx, 429, no answer) through every try."""

    later = True


class TimeBudgetSpent(ApiError):
    """The pull's total time bound was reached before the vendor answered (or it asked to wait longer)."""

    later = True


@dataclass(frozen=True)
class RateLimit:
    """A vendor's rate-limit headers: requests left in the window and when it resets.

    ``reset`` is a Unix time (``X-RateLimit-Reset: 1700000000``) unless ``reset_in_seconds``
    (``X-RateLimit-Retry-After: 12``). ``wall`` is the clock a Unix time is compared with."""

    remaining: str | None = None
    reset: str | None = None
    reset_in_seconds: bool = False
    most_seconds: float = 3600.0
    wall: Callable[[], float] = time.time

    def __call__(self, headers: Mapping[str, str], limited: bool) -> float | None:
        """Seconds to wait before the next request; None when the headers ask no wait.

        ``limited``: the answer was a 429 (wait for the reset); else wait only when the answer
        says no request is left in the window."""
        left = headers.get(self.remaining) if self.remaining else None
        if not limited and (left is None or left.strip() != "0"):
            return None
        value = headers.get(self.reset) if self.reset else None
        try:
            number = float(value) if value is not None else None
        except ValueError:
            number = None
        if number is None:
            return None
        seconds = number if self.reset_in_seconds else number - self.wall()
        return min(max(seconds, 0.0), self.most_seconds)


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
    session: requests.Session | None = None
    rate_limit: RateLimit | None = None

    def __post_init__(self) -> None:
        secrets = [*self.secrets, *(self.headers.values())]
        if self.auth is not None:
            secrets.append(self.auth[1])
        self._users = [self.auth[0]] if self.auth is not None else []
        self.redact = Redactor(secrets, self._users)
        if self.session is None:
            self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                     **self.headers})
        if self.auth is not None:
            self.session.auth = self.auth
        self.transport = Transport(self.session, self.policy.start(), rate_limit=self.rate_limit)

    def __repr__(self) -> str:  # never the credentials
        return f"HttpClient({self.name!r}, {self.redact(self.base_url)!r})"

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def sent(self) -> int:
        """HTTP requests sent (retries and redirects included)."""
        return self.transport.sent

    @property
    def waits(self) -> list[float]:
        """The waits between tries so far, in seconds."""
        return self.transport.budget.waits

    def remaining(self) -> float:
        """Seconds left in the pull's time budget."""
        return self.transport.budget.remaining()

    def url(self, path: str) -> str:
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/")) if "://" not in path else path

    def _where(self, url: str) -> str:
        return self.redact(where(url))

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body of ``GET path`` (retrying as documented above)."""
        body = self.get_bytes(path, params)
        try:
            return msgspec.json.decode(body)
        except msgspec.DecodeError:
            raise self.not_a_page(path, "did not answer with JSON") from None

    def not_a_page(self, path: str, what: str) -> ApiError:
        """An answer that is not the page asked for (an HTML page, a login form, truncated JSON)."""
        return ApiError(f"{self.name}: {self._where(self.url(path))} {what}",
                        hint="check the source's url: it must be the account's base URL")

    def get_bytes(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The body of ``GET path`` (retrying as documented above)."""
        return self.get(path, params).content

    def use_bearer(self, token: str) -> None:
        """Send ``Authorization: Bearer <token>`` from now on (an access token obtained during the pull,
        e.g. OAuth2 client credentials); the token is a secret like the configured ones."""
        assert self.session is not None
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.redact = Redactor([*self.redact.secrets, token], self._users)

    def pause(self, seconds: float, what: str) -> None:
        """Wait ``seconds`` (e.g. between polls of an export) within the pull's time budget;
        :class:`TimeBudgetSpent` instead when the wait would cross the limit."""
        if seconds >= self.remaining():
            raise TimeBudgetSpent(f"{self.name}: {what}; the time limit of "
                                  f"{self.policy.total_seconds:.0f} s is reached")
        self.policy.sleep(seconds)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """``GET path`` with the retry policy; the successful response, its body read."""
        return self.send("GET", path, params)

    def post_json(self, path: str, body: Any = None, params: Mapping[str, Any] | None = None, *,
                  form: Mapping[str, str] | None = None) -> Any:
        """The decoded JSON answer of a ``POST`` with a JSON ``body`` (or a ``form``): a search, a token
        or an export request (a read: retried like a GET)."""
        content = self.send("POST", path, params, body, form=form).content
        try:
            return msgspec.json.decode(content)
        except msgspec.DecodeError:
            raise self.not_a_page(path, "did not answer with JSON") from None

    def send(self, method: str, path: str, params: Mapping[str, Any] | None = None,
             body: Any = None, *, form: Mapping[str, str] | None = None) -> requests.Response:
        """One read request with the retry policy; the successful response, its body read."""
        url = self.url(path)
        at = self._where(url)
        try:
            response = self.transport.request(method, url, params=params, json=body, data=form,
                                              idempotent=True)
        except AsksToWait as exc:
            raise TimeBudgetSpent(f"{self.name}: {at}: {self.redact(exc.what)}",
                                  hint="the API asks to wait; run `reportgen pull` again later") from None
        except OutOfTime as exc:
            raise TimeBudgetSpent(f"{self.name}: {at}: {self.redact(exc.what)}") from None
        except BodyTooLarge as exc:
            raise ApiError(f"{self.name}: {at}: {exc.what}",
                           hint="check the source's url; if pages are really that large, raise "
                                "options.max_body_mb") from None
        except RedirectRefused as exc:
            raise ApiError(f"{self.name}: {at}: {self.redact(exc.what)}",
                           hint="set the source's url to the address the account really answers at"
                           ) from None
        except TransportError as exc:
            unreached = exc.what.startswith(CANNOT_CONNECT)  # never reached: most often a wrong address
            raise VendorTrouble(f"{self.name}: {at}: {self.redact(exc.what)}",
                                hint=("check the source's url (or subdomain) and this machine's network; "
                                      "if both are right, the vendor may be down: try again later")
                                if unreached else "the vendor is having trouble; try again later") from None
        status = response.status_code
        if status < 400:
            return response
        if status in (401, 403):
            what = "401 unauthorized" if status == 401 else "403 forbidden"
            raise AuthError(f"{self.name}: {what} at {at}: the credentials were refused",
                            hint=self.hint_auth) from None
        detail = excerpt(response.content.decode("utf-8", "replace"), self.redact)
        raise ApiError(f"{self.name}: HTTP {status} at {at}" + (f": {detail}" if detail else ""),
                       hint="check the source's url and settings") from None
