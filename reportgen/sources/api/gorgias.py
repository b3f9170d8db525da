"""Gorgias tickets (``api: gorgias``) and satisfaction surveys (``api: gorgias_csat``), REST API.

    tickets:
      api: gorgias
      url: "https://acme.gorgias.com"    # the account's address
      email: "${GORGIAS_EMAIL}"          # basic auth: the user's e-mail and an API key
      token: "${GORGIAS_API_KEY}"        # Settings › REST API
      start: "2025-01-01"
    surveys:
      api: gorgias_csat                  # same url, email and token

Gorgias lists with cursors (``meta.next_cursor``, ``limit`` ≤ 100) and sorts by
``updated_datetime`` or ``created_datetime`` but filters on neither, so a pull
walks ``GET /api/tickets?order_by=updated_datetime:desc`` from the newest change
down and stops at the first ticket not changed since the previous walk's newest
change (less ``LOOKBACK_MINUTES``; the first pull stops at ``start``). A cursor
points after the last ticket returned, so a ticket changed while the pull runs
jumps to the front without shifting the pages after it, and is read by the next
pull. Tickets moved to the trash (``trashed_datetime``) or marked spam leave the
report. The first agent reply and the number of agent replies come from the
messages: ``GET /api/messages?order_by=created_datetime:desc`` walked the same
way, each public agent message kept as a lookup (ticket → when), never its text.
40 requests per 20 s; a 429's ``Retry-after`` is waited out.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
ticket_id              ``id``
created_at             ``created_datetime``
first_response_at      the first public message with ``from_agent: true``
resolved_at            ``closed_datetime`` while ``status`` is ``closed``
category               the first of ``tags`` (its ``name``)
channel                ``channel``: email → Email, chat → Chat, phone → Phone, sms → SMS,
                       contact_form → Contact form, api → API (others capitalised); a ticket
                       whose first message the team sent (``from_agent: true``) is on the
                       outbound channel "Outbound message" (docs/SPEC_NOTES.md)
agent                  ``assignee_user.name``
replies                the number of public agent messages
reopens                not available (FCR: 0 reopens; reopen_rate: no value)
customer_id            ``customer.id``
=====================  ====================================================================

Satisfaction surveys: ``GET /api/satisfaction-surveys?order_by=created_datetime:desc``,
one per ticket, score 1–5 (CSAT), ``submitted_at`` = ``scored_datetime``; unanswered
ones (``score`` null) are not responses. A survey is answered after it is sent, so
each later pull walks back to 30 days before the newest survey stored and re-read
surveys replace themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from reportgen.config import ApiSource
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, text
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.settings import ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord

TICKETS = "/api/tickets"
MESSAGES = "/api/messages"
SURVEYS = "/api/satisfaction-surveys"
LIMIT = 100
LOOKBACK_MINUTES = 10
SURVEY_LOOKBACK_DAYS = 30
OUTBOUND = "Outbound message"  # the channel of a ticket the team started (the ticket's ``from_agent``)
LATEST = datetime.max.replace(tzinfo=UTC)
TICKET_COLUMNS = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                  "agent", "replies", "customer_id")
SURVEY_COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")
CHANNELS = {"email": "Email", "chat": "Chat", "phone": "Phone", "sms": "SMS", "contact_form": "Contact form",
            "api": "API", "help-center": "Help center", "facebook": "Facebook", "instagram-direct-message":
            "Instagram", "whatsapp": "WhatsApp"}
# the mappings as data: canonical column → where it comes from
MAPPING: dict[str, str] = {
    "ticket_id": "id", "created_at": "created_datetime",
    "first_response_at": "messages[from_agent, public].created_datetime (the first)",
    "resolved_at": "closed_datetime (status closed)", "category": "tags[0].name",
    "channel": "channel (from_agent: Outbound message)",
    "agent": "assignee_user.name", "replies": "count of messages[from_agent, public]",
    "customer_id": "customer.id",
}
SURVEY_MAPPING: dict[str, str] = {
    "response_id": "id", "submitted_at": "scored_datetime", "survey": "csat", "score": "score",
    "ticket_id": "ticket_id", "comment": "body_text",
}


class GorgiasSettings(ApiSettings):
    """Gorgias's keys (tickets and surveys): the helpdesk's address, a user's e-mail and an API key."""

    url: str
    email: str
    token: str


