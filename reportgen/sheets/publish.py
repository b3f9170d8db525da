"""Publish a report model to a Google Sheet: read once, write once, atomically.

A publish to an existing spreadsheet makes exactly 2 HTTP requests to Google
(plus the token exchange): one ``spreadsheets.get`` (tabs, sheet ids, charts)
and one ``spreadsheets.batchUpdate`` carrying every tab's values, formats,
merges and charts. The number does not depend on months, KPIs, categories or
rows. With ``title`` instead of ``spreadsheet`` a Drive lookup comes first
(+1) and, the first time only, the create (+1); ``share_with`` adds one
permissions read (+1) and one request per address not yet shared.

Non-idempotent writes are never blindly retried: when a batchUpdate or a
create ends without a clear answer (timeout, 5xx), the spreadsheet (or Drive)
is read again and the write is planned afresh from what is there — because a
batchUpdate is atomic and planned from the state it reads, a re-planned write
never duplicates a tab or a chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.auth import exceptions as google_exceptions
from gspread.exceptions import APIError
from requests.adapters import BaseAdapter

from reportgen.errors import OutputError
from reportgen.model import Report
from reportgen.render.sheets import (
    SpreadsheetState,
    TabState,
    batch_update_body,
    new_spreadsheet_state,
    spreadsheet_url,
)
from reportgen.sheets.auth import load_credentials
from reportgen.sheets.calls import (
    ApiCall,
    batch_update_call,
    create_call,
    find_call,
    get_call,
    permissions_call,
    share_call,
)
from reportgen.sheets.client import GoogleApi, RetryBudget, RetryPolicy, TransportError, UncertainWrite
from reportgen.sheets.failures import explain_api_error, explain_auth_error, explain_transport_error
from reportgen.sheets.settings import SheetsSettings

NEW_KEY = "NEW_SPREADSHEET_ID"  # stands for the created spreadsheet's key in a dry run
DEFAULT_TAB = "Sheet1"


@dataclass
class PublishResult:
    spreadsheet_id: str
    url: str
    created: bool
    tabs_added: list[str] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)
    requests_sent: int = 0  # HTTP requests to Sheets/Drive, retries included (token exchange not)

    def __str__(self) -> str:
        return f"published to {self.url}" + (" (created)" if self.created else "")


def policy_for(settings: SheetsSettings) -> RetryPolicy:
    return RetryPolicy(total_seconds=settings.max_retry_seconds)


def dry_run_calls(report: Report, settings: SheetsSettings, currency: str) -> dict[str, Any]:
    """Every request a publish would send, planned without credentials or network.

    Nothing is read, so the plan assumes what a first publish finds: the
    configured spreadsheet holding none of the report's tabs, or — with
    ``title`` — no spreadsheet yet (one is created with a single empty Sheet1).
    """
    calls: list[ApiCall] = []
    if settings.spreadsheet:
        key = settings.spreadsheet
        state = SpreadsheetState(key, "", (TabState(0, DEFAULT_TAB, 0, 1000, 26),), spreadsheet_url(key))
        assumes = "the spreadsheet exists and has none of the report's tabs yet"
        delete: tuple[int, ...] = ()
    else:
        key = NEW_KEY
        title = settings.title or ""
        state = new_spreadsheet_state(key, title)
        calls += [find_call(title), create_call(title)]
        assumes = f"no spreadsheet titled {title!r} created by reportgen exists yet; one is created"
        delete = (0,)
    calls += [get_call(key), batch_update_call(key, batch_update_body(report, state, currency,
                                                                      delete_tabs=delete))]
    if settings.share_with:
        calls.append(permissions_call(key))
        calls += [share_call(key, share.email, share.role) for share in settings.share_with]
    return {"dry_run": True, "month": report.month, "spreadsheet": key, "assumes": assumes,
            "calls": [call.as_json() for call in calls]}


class Publisher:
    def __init__(self, report: Report, settings: SheetsSettings, currency: str, *,
                 credentials_path: Path | None, warn: Callable[[str], None],
                 policy: RetryPolicy | None = None, adapters: Mapping[str, BaseAdapter] | None = None):
        self.report = report
        self.settings = settings
        self.currency = currency
        self.credentials_path = credentials_path
        self.warn = warn
        self.policy = policy or policy_for(settings)
        self.adapters = adapters
        self.email: str | None = None
        self.key: str | None = settings.spreadsheet

    def run(self) -> PublishResult:
        credentials, self.email = load_credentials(self.credentials_path, self.warn)
        budget = self.policy.start()
        api = GoogleApi(credentials, timeout=self.settings.timeout_seconds, budget=budget,
                        adapters=self.adapters)
        action = "open the spreadsheet"
        try:
            created = False
            if self.key is None:
                action = "find or create the spreadsheet"
                self.key, created = self._find_or_create(api, budget)
            action = "update the spreadsheet"
            state, added = self._write(api, budget, created)
            shared: list[str] = []
            if self.settings.share_with:
                action = "share the spreadsheet"
                shared = self._share(api, budget)
        except APIError as exc:
            raise explain_api_error(exc, key=self.key, email=self.email, action=action) from None
        except (google_exceptions.RefreshError, google_exceptions.TransportError) as exc:
            raise explain_auth_error(exc, email=self.email) from None
        except TransportError as exc:  # retries or time spent, a body too large, a redirect elsewhere
            raise explain_transport_error(exc, action=action) from None
        return PublishResult(state.spreadsheet_id or self.key, state.url or spreadsheet_url(self.key),
                             created, added, shared, api.sent)

    def _find_or_create(self, api: GoogleApi, budget: RetryBudget) -> tuple[str, bool]:
        title = self.settings.title or ""
        attempt = 0
        while True:
            found = api.send(find_call(title)).get("files") or []
            if found:
                return str(found[0]["id"]), attempt > 0  # a create that did go through is ours
            try:
                created = api.send(create_call(title))
                return str(created["id"]), True
            except UncertainWrite as exc:  # maybe created: look again before trying again
                budget.wait(attempt, None, f"creating the spreadsheet got {exc.what}")
                attempt += 1

    def _write(self, api: GoogleApi, budget: RetryBudget,
               created: bool) -> tuple[SpreadsheetState, list[str]]:
        assert self.key is not None
        owned = {sheet.name for sheet in self.report.sheets}
        attempt = 0
        while True:
            state = SpreadsheetState.from_api(api.get(get_call(self.key)))
            delete = tuple(t.sheet_id for t in state.tabs
                           if created and t.title == DEFAULT_TAB and t.title not in owned)
            added = [name for name in (s.name for s in self.report.sheets) if state.tab(name) is None]
            body = batch_update_body(self.report, state, self.currency, delete_tabs=delete)
            try:
                api.batch_update(self.key, body)
                return state, added
            except UncertainWrite as exc:  # maybe applied: re-read, re-plan, write again
                budget.wait(attempt, None, f"the update got {exc.what}")
                attempt += 1

    def _share(self, api: GoogleApi, budget: RetryBudget) -> list[str]:
        assert self.key is not None
        attempt = 0
        done: list[str] = []
        while True:
            current = {str(p.get("emailAddress", "")).lower(): str(p.get("role", ""))
                       for p in api.send(permissions_call(self.key)).get("permissions", [])}
            try:
                for share in self.settings.share_with:
                    role = current.get(share.email.lower())
                    if role == share.role or role == "owner":
                        continue
                    api.send(share_call(self.key, share.email, share.role))
                    done.append(share.email)
                return done
            except UncertainWrite as exc:
                budget.wait(attempt, None, f"sharing got {exc.what}")
                attempt += 1


def publish_report(report: Report, settings: SheetsSettings, currency: str, *,
                   credentials_path: Path | None, warn: Callable[[str], None],
                   policy: RetryPolicy | None = None,
                   adapters: Mapping[str, BaseAdapter] | None = None) -> PublishResult:
    """Make the spreadsheet show ``report``; OutputError/ConfigError say what went wrong and what to do."""
    if not report.sheets:
        raise OutputError("the report has no tabs to publish")
    return Publisher(report, settings, currency, credentials_path=credentials_path, warn=warn,
                     policy=policy, adapters=adapters).run()
