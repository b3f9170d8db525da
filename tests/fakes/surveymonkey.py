"""A fake SurveyMonkey account, from the public API v3 reference.

* Auth: ``Authorization: Bearer <access token>``; otherwise 401 ``{"error": {"id": "1011",
  "name": "Authorization Error", "message": "The authorization token provided was invalid.",
  "http_status_code": 401}}``. An unknown survey: 404 (``"id": "1020"``, Resource Not Found).
* ``GET /v3/surveys/{id}/details`` → ``{"id", "title", "pages": [{"id", "questions": [{"id",
  "family", "subtype", "headings": [{"heading"}], "answers": {"choices": [{"id", "text",
  "weight", "position"}], "rows": [{"id", "text"}]}}]}]}``. The NPS question is a
  ``matrix``/``rating`` with one row and the choices 0–10 (``weight`` = the number).
* ``GET /v3/surveys/{id}/responses/bulk`` — ``per_page`` (≤ 100; more is a 400),
  ``page``, ``start_modified_at`` (``YYYY-MM-DDTHH:MM:SS``, UTC; responses modified at or
  after), ``sort_by`` (``date_modified``), ``sort_order`` (``ASC``/``DESC``) →
  ``{"data": [...], "per_page", "page", "total", "links": {"self", "next", "last"}}`` (no
  ``next`` on the last page). A response: ``id``, ``response_status`` (completed, partial,
  overquota, disqualified), ``custom_variables``, ``date_created``, ``date_modified``
  (``+00:00``), ``collector_id``, ``survey_id``, ``pages`` ``[{"id", "questions": [{"id",
  "answers": [{"choice_id", "row_id"} | {"text"}]}]}]``. Deleted responses are not listed.
* Limits: private apps 120 requests a minute and 500 a day:
  ``X-Ratelimit-App-Global-Minute-Limit`` / ``-Minute-Remaining`` / ``-Minute-Reset``,
  ``X-Ratelimit-App-Global-Day-Remaining``; a 429 (scripted with ``fail``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fakes.server import FakeApi, Reply, Request

NPS_QUESTION, COMMENT_QUESTION = "111", "222"
NPS_HEADING = "How likely are you to recommend us to a friend?"
SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score")


def ts(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def choice_id(score: int) -> str:
    return str(5000 + score)


@dataclass
class Response:
    id: str
    created: str
    modified: str
    score: int | None
    comment: str | None
    status: str
    ticket: str | None


class SurveyMonkeyFake(FakeApi):
    def __init__(self, token: str, survey_id: str, *, per_page_cap: int = 100):
        super().__init__()
        self.token = token
        self.survey_id = survey_id
        self.per_page_cap = per_page_cap
        self.responses: dict[str, Response] = {}
        self.garbled = 0

    def add_response(self, response_id: str, created: str, score: int | None, *, modified: str | None = None,
                     comment: str | None = None, status: str = "completed", ticket: str | None = None) -> None:
        self.responses[response_id] = Response(response_id, created, modified or created, score, comment, status,
                                               ticket)

    def update_response(self, response_id: str, modified: str, **facts: Any) -> None:
        found = self.responses[response_id]
        found.modified = modified
        for key, value in facts.items():
            setattr(found, key, value)

    def truth(self) -> list[tuple[object, ...]]:
        return [(r.id, r.modified, "nps", r.score) for r in sorted(self.responses.values(), key=lambda r: r.id)
                if r.status == "completed" and r.score is not None]

    def details(self) -> dict[str, Any]:
        return {"id": self.survey_id, "title": "After your ticket", "response_count": len(self.responses),
                "pages": [{"id": "900", "position": 1, "questions": [
                    {"id": NPS_QUESTION, "position": 1, "family": "matrix", "subtype": "rating",
                     "headings": [{"heading": NPS_HEADING}],
                     "answers": {"rows": [{"id": "7001", "text": "", "position": 1}],
                                 "choices": [{"id": choice_id(n), "text": f"{n}", "weight": n, "position": n + 1}
                                             for n in range(11)]}},
                    {"id": COMMENT_QUESTION, "position": 2, "family": "open_ended", "subtype": "essay",
                     "headings": [{"heading": "What could we do better?"}]}]}]}

    def _json(self, r: Response) -> dict[str, Any]:
        questions: list[dict[str, Any]] = []
        if r.score is not None:
            questions.append({"id": NPS_QUESTION, "answers": [{"choice_id": choice_id(r.score), "row_id": "7001"}]})
        if r.comment is not None:
            questions.append({"id": COMMENT_QUESTION, "answers": [{"text": r.comment}]})
        return {"id": r.id, "recipient_id": "", "collection_mode": "default", "response_status": r.status,
                "custom_value": "", "first_name": "", "last_name": "", "email_address": "", "ip_address": "10.0.0.1",
                "logic_path": {}, "metadata": {}, "page_path": [], "collector_id": "31", "survey_id": self.survey_id,
                "custom_variables": {"ticket": r.ticket} if r.ticket else {},
                "edit_url": "https://www.surveymonkey.com/r/?sm=x", "analyze_url": "https://www.surveymonkey.com/a",
                "total_time": 40, "date_created": ts(r.created).isoformat(), "date_modified": ts(r.modified).isoformat(),
                "href": f"{self.url}/v3/surveys/{self.survey_id}/responses/{r.id}",
                "pages": [{"id": "900", "questions": questions}]}

    def route(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": {"id": "1011", "name": "Authorization Error", "docs":
                                         "https://developer.surveymonkey.com/api/v3/#error-codes",
                                         "message": "The authorization token provided was invalid.",
                                         "http_status_code": 401}})
        limits = {"X-Ratelimit-App-Global-Minute-Limit": "120", "X-Ratelimit-App-Global-Minute-Remaining": "119",
                  "X-Ratelimit-App-Global-Minute-Reset": "60", "X-Ratelimit-App-Global-Day-Remaining": "499"}
        base = f"/v3/surveys/{self.survey_id}"
        if request.path == f"{base}/details":
            return Reply(200, self.details(), limits)
        if request.path == f"{base}/responses/bulk":
            return self._bulk(request, limits)
        return Reply(404, {"error": {"id": "1020", "name": "Resource Not Found",
                                     "message": "There was an error retrieving the requested resource.",
                                     "http_status_code": 404}})

    def _bulk(self, request: Request, headers: dict[str, str]) -> Reply:
        params = request.params
        per_page = int(params.get("per_page", 50))
        if not 1 <= per_page <= 100:
            return Reply(400, {"error": {"id": "1002", "name": "Bad Request",
                                         "message": "Invalid value for per_page", "http_status_code": 400}})
        chosen = list(self.responses.values())
        if "start_modified_at" in params:
            since = ts(params["start_modified_at"])
            chosen = [r for r in chosen if ts(r.modified) >= since]
        chosen.sort(key=lambda r: (ts(r.modified), r.id), reverse=params.get("sort_order", "DESC") == "DESC")
        size = min(per_page, self.per_page_cap)
        page = int(params.get("page", 1))
        pages = max(1, math.ceil(len(chosen) / size))
        shown = chosen[(page - 1) * size: page * size]
        path = f"{self.url}{request.path}"
        links = {"self": f"{path}?{urlencode(params)}", "last": f"{path}?{urlencode({**params, 'page': pages})}"}
        if page < pages:
            links["next"] = f"{path}?{urlencode({**params, 'page': page + 1})}"
        if self.garbled > 0:
            self.garbled -= 1
            return Reply(200, raw=b'{"data": [{"id": "1", "response_status": "comp')
        return Reply(200, {"data": [self._json(r) for r in shown], "per_page": size, "page": page,
                           "total": len(chosen), "links": links}, headers)
