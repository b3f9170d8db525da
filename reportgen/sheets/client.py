"""The thin sender: gspread's HTTP client with reportgen's own retry policy.

Why not gspread's ``BackOffHTTPClient``: it is documented as not production
ready, ignores ``Retry-After``, has no bound on the total time spent, and
retries every method alike — including non-idempotent POSTs (a spreadsheet
create, a batchUpdate with ``addSheet``) whose first attempt may have been
applied although no answer came back. ``RetryingHTTPClient`` keeps gspread's
request plumbing (``HTTPClient.request``/``batch_update``/``fetch_sheet_metadata``
on a google-auth ``AuthorizedSession``) and replaces only the policy:

* 429 (rate limit: Google rejected the request before doing anything) is
  retried for every method;
* 500/502/503/504 and timeouts/connection errors are retried for idempotent
  methods (GET/PUT/DELETE) only; for a POST they raise ``UncertainWrite``, so
  the caller re-reads the spreadsheet and re-plans before sending again;
* waits are truncated exponential backoff with full jitter
  (``uniform(0, min(cap, base·2ⁿ))``), never shorter than ``Retry-After``,
  within a bounded number of attempts and a bounded total time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import IO, Any

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from gspread.client import Client
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType
from requests.adapters import BaseAdapter

from reportgen.errors import OutputError
from reportgen.retry_after import retry_after_seconds
from reportgen.sheets.calls import ApiCall

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
SERVER_ERRORS = frozenset({500, 502, 503, 504})
# requests adapters mounted on the session, by URL prefix (tests route Google's hosts to a local server)
TRANSPORT_ADAPTERS: dict[str, BaseAdapter] = {}


class UncertainWrite(Exception):
    """A non-idempotent request failed so that Google may or may not have applied it."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@dataclass
class RetryPolicy:
    base_seconds: float = 1.0
    cap_seconds: float = 32.0
    max_attempts: int = 8  # tries per request, the first included
    total_seconds: float = 120.0  # for the whole publish
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def start(self) -> RetryBudget:
        return RetryBudget(self)


@dataclass
class RetryBudget:
    """The waiting one publish may still do; shared by every request of the publish."""

    policy: RetryPolicy
    deadline: float = 0.0
    waits: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.deadline = self.policy.clock() + self.policy.total_seconds

    def wait(self, attempt: int, retry_after: float | None, failure: str) -> None:
        """Sleep before try ``attempt + 1`` or raise OutputError when the budget is spent."""
        policy = self.policy
        delay = min(policy.cap_seconds, policy.base_seconds * 2 ** attempt) * policy.jitter()
        if retry_after is not None:
            delay = max(delay, retry_after)
        if attempt + 1 >= policy.max_attempts or policy.clock() + delay > self.deadline:
            raise OutputError(
                f"Google Sheets: {failure}, still after {attempt + 1} tries "
                f"in {policy.total_seconds - (self.deadline - policy.clock()):.0f} s",
                hint="nothing was half-written (each write is atomic); wait a few minutes and "
                     "publish again")
        self.waits.append(delay)
        policy.sleep(delay)


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with the policy above; counts the HTTP requests it sends."""

    budget: RetryBudget | None = None
    sent: int = 0

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: MutableMapping[str, IO[Any]] | None = None,  # type: ignore[override]
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        budget = self.budget or RetryPolicy().start()
        idempotent = method.upper() in IDEMPOTENT
        attempt = 0
        while True:
            retry_after: float | None = None
            self.sent += 1
            try:
                response = self.session.request(method=method, url=endpoint, json=json, params=params,
                                                data=data, files=files, headers=headers,
                                                timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as exc:
                failure = "no answer (timed out)" if isinstance(exc, requests.Timeout) \
                    else "no answer (connection failed)"
                if not idempotent:
                    raise UncertainWrite(failure) from None
            else:
                if response.ok:
                    return response
                status = response.status_code
                if status == 429 or (status in SERVER_ERRORS and idempotent):
                    failure = f"{status} {'rate limit (quota) exceeded' if status == 429 else 'unavailable'}"
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                elif status in SERVER_ERRORS:
                    raise UncertainWrite(f"{status} from Google")
                else:
                    raise APIError(response)
            budget.wait(attempt, retry_after, failure)
            attempt += 1


class GoogleApi:
    """The calls a publish makes, each one HTTP request (plus retries) through gspread."""

    def __init__(self, credentials: Credentials, *, timeout: float, budget: RetryBudget,
                 adapters: Mapping[str, BaseAdapter] | None = None):
        session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
        # google-auth makes its own requests (token exchange, access-boundary lookup) on a second session
        auth_session = getattr(session, "_auth_request_session", None)
        for prefix, adapter in {**TRANSPORT_ADAPTERS, **(adapters or {})}.items():
            session.mount(prefix, adapter)
            if isinstance(auth_session, requests.Session):
                auth_session.mount(prefix, adapter)
        self.client = Client(auth=credentials, session=session, http_client=RetryingHTTPClient)
        http = self.client.http_client
        assert isinstance(http, RetryingHTTPClient)
        self.http = http
        self.http.budget = budget
        self.client.set_timeout((min(10.0, timeout), timeout))

    @property
    def sent(self) -> int:
        return self.http.sent

    def get(self, call: ApiCall) -> dict[str, Any]:
        if call.url.startswith("https://sheets.googleapis.com/") and call.method == "GET":
            key = call.url.rsplit("/", 1)[1]
            return dict(self.http.fetch_sheet_metadata(key, params=dict(call.params)))
        return self.send(call)

    def batch_update(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.http.batch_update(key, body))

    def send(self, call: ApiCall) -> dict[str, Any]:
        response = self.http.request(call.method.lower(), call.url, params=dict(call.params) or None,
                                     json=call.body)
        payload = response.json() if response.content else {}
        return payload if isinstance(payload, dict) else {}
