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

from collections.abc import Iterator, Mapping
from datetime import UTC
from typing import Any

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, register, text
from reportgen.sources.api.http import ApiError, AuthError, HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord

TICKETS = "/api/v2/tickets"
AGENTS = "/api/v2/agents"
PER_PAGE = 100
PAGE_LIMIT = 300
TICKET_COLUMNS = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                  "agent", "reopens", "customer_id")
SOURCES = {1: "Email", 2: "Portal", 3: "Phone", 4: "Forum", 5: "Twitter", 6: "Facebook", 7: "Chat",
           8: "Mobihelp", 9: "Feedback widget", 10: "Outbound email", 11: "Ecommerce", 12: "Bot",
           13: "WhatsApp"}
STREAMS = ("tickets", "deleted")


def _since(moment: Any) -> str:
    """A timestamp as ``updated_since`` takes it: UTC, whole seconds, ``Z`` ("" when absent)."""
    parsed = parse_time(moment)
    return "" if parsed is None else parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register
class FreshdeskTickets(Connector):
    api = "freshdesk"
    datasets = ("tickets",)
    columns = TICKET_COLUMNS
    required = ("url", "token")
    accepted = ("url", "token", "start", "category")
    auth_hint = "check token: (the API key from Profile settings › Your API Key)"
    outbound_channels = (SOURCES[10],)

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        found = super().problems(dataset, source)
        if source.category is not None and cls._field(source.category) is None:
            found.append(f"sources.{dataset}.category: '{source.category}' is not type or a custom "
                         "field (cf_…)")
        return found

    @staticmethod
    def _field(category: str) -> str | None:
        name = category.removeprefix("custom_field:")
        return name if name == "type" or name.startswith("cf_") else None

    def probe(self, http: HttpClient) -> None:
        body = http.get_json("/api/v2/agents/me")
        if not isinstance(body, dict) or body.get("id") is None:
            raise AuthError(f"{self.label}: the API key was not accepted", hint=self.auth_hint)

    def _agents(self, http: HttpClient) -> dict[str, str]:
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
                return names
            page += 1

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        start = _since(self.start.isoformat())
        state = dict(cursor or {})
        state.setdefault("tickets", start)
        state.setdefault("deleted", start)
        stream = state.get("stream") or "tickets"
        page = int(state.get("page") or 1)
        lookups: Lookups = {"agent": self._agents(http)}
        while True:
            params: dict[str, Any] = {"updated_since": state[stream], "order_by": "updated_at",
                                      "order_type": "asc", "per_page": PER_PAGE, "page": page}
            if stream == "tickets":
                params["include"] = "stats"
            else:
                params["filter"] = "deleted"
            body = http.get_json(TICKETS, params)
            if not isinstance(body, list):
                raise ApiError(f"{self.label}: {TICKETS} did not return a list of tickets",
                               hint="check url: it must be the account's base URL (https://acme.freshdesk.com)")
            records = [self._record(t, deleted=stream == "deleted") for t in body
                       if isinstance(t, dict) and t.get("id") is not None]
            newest = max((_since(t.get("updated_at")) for t in body if isinstance(t, dict)), default="")
            end = False
            if len(body) < PER_PAGE:  # this stream is done
                if newest > state[stream]:
                    state[stream] = newest
                if stream == "tickets":
                    stream, page = "deleted", 1
                else:
                    stream, page, end = "tickets", 1, True
            elif newest > state[stream]:
                state[stream], page = newest, 1
            else:  # a whole page updated in one second: the next page number
                page += 1
                if page > PAGE_LIMIT:
                    raise ApiError(f"{self.label}: more than {PER_PAGE * PAGE_LIMIT:,} tickets share the "
                                   f"updated_at {state[stream]}; the list cannot page past them")
            next_cursor = {"tickets": state["tickets"], "deleted": state["deleted"], "stream": stream,
                           "page": page}
            yield Page(records, next_cursor, lookups, end_of_stream=end)
            lookups = {}
            if end:
                return

    @staticmethod
    def _record(ticket: Mapping[str, Any], *, deleted: bool) -> PulledRecord:
        found = ticket.get("stats")
        stats: dict[str, Any] = found if isinstance(found, dict) else {}
        data: dict[str, Any] = {
            "id": ticket.get("id"),
            "created_at": ticket.get("created_at"),
            "updated_at": ticket.get("updated_at"),
            "status": ticket.get("status"),
            "source": ticket.get("source"),
            "type": ticket.get("type"),
            "responder_id": ticket.get("responder_id"),
            "requester_id": ticket.get("requester_id"),
            "custom_fields": ticket.get("custom_fields") if isinstance(ticket.get("custom_fields"), dict)
            else {},
            "first_responded_at": stats.get("first_responded_at"),
            "resolved_at": stats.get("resolved_at"),
            "closed_at": stats.get("closed_at"),
            "reopened_at": stats.get("reopened_at"),
        }
        return PulledRecord(str(ticket.get("id")), ticket.get("updated_at"),
                            deleted or bool(ticket.get("deleted")), data)

    def position(self, cursor: dict[str, Any] | None) -> str:
        since = (cursor or {}).get("tickets") or iso(self.start)
        return f"the tickets updated since {since}"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        status = record.get("status")
        resolved = (iso_utc(record.get("resolved_at")) or iso_utc(record.get("closed_at"))) \
            if status in (4, 5) else None
        source = record.get("source")
        responder = record.get("responder_id")
        field = self._field(self.source.category or "type") or "type"
        category = record.get("type") if field == "type" else (record.get("custom_fields") or {}).get(field)
        return {
            "ticket_id": str(record.get("id")),
            "created_at": iso_utc(record.get("created_at")),
            "first_response_at": iso_utc(record.get("first_responded_at")),
            "resolved_at": resolved,
            "category": text(category),
            "channel": SOURCES.get(source, f"Source {source}") if isinstance(source, int) else text(source),
            "agent": lookups.get("agent", {}).get(str(responder)) if responder is not None else None,
            "reopens": 1 if record.get("reopened_at") else 0,
            "customer_id": text(record.get("requester_id")),
        }
