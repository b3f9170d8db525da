"""A fake Gorgias helpdesk, from the public REST API reference.

* Auth: HTTP basic, the user's e-mail and an API key; otherwise 401
  ``{"error": {"msg": "Unauthorized"}}``.
* Cursor pagination on every list: ``limit`` (default 30, at most 100; more is a 400),
  ``cursor`` (opaque, from the previous answer), ``order_by`` (``<attribute>:asc|desc``)
  → ``{"data": [...], "object": "list", "uri": "…", "meta": {"prev_cursor", "next_cursor"}}``
  (``next_cursor`` null on the last page). A cursor keeps its place when resources
  change: it points after the last resource returned (keyset), so a ticket updated
  while a client pages jumps to the front without shifting the pages after it.
* ``GET /api/tickets`` — ``order_by`` ``created_datetime`` or ``updated_datetime``.
  A ticket: ``id``, ``status`` (open, closed), ``channel`` (email, chat, phone, sms,
  contact_form, facebook, instagram-comment, api, help-center, …), ``via``,
  ``customer`` ``{"id", "email", "name"}``, ``assignee_user`` ``{"id", "email", "name",
  "firstname", "lastname"}`` or null, ``tags`` ``[{"id", "name", "decoration"}]``,
  ``subject``, ``excerpt``, ``spam``, ``messages_count``, ``created_datetime``,
  ``opened_datetime``, ``updated_datetime``, ``closed_datetime``,
  ``trashed_datetime`` (a ticket moved to the trash: deleted), ``last_message_datetime``.
* ``GET /api/messages`` — every ticket's messages, ``order_by`` ``created_datetime``; a
  message: ``id``, ``ticket_id``, ``channel``, ``via``, ``from_agent``, ``sender`` ``{"id",
  "email", "name"}``, ``public``, ``body_text``, ``created_datetime``, ``sent_datetime``.
* ``GET /api/satisfaction-surveys`` — ``order_by`` ``created_datetime``; a survey: ``id``,
  ``ticket_id``, ``customer_id``, ``score`` (1–5, null until answered), ``body_text``,
  ``created_datetime``, ``sent_datetime``, ``scored_datetime``, ``should_send_datetime``.
* ``GET /api/account`` — the account (the cheap credential check).
* Limits: 40 requests per 20 s per API key (``X-Gorgias-Account-Api-Call-Limit: 3/40``);
  a 429 carries ``Retry-after`` (seconds), scripted with ``fail``.

``truth()`` and ``survey_truth()`` give the canonical rows computed from the plain facts.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakes.server import FakeApi, Reply, Request

TICKETS = "/api/tickets"
MESSAGES = "/api/messages"
SURVEYS = "/api/satisfaction-surveys"
CHANNELS = {"email": "Email", "chat": "Chat", "phone": "Phone", "sms": "SMS", "contact_form": "Contact form",
            "api": "API"}
TRUTH_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent",
                "replies", "customer_id")
SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score", "ticket_id")


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def gorgias_time(text: str | None) -> str | None:
    """As Gorgias writes times: ISO 8601 with microseconds and an offset."""
    return None if text is None else ts(text).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


@dataclass
class Ticket:
    id: int
    created: str
    updated: str
    status: str = "open"
    closed: str | None = None
    channel: str = "email"
    tags: list[str] = field(default_factory=list)
    assignee: tuple[int, str] | None = None
    customer: int = 800
    trashed: str | None = None
    spam: bool = False
    outbound: bool = False  # the team sent the first message (the ticket's ``from_agent``)


@dataclass
class Message:
    id: int
    ticket_id: int
    created: str
    from_agent: bool


@dataclass
class Survey:
    id: int
    ticket_id: int
    created: str
    score: int | None = None
    scored: str | None = None
    comment: str | None = None


class GorgiasFake(FakeApi):
    def __init__(self, email: str, api_key: str, *, page_cap: int = 100):
        super().__init__()
        self.email = email
        self.api_key = api_key
        self.page_cap = page_cap  # at most this many a page, whatever the limit asked
        self.tickets: dict[int, Ticket] = {}
        self.messages: dict[int, Message] = {}
        self.surveys: dict[int, Survey] = {}
        self.garbled = 0  # the next this-many ticket pages are cut off mid-JSON

    # ---- the account ------------------------------------------------------------------------------
    def add_ticket(self, ticket_id: int, created: str, *, replies: tuple[str, ...] = (), **facts: Any) -> None:
        facts.setdefault("updated", max([created, *replies], key=ts))
        self.tickets[ticket_id] = Ticket(ticket_id, created, **facts)
        self.add_message(ticket_id, created, from_agent=self.tickets[ticket_id].outbound)
        for at in replies:
            self.add_message(ticket_id, at, from_agent=True)

    def add_message(self, ticket_id: int, created: str, *, from_agent: bool) -> None:
        number = len(self.messages) + 1
        self.messages[number] = Message(number, ticket_id, created, from_agent)

    def update_ticket(self, ticket_id: int, updated: str, **facts: Any) -> None:
        ticket = self.tickets[ticket_id]
        ticket.updated = updated
        for key, value in facts.items():
            setattr(ticket, key, value)

    def reply(self, ticket_id: int, at: str) -> None:
        """An agent answers: a message, and the ticket is updated."""
        self.add_message(ticket_id, at, from_agent=True)
        self.update_ticket(ticket_id, at)

    def add_survey(self, survey_id: int, ticket_id: int, created: str, *, score: int | None = None,
                   scored: str | None = None, comment: str | None = None) -> None:
        self.surveys[survey_id] = Survey(survey_id, ticket_id, created, score, scored, comment)

    def truth(self) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for t in sorted(self.tickets.values(), key=lambda t: t.id):
            if t.trashed or t.spam:
                continue
            replies = sorted((m.created for m in self.messages.values() if m.ticket_id == t.id and m.from_agent),
                             key=ts)
            rows.append((str(t.id), t.created, replies[0] if replies else None,
                         t.closed if t.status == "closed" else None, t.tags[0] if t.tags else None,
                         "Outbound message" if t.outbound else CHANNELS.get(t.channel), t.assignee[1] if t.assignee else None, len(replies),
                         str(t.customer)))
        return rows

    def survey_truth(self) -> list[tuple[object, ...]]:
        return [(str(s.id), s.scored, "csat", s.score, str(s.ticket_id))
                for s in sorted(self.surveys.values(), key=lambda s: s.id) if s.score is not None]

    # ---- serving ----------------------------------------------------------------------------------
    def _ticket(self, t: Ticket) -> dict[str, Any]:
        count = sum(1 for m in self.messages.values() if m.ticket_id == t.id)
        return {
            "id": t.id, "uri": f"/api/tickets/{t.id}/", "external_id": None, "language": "en", "status": t.status,
            "priority": "normal", "channel": t.channel, "via": "helpdesk" if t.channel != "api" else "api",
            "from_agent": t.outbound,
            "customer": {"id": t.customer, "email": f"c{t.customer}@example.com", "name": "A Customer"},
            "assignee_user": None if t.assignee is None else {
                "id": t.assignee[0], "email": f"agent{t.assignee[0]}@example.com", "name": t.assignee[1],
                "firstname": t.assignee[1].split()[0], "lastname": t.assignee[1].split()[-1]},
            "assignee_team": None, "subject": f"Order #{t.id}: private words",
            "excerpt": "Private words that must not be stored",
            "tags": [{"id": 30 + i, "name": name, "uri": f"/api/tags/{30 + i}/", "decoration": None}
                     for i, name in enumerate(t.tags)],
            "spam": t.spam, "is_unread": False, "messages_count": count,
            "created_datetime": gorgias_time(t.created), "opened_datetime": gorgias_time(t.created),
            "last_received_message_datetime": gorgias_time(t.created),
            "last_message_datetime": gorgias_time(t.updated), "updated_datetime": gorgias_time(t.updated),
            "closed_datetime": gorgias_time(t.closed), "snooze_datetime": None,
            "trashed_datetime": gorgias_time(t.trashed), "meta": None,
        }

    def _message(self, m: Message) -> dict[str, Any]:
        return {"id": m.id, "uri": f"/api/tickets/{m.ticket_id}/messages/{m.id}/", "ticket_id": m.ticket_id,
                "channel": "email", "via": "helpdesk", "from_agent": m.from_agent, "public": True,
                "sender": {"id": 1 if m.from_agent else 800, "email": "someone@example.com", "name": "Someone"},
                "subject": "private", "body_text": "Private words that must not be stored",
                "body_html": "<p>Private</p>", "created_datetime": gorgias_time(m.created),
                "sent_datetime": gorgias_time(m.created)}

    def _survey(self, s: Survey) -> dict[str, Any]:
        return {"id": s.id, "uri": f"/api/satisfaction-surveys/{s.id}/", "ticket_id": s.ticket_id,
                "customer_id": 800, "score": s.score, "body_text": s.comment,
                "created_datetime": gorgias_time(s.created), "sent_datetime": gorgias_time(s.created),
                "scored_datetime": gorgias_time(s.scored), "should_send_datetime": gorgias_time(s.created),
                "meta": None}

    def route(self, request: Request) -> Reply:
        if request.auth != (self.email, self.api_key):
            return Reply(401, {"error": {"msg": "Unauthorized"}})
        limits = {"X-Gorgias-Account-Api-Call-Limit": "3/40"}
        if request.path == "/api/account":
            return Reply(200, {"domain": "acme", "created_datetime": "2023-01-01T00:00:00+00:00",
                               "status": {"status": "active"}}, limits)
        if request.path == TICKETS:
            items = [(ts(t.created), ts(t.updated), t.id, self._ticket(t)) for t in self.tickets.values()]
            fields = ("created_datetime", "updated_datetime")
        elif request.path == MESSAGES:
            items = [(ts(m.created), ts(m.created), m.id, self._message(m)) for m in self.messages.values()]
            fields = ("created_datetime",)
        elif request.path == SURVEYS:
            items = [(ts(s.created), ts(s.created), s.id, self._survey(s)) for s in self.surveys.values()]
            fields = ("created_datetime",)
        else:
            return Reply(404, {"error": {"msg": "Not found"}})
        reply = self._page(request, items, fields, limits)
        if request.path == TICKETS and self.garbled > 0 and reply.status == 200:
            self.garbled -= 1
            return Reply(200, raw=b'{"data": [{"id": 1, "status": "clo')
        return reply

    def _page(self, request: Request, items: list[tuple[datetime, datetime, int, dict[str, Any]]],
              fields: tuple[str, ...], headers: dict[str, str]) -> Reply:
        limit = int(request.params.get("limit", 30))
        if not 1 <= limit <= 100:
            return Reply(400, {"error": {"msg": "Validation error", "data": {"limit": ["Must be between 1 and 100."]}}})
        order = request.params.get("order_by", "created_datetime:desc")
        attribute, _, direction = order.partition(":")
        if attribute not in fields or direction not in ("asc", "desc"):
            return Reply(400, {"error": {"msg": "Validation error",
                                         "data": {"order_by": [f"Must be one of {', '.join(fields)}."]}}})
        index = 0 if attribute == "created_datetime" else 1
        keyed = sorted(((item[index], item[2], item[3]) for item in items), key=lambda k: (k[0], k[1]),
                       reverse=direction == "desc")
        cursor = request.params.get("cursor")
        if cursor:
            try:
                at, after_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            except ValueError:
                return Reply(400, {"error": {"msg": "Invalid cursor"}})
            mark = (ts(at), after_id)
            keyed = [k for k in keyed if ((k[0], k[1]) < mark if direction == "desc" else (k[0], k[1]) > mark)]
        page = keyed[:min(limit, self.page_cap)]
        more = len(keyed) > len(page)
        next_cursor = None
        if more and page:
            last = page[-1]
            next_cursor = base64.urlsafe_b64encode(json.dumps([last[0].isoformat(), last[1]]).encode()).decode()
        return Reply(200, {"data": [k[2] for k in page], "object": "list", "uri": request.path,
                           "meta": {"prev_cursor": None, "next_cursor": next_cursor}}, headers)
