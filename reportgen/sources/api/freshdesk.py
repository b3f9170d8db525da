"""Freshdesk tickets from the API v2 ticket list.

``GET {url}/api/v2/tickets?updated_since=…&include=stats&order_by=updated_at
&order_type=asc&per_page=100&page=…`` (basic auth ``{api key}:X``). The list
returns at most ``per_page`` tickets a page and no page beyond ``PAGE_LIMIT``,
so the connector moves ``updated_since`` forward to the newest ``updated_at``
of each full page and asks for page 1 again, rather than walking page numbers:
a ticket updated while the pull runs moves to the end of the order, and
offset pages would then skip the ticket that slid into the page already read.
Tickets updated in that same second are read again and replace their stored
version. Only when a whole page shares one ``updated_at`` does it ask for the
next page number (up to the limit). A pull ends at a page with fewer than
``per_page`` tickets.

Deleted tickets are not in that list; a second pass asks
``filter=deleted&updated_since=…`` in the same way and marks them deleted, so
they leave the report. Agents' names come from ``GET /api/v2/agents`` (all
pages, each pull). The credential check is ``GET /api/v2/agents/me``.

=====================  =============================================================
canonical              from
=====================  =============================================================
ticket_id              ``id``
created_at             ``created_at`` (UTC)
first_response_at      ``stats.first_responded_at``
resolved_at            ``stats.resolved_at`` (else ``stats.closed_at``) when ``status`` is
                       4 Resolved or 5 Closed
category               ``type`` (default), or a custom field: ``category: cf_product``
                       (also written ``custom_field:cf_product``)
channel                ``source``: 1 Email, 2 Portal, 3 Phone, 4 Forum, 5 Twitter, 6 Facebook,
                       7 Chat, 8 Mobihelp, 9 Feedback widget, 10 Outbound email (outbound:
                       tickets the team started), …
agent                  the responder's name (``responder_id`` → agents)
replies                not available: the list has no reply count, so FCR shows no value
reopens                1 when ``stats.reopened_at`` is set, else 0 (the API keeps only the last)
customer_id            ``requester_id``
=====================  =============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.sources.api.declarative import DeclarativeConnector, Rule, name_of, take
from reportgen.sources.api.http import ApiError, AuthError, HttpClient
from reportgen.sources.api.settings import ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.streams import Cursor, Incremental, SinceWindow, Stream, StreamCursor
from reportgen.sources.api.times import iso_utc, seconds, text, unix_iso, utc_z

TICKETS = "/api/v2/tickets"
AGENTS = "/api/v2/agents"
PER_PAGE = 100
PAGE_LIMIT = 300
SOURCES = {1: "Email", 2: "Portal", 3: "Phone", 4: "Forum", 5: "Twitter", 6: "Facebook", 7: "Chat",
           8: "Mobihelp", 9: "Feedback widget", 10: "Outbound email", 11: "Ecommerce", 12: "Bot",
           13: "WhatsApp"}
STREAMS = ("tickets", "deleted")
URL_HINT = "check url: it must be the account's base URL (https://acme.freshdesk.com)"


def category_field(category: str) -> str | None:
    """``type`` or a custom field (``cf_…``, also written ``custom_field:cf_…``); None otherwise."""
    name = category.removeprefix("custom_field:")
    return name if name == "type" or name.startswith("cf_") else None


class FreshdeskSettings(ApiSettings):
    token: str
    url: str
    category: str | None = None

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value is not None and category_field(value) is None:
            raise ValueError(f"'{value}' is not type or a custom field (cf_…)")
        return value


def _record(ticket: Any, body: Any = None) -> PulledRecord | None:
    if not isinstance(ticket, Mapping) or ticket.get("id") is None:
        return None
    found = ticket.get("stats")
    stats: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    fields = ticket.get("custom_fields")
    data: dict[str, Any] = {
        "id": ticket.get("id"), "created_at": ticket.get("created_at"),
        "updated_at": ticket.get("updated_at"),
        "status": ticket.get("status"), "source": ticket.get("source"), "type": ticket.get("type"),
        "responder_id": ticket.get("responder_id"), "requester_id": ticket.get("requester_id"),
        "custom_fields": fields if isinstance(fields, dict) else {},
        "first_responded_at": stats.get("first_responded_at"), "resolved_at": stats.get("resolved_at"),
        "closed_at": stats.get("closed_at"), "reopened_at": stats.get("reopened_at"),
    }
    return PulledRecord(str(ticket.get("id")), ticket.get("updated_at"), bool(ticket.get("deleted")), data)


def _resolved(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    if record.get("status") not in (4, 5):  # Resolved, Closed
        return None
    return iso_utc(record.get("resolved_at")) or iso_utc(record.get("closed_at"))


def _category(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    field = category_field(connector.source.category or "type") or "type"
    return text(record.get("type") if field == "type" else (record.get("custom_fields") or {}).get(field))


def _channel(value: Any) -> Any:
    return SOURCES.get(value, f"Source {value}") if isinstance(value, int) else text(value)


MAPPING: dict[str, Rule] = {
    "ticket_id": take("id", str),
    "created_at": take("created_at", iso_utc),
    "first_response_at": take("first_responded_at", iso_utc),
    "resolved_at": _resolved,
    "category": _category,
    "channel": take("source", _channel),
    "agent": name_of("agent", "responder_id"),
    "reopens": take("reopened_at", lambda value: 1 if value else 0),
    "customer_id": take("requester_id"),
}

_SINCE = Incremental("updated_at", "updated_since", utc_z)
_ORDER = {"order_by": "updated_at", "order_type": "asc"}


class FreshdeskTickets(DeclarativeConnector):
    api = "freshdesk"
    datasets = ("tickets",)
    Settings = FreshdeskSettings
    auth_hint = "check token: (the API key from Profile settings › Your API Key)"
    outbound_channels = (SOURCES[10],)  # tickets an agent started by writing to a customer
    url_hint = URL_HINT
    per_page: ClassVar[int] = PER_PAGE
    streams = (
        Stream("tickets", TICKETS, "", SinceWindow(page_limit=PAGE_LIMIT), _record, _SINCE,
               params={**_ORDER, "include": "stats"}, page_size="per_page", what="a list of tickets"),
        Stream("deleted", TICKETS, "", SinceWindow(page_limit=PAGE_LIMIT), _record, _SINCE,
               params={**_ORDER, "filter": "deleted"}, page_size="per_page", what="a list of tickets",
               deleted=True),
    )
    mapping = MAPPING

    def probe(self, http: HttpClient) -> None:
        body = http.get_json("/api/v2/agents/me")
        if not isinstance(body, dict) or body.get("id") is None:
            raise AuthError(f"{self.label}: the API key was not accepted", hint=self.auth_hint)

    def lookups(self, http: HttpClient) -> Lookups:
        """Agents' names (every page of ``/api/v2/agents``), at the start of each pull."""
        names: dict[str, str] = {}
        page = 1
        while True:
            body = http.get_json(AGENTS, {"per_page": PER_PAGE, "page": page})
            if not isinstance(body, list):
                raise ApiError(f"{self.label}: {AGENTS} did not return a list of agents")
            for agent in body:
                if isinstance(agent, dict) and agent.get("id") is not None:
                    found = agent.get("contact")
                    contact: dict[str, Any] = found if isinstance(found, dict) else {}
                    names[str(agent["id"])] = str(contact.get("name") or contact.get("email") or "")
            if len(body) < PER_PAGE:
                return {"agent": names}
            page += 1

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor:
        """Before the base: ``{"tickets": since, "deleted": since, "stream": name, "page": n}``."""
        stream = str(stored.get("stream") or "tickets")
        page = int(stored.get("page") or 1)
        return Cursor(stream, {name: StreamCursor(since=seconds(stored.get(name)),
                                                  page=page if name == stream else 1) for name in STREAMS})

    def position(self, cursor: dict[str, Any] | None) -> str:
        at = self.cursor_of(cursor).of("tickets")
        return f"the tickets updated since {unix_iso(at.since if at.since is not None else self.floor())}"
