"""A fake Zendesk Support account, from the public API reference.

* ``GET /api/v2/incremental/tickets/cursor.json`` — cursor-based Incremental
  Ticket Export: ``start_time`` (Unix seconds) on the first request or
  ``cursor`` afterwards; ``per_page`` (≤ 1000; the fake may cap lower to make
  pages small); ``include=metric_sets,users`` side-loads ``metric_sets`` (one
  per ticket, ``ticket_id``) and ``users`` (requesters and assignees of the
  page). Every response carries ``after_url``, ``after_cursor``,
  ``before_url``, ``before_cursor`` and ``end_of_stream``. Deleted tickets are
  exported with ``status: "deleted"``. A ticket changed again appears again,
  later in the stream (only its newest version is current).
* ``GET /api/v2/ticket_fields/{id}.json`` — ``ticket_field`` with
  ``custom_field_options`` (``name``, ``raw_name``, ``value`` = the tag).
* ``GET /api/v2/satisfaction_ratings.json`` — ``score`` filter (``received``
  = good or bad), ``start_time`` (oldest ``created_at``), cursor pagination
  ``page[size]`` (≤ 100) / ``page[after]``, ``meta.has_more`` /
  ``meta.after_cursor``, ``links.next``.
* ``GET /api/v2/users/me.json`` — the authenticated user (anonymous with
  ``id: null`` when no credentials were sent).
* Auth: basic ``{email}/token:{token}``; anything else → 401
  ``{"error": "Couldn't authenticate you"}``. Rate-limit headers
  ``ratelimit-limit``/``ratelimit-remaining``/``ratelimit-reset``; the test
  scripts 429 + ``Retry-After``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeApi, Reply, Request


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZendeskFake(FakeApi):
    def __init__(self, email: str, token: str, *, page_cap: int = 1000, rating_cap: int = 100):
        super().__init__()
        self.email, self.token = email, token
        self.page_cap, self.rating_cap = page_cap, rating_cap
        self.tickets: dict[int, dict[str, Any]] = {}
        self.metrics: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.fields: dict[int, dict[str, Any]] = {}
        self.ratings: dict[int, dict[str, Any]] = {}
        self.changes: list[int] = []  # ticket ids in change order; position + 1 = sequence number
        self.current: dict[int, int] = {}  # ticket id -> sequence of its newest version
        self._encoded: dict[int, tuple[bytes, bytes]] = {}  # ticket id -> (ticket JSON, metric set JSON)

    # ---- account data ---------------------------------------------------------------------------
    def add_user(self, user_id: int, name: str, role: str = "agent") -> None:
        self.users[user_id] = {"id": user_id, "url": f"/api/v2/users/{user_id}.json", "name": name,
                               "email": f"user{user_id}@example.com", "role": role,
                               "created_at": "2024-01-01T00:00:00Z", "active": True}

    def add_field(self, field_id: int, title: str, options: list[tuple[str, str]]) -> None:
        self.fields[field_id] = {
            "id": field_id, "url": f"/api/v2/ticket_fields/{field_id}.json", "type": "tagger",
            "title": title, "active": True,
            "custom_field_options": [{"id": 9000 + i, "name": name, "raw_name": name, "value": value,
                                      "default": False} for i, (name, value) in enumerate(options)]}

    def add_ticket(self, ticket_id: int, created_at: str, *, updated_at: str | None = None,
                   status: str = "open", type: str | None = "question", tags: list[str] | None = None,
                   channel: str = "email", assignee_id: int | None = None, requester_id: int | None = 500,
                   custom_fields: dict[int, Any] | None = None, reply_minutes: int | None = None,
                   solved_at: str | None = None, replies: int = 0, reopens: int = 0,
                   reply_business_minutes: int | None = None, resolution_minutes: int | None = None,
                   resolution_business_minutes: int | None = None) -> None:
        """``reply_business_minutes``: the business minutes Zendesk reports (default: the calendar ones)."""
        ticket = {
            "url": f"/api/v2/tickets/{ticket_id}.json", "id": ticket_id, "external_id": None,
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created_at, "updated_at": updated_at or created_at, "type": type,
            "subject": f"Ticket {ticket_id}", "raw_subject": f"Ticket {ticket_id}",
            "description": "Private words that must not be stored", "priority": "normal",
            "status": status, "recipient": None, "requester_id": requester_id,
            "submitter_id": requester_id, "assignee_id": assignee_id, "organization_id": None,
            "group_id": 1, "collaborator_ids": [], "follower_ids": [], "has_incidents": False,
            "is_public": True, "due_at": None, "tags": list(tags or []),
            "custom_fields": [{"id": k, "value": v} for k, v in (custom_fields or {}).items()],
            "satisfaction_rating": None, "sharing_agreement_ids": [], "followup_ids": [],
            "brand_id": 1, "allow_channelback": False, "allow_attachments": True,
            "generated_timestamp": int(ts(updated_at or created_at).timestamp()),
        }
        ticket["fields"] = ticket["custom_fields"]
        self.tickets[ticket_id] = ticket
        self.metrics[ticket_id] = {
            "url": f"/api/v2/ticket_metrics/{ticket_id}.json", "id": 70000 + ticket_id,
            "ticket_id": ticket_id, "created_at": created_at, "updated_at": updated_at or created_at,
            "group_stations": 1, "assignee_stations": 1, "reopens": reopens, "replies": replies,
            "assignee_updated_at": None, "requester_updated_at": created_at,
            "status_updated_at": updated_at or created_at, "initially_assigned_at": created_at,
            "assigned_at": created_at, "solved_at": solved_at, "latest_comment_added_at": created_at,
            "reply_time_in_minutes": {"calendar": reply_minutes,
                                      "business": reply_minutes if reply_business_minutes is None
                                      else reply_business_minutes},
            "first_resolution_time_in_minutes": {"calendar": resolution_minutes,
                                                 "business": resolution_business_minutes},
            "full_resolution_time_in_minutes": {"calendar": resolution_minutes,
                                                "business": resolution_business_minutes},
            "agent_wait_time_in_minutes": {"calendar": None, "business": None},
            "requester_wait_time_in_minutes": {"calendar": None, "business": None},
            "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
        }
        self._changed(ticket_id)

    def update_ticket(self, ticket_id: int, updated_at: str, **changes: Any) -> None:
        """A change: the ticket moves to the end of the export stream with a newer updated_at."""
        ticket, metric = self.tickets[ticket_id], self.metrics[ticket_id]
        ticket["updated_at"] = metric["updated_at"] = updated_at
        ticket["generated_timestamp"] = int(ts(updated_at).timestamp())
        for key, value in changes.items():
            if key in ("solved_at", "replies", "reopens"):
                metric[key] = value
            elif key == "reply_minutes":
                metric["reply_time_in_minutes"] = {"calendar": value, "business": value}
            elif key == "channel":
                ticket["via"]["channel"] = value
            else:
                ticket[key] = value
        self._changed(ticket_id)

    def delete_ticket(self, ticket_id: int, updated_at: str) -> None:
        self.update_ticket(ticket_id, updated_at, status="deleted")

    def _changed(self, ticket_id: int) -> None:
        self._encoded.pop(ticket_id, None)
        self.changes.append(ticket_id)
        self.current[ticket_id] = len(self.changes)

    def add_rating(self, rating_id: int, ticket_id: int, score: str, created_at: str,
                   updated_at: str | None = None, comment: str | None = None) -> None:
        self.ratings[rating_id] = {
            "url": f"/api/v2/satisfaction_ratings/{rating_id}.json", "id": rating_id,
            "assignee_id": None, "group_id": 1, "requester_id": 500, "ticket_id": ticket_id,
            "score": score, "created_at": created_at, "updated_at": updated_at or created_at,
            "comment": comment, "reason": None, "reason_code": None}

    # ---- HTTP -----------------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:
        headers = {"ratelimit-limit": "700", "ratelimit-remaining": "699", "ratelimit-reset": "60"}
        if request.auth != (f"{self.email}/token", self.token):
            if request.path == "/api/v2/users/me.json" and request.auth is None:
                return Reply(200, {"user": {"id": None, "name": "Anonymous user", "role": "end-user"}})
            return Reply(401, {"error": "Couldn't authenticate you"})
        if request.path == "/api/v2/users/me.json":
            return Reply(200, {"user": {"id": 1, "name": "Admin", "role": "admin"}}, headers)
        if request.path == "/api/v2/incremental/tickets/cursor.json":
            return self._export(request, headers)
        if request.path.startswith("/api/v2/ticket_fields/"):
            field_id = int(request.path.rsplit("/", 1)[1].removesuffix(".json"))
            if field_id not in self.fields:
                return Reply(404, {"error": "RecordNotFound", "description": "Not found"})
            return Reply(200, {"ticket_field": self.fields[field_id]}, headers)
        if request.path == "/api/v2/satisfaction_ratings.json":
            return self._ratings(request, headers)
        return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _export(self, request: Request, headers: dict[str, str]) -> Reply:
        params = request.params
        per_page = min(int(params.get("per_page", 1000)), 1000, self.page_cap)
        if "cursor" in params:
            position = int(base64.urlsafe_b64decode(params["cursor"]).decode().split(":")[1])
            since = None
        elif "start_time" in params:
            position, since = 0, int(params["start_time"])
        else:
            return Reply(400, {"error": "InvalidPaginationParameter",
                               "description": "start_time or cursor is required"})
        include = set(filter(None, params.get("include", "").split(",")))
        page: list[int] = []
        index = position
        while index < len(self.changes) and len(page) < per_page:
            ticket_id = self.changes[index]
            index += 1
            if self.current[ticket_id] != index:
                continue  # an older version: the ticket changed again later in the stream
            if since is not None and ts(self.tickets[ticket_id]["updated_at"]).timestamp() < since:
                continue
            page.append(ticket_id)
        end = not any(self.current[self.changes[i]] == i + 1 for i in range(index, len(self.changes)))
        after = base64.urlsafe_b64encode(f"seq:{index}".encode()).decode()
        before = base64.urlsafe_b64encode(f"seq:{position}".encode()).decode()
        base = "/api/v2/incremental/tickets/cursor.json?"
        tail: dict[str, Any] = {
            "after_url": base + urlencode({"cursor": after}), "after_cursor": after,
            "before_url": base + urlencode({"cursor": before}), "before_cursor": before,
            "end_of_stream": end,
        }
        if "users" in include:
            ids = {self.tickets[i][k] for i in page for k in ("assignee_id", "requester_id")}
            tail["users"] = [self.users[u] for u in sorted(x for x in ids if x in self.users)]
        # the page is assembled from each ticket's JSON, encoded once (the fake must outrun the client)
        encoded = [self._encode(i) for i in page]
        parts = [b'{"tickets":[', b",".join(e[0] for e in encoded), b"]"]
        if "metric_sets" in include:
            metric_sets = [e[1] for i, e in zip(page, encoded, strict=True)
                           if self.tickets[i]["status"] != "deleted"]
            parts += [b',"metric_sets":[', b",".join(metric_sets), b"]"]
        parts += [b",", json.dumps(tail, separators=(",", ":")).encode()[1:]]
        return Reply(200, None, headers, raw=b"".join(parts))

    def warm(self) -> None:
        """Encode every ticket now (benchmarks: the fake then serves pages at memory speed)."""
        for ticket_id in self.tickets:
            self._encode(ticket_id)

    def _encode(self, ticket_id: int) -> tuple[bytes, bytes]:
        found = self._encoded.get(ticket_id)
        if found is None:
            found = (json.dumps(self.tickets[ticket_id], separators=(",", ":")).encode(),
                     json.dumps(self.metrics[ticket_id], separators=(",", ":")).encode())
            self._encoded[ticket_id] = found
        return found

    def _ratings(self, request: Request, headers: dict[str, str]) -> Reply:
        params = request.params
        size = min(int(params.get("page[size]", 100)), 100, self.rating_cap)
        score = params.get("score")
        start = int(params["start_time"]) if "start_time" in params else None
        chosen = sorted(self.ratings.values(), key=lambda r: (r["created_at"], r["id"]))
        if score == "received":
            chosen = [r for r in chosen if r["score"] in ("good", "bad")]
        elif score:
            chosen = [r for r in chosen if r["score"] == score]
        if start is not None:
            chosen = [r for r in chosen if ts(r["created_at"]).timestamp() >= start]
        offset = int(base64.urlsafe_b64decode(params["page[after]"]).decode()) \
            if "page[after]" in params else 0
        page = chosen[offset:offset + size]
        more = offset + size < len(chosen)
        after = base64.urlsafe_b64encode(str(offset + size).encode()).decode() if more else None
        return Reply(200, {
            "satisfaction_ratings": page,
            "meta": {"has_more": more, "after_cursor": after, "before_cursor": None},
            "links": {"prev": None, "next": ("/api/v2/satisfaction_ratings.json?"
                                             + urlencode({**params, "page[after]": after})) if more else None},
        }, headers)
