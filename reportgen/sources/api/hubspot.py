"""HubSpot Service Hub tickets from the CRM search API (v3).

    tickets:
      api: hubspot
      url: "https://api.hubapi.com"       # the default; any URL for a proxy or a test
      token: "${HUBSPOT_TOKEN}"           # a private app's access token (Bearer), scope tickets
      start: "2025-01-01"
      options: {category: "property:hs_ticket_category"}   # the default

Declared on the connector base (declarative.py): two streams, the search with
its own paging strategy (``SearchAfterId``) and the archived list with the shared
``TokenPaging``, and the mapping table as rules.

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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.config import ApiSource
from reportgen.sources.api.base import Page
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.declarative import DeclarativeConnector, Rule, name_of, take
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.settings import ApiOptions, ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.streams import (
    Cursor,
    Incremental,
    Paging,
    Request,
    Stream,
    StreamCursor,
    TokenPaging,
    Walker,
    dig,
    keep_fields,
)
from reportgen.sources.api.times import iso, iso_utc, text

DEFAULT_URL = "https://api.hubapi.com"
SEARCH = "/crm/v3/objects/tickets/search"
TICKETS = "/crm/v3/objects/tickets"
OWNERS = "/crm/v3/owners"
PROPERTIES = "/crm/v3/properties/tickets/"
LOOKBACK_MINUTES = 5
SEARCH_CAP = 10_000
DEFAULT_CATEGORY = "hs_ticket_category"
CHANNELS = {"EMAIL": "Email", "CHAT": "Chat", "PHONE": "Phone", "FORM": "Web form"}


def _millis(moment: int) -> str:
    """``since`` (Unix seconds) as the search takes a date: epoch milliseconds."""
    return str(moment * 1000)


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


@dataclass(frozen=True)
class SearchAfterId(Paging):
    """HubSpot's CRM search: ``after`` (an offset) within one search, which returns at most
    ``search_cap`` results; before the next ``after`` reaches it, the same search is asked again for
    the ids after the last one read (the results are sorted by id). The cursor's token is
    ``"<last id>:<after>"`` (either part may be empty)."""

    def request(self, stream: Stream, cursor: StreamCursor, since: int) -> Request:
        last_id, _, after = (cursor.token or "").partition(":")
        return Request(stream.path, {"since": since, "last_id": last_id or None, "after": after or None})

    def advance(self, connector: Walker, cursor: StreamCursor, body: Any, items: Sequence[Any],
                records: Sequence[PulledRecord], newest: int | None) -> tuple[StreamCursor, bool]:
        top = max(filter(None, (cursor.newest, newest)), default=None)
        found = dig(body, "paging.next.after")
        last_id = (cursor.token or "").partition(":")[0]
        if found in (None, ""):
            return replace(cursor, token=None, newest=top), True
        after = str(found)
        cap = getattr(connector, "search_cap", SEARCH_CAP)
        if not after.isdigit() or int(after) >= cap:  # no further page: the search again, after the last id
            last = records[-1].record_id if records else last_id
            return replace(cursor, token=f"{last}:", newest=top), False
        return replace(cursor, token=f"{last_id}:{after}", newest=top), False


def _resolved(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    closed = str(dig(record, "properties.hs_is_closed") or "").lower() == "true"
    return iso_utc(dig(record, "properties.closed_date")) if closed else None


def _category_label(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    assert isinstance(connector, HubSpotTickets)
    props = record.get("properties")
    value = text(props.get(connector.category)) if isinstance(props, dict) else None
    return lookups.get("category", {}).get(value, value) if value else None


def _channel(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    source = text(dig(record, "properties.source_type"))
    return CHANNELS.get(source, source.replace("_", " ").capitalize()) if source else None


# the canonical mapping table: column → rule on the stored ticket (its id and the properties asked)
MAPPING: dict[str, Rule] = {
    "ticket_id": take("id", str),
    "created_at": take("properties.createdate", iso_utc),
    "first_response_at": take("properties.first_agent_reply_date", iso_utc),
    "resolved_at": _resolved,
    "category": _category_label,
    "channel": _channel,
    "agent": name_of("agent", "properties.hubspot_owner_id"),
}


class HubSpotTickets(DeclarativeConnector):
    api = "hubspot"
    datasets = ("tickets",)
    Settings = HubSpotSettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (a private app's access token with the tickets scope)"
    url_hint = "check url: it must be HubSpot's API (https://api.hubapi.com)"
    probe_path = TICKETS
    probe_params: ClassVar[Mapping[str, Any]] = {"limit": 1}
    per_page: ClassVar[int] = 200
    search_cap: ClassVar[int] = SEARCH_CAP
    streams = (
        Stream("search", SEARCH, "results", SearchAfterId(),
               keep_fields("id", "properties", updated="properties.hs_lastmodifieddate", version=iso_utc),
               Incremental("properties.hs_lastmodifieddate", None,
                           lookback=timedelta(minutes=LOOKBACK_MINUTES)),
               method="POST", what="search results"),
        Stream("archived", TICKETS, "results", TokenPaging(param="after", token="paging.next.after"),
               keep_fields("id", updated="archivedAt", version=iso_utc),
               params={"archived": "true", "limit": 100, "properties": "hs_lastmodifieddate"},
               what="a list of archived tickets", deleted=True),
    )
    mapping = MAPPING
    # 5,000 records a transaction: the store's commit, not the vendor, bounds a large first pull
    commit_records: ClassVar[int] = 5 * COMMIT_RECORDS

    def __init__(self, dataset: str, source: ApiSource, timezone: str):
        super().__init__(dataset, source, timezone)
        self.category = _category(source.options.get("category")) or DEFAULT_CATEGORY

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The declarative walk, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(super().pages(http, cursor), self.commit_records)

    def body(self, stream: Stream, params: dict[str, Any]) -> Any:
        """The search: modified at or after ``since``, ids after the last read, sorted by id."""
        filters = [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                    "value": _millis(params["since"])}]
        if params.get("last_id"):
            filters.append({"propertyName": "hs_object_id", "operator": "GT",
                            "value": str(params["last_id"])})
        request: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": ["hs_object_id", "createdate", "hs_lastmodifieddate", "closed_date", "hs_is_closed",
                           "first_agent_reply_date", "source_type", "hubspot_owner_id", self.category],
            "limit": self.per_page}
        if params.get("after"):
            request["after"] = params["after"]
        return request

    def _object(self, body: Any, path: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise ApiError(f"{self.label}: {path} did not return results", hint=self.url_hint)
        return body

    @staticmethod
    def _next(body: Mapping[str, Any]) -> str | None:
        after = dig(body, "paging.next.after")
        return str(after) if after not in (None, "") else None

    def lookups(self, http: HttpClient) -> Lookups:
        """Owners' names and the category property's option labels, once a pull."""
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

    def position(self, cursor: dict[str, Any] | None) -> str:
        state: Cursor = self.cursor_of(cursor)
        if state.stream == "archived":
            return "the list of archived tickets (the changed tickets are stored)"
        at = state.of("search")
        since = at.since if at.since is not None else self.floor()
        last = (at.token or "").partition(":")[0]
        after = f" after ticket id {last}" if last else ""
        return f"the tickets modified since {iso(datetime.fromtimestamp(since, UTC))}{after}"
