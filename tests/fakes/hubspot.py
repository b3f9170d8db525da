"""A fake HubSpot account (Service Hub tickets), from the public CRM API v3 reference.

* ``POST /crm/v3/objects/tickets/search`` with a JSON body
  ``{"filterGroups": [{"filters": [{"propertyName", "operator", "value"}]}],
  "sorts": [{"propertyName", "direction"}], "properties": [...], "limit": ≤ 200, "after": "…"}``
  → ``{"total": N, "results": [{"id", "properties": {…}, "createdAt", "updatedAt",
  "archived": false}], "paging": {"next": {"after": "200", "link": "…"}}}`` (no ``paging`` on
  the last page). Operators ``EQ``, ``GT``, ``GTE``, ``LT``, ``LTE``; filters of one group
  are ANDed; date values are epoch milliseconds (ISO 8601 accepted too). Every property
  value is a string or null; asked properties a ticket lacks come back null.
  **A search returns at most 10,000 results**: ``after`` ≥ 10,000 is a 400
  ``VALIDATION_ERROR``, and ``limit`` over 200 too. Archived tickets are not searchable.
* ``GET /crm/v3/objects/tickets?limit=…&after=…&archived=true&properties=…`` lists
  tickets (``limit`` ≤ 100); with ``archived=true`` only the archived (deleted) ones,
  each with ``archivedAt``.
* ``GET /crm/v3/properties/tickets/{name}`` → the property's definition with its
  ``options`` ``[{"label", "value", "displayOrder", "hidden"}]`` (404 for an unknown name).
* ``GET /crm/v3/owners?limit=…&after=…`` → owners ``{"id", "email", "firstName",
  "lastName", "userId", "archived"}``, paged the same way (``limit`` ≤ 500).
* Auth: ``Authorization: Bearer <private app access token>``; otherwise 401
  ``{"status": "error", "message": "Authentication credentials not found…",
  "category": "INVALID_AUTHENTICATION"}``.
* Limits: search ~5 requests a second per account, answered 429 ``{"status": "error",
  "errorType": "RATE_LIMIT", "policyName": "SECONDLY"}`` (scripted with ``fail``);
  the other endpoints send ``X-HubSpot-RateLimit-Max`` / ``-Remaining`` /
  ``-Interval-Milliseconds``; search answers carry no rate-limit headers.

Each ticket is also kept as the plain facts the tests compare with (``truth``):
the canonical row a correct connector must produce, computed here from the facts
rather than from the JSON the fake serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeApi, Reply, Request

SEARCH = "/crm/v3/objects/tickets/search"
LIST = "/crm/v3/objects/tickets"
OWNERS = "/crm/v3/owners"
PROPERTIES = "/crm/v3/properties/tickets/"
SEARCH_CAP = 10_000
CHANNELS = {"EMAIL": "Email", "CHAT": "Chat", "PHONE": "Phone", "FORM": "Web form"}  # the documented labels
TRUTH_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent")


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def instant(value: str) -> int:
    """A filter value: epoch milliseconds, or ISO 8601."""
    return int(value) if value.lstrip("-").isdigit() else ms(value)


def iso_ms(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


@dataclass
class Ticket:
    id: int
    created: str
    modified: str
    first_reply: str | None = None
    closed: str | None = None  # closed_date; kept after a reopen, when hs_is_closed turns false
    is_closed: bool = False
    category: str | None = None
    source: str | None = "EMAIL"
    owner: int | None = None
    archived_at: str | None = None
    product: str | None = None  # a custom property


class HubSpotFake(FakeApi):
    def __init__(self, token: str, *, search_cap: int = SEARCH_CAP, page_cap: int = 200):
        super().__init__()
        self.token = token
        self.search_cap = search_cap  # 10,000 in HubSpot; smaller to test the restart with few tickets
        self.page_cap = page_cap  # at most this many results a page, whatever the limit asked
        self.tickets: dict[int, Ticket] = {}
        self.owners: dict[int, tuple[str, str]] = {}
        self.garbled = 0  # the next this-many search answers are cut off mid-JSON
        self._version = 0  # bumped by every change: the cached search results are stale
        self._cache: dict[str, tuple[int, list[Ticket]]] = {}
        # GET /crm/v3/properties/tickets/{name}: an enumeration's options, internal value → label
        self.property_options: dict[str, dict[str, str]] = {
            "hs_ticket_category": {"PRODUCT_ISSUE": "Product issue", "BILLING_ISSUE": "Billing issue",
                                   "FEATURE_REQUEST": "Feature request", "GENERAL_INQUIRY": "General inquiry"},
            "product": {}}

    # ---- the account ------------------------------------------------------------------------------
    def add_owner(self, owner_id: int, first: str, last: str) -> None:
        self.owners[owner_id] = (first, last)

    def add_ticket(self, ticket_id: int, created: str, **facts: Any) -> None:
        facts.setdefault("modified", created)
        self.tickets[ticket_id] = Ticket(ticket_id, created, **facts)
        self._version += 1

    def update_ticket(self, ticket_id: int, modified: str, **facts: Any) -> None:
        ticket = self.tickets[ticket_id]
        ticket.modified = modified
        self._version += 1
        for key, value in facts.items():
            setattr(ticket, key, value)

    def archive_ticket(self, ticket_id: int, at: str) -> None:
        self.update_ticket(ticket_id, at, archived_at=at)

    def truth(self) -> list[tuple[str | None, ...]]:
        """The canonical rows (``TRUTH_HEADER``) of the tickets not archived."""
        rows = []
        for t in sorted(self.tickets.values(), key=lambda t: t.id):
            if t.archived_at:
                continue
            owner = self.owners.get(t.owner) if t.owner is not None else None
            category = self.property_options["hs_ticket_category"].get(t.category or "", t.category)
            rows.append((str(t.id), t.created, t.first_reply, t.closed if t.is_closed else None, category,
                         CHANNELS.get(t.source or ""), " ".join(owner) if owner else None))
        return rows

    # ---- serving ----------------------------------------------------------------------------------
    def properties(self, t: Ticket, asked: list[str]) -> dict[str, str | None]:
        everything: dict[str, str | None] = {
            "hs_object_id": str(t.id),
            "createdate": iso_ms(ms(t.created)),
            "hs_lastmodifieddate": iso_ms(ms(t.modified)),
            "subject": f"Ticket {t.id}: private words that must not be stored",
            "content": "The customer's message, never stored",
            "hs_pipeline": "0",
            "hs_pipeline_stage": "4" if t.is_closed else "1",
            "hs_is_closed": "true" if t.is_closed else "false",
            "closed_date": iso_ms(ms(t.closed)) if t.closed else None,
            "first_agent_reply_date": iso_ms(ms(t.first_reply)) if t.first_reply else None,
            "hs_ticket_category": t.category,
            "source_type": t.source,
            "hubspot_owner_id": str(t.owner) if t.owner is not None else None,
            "product": t.product,
        }
        return {name: everything.get(name) for name in dict.fromkeys(["hs_object_id", "createdate",
                                                                      "hs_lastmodifieddate", *asked])}

    def item(self, t: Ticket, asked: list[str]) -> dict[str, Any]:
        item: dict[str, Any] = {"id": str(t.id), "properties": self.properties(t, asked),
                                "createdAt": iso_ms(ms(t.created)), "updatedAt": iso_ms(ms(t.modified)),
                                "archived": bool(t.archived_at)}
        if t.archived_at:
            item["archivedAt"] = iso_ms(ms(t.archived_at))
        return item

    def route(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"status": "error", "message": "Authentication credentials not found. This API "
                               "supports OAuth 2.0 authentication and you can find more details at "
                               "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                               "correlationId": "c0ffee00-0000-4000-8000-000000000000",
                               "category": "INVALID_AUTHENTICATION"})
        limits = {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "189",
                  "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
        if request.method == "POST" and request.path == SEARCH:
            return self._search(request)
        if request.method == "GET" and request.path == LIST:
            archived = request.params.get("archived") == "true"
            chosen = [t for t in sorted(self.tickets.values(), key=lambda t: t.id) if bool(t.archived_at) == archived]
            asked = [p for p in request.params.get("properties", "").split(",") if p]
            return self._paged(request, [self.item(t, asked) for t in chosen], 100, limits)
        if request.method == "GET" and request.path.rstrip("/") == OWNERS:
            owners = [{"id": str(i), "email": f"owner{i}@example.com", "firstName": first, "lastName": last,
                       "userId": 9000 + i, "createdAt": "2024-01-01T00:00:00.000Z",
                       "updatedAt": "2024-01-01T00:00:00.000Z", "archived": False}
                      for i, (first, last) in sorted(self.owners.items())]
            return self._paged(request, owners, 500, limits)
        if request.method == "GET" and request.path.startswith(PROPERTIES):
            name = request.path.removeprefix(PROPERTIES)
            if name not in self.property_options:
                return Reply(404, {"status": "error", "message": f"Unable to find property {name}",
                                   "category": "OBJECT_NOT_FOUND"})
            options = [{"label": label, "value": value, "displayOrder": i, "hidden": False}
                       for i, (value, label) in enumerate(self.property_options[name].items())]
            return Reply(200, {"name": name, "label": name.replace("_", " ").title(), "type": "enumeration",
                               "fieldType": "select", "groupName": "ticketinformation", "options": options},
                         limits)
        return Reply(404, {"status": "error", "message": "Unable to route request", "category": "OBJECT_NOT_FOUND"})

    def _validation(self, message: str) -> Reply:
        return Reply(400, {"status": "error", "message": message, "category": "VALIDATION_ERROR",
                           "correlationId": "c0ffee00-0000-4000-8000-000000000001"})

    def _paged(self, request: Request, items: list[dict[str, Any]], most: int, headers: dict[str, str]) -> Reply:
        limit = int(request.params.get("limit", 10))
        if not 1 <= limit <= most:
            return self._validation(f"limit must be between 1 and {most}")
        start = int(request.params.get("after") or 0)
        page = items[start:start + limit]
        body: dict[str, Any] = {"results": page}
        if start + limit < len(items):
            after = str(start + limit)
            body["paging"] = {"next": {"after": after,
                                       "link": f"{self.url}{request.path}?{urlencode({**request.params, 'after': after})}"}}
        return Reply(200, body, headers)

    def _search(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
        if limit > 200:
            return self._validation("limit: must be less than or equal to 200")
        if after >= self.search_cap:
            return self._validation(f"after: the search can page through at most {self.search_cap} results")
        chosen = self._results(body.get("filterGroups") or [], body.get("sorts") or [])
        asked = list(body.get("properties") or [])
        page = chosen[after:min(after + min(limit, self.page_cap), self.search_cap)]
        answer: dict[str, Any] = {"total": len(chosen), "results": [self.item(t, asked) for t in page]}
        if after + len(page) < len(chosen):  # offered even at the cap, where asking for it is a 400
            nxt = after + len(page)
            answer["paging"] = {"next": {"after": str(nxt), "link": f"{self.url}{SEARCH}?after={nxt}"}}
        if self.garbled > 0:
            self.garbled -= 1
            return Reply(200, raw=b'{"total": 3, "results": [{"id": "1", "properties": {"createdate": "20')
        return Reply(200, answer)

    def _results(self, groups: list[dict[str, Any]], sorts: list[dict[str, Any]]) -> list[Ticket]:
        """The tickets a search finds, in its order; kept while no ticket changes (the pages of one
        search are slices of it), so a large account pages quickly."""
        key = json.dumps([groups, sorts], sort_keys=True)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        chosen = [t for t in self.tickets.values() if not t.archived_at]
        if groups:
            chosen = [t for t in chosen if any(all(self._matches(t, f) for f in g.get("filters", []))
                                               for g in groups)]
        for sort in reversed(sorts or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]):
            name = sort.get("propertyName")
            chosen.sort(key=lambda t, n=name: self._value(t, n), reverse=sort.get("direction") == "DESCENDING")
        self._cache = {key: (self._version, chosen)}
        return chosen

    @staticmethod
    def _value(t: Ticket, name: str | None) -> int:
        if name == "hs_object_id":
            return t.id
        if name == "hs_lastmodifieddate":
            return ms(t.modified)
        if name == "createdate":
            return ms(t.created)
        raise ValueError(f"the fake does not filter or sort on {name}")

    def _matches(self, t: Ticket, spec: dict[str, Any]) -> bool:
        have = self._value(t, spec.get("propertyName"))
        name, raw = spec.get("propertyName"), str(spec.get("value"))
        want = int(raw) if name == "hs_object_id" else instant(raw)
        op = spec.get("operator")
        return {"EQ": have == want, "GT": have > want, "GTE": have >= want, "LT": have < want,
                "LTE": have <= want}[op]
