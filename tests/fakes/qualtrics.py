"""A fake Qualtrics data center, from the public Response Export API (v3) reference.

* Auth: ``X-API-TOKEN: <token>``; otherwise 401 ``{"meta": {"httpStatus": "401 - Unauthorized",
  "error": {"errorMessage": "…", "errorCode": "AUTH_4xx"}}}``. An unknown survey: 404.
* ``POST /API/v3/surveys/{id}/export-responses`` with ``{"format": "ndjson", "compress": true,
  "allowContinuation": true, "startDate": "…"}`` — or, for the next export,
  ``{"format": "ndjson", "compress": true, "allowContinuation": true, "continuationToken": "…"}``
  (a token cannot be combined with ``startDate``: 400) → ``{"result": {"progressId": "ES_…",
  "percentComplete": 0.0, "status": "inProgress"}, "meta": {…}}``.
* ``GET …/export-responses/{progressId}`` → ``{"result": {"percentComplete", "status":
  "inProgress" | "complete" | "failed", "fileId" and "continuationToken" once complete}}``.
  An export answers ``inProgress`` a few times (``polls``) first. An unknown id: 404.
* ``GET …/export-responses/{fileId}/file`` → a zip holding ``<survey>.json``: with
  ``format: json`` one document ``{"responses": [...]}``, with ``ndjson`` one response a line;
  a response: ``{"responseId": "R_…", "values": {"startDate", "endDate", "status",
  "ipAddress", "progress", "duration", "finished": 1|0, "recordedDate", "QID1": 9,
  "QID2_TEXT": "…", "<embedded data field>": "…"}, "labels": {…}}``. A continuation
  export holds the responses recorded or changed since the export the token came from.
* ``GET /API/v3/surveys/{id}`` → the survey's definition (``result.id``, ``name``, …).
* Limits per endpoint (e.g. starting exports 100 a minute); a 429 to back off from
  (scripted with ``fail``).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fakes.server import FakeApi, Reply, Request

SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score")


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Response:
    id: str
    recorded: str
    score: int | None
    ticket: str | None
    comment: str | None
    finished: bool
    changed: int  # the change sequence number: continuation exports hold what changed after a token


class QualtricsFake(FakeApi):
    def __init__(self, token: str, survey_id: str, *, polls: int = 2):
        super().__init__()
        self.token = token
        self.survey_id = survey_id
        self.polls = polls  # inProgress answers before an export completes
        self.responses: dict[str, Response] = {}
        self.sequence = 0
        self.exports: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}

    def add_response(self, response_id: str, recorded: str, score: int | None, *, ticket: str | None = None,
                     comment: str | None = None, finished: bool = True) -> None:
        self.sequence += 1
        self.responses[response_id] = Response(response_id, recorded, score, ticket, comment, finished,
                                               self.sequence)

    def update_response(self, response_id: str, **facts: Any) -> None:
        self.sequence += 1
        found = self.responses[response_id]
        found.changed = self.sequence
        for key, value in facts.items():
            setattr(found, key, value)

    def truth(self) -> list[tuple[object, ...]]:
        return [(r.id, r.recorded, "nps", r.score) for r in sorted(self.responses.values(), key=lambda r: r.id)
                if r.finished and r.score is not None]

    def _values(self, r: Response) -> dict[str, Any]:
        values: dict[str, Any] = {"startDate": r.recorded, "endDate": r.recorded, "status": 0,
                                  "ipAddress": "203.0.113.9", "progress": 100 if r.finished else 50,
                                  "duration": 31, "finished": 1 if r.finished else 0, "recordedDate": r.recorded,
                                  "locationLatitude": "45.4642", "locationLongitude": "9.19",
                                  "distributionChannel": "anonymous", "userLanguage": "EN"}
        if r.score is not None:
            values["QID1"] = r.score
        if r.comment is not None:
            values["QID2_TEXT"] = r.comment
        if r.ticket is not None:
            values["ticket_id"] = r.ticket
        return values

    def route(self, request: Request) -> Reply:
        if request.headers.get("x-api-token") != self.token:
            return Reply(401, {"meta": {"httpStatus": "401 - Unauthorized", "requestId": "r-1",
                                        "error": {"errorMessage": "Authentication failed.",
                                                  "errorCode": "AUTH_4xx"}}})
        base = f"/API/v3/surveys/{self.survey_id}/export-responses"
        if request.method == "GET" and request.path == f"/API/v3/surveys/{self.survey_id}":
            return Reply(200, {"result": {"id": self.survey_id, "name": "After your ticket", "isActive": True,
                                          "ownerId": "UR_1", "creationDate": "2024-01-01T00:00:00Z"},
                               "meta": {"requestId": "r-0", "httpStatus": "200 - OK"}})
        if not request.path.startswith(base):
            return Reply(404, {"meta": {"httpStatus": "404 - Not Found",
                                        "error": {"errorMessage": "Survey not found", "errorCode": "QVAL_404"}}})
        rest = request.path[len(base):].strip("/")
        if request.method == "POST" and rest == "":
            return self._start(request)
        if request.method == "GET" and rest.endswith("/file"):
            data = self.files.get(rest[:-len("/file")])
            return Reply(200, raw=data) if data is not None else Reply(404, {"meta": {"httpStatus": "404"}})
        if request.method == "GET" and rest in self.exports:
            return self._progress(rest)
        return Reply(404, {"meta": {"httpStatus": "404 - Not Found",
                                    "error": {"errorMessage": "Not found", "errorCode": "QVAL_404"}}})

    def _start(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("format") not in ("json", "ndjson"):
            return Reply(400, {"meta": {"httpStatus": "400 - Bad Request", "error": {
                "errorMessage": "format must be one of csv, tsv, spss, json, ndjson, xml", "errorCode": "RCE_1"}}})
        token = body.get("continuationToken")
        if token is not None and "startDate" in body:
            return Reply(400, {"meta": {"httpStatus": "400 - Bad Request", "error": {
                "errorMessage": "continuationToken cannot be used with startDate", "errorCode": "RCE_2"}}})
        if token is not None:
            after = int(token.removeprefix("CT_"))
            chosen = [r for r in self.responses.values() if r.changed > after]
        else:
            chosen = list(self.responses.values())
            if "startDate" in body:
                chosen = [r for r in chosen if ts(r.recorded) >= ts(body["startDate"])]
        progress = f"ES_{len(self.exports) + 1:04d}"
        self.exports[progress] = {"ids": [r.id for r in sorted(chosen, key=lambda r: r.changed)],
                                  "format": body["format"],
                                  "polls": self.polls, "token": f"CT_{self.sequence}" if body.get(
                                      "allowContinuation") else None}
        return Reply(200, {"result": {"progressId": progress, "percentComplete": 0.0, "status": "inProgress"},
                           "meta": {"requestId": "r-2", "httpStatus": "200 - OK"}})

    def _progress(self, progress: str) -> Reply:
        export = self.exports[progress]
        if export["polls"] > 0:
            export["polls"] -= 1
            return Reply(200, {"result": {"percentComplete": 50.0, "status": "inProgress"},
                               "meta": {"requestId": "r-3", "httpStatus": "200 - OK"}})
        file_id = f"{progress}-file"
        if file_id not in self.files:
            shown = [{"responseId": rid, "values": self._values(self.responses[rid]), "labels": {},
                      "displayedFields": [], "displayedValues": {}} for rid in export["ids"]]
            if export["format"] == "ndjson":  # one response a line
                content = "".join(json.dumps(item) + "\n" for item in shown)
            else:
                content = json.dumps({"responses": shown})
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("After your ticket.json", content)
            self.files[file_id] = buffer.getvalue()
        result: dict[str, Any] = {"percentComplete": 100.0, "status": "complete", "fileId": file_id}
        if export["token"] is not None:
            result["continuationToken"] = export["token"]
        return Reply(200, {"result": result, "meta": {"requestId": "r-4", "httpStatus": "200 - OK"}})
