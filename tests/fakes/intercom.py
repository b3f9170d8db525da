"""A fake Intercom workspace, from the public REST API reference (developers.intercom.com, 2.x).

* Auth: ``Authorization: Bearer <access token>``; otherwise 401
  ``{"type": "error.list", "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}]}``.
* ``GET /me`` — the admin owning the token; ``GET /admins`` — ``{"type": "admin.list", "admins": [...]}``.
* ``POST /conversations/search`` — body ``{"query": {"field", "operator", "value"}`` (or
  ``{"operator": "AND"|"OR", "value": [...]}``), ``"sort": {"field", "order": "ascending"|"descending"}``,
  ``"pagination": {"per_page": ≤ 150, "starting_after": <cursor>}}``. Answer:
  ``{"type": "conversation.list", "pages": {"type": "pages", "page", "per_page", "total_pages",
  "next": {"page", "starting_after"}}, "total_count", "conversations": [...]}`` — ``next`` only while
  more follow; the cursor is opaque (here base64 of the last conversation's sort key and id).
  ``per_page`` above 150 is a 400.
* Conversations: ``id`` (text), ``created_at``/``updated_at`` (Unix seconds), ``state`` (open, closed,
  snoozed), ``admin_assignee_id``, ``tags.tags[].name``, ``source.type``, ``contacts.contacts[].id``,
  ``custom_attributes``, ``statistics`` (``first_admin_reply_at``, ``last_close_at``,
  ``count_reopens``, …) and ``conversation_rating`` (``rating`` 1–5, ``remark``, ``created_at``) or null.
* Rate limit: every answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset`` (Unix seconds); past the limit, 429 without ``Retry-After``
  (``rate_limit(...)`` scripts one).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any

from fakes.server import FakeApi, Fault, Reply, Request

SEARCH = "/conversations/search"
OPERATORS = {">": lambda a, b: a > b, "<": lambda a, b: a < b, "=": lambda a, b: a == b,
             "!=": lambda a, b: a != b}


def unix(text: str | None) -> int | None:
    return None if text is None else int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _cursor(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _uncursor(text: str) -> tuple[int, str] | None:
    try:
        value, ident = json.loads(base64.urlsafe_b64decode(text.encode()))
        return int(value), str(ident)
    except (ValueError, TypeError):
        return None


class IntercomFake(FakeApi):
    def __init__(self, token: str, limit: int = 1000):
        super().__init__()
        self.token = token
        self.limit = limit
        self.admins: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}
        self.malformed_after: int | None = None  # answer this many searches, then HTML
        self.spent_at: dict[int, int] = {}  # search number (1-based) → its answer says 0 left, reset in N s

    # ---- the workspace ------------------------------------------------------------------------
    def add_admin(self, admin_id: int, name: str) -> None:
        self.admins[str(admin_id)] = {"type": "admin", "id": str(admin_id), "name": name,
                                      "email": f"{name.split()[0].lower()}@example.com", "away_mode_enabled": False}

    def add_conversation(self, conversation_id: int, created_at: str, *, updated_at: str | None = None,
                         state: str = "open", admin: int | None = None, tags: tuple[str, ...] = (),
                         channel: str = "conversation", first_reply: str | None = None,
                         closed: str | None = None, reopens: int = 0, rating: int | None = None,
                         rated_at: str | None = None, remark: str | None = None,
                         attributes: dict[str, Any] | None = None, contact: str = "c-1",
                         delivered_as: str = "customer_initiated") -> None:
        created = unix(created_at)
        self.conversations[str(conversation_id)] = {
            "type": "conversation", "id": str(conversation_id), "created_at": created,
            "updated_at": unix(updated_at) or created, "title": None, "state": state, "open": state != "closed",
            "read": True, "priority": "not_priority", "admin_assignee_id": admin, "team_assignee_id": None,
            "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": str(i), "name": name}
                                                  for i, name in enumerate(tags)]},
            "source": {"type": channel, "id": f"s{conversation_id}", "delivered_as": delivered_as,
                       "subject": "", "body": "<p>Where is my order?</p>",
                       "author": {"type": "user", "id": contact, "name": "A Customer", "email": "a@example.com"}},
            "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact,
                                                               "external_id": None}]},
            "custom_attributes": dict(attributes or {}),
            "statistics": {"type": "conversation_statistics", "time_to_assignment": None,
                           "time_to_admin_reply": None, "first_contact_reply_at": created,
                           "first_admin_reply_at": unix(first_reply), "last_close_at": unix(closed),
                           "count_reopens": reopens, "count_assignments": 1, "count_conversation_parts": 3},
            "conversation_rating": None if rating is None else {
                "rating": rating, "remark": remark, "created_at": unix(rated_at) or created,
                "contact": {"type": "contact", "id": contact}, "teammate": {"type": "admin", "id": str(admin)}},
        }

    def update_conversation(self, conversation_id: int, updated_at: str, **changes: Any) -> None:
        record = self.conversations[str(conversation_id)]
        for key, value in changes.items():
            if key in ("first_reply", "closed"):
                record["statistics"]["first_admin_reply_at" if key == "first_reply" else "last_close_at"] = unix(value)
            elif key == "reopens":
                record["statistics"]["count_reopens"] = value
            elif key == "rating":
                record["conversation_rating"] = {"rating": value, "remark": changes.get("remark"),
                                                 "created_at": unix(updated_at), "contact": None, "teammate": None}
            elif key != "remark":
                record[key] = value
        record["open"] = record["state"] != "closed"
        record["updated_at"] = unix(updated_at)

    # ---- scripting ----------------------------------------------------------------------------
    def rate_limit(self, wait: int, *, after: int = 0) -> None:
        """One 429 on the search, the window resetting in ``wait`` seconds (no Retry-After)."""
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(int(time.time()) + wait)}
        self.faults.append(Fault(SEARCH, 429, 1, headers, after=after))

    # ---- serving ------------------------------------------------------------------------------
    def _headers(self, search: int = 0) -> dict[str, str]:
        used = len(self.requests)
        if search in self.spent_at:
            return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time()) + self.spent_at[search])}
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(1, self.limit - used)),
                "X-RateLimit-Reset": str(int(time.time()) + 10)}

    def route(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"type": "error.list", "request_id": "r1", "errors": [
                {"code": "unauthorized", "message": "Access Token Invalid"}]})
        if request.method == "GET" and request.path == "/me":
            return Reply(200, {"type": "admin", "id": "1", "email": "lead@example.com", "name": "Lead"},
                         self._headers())
        if request.method == "GET" and request.path == "/admins":
            return Reply(200, {"type": "admin.list", "admins": list(self.admins.values())}, self._headers())
        if request.method == "POST" and request.path == SEARCH:
            return self._search(request)
        return Reply(404, {"type": "error.list", "errors": [{"code": "not_found", "message": "Resource Not Found"}]})

    def _matches(self, record: dict[str, Any], query: dict[str, Any]) -> bool:
        operator = query.get("operator")
        if operator in ("AND", "OR"):
            parts = [self._matches(record, q) for q in query.get("value") or []]
            return all(parts) if operator == "AND" else any(parts)
        value = record.get(str(query.get("field")))
        return value is not None and OPERATORS[str(operator)](value, query.get("value"))

    def _search(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        searches = len([r for r in self.requests if r.path == SEARCH])
        if self.malformed_after is not None and searches > self.malformed_after:
            return Reply(200, raw=b"<html><body>Intercom is down for maintenance</body></html>")
        query, sort, pagination = body.get("query"), body.get("sort") or {}, body.get("pagination") or {}
        per_page = pagination.get("per_page", 20)
        if not isinstance(query, dict) or not isinstance(per_page, int) or not 1 <= per_page <= 150:
            return Reply(400, {"type": "error.list", "errors": [{"code": "parameter_invalid",
                                                                 "message": "per_page must be 1 to 150"}]})
        field = str(sort.get("field") or "updated_at")
        descending = sort.get("order") == "descending"
        chosen = sorted((r for r in self.conversations.values() if self._matches(r, query)),
                        key=lambda r: (r.get(field) or 0, r["id"]), reverse=descending)
        after = pagination.get("starting_after")
        if after:
            key = _uncursor(str(after))
            if key is None:
                return Reply(400, {"type": "error.list", "errors": [{"code": "parameter_invalid",
                                                                     "message": "Invalid starting_after"}]})
            chosen = [r for r in chosen if ((r.get(field) or 0, r["id"]) < key if descending
                                             else (r.get(field) or 0, r["id"]) > key)]
        page, rest = chosen[:per_page], chosen[per_page:]
        pages: dict[str, Any] = {"type": "pages", "page": 1, "per_page": per_page,
                                 "total_pages": max(1, -(-len(chosen) // per_page))}
        if rest and page:
            pages["next"] = {"page": 2, "starting_after": _cursor((page[-1].get(field) or 0, page[-1]["id"]))}
        return Reply(200, {"type": "conversation.list", "pages": pages, "total_count": len(chosen),
                           "conversations": [json.loads(json.dumps(r)) for r in page]}, self._headers(searches))
