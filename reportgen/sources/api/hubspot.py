"""HubSpot Service Hub tickets from the CRM search API (v3).

    tickets:
      api: hubspot
      url: "https://api.hubapi.com"       # the default; any URL for a proxy or a test
      token: "${HUBSPOT_TOKEN}"           # a private app's access token (Bearer), scope tickets
      start: "2025-01-01"
      options: {category: "property:hs_ticket_category"}   # the default

``POST {url}/crm/v3/objects/tickets/search`` asks for the tickets whose
``hs_lastmodifieddate`` is at or after ``since`` **sorted by id**
(``hs_object_id`` ascending), 200 a page, following ``paging.next.after``. A
search returns at most 10,000 results, so when the next ``after`` would reach
that cap the connector asks the same search again from the last id read
(``hs_object_id`` > last id) — Airbyte's way. Sorting by id rather than by
modification time means a ticket changed while the pull runs keeps its place,
so the offset pages cannot skip one; its new change is newer than anything read
and is caught by the next pull. A walk's end moves ``since`` to the newest
``hs_lastmodifieddate`` read, less ``LOOKBACK_MINUTES`` (HubSpot's search index
lags behind writes); tickets read again replace themselves.

Archived (deleted) tickets are not searchable: after the search, each pull lists
``GET /crm/v3/objects/tickets?archived=true`` and marks them deleted. Owners'
names come from ``GET /crm/v3/owners``, the category's option labels from
``GET /crm/v3/properties/tickets/{name}``. The credential check is
``GET /crm/v3/objects/tickets?limit=1``.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
ticket_id              ``id`` (``hs_object_id``)
created_at             ``createdate`` (UTC)
first_response_at      ``first_agent_reply_date``
resolved_at            ``closed_date`` while ``hs_is_closed`` is true (a reopened ticket is
                       unresolved)
category               the label of ``hs_ticket_category`` (or ``options.category:
                       property:<name>``), from the property's options
channel                ``source_type``: EMAIL → Email, CHAT → Chat, PHONE → Phone, FORM → Web
                       form (others capitalised)
agent                  ``hubspot_owner_id`` → the owner's first and last name
replies, reopens       not available (no such ticket properties): FCR and the reopen rate
                       have no value, and ``validate`` says so
=====================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, text
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.settings import ApiOptions, ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord

DEFAULT_URL = "https://api.hubapi.com"
SEARCH = "/crm/v3/objects/tickets/search"
TICKETS = "/crm/v3/objects/tickets"
OWNERS = "/crm/v3/owners"
PROPERTIES = "/crm/v3/properties/tickets/"
LOOKBACK_MINUTES = 5
DEFAULT_CATEGORY = "hs_ticket_category"
COLUMNS = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent")
CHANNELS = {"EMAIL": "Email", "CHAT": "Chat", "PHONE": "Phone", "FORM": "Web form"}
# the mapping as data: canonical column → the ticket property it is read from
MAPPING: dict[str, str] = {
    "ticket_id": "hs_object_id",
    "created_at": "createdate",
    "first_response_at": "first_agent_reply_date",
    "resolved_at": "closed_date",
    "channel": "source_type",
    "agent": "hubspot_owner_id",
}


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _category(value: Any) -> str | None:
    """``property:<internal name>`` → the name; None for anything else."""
    if not isinstance(value, str) or not value.startswith("property:"):
        return None
    name = value.removeprefix("property:").strip()
    return name if name and all(c.isalnum() or c == "_" for c in name) else None


class HubSpotOptions(ApiOptions):
    category: str | None = None  # property:<name>: the ticket property read as the category

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str | None:
        if value is not None and _category(value) is None:
            raise ValueError(f"'{value}' is not property:<internal name> (e.g. property:hs_ticket_category)")
        return None if value is None else str(value)


class HubSpotSettings(ApiSettings):
    token: str
    options: HubSpotOptions = HubSpotOptions()


class HubSpotTickets(Connector):
    api = "hubspot"
    datasets = ("tickets",)
    columns = COLUMNS
    Settings = HubSpotSettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (a private app's access token with the tickets scope)"
    page_size: ClassVar[int] = 200
    search_cap: ClassVar[int] = 10_000

    def __init__(self, dataset: str, source: SourceConfig, timezone: str):
        super().__init__(dataset, source, timezone)
        self.category = _category(source.options.get("category")) or DEFAULT_CATEGORY

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    # 5,000 records a transaction: the store's commit, not the vendor, bounds a large first pull
    commit_records: ClassVar[int] = 5 * COMMIT_RECORDS

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The vendor's pages, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(self._vendor_pages(http, cursor), self.commit_records)

    def probe(self, http: HttpClient) -> None:
        self._object(http.get_json(TICKETS, {"limit": 1}), TICKETS)

    def _object(self, body: Any, path: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ApiError(f"{self.label}: {path} did not return results",
                           hint="check url: it must be HubSpot's API (https://api.hubapi.com)")
        return body

    @staticmethod
    def _next(body: Mapping[str, Any]) -> str | None:
        paging = body.get("paging")
        nxt = paging.get("next") if isinstance(paging, dict) else None
        after = nxt.get("after") if isinstance(nxt, dict) else None
        return str(after) if after not in (None, "") else None

    def _lookups(self, http: HttpClient) -> Lookups:
        owners: dict[str, str] = {}
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500, **({"after": after} if after else {})}
            body = self._object(http.get_json(OWNERS, params), OWNERS)
            for owner in body["results"]:
                if isinstance(owner, dict) and owner.get("id") is not None:
                    parts = (str(owner.get(k) or "").strip() for k in ("firstName", "lastName"))
                    name = " ".join(parts).strip()
                    owners[str(owner["id"])] = name or str(owner.get("email") or "")
            after = self._next(body)
            if after is None:
                break
        labels: dict[str, str] = {}
        try:
            spec = http.get_json(PROPERTIES + self.category)
        except ApiError as exc:
            if "HTTP 404" in exc.problem:
                raise ApiError(f"{self.label}: the ticket property '{self.category}' does not exist (404)",
                               hint="check options.category: property:<internal name of a ticket "
                                    "property>") from None
            raise
        for option in (spec.get("options") if isinstance(spec, dict) else None) or []:
            if isinstance(option, dict) and option.get("value") is not None:
                labels[str(option["value"])] = str(option.get("label") or option["value"])
        return {"agent": owners, "category": labels}

    def _properties(self) -> list[str]:
        return ["hs_object_id", "createdate", "hs_lastmodifieddate", "closed_date", "hs_is_closed",
                "first_agent_reply_date", "source_type", "hubspot_owner_id", self.category]

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        if state.get("done") or not state:
            newest = parse_time(state.get("newest"))
            since = max(self.start, newest - timedelta(minutes=LOOKBACK_MINUTES)) if newest else self.start
            state = {"since": iso(since), "newest": iso(newest), "last_id": None, "after": None,
                     "stream": "search", "done": False}
        lookups = self._lookups(http)
        since = parse_time(state["since"]) or self.start
        newest = parse_time(state.get("newest"))
        while state["stream"] == "search":
            filters = [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": _millis(since)}]
            if state.get("last_id") is not None:
                filters.append({"propertyName": "hs_object_id", "operator": "GT",
                                "value": str(state["last_id"])})
            request: dict[str, Any] = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "properties": self._properties(), "limit": self.page_size}
            if state.get("after"):
                request["after"] = state["after"]
            body = self._object(http.post_json(SEARCH, request), SEARCH)
            records = []
            for item in body["results"]:
                if not isinstance(item, dict) or item.get("id") is None:
                    continue
                record, modified = self._record(item)
                if modified is not None and (newest is None or modified > newest):
                    newest = modified
                records.append(record)
            after = self._next(body)
            if after is None:
                state = {**state, "stream": "archived", "after": None, "last_id": None}
            elif not after.isdigit() or int(after) >= self.search_cap:
                # the search cannot page further: ask it again from the last id read
                state = {**state, "after": None,
                         "last_id": records[-1].record_id if records else state.get("last_id")}
            else:
                state = {**state, "after": after}
            state["newest"] = iso(newest)
            yield Page(records, dict(state), lookups)
            lookups = {}
        after = state.get("after")
        while True:
            params: dict[str, Any] = {"archived": "true", "limit": 100, "properties": "hs_lastmodifieddate",
                                      **({"after": after} if after else {})}
            body = self._object(http.get_json(TICKETS, params), TICKETS)
            records = [PulledRecord(str(item["id"]), iso_utc(item.get("archivedAt") or item.get("updatedAt")),
                                    True, {"id": str(item["id"])})
                       for item in body["results"] if isinstance(item, dict) and item.get("id") is not None]
            after = self._next(body)
            end = after is None
            state = {**state, "after": after, "done": end}
            yield Page(records, dict(state), lookups, end_of_stream=end)
            lookups = {}
            if end:
                return

    @staticmethod
    def _props(item: Mapping[str, Any]) -> dict[str, Any]:
        found = item.get("properties")
        return found if isinstance(found, dict) else {}

    def _record(self, item: Mapping[str, Any]) -> tuple[PulledRecord, datetime | None]:
        """The stored record of a search result, and its modification time."""
        props = self._props(item)
        data = {
            "id": str(item.get("id")),
            "createdate": props.get("createdate"),
            "first_agent_reply_date": props.get("first_agent_reply_date"),
            "closed_date": props.get("closed_date"),
            "hs_is_closed": props.get("hs_is_closed"),
            "source_type": props.get("source_type"),
            "hubspot_owner_id": props.get("hubspot_owner_id"),
            "category": props.get(self.category),
        }
        modified = parse_time(props.get("hs_lastmodifieddate") or item.get("updatedAt"))
        return PulledRecord(str(item.get("id")), iso(modified), False, data), modified

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        if state.get("stream") == "archived":
            return "the list of archived tickets (the changed tickets are stored)"
        since = state.get("since") or iso(self.start)
        last = f" after ticket id {state['last_id']}" if state.get("last_id") is not None else ""
        return f"the tickets modified since {since}{last}"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        closed = str(record.get("hs_is_closed") or "").lower() == "true"
        source = text(record.get("source_type"))
        owner = text(record.get("hubspot_owner_id"))
        category = text(record.get("category"))
        return {
            "ticket_id": str(record.get("id")),
            "created_at": iso_utc(record.get("createdate")),
            "first_response_at": iso_utc(record.get("first_agent_reply_date")),
            "resolved_at": iso_utc(record.get("closed_date")) if closed else None,
            "category": lookups.get("category", {}).get(category, category) if category else None,
            "channel": CHANNELS.get(source, source.replace("_", " ").capitalize()) if source else None,
            "agent": lookups.get("agent", {}).get(owner) if owner else None,
        }