class _Gorgias(Connector):
    Settings = GorgiasSettings
    auth_hint = "check email: and token: (a user's e-mail and an API key from Settings › REST API)"

    def credentials(self) -> tuple[str, str]:
        return (self.source.email or "", self.source.token or "")

    commit_records: ClassVar[int] = COMMIT_RECORDS

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The vendor's pages, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(self._vendor_pages(http, cursor), self.commit_records)

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        raise NotImplementedError

    def probe(self, http: HttpClient) -> None:
        body = http.get_json("/api/account")
        if not isinstance(body, dict):
            raise ApiError(f"{self.label}: /api/account did not describe the account",
                           hint="check url: it must be the account's address (https://<account>.gorgias.com)")

    def _list(self, http: HttpClient, path: str, order: str,
              cursor: str | None) -> tuple[list[Any], str | None]:
        params: dict[str, Any] = {"limit": LIMIT, "order_by": order, **({"cursor": cursor} if cursor else {})}
        body = http.get_json(path, params)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise ApiError(f"{self.label}: {path} did not return a list",
                           hint="check url: it must be the account's address (https://<account>.gorgias.com)")
        meta = body.get("meta")
        nxt = meta.get("next_cursor") if isinstance(meta, dict) else None
        return data, nxt if isinstance(nxt, str) and nxt else None

    def _walk(self, http: HttpClient, state: dict[str, Any], name: str, path: str,
              field: str) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any], bool]]:
        """Walk one list newest first down to its ``stop``; yields (items, stream state, finished)."""
        stream = dict(state[name])
        stop = parse_time(stream.get("stop")) or self.start
        top = parse_time(stream.get("top"))
        while True:
            data, nxt = self._list(http, path, f"{field}:desc", stream.get("cursor"))
            kept: list[dict[str, Any]] = []
            reached = False
            for item in data:
                if not isinstance(item, dict) or item.get("id") is None:
                    continue
                moment = parse_time(item.get(field))
                if moment is not None and moment < stop:
                    reached = True
                    break
                if moment is not None and (top is None or moment > top):
                    top = moment
                kept.append(item)
            finished = reached or nxt is None
            stream = {**stream, "top": iso(top), "cursor": None if finished else nxt}
            yield kept, stream, finished
            if finished:
                return

    def _fresh(self, state: dict[str, Any], names: tuple[str, ...], lookback: timedelta) -> dict[str, Any]:
        """The state of a new walk: each list stops at its previous walk's newest, less ``lookback``."""
        if state and not state.get("done"):
            return state
        fresh: dict[str, Any] = {"stream": names[0], "done": False}
        for name in names:
            top = parse_time((state.get(name) or {}).get("top"))
            stop = max(self.start, top - lookback) if top else self.start
            fresh[name] = {"stop": iso(stop), "top": iso(top), "cursor": None}
        return fresh


