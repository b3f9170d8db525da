"""A fake Typeform account, from the public Responses API reference.

* ``GET /forms/{form_id}/responses`` →
  ``{"total_items": N, "page_count": P, "items": [...]}``; each item
  ``{"landing_id", "token", "response_id", "landed_at", "submitted_at", "metadata": {…},
  "hidden": {…}, "calculated": {"score": 0}, "answers": [{"field": {"id", "type", "ref"},
  "type": "number", "number": 9}, {"field": …, "type": "text", "text": "…"}]}``.
* ``page_size``: default 25, at most 1000 (more: 400 ``VALIDATION_ERROR``).
  ``since`` / ``until``: ISO 8601 (UTC, ``T`` between date and time) or Unix
  seconds, on ``submitted_at``, inclusive. ``after`` / ``before``: a response
  token; the responses processed after / before it, in the order Typeform
  processed them (ascending after ``after``, newest first before ``before``);
  neither can be combined with ``sort``. Without a token, ``sort`` is
  ``{field},{asc|desc}`` on ``submitted_at`` or ``landed_at``, default
  ``submitted_at,desc``. ``completed=false`` lists unfinished responses (their
  ``submitted_at`` is absent); by default only completed ones.
* ``total_items`` / ``page_count``: of the whole filtered query (before paging).
* Auth: ``Authorization: Bearer <personal access token>``; otherwise 401
  ``{"code": "AUTHENTICATION_FAILED", …}``. An unknown form: 404 ``FORM_NOT_FOUND``.
* Rate limit: 2 requests a second per account; 429 (with ``Retry-After`` here) scripted with ``fail``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from fakes.server import FakeApi, Reply, Request


def moment(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class TypeformFake(FakeApi):
    def __init__(self, token: str, form_id: str, *, page_cap: int = 1000):
        super().__init__()
        self.token = token
        self.form_id = form_id
        self.page_cap = page_cap  # a smaller page than asked, to test paging with few responses
        self.items: list[dict[str, Any]] = []  # in the order they were processed

    def add_response(self, token: str, submitted_at: str | None, answers: list[dict[str, Any]], *,
                     hidden: dict[str, str] | None = None) -> None:
        self.items.append({
            "landing_id": token, "token": token, "response_id": token,
            "landed_at": submitted_at or "2025-01-01T00:00:00Z", "submitted_at": submitted_at,
            "metadata": {"user_agent": "Mozilla/5.0", "platform": "other", "referer": "https://acme.typeform.com",
                         "network_id": "n1", "browser": "default"},
            "hidden": dict(hidden or {}), "calculated": {"score": 0}, "answers": answers,
        })

    def route(self, request: Request) -> Reply:
        header = request.headers.get("authorization", "")
        if header != f"Bearer {self.token}":
            return Reply(401, {"code": "AUTHENTICATION_FAILED",
                               "description": "Authentication credentials not found on the Request Headers"})
        if request.path != f"/forms/{self.form_id}/responses":
            return Reply(404, {"code": "FORM_NOT_FOUND", "description": "Non existing form with uid"})
        params = request.params
        try:
            page_size = int(params.get("page_size", 25))
            since = moment(params["since"]) if "since" in params else None
            until = moment(params["until"]) if "until" in params else None
        except ValueError:
            return Reply(400, {"code": "VALIDATION_ERROR", "description": "invalid parameter"})
        if not 1 <= page_size <= 1000:
            return Reply(400, {"code": "VALIDATION_ERROR",
                               "description": "page_size must be between 1 and 1000"})
        after, before = params.get("after"), params.get("before")
        if (after or before) and "sort" in params:
            return Reply(400, {"code": "VALIDATION_ERROR",
                               "description": "before/after cannot be used together with sort"})
        completed = params.get("completed", "true") != "false"
        order = list(range(len(self.items)))
        if after or before:
            tokens = [item["token"] for item in self.items]
            mark = after or before
            if mark not in tokens:
                return Reply(400, {"code": "VALIDATION_ERROR", "description": "invalid token"})
            at = tokens.index(mark)
            order = order[at + 1:] if after else list(reversed(order[:at]))
        else:
            field, _, direction = params.get("sort", "submitted_at,desc").partition(",")
            if field not in ("submitted_at", "landed_at") or direction not in ("asc", "desc"):
                return Reply(400, {"code": "VALIDATION_ERROR", "description": "invalid sort"})
            order.sort(key=lambda i: (self.items[i][field] or "", i), reverse=direction == "desc")
        chosen = []
        for index in order:
            item = self.items[index]
            submitted = item["submitted_at"]
            if (submitted is not None) != completed:
                continue
            when = moment(submitted) if submitted else None
            if when is not None and ((since and when < since) or (until and when > until)):
                continue
            chosen.append(item)
        size = min(page_size, self.page_cap)
        return Reply(200, {"total_items": len(chosen), "page_count": math.ceil(len(chosen) / size),
                           "items": chosen[:size]})
