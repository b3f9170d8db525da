"""The thin sender: gspread's HTTP client on reportgen's one transport (``reportgen/transport.py``).

Why not gspread's ``BackOffHTTPClient``: it is documented as not production
ready, ignores ``Retry-After``, has no bound on the total time spent, and
retries every method alike — including non-idempotent POSTs (a spreadsheet
create, a batchUpdate with ``addSheet``) whose first attempt may have been
applied although no answer came back. ``RetryingHTTPClient`` keeps gspread's
request plumbing (``HTTPClient.request``/``batch_update``/``fetch_sheet_metadata``
on a google-auth ``AuthorizedSession``) and sends every request through the
transport every API pull uses: 429 retried for every method, 5xx and timeouts
for idempotent ones only (a POST raises ``UncertainWrite``, for the caller to
re-read and re-plan), backoff with full jitter never shorter than
``Retry-After``, one time budget for the whole publish (or read) that holds
while a body arrives, a cap on the decoded body, no redirect to another host.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import IO, Any

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from gspread.client import Client
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType
from requests.adapters import BaseAdapter

from reportgen.sheets.calls import ApiCall
from reportgen.transport import Budget, Policy, Transport, TransportError, UncertainWrite

__all__ = ["GoogleApi", "RetryBudget", "RetryPolicy", "RetryingHTTPClient", "TransportError",
           "UncertainWrite"]

# requests adapters mounted on the session, by URL prefix (tests route Google's hosts to a local server)
TRANSPORT_ADAPTERS: dict[str, BaseAdapter] = {}
RetryBudget = Budget


@dataclass(frozen=True)
class RetryPolicy(Policy):
    """The transport's policy with Google's defaults: waits up to 32 s, 2 minutes in all."""

    cap_seconds: float = 32.0
    total_seconds: float = 120.0


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client sending through the transport; counts the HTTP requests it sends."""

    budget: Budget | None = None
    transport: Transport | None = None

    @property
    def sent(self) -> int:
        return self.transport.sent if self.transport is not None else 0

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
        if self.transport is None:
            self.transport = Transport(self.session, self.budget or RetryPolicy().start())
        response = self.transport.request(method, endpoint, params=params, json=json, data=data, files=files,
                                          headers=headers, timeout=self.timeout)
        if response.ok:
            return response
        raise APIError(response)


class GoogleApi:
    """The calls a publish makes, each one HTTP request (plus retries) through gspread."""

    def __init__(self, credentials: Credentials, *, timeout: float, budget: Budget,
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
        self.http.transport = Transport(session, budget)
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
