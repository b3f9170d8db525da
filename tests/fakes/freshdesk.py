"""A fake Freshdesk helpdesk, from the public API v2 reference.

* ``GET /api/v2/tickets`` — a JSON array. ``updated_since`` (ISO 8601,
  inclusive); without it only tickets created in the last 30 days.
  ``order_by`` (created_at default, updated_at, …), ``order_type`` (desc
  default, asc), ``per_page`` (default 30, at most 100), ``page`` (from 1;
  beyond the page limit — 300 by default — a 400 validation error),
  ``include=stats`` embeds ``stats`` (first_responded_at, resolved_at,
  closed_at, reopened_at, …), ``filter=deleted`` lists only deleted tickets
  (otherwise deleted ones are left out). A ``Link: <…>; rel="next"`` header
  when the page is full.
* ``GET /api/v2/agents`` (``per_page``/``page``) and ``/api/v2/agents/me``:
  agents with their ``contact.name``.
* Auth: basic ``{api key}:X``; otherwise 401 ``{"code": "invalid_credentials",
  "message": "You have to be logged in to perform this action."}``.
  Rate-limit headers ``X-Ratelimit-Total``, ``X-Ratelimit-Remaining``,
  ``X-Ratelimit-Used-CurrentRequest`` (an include costs 2 more credits).
* ``source`` codes: 1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback widget,
  10 Outbound email; ``status``: 2 Open, 3 Pending, 4 Resolved, 5 Closed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeApi, Reply, Request


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FreshdeskFake(FakeApi):
    def __init__(self, api_key: str, *, page_limit: int = 300, now: str = "2025-06-01T00:00:00Z"):
        super().__init__()
        self.api_key = api_key
        self.page_limit = page_limit
        self.now = ts(now)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.agents: dict[int, dict[str, Any]] = {}

    def add_agent(self, agent_id: int, name: str) -> None:
        self.agents[agent_id] = {
            "available": True, "occasional": False, "id": agent_id, "ticket_scope": 1,
            "signature": None, "group_ids": [], "role_ids": [], "skill_ids": [],
            "available_since": None, "type": "support_agent",
            "contact": {"active": True, "email": f"agent{agent_id}@example.com", "job_title": None,
                        "language": "en", "last_login_at": None, "mobile": None, "name": name,
                        "phone": None, "time_zone": "Eastern Time (US & Canada)",
                        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"},
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}

    def add_ticket(self, ticket_id: int, created_at: str, *, updated_at: str | None = None,
                   status: int = 2, source: int = 1, type: str | None = "Question",
                   responder_id: int | None = None, requester_id: int = 900,
                   custom_fields: dict[str, Any] | None = None, first_responded_at: str | None = None,
                   resolved_at: str | None = None, closed_at: str | None = None,
                   reopened_at: str | None = None) -> None:
        self.tickets[ticket_id] = {
            "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [],
            "fr_escalated": False, "spam": False, "email_config_id": None, "group_id": None,
            "priority": 1, "requester_id": requester_id, "responder_id": responder_id,
            "source": source, "company_id": None, "status": status, "subject": f"Ticket {ticket_id}",
            "association_type": None, "support_email": None, "to_emails": None, "product_id": None,
            "id": ticket_id, "type": type, "due_by": None, "fr_due_by": None, "is_escalated": False,
            "description_text": "Private words that must not be stored",
            "custom_fields": dict(custom_fields or {}), "created_at": created_at,
            "updated_at": updated_at or created_at, "associated_tickets_count": None, "tags": [],
            "deleted": False,
            "stats": {"agent_responded_at": first_responded_at, "requester_responded_at": None,
                      "first_responded_at": first_responded_at, "status_updated_at": updated_at,
                      "reopened_at": reopened_at, "resolved_at": resolved_at, "closed_at": closed_at,
                      "pending_since": None},
        }

    def update_ticket(self, ticket_id: int, updated_at: str, **changes: Any) -> None:
        ticket = self.tickets[ticket_id]
        ticket["updated_at"] = updated_at
        for key, value in changes.items():
            if key in ticket["stats"]:
                ticket["stats"][key] = value
            else:
                ticket[key] = value

    def delete_ticket(self, ticket_id: int, updated_at: str) -> None:
        self.update_ticket(ticket_id, updated_at, deleted=True)

    def route(self, request: Request) -> Reply:
        if request.auth != (self.api_key, "X"):
            return Reply(401, {"code": "invalid_credentials",
                               "message": "You have to be logged in to perform this action."})
        cost = 1 + 2 * len([x for x in request.params.get("include", "").split(",") if x])
        headers = {"X-Ratelimit-Total": "700", "X-Ratelimit-Remaining": "650",
                   "X-Ratelimit-Used-CurrentRequest": str(cost)}
        if request.path == "/api/v2/agents/me":
            first = min(self.agents) if self.agents else 1
            return Reply(200, self.agents.get(first, {"id": 1, "contact": {"name": "Me"}}), headers)
        if request.path == "/api/v2/agents":
            return self._paged(request, sorted(self.agents.values(), key=lambda a: a["id"]), headers)
        if request.path == "/api/v2/tickets":
            return self._tickets(request, headers)
        return Reply(404, {"code": "not_found", "message": "The requested resource was not found"})

    def _validation(self, field: str, message: str) -> Reply:
        return Reply(400, {"description": "Validation failed",
                           "errors": [{"field": field, "message": message, "code": "invalid_value"}]})

    def _paged(self, request: Request, items: list[dict[str, Any]], headers: dict[str, str]) -> Reply:
        per_page = int(request.params.get("per_page", 30))
        page = int(request.params.get("page", 1))
        if not 1 <= per_page <= 100:
            return self._validation("per_page", "It should be a Positive Number less than or equal to 100")
        if page < 1 or page > self.page_limit:
            return self._validation("page", f"You cannot access page {page}; the limit is "
                                    f"{self.page_limit}")
        chunk = items[(page - 1) * per_page: page * per_page]
        out = dict(headers)
        if len(chunk) == per_page:
            out["Link"] = f'<{request.path}?{urlencode({**request.params, "page": page + 1})}>; rel="next"'
        return Reply(200, chunk, out)

    def _tickets(self, request: Request, headers: dict[str, str]) -> Reply:
        params = request.params
        deleted = params.get("filter") == "deleted"
        chosen = [t for t in self.tickets.values() if t["deleted"] == deleted]
        if "updated_since" in params:
            since = ts(params["updated_since"])
            chosen = [t for t in chosen if ts(t["updated_at"]) >= since]
        else:
            chosen = [t for t in chosen if ts(t["created_at"]) >= self.now - timedelta(days=30)]
        key = params.get("order_by", "created_at")
        if key not in ("created_at", "updated_at", "due_by", "status"):
            return self._validation("order_by", "It should be one of these values: "
                                    "'created_at,due_by,updated_at,status'")
        chosen.sort(key=lambda t: (t[key], t["id"]), reverse=params.get("order_type", "desc") == "desc")
        include = params.get("include", "")
        shown = []
        for ticket in chosen:
            item = {k: v for k, v in ticket.items() if k not in ("stats", "deleted")}
            if include == "stats":
                item["stats"] = dict(ticket["stats"])
            if deleted:
                item["deleted"] = True
            shown.append(item)
        return self._paged(request, shown, headers)


