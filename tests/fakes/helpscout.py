"""A fake Help Scout account, from the public Mailbox API 2.0 reference.

* ``POST /v2/oauth2/token`` (form: ``grant_type=client_credentials``, ``client_id``,
  ``client_secret``) → ``{"token_type": "bearer", "access_token": "…", "expires_in": 172800}``;
  wrong credentials: 401 ``{"error": "invalid_client"}``. Every other endpoint wants
  ``Authorization: Bearer <access token>``; otherwise 401 (a ``vnd.error``:
  ``{"logRef": "…", "message": "…"}``).
* ``GET /v2/conversations`` — ``status`` (``active`` by default; ``all`` = active,
  pending and closed; ``spam`` only spam), ``modifiedSince`` (ISO 8601 UTC,
  inclusive, on the conversation's last modification, which the object itself does
  not carry), ``sortField`` (``createdAt``, ``modifiedAt``, ``number``, … default
  ``createdAt``), ``sortOrder`` (``desc`` by default), ``page`` (from 1), ``embed=threads``
  (the threads under ``_embedded.threads``). 25 a page. HAL:
  ``{"_embedded": {"conversations": [...]}, "_links": {"self", "first", "last", "next",
  "page"}, "page": {"size": 25, "totalElements", "totalPages", "number"}}`` (no ``next``
  on the last page). Deleted conversations are not listed at all.
* A conversation: ``id``, ``number``, ``threads`` (count), ``type`` (email, chat, phone),
  ``status`` (active, pending, closed, spam), ``state`` (published), ``subject``,
  ``preview``, ``mailboxId``, ``assignee`` ``{"id", "type": "user", "first", "last",
  "email"}``, ``createdAt``, ``closedAt``, ``closedBy``, ``userUpdatedAt``,
  ``source`` ``{"type", "via"}``, ``tags`` ``[{"id", "color", "tag"}]``,
  ``primaryCustomer`` ``{"id", "email"}``, ``customFields``. A thread: ``id``, ``type``
  (``customer``, ``reply`` — an agent's answer —, ``note``, ``lineitem``, ``chat``,
  ``phone``), ``status``, ``state``, ``createdBy`` ``{"id", "type": "user"|"customer"}``,
  ``body``, ``createdAt``.
* ``GET /v2/users/me`` — the authenticated user.
* Rate limit: 200 requests a minute per account: ``X-RateLimit-Limit-Minute``,
  ``X-RateLimit-Remaining-Minute``; a 429 carries ``X-RateLimit-Retry-After``
  (seconds), scripted with ``fail``.

``truth()`` gives the canonical row of each listed conversation from the plain facts
kept here, for tests/reference.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeApi, Reply, Request

TOKEN_PATH = "/v2/oauth2/token"
CONVERSATIONS = "/v2/conversations"
PAGE_SIZE = 25
CHANNELS = {"email": "Email", "chat": "Chat", "phone": "Phone", "web": "Web form", "api": "API",
            "beacon": "Beacon"}
TRUTH_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent",
                "replies", "customer_id")


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Conversation:
    id: int
    created: str
    modified: str
    status: str = "active"
    closed: str | None = None
    source: str = "email"
    tags: list[str] = field(default_factory=list)
    assignee: int | None = None
    customer: int = 700
    replies: list[str] = field(default_factory=list)  # when each agent reply was sent
    deleted: bool = False
    outbound: bool = False  # a user (agent) started it: ``source.via: user``, its first thread a reply


class HelpScoutFake(FakeApi):
    def __init__(self, client_id: str, client_secret: str, *, page_size: int = PAGE_SIZE):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.conversations: dict[int, Conversation] = {}
        self.users: dict[int, tuple[str, str]] = {}
        self.issued: list[str] = []  # access tokens handed out
        self.garbled = 0  # the next this-many conversation pages are cut off mid-JSON
        self.echo = False  # the token endpoint answers 400 quoting the form it got (as some proxies do)

    def add_user(self, user_id: int, first: str, last: str) -> None:
        self.users[user_id] = (first, last)

    def add_conversation(self, conversation_id: int, created: str, **facts: Any) -> None:
        facts.setdefault("modified", created)
        self.conversations[conversation_id] = Conversation(conversation_id, created, **facts)

    def update(self, conversation_id: int, modified: str, **facts: Any) -> None:
        found = self.conversations[conversation_id]
        found.modified = modified
        for key, value in facts.items():
            setattr(found, key, value)

    def truth(self) -> list[tuple[object, ...]]:
        """Canonical rows (``TRUTH_HEADER``) of the conversations that count: not deleted, not spam."""
        rows: list[tuple[object, ...]] = []
        for c in sorted(self.conversations.values(), key=lambda c: c.id):
            if c.deleted or c.status == "spam":
                continue
            user = self.users.get(c.assignee) if c.assignee is not None else None
            replies = [c.created, *c.replies] if c.outbound else c.replies
            rows.append((str(c.id), c.created, min(replies) if replies else None,
                         c.closed if c.status == "closed" else None, c.tags[0] if c.tags else None,
                         "Outbound email" if c.outbound else CHANNELS.get(c.source),
                         " ".join(user) if user else None, len(replies), str(c.customer)))
        return rows

    # ---- serving ----------------------------------------------------------------------------------
    def _json(self, c: Conversation, embed: bool) -> dict[str, Any]:
        user = self.users.get(c.assignee) if c.assignee is not None else None
        via, starter = ("user", {"id": c.assignee or 1, "type": "user"}) if c.outbound else \
            ("customer", {"id": c.customer, "type": "customer"})
        threads: list[dict[str, Any]] = [{
            "id": c.id * 100, "type": "reply" if c.outbound else "customer", "status": "active",
            "state": "published", "action": {"type": "default", "text": ""},
            "body": "Private words that must not be stored", "source": {"type": c.source, "via": via},
            "createdBy": starter, "createdAt": c.created}]
        for n, at in enumerate(c.replies, 1):
            threads.append({"id": c.id * 100 + 2 * n, "type": "note", "status": "active", "state": "published",
                            "body": "an internal note", "createdBy": {"id": 1, "type": "user"}, "createdAt": at})
            threads.append({"id": c.id * 100 + 2 * n + 1, "type": "reply", "status": "active",
                            "state": "published", "body": "Agent words", "source": {"type": "email", "via": "user"},
                            "createdBy": {"id": c.assignee or 1, "type": "user"}, "createdAt": at})
        item: dict[str, Any] = {
            "id": c.id, "number": c.id + 1000, "threads": len(threads), "type": c.source if c.source in (
                "email", "chat", "phone") else "email",
            "folderId": 1, "status": c.status, "state": "published",
            "subject": f"Conversation {c.id}: private words", "preview": "Private words that must not be stored",
            "mailboxId": 1,
            "assignee": {"id": c.assignee, "type": "user", "first": user[0], "last": user[1],
                         "email": f"user{c.assignee}@example.com"} if user else None,
            "createdBy": starter if c.outbound else {**starter, "email": f"c{c.customer}@example.com"},
            "createdAt": c.created, "closedBy": 1 if c.closed else 0, "closedAt": c.closed,
            "userUpdatedAt": c.modified, "customerWaitingSince": {"time": c.created, "friendly": "Jan 2"},
            "source": {"type": c.source, "via": via},
            "tags": [{"id": 10 + i, "color": "#929499", "tag": tag} for i, tag in enumerate(c.tags)],
            "cc": [], "bcc": [], "primaryCustomer": {"id": c.customer, "type": "customer",
                                                     "email": f"c{c.customer}@example.com"},
            "customFields": [], "_links": {"self": {"href": f"{self.url}{CONVERSATIONS}/{c.id}"}},
        }
        if embed:
            item["_embedded"] = {"threads": list(reversed(threads))}  # newest first, as Help Scout lists them
        return item

    def route(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == TOKEN_PATH:
            form = request.body if isinstance(request.body, dict) else {}
            if self.echo:
                return Reply(400, {"error": f"bad form: client_secret={form.get('client_secret')}"})
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                    "client_credentials", self.client_id, self.client_secret):
                return Reply(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
            token = f"hs-access-{len(self.issued) + 1:04d}-9f8e7d"
            self.issued.append(token)
            return Reply(200, {"token_type": "bearer", "access_token": token, "expires_in": 172800})
        bearer = request.headers.get("authorization", "")
        if not bearer.startswith("Bearer ") or bearer[7:] not in self.issued:
            return Reply(401, {"logRef": "e1b2c3#0", "message": "Invalid access token: the token is not valid"})
        limits = {"X-RateLimit-Limit-Minute": "200", "X-RateLimit-Remaining-Minute": "199"}
        if request.path == "/v2/users/me":
            return Reply(200, {"id": 1, "firstName": "Api", "lastName": "User", "email": "api@example.com",
                               "role": "owner", "timezone": "UTC", "type": "user"}, limits)
        if request.path == CONVERSATIONS:
            return self._list(request, limits)
        return Reply(404, {"logRef": "e1b2c3#1", "message": "Resource not found"})

    def _list(self, request: Request, limits: dict[str, str]) -> Reply:
        params = request.params
        status = params.get("status", "active")
        chosen = [c for c in self.conversations.values() if not c.deleted]
        if status == "all":
            chosen = [c for c in chosen if c.status in ("active", "pending", "closed")]
        else:
            chosen = [c for c in chosen if c.status == status]
        if "modifiedSince" in params:
            since = ts(params["modifiedSince"])
            chosen = [c for c in chosen if ts(c.modified) >= since]
        sort = params.get("sortField", "createdAt")
        key = {"createdAt": lambda c: (ts(c.created), c.id), "modifiedAt": lambda c: (ts(c.modified), c.id),
               "number": lambda c: (c.id, c.id)}.get(sort)
        if key is None:
            return Reply(400, {"logRef": "e1b2c3#2", "message": "Validation error",
                               "_embedded": {"errors": [{"path": "sortField", "message": "Invalid value"}]}})
        chosen.sort(key=key, reverse=params.get("sortOrder", "desc") == "desc")
        page = int(params.get("page", 1))
        pages = max(1, math.ceil(len(chosen) / self.page_size))
        shown = chosen[(page - 1) * self.page_size: page * self.page_size]
        embed = params.get("embed") == "threads"

        def link(number: int) -> dict[str, str]:
            return {"href": f"{self.url}{CONVERSATIONS}?{urlencode({**params, 'page': number})}"}

        links = {"self": link(page), "first": link(1), "last": link(pages),
                 "page": {"href": f"{self.url}{CONVERSATIONS}?page={{page}}", "templated": True}}
        if page < pages:
            links["next"] = link(page + 1)
        if self.garbled > 0:
            self.garbled -= 1
            return Reply(200, raw=b'{"_embedded": {"conversations": [{"id": 1, "number": 10')
        return Reply(200, {"_embedded": {"conversations": [self._json(c, embed) for c in shown]},
                           "_links": links,
                           "page": {"size": self.page_size, "totalElements": len(chosen), "totalPages": pages,
                                    "number": page}}, limits)