class GorgiasTickets(_Gorgias):
    api = "gorgias"
    datasets = ("tickets",)
    columns = TICKET_COLUMNS
    streams: ClassVar[tuple[str, ...]] = ("tickets", "messages")
    outbound_channels: ClassVar[tuple[str, ...]] = (OUTBOUND,)

    def __init__(self, dataset: str, source: ApiSource, timezone: str):
        super().__init__(dataset, source, timezone)
        self._replies: tuple[int, dict[str, tuple[str, int]]] | None = None

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = self._fresh(dict(cursor or {}), self.streams, timedelta(minutes=LOOKBACK_MINUTES))
        if state["stream"] == "tickets":
            for items, stream, finished in self._walk(http, state, "tickets", TICKETS, "updated_datetime"):
                state = {**state, "tickets": stream, "stream": "messages" if finished else "tickets"}
                yield Page([self._record(t) for t in items], dict(state))
        for items, stream, finished in self._walk(http, state, "messages", MESSAGES, "created_datetime"):
            state = {**state, "messages": stream, "done": finished}
            replies = {f"{m.get('ticket_id')}/{m['id']}": iso_utc(m.get("sent_datetime")
                                                                  or m.get("created_datetime")) or ""
                       for m in items if m.get("from_agent") is True and m.get("public", True) is not False
                       and m.get("ticket_id") is not None}
            yield Page([], dict(state), {"agent_reply": replies} if replies else {}, end_of_stream=finished)

    @staticmethod
    def _record(ticket: Mapping[str, Any]) -> PulledRecord:
        tags = ticket.get("tags")
        named = [t.get("name") for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []
        first_tag = named[0] if named else None
        assignee = ticket.get("assignee_user")
        customer = ticket.get("customer")
        data = {
            "id": ticket.get("id"),
            "created_datetime": ticket.get("created_datetime"),
            "closed_datetime": ticket.get("closed_datetime"),
            "status": ticket.get("status"),
            "channel": ticket.get("channel"),
            "from_agent": ticket.get("from_agent") is True,
            "tag": first_tag,
            "agent": assignee.get("name") if isinstance(assignee, dict) else None,
            "customer_id": customer.get("id") if isinstance(customer, dict) else None,
        }
        deleted = bool(ticket.get("trashed_datetime")) or ticket.get("spam") is True
        return PulledRecord(str(ticket.get("id")), iso_utc(ticket.get("updated_datetime")), deleted, data)

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        name = state.get("stream") or "tickets"
        stop = (state.get(name) or {}).get("stop") or iso(self.start)
        what = "the tickets changed" if name == "tickets" else "the agents' messages written"
        return f"{what} since {stop} (older than the last stored page)"

    def _reply_index(self, lookups: Lookups) -> dict[str, tuple[str, int]]:
        """ticket id → (its first agent reply, the number of agent replies), built once per lookups."""
        if self._replies is None or self._replies[0] != id(lookups):
            index: dict[str, tuple[str, int]] = {}
            for key, when in lookups.get("agent_reply", {}).items():
                ticket = key.partition("/")[0]
                first, count = index.get(ticket, (when, 0))
                index[ticket] = (min(first, when, key=lambda w: parse_time(w) or LATEST),
                                 count + 1)
            self._replies = (id(lookups), index)
        return self._replies[1]

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        ticket = str(record.get("id"))
        first, replies = self._reply_index(lookups).get(ticket, (None, 0))
        channel = text(record.get("channel"))
        if record.get("from_agent") is True:  # the team wrote first: an outbound ticket
            shown: str | None = OUTBOUND
        else:
            shown = CHANNELS.get(channel, channel.replace("_", " ").capitalize()) if channel else None
        return {
            "ticket_id": ticket,
            "created_at": iso_utc(record.get("created_datetime")),
            "first_response_at": iso_utc(first),
            "resolved_at": iso_utc(record.get("closed_datetime")) if record.get("status") == "closed"
            else None,
            "category": text(record.get("tag")),
            "channel": shown,
            "agent": text(record.get("agent")),
            "replies": replies,
            "customer_id": text(record.get("customer_id")),
        }


class GorgiasSurveys(_Gorgias):
    api = "gorgias_csat"
    datasets = ("surveys",)
    columns = SURVEY_COLUMNS

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = self._fresh(dict(cursor or {}), ("surveys",), timedelta(days=SURVEY_LOOKBACK_DAYS))
        for items, stream, finished in self._walk(http, state, "surveys", SURVEYS, "created_datetime"):
            state = {**state, "surveys": stream, "done": finished}
            records = [PulledRecord(str(s["id"]), iso_utc(s.get("scored_datetime")
                                                          or s.get("created_datetime")), False,
                                    {key: s.get(key) for key in (
                                        "id", "ticket_id", "score", "scored_datetime", "body_text")})
                       for s in items]
            yield Page(records, dict(state), end_of_stream=finished)

    def position(self, cursor: dict[str, Any] | None) -> str:
        stop = ((cursor or {}).get("surveys") or {}).get("stop") or iso(self.start)
        return f"the satisfaction surveys sent since {stop} (older than the last stored page)"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        score = record.get("score")
        if score is None:
            return None  # sent, not answered: not a response
        return {
            "response_id": str(record.get("id")),
            "submitted_at": iso_utc(record.get("scored_datetime")),
            "survey": "csat",
            "score": score if isinstance(score, int | float) and not isinstance(score, bool) else text(score),
            "ticket_id": text(record.get("ticket_id")),
            "comment": text(record.get("body_text")),
        }
