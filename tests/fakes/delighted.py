"""A fake Delighted account, from the public API reference (``/v1/survey_responses.json``).

* ``GET /v1/survey_responses.json`` — a JSON array of survey responses, each
  ``{"id": "1", "person": "11", "survey_type": "nps", "score": 9, "comment": …,
  "permalink": …, "created_at": <Unix seconds>, "updated_at": <Unix seconds>,
  "person_properties": {…}, "notes": [], "tags": [], "additional_answers": []}``.
* Parameters: ``per_page`` (default 20, at most 100), ``page`` (from 1),
  ``since`` / ``until`` (Unix seconds, on ``created_at``, inclusive),
  ``updated_since`` / ``updated_until`` (the same on ``updated_at``),
  ``order``: ``asc`` (default) or ``desc`` by ``created_at``, ``asc:updated_at``
  or ``desc:updated_at``; ``expand[]=person`` embeds the person object, ``expand[]=notes``
  the notes. ``trend``, ``person_id`` and ``person_email`` narrow the list.
* Auth: HTTP basic with the API key as the user name and an empty password;
  otherwise 401 ``{"status": 401, "message": "Invalid API key"}``.
* Rate limit: 429 with ``Retry-After`` (seconds), scripted with ``fail``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakes.server import FakeApi, Reply, Request

RESPONSES = "/v1/survey_responses.json"
ORDERS = {"asc": ("created_at", False), "desc": ("created_at", True),
          "asc:updated_at": ("updated_at", False), "desc:updated_at": ("updated_at", True)}


def unix(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class DelightedFake(FakeApi):
    def __init__(self, api_key: str):
        super().__init__()
        self.api_key = api_key
        self.responses: dict[str, dict[str, Any]] = {}

    def add_response(self, response_id: int, score: int | None, created_at: str, *, survey_type: str = "nps",
                     comment: str | None = None, updated_at: str | None = None, person: int = 11,
                     properties: dict[str, str] | None = None) -> None:
        created = unix(created_at)
        self.responses[str(response_id)] = {
            "id": str(response_id), "person": str(person), "survey_type": survey_type, "score": score,
            "comment": comment, "permalink": f"https://delighted.com/r/{response_id}",
            "created_at": created, "updated_at": unix(updated_at) if updated_at else created,
            "person_properties": dict(properties or {}), "notes": [], "tags": [], "additional_answers": [],
        }

    def update_response(self, response_id: int, updated_at: str, **changes: Any) -> None:
        record = self.responses[str(response_id)]
        record.update(changes)
        record["updated_at"] = unix(updated_at)

    def route(self, request: Request) -> Reply:
        if request.auth != (self.api_key, ""):
            return Reply(401, {"status": 401, "message": "Invalid API key"})
        if request.path != RESPONSES:
            return Reply(404, {"status": 404, "message": "Not found"})
        params = request.params
        try:
            per_page = int(params.get("per_page", 20))
            page = int(params.get("page", 1))
            bounds = {name: int(params[name]) for name in ("since", "until", "updated_since", "updated_until")
                      if name in params}
        except ValueError:
            return Reply(422, {"status": 422, "message": "Invalid parameter"})
        if not 1 <= per_page <= 100 or page < 1:
            return Reply(422, {"status": 422, "message": "per_page must be between 1 and 100"})
        order = params.get("order", "asc")
        if order not in ORDERS:
            return Reply(422, {"status": 422, "message": f"Invalid order: {order}"})
        key, descending = ORDERS[order]
        chosen = []
        for record in self.responses.values():
            created, updated = record["created_at"], record["updated_at"]
            if ("since" in bounds and created < bounds["since"]) or \
                    ("until" in bounds and created > bounds["until"]) or \
                    ("updated_since" in bounds and updated < bounds["updated_since"]) or \
                    ("updated_until" in bounds and updated > bounds["updated_until"]):
                continue
            if "trend" in params or ("person_id" in params and record["person"] != params["person_id"]):
                continue
            chosen.append(record)
        chosen.sort(key=lambda r: (r[key], int(r["id"])), reverse=descending)
        items = [dict(r) for r in chosen[(page - 1) * per_page: page * per_page]]
        expand = params.get("expand[]", "")
        if expand == "person":
            for item in items:
                item["person"] = {"id": item["person"], "email": f"p{item['person']}@example.com", "name": None}
        return Reply(200, items)
