"""Qualtrics: one survey's responses through the Response Export API (v3), with continuation.

    surveys:
      api: qualtrics
      url: "https://iad1.qualtrics.com"   # your data center (Account Settings › Qualtrics IDs)
      token: "${QUALTRICS_API_TOKEN}"     # sent as X-API-TOKEN
      survey_id: "SV_0123456789abcde"
      start: "2025-01-01"
      options: {question: QID1, survey: nps, ticket_field: ticket_id}

A pull starts an export, ``POST {url}/API/v3/surveys/{id}/export-responses`` with
``{"format": "ndjson", "compress": true, "allowContinuation": true}`` and either
``startDate`` (the first pull) or the ``continuationToken`` the previous export
gave (every later pull: the responses recorded or changed since), polls
``GET …/export-responses/{progressId}`` until it is complete (waiting 1, 2, 4, …
up to 10 s between polls, within the pull's time limit), then downloads
``GET …/export-responses/{fileId}/file`` (a zip holding one file, a response a
line) and stores its responses 1,000 at a time, read line by line (memory holds
the compressed file and one chunk, however many responses). The cursor is saved after each step — the export
started, the file ready, each 1,000 stored — so a pull stopped at any point goes
on from there: it polls the same export, or downloads the same file again and
skips what is stored. The new continuation token is kept only once the whole file
is stored. Only the answers the report needs are stored (never the IP address or
location). Responses changed later replace their earlier version.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
response_id            ``responseId``
submitted_at           ``values.recordedDate``
survey                 ``options.survey`` (nps, csat or ces)
score                  ``values[options.question]`` (e.g. ``QID1``: the answer's recode
                       value); only finished responses are rows
ticket_id              ``values[options.ticket_field]`` (an embedded data field)
comment                ``values[options.comment]`` (e.g. ``QID2_TEXT``)
=====================  ====================================================================
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
from pydantic import field_validator

from reportgen.config import ApiSource
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, text
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.settings import ApiSettings, OneKindOptions
from reportgen.sources.api.store import Lookups, PulledRecord

CHUNK = 1000
POLL_CAP_SECONDS = 10.0
COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")
MAPPING: dict[str, str] = {
    "response_id": "responseId", "submitted_at": "values.recordedDate", "survey": "options.survey",
    "score": "values[options.question]", "ticket_id": "values[options.ticket_field]",
    "comment": "values[options.comment]",
}


def _field(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError("must be a field name (e.g. QID1)")
    return value


class QualtricsOptions(OneKindOptions):
    question: str  # the score question's id, e.g. QID1
    ticket_field: str | None = None  # the embedded data field holding the ticket id
    comment: str | None = None  # the field holding the comment, e.g. QID2_TEXT

    @field_validator("question", "ticket_field", "comment", mode="before")
    @classmethod
    def _fields(cls, value: Any) -> str | None:
        return _field(value)


class QualtricsSettings(ApiSettings):
    options_example = "e.g. options: {question: QID1, survey: nps}"
    url: str
    token: str
    survey_id: str
    options: QualtricsOptions

    @field_validator("survey_id")
    @classmethod
    def _survey_id(cls, value: str) -> str:
        if "/" in value or not value.strip():
            raise ValueError(f"'{value}' is not a survey id (SV_…)")
        return value


class QualtricsResponses(Connector):
    api = "qualtrics"
    datasets = ("surveys",)
    columns = COLUMNS
    Settings = QualtricsSettings
    auth_hint = ("check token: (Account Settings › Qualtrics IDs › API token) and that url: is your "
                 "data center")

    def __init__(self, dataset: str, source: ApiSource, timezone: str):
        super().__init__(dataset, source, timezone)
        self.path = f"/API/v3/surveys/{source.survey_id or ''}/export-responses"

    @property
    def opts(self) -> QualtricsOptions:
        assert isinstance(self.config, QualtricsSettings)
        return self.config.options

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"X-API-TOKEN": self.source.token or ""}

    def _result(self, body: Any, what: str) -> dict[str, Any]:
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise ApiError(f"{self.label}: {what} did not answer as the export API does",
                           hint="check url: it must be your data center (https://<id>.qualtrics.com)")
        return result

    def _call(self, http: HttpClient, method: str, path: str, body: Any = None) -> dict[str, Any]:
        try:
            answer = http.post_json(path, body) if method == "POST" else http.get_json(path)
        except ApiError as exc:
            if "HTTP 404" in exc.problem:
                raise ApiError(f"{self.label}: survey '{self.source.survey_id}' or its export not found "
                               "(404)", hint="check survey_id: (SV_… under Account Settings › Qualtrics IDs)"
                               ) from None
            raise
        return self._result(answer, path)

    def probe(self, http: HttpClient) -> None:
        """The survey's definition (``GET /API/v3/surveys/{id}``): checks the token and the survey."""
        self._call(http, "GET", self.path.removesuffix("/export-responses"))

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        token = state.get("token")
        if not state or state.get("done"):
            request: dict[str, Any] = {"format": "ndjson", "compress": True, "allowContinuation": True}
            if token:
                request["continuationToken"] = token
            else:
                request["startDate"] = iso(self.start)
            started = self._call(http, "POST", self.path, request)
            progress = started.get("progressId")
            if not isinstance(progress, str) or not progress:
                raise ApiError(f"{self.label}: the export was not started (no progressId)")
            state = {"phase": "export", "progress_id": progress, "token": token, "done": False}
            yield Page([], dict(state))
        if state.get("phase") == "export":
            ready = self._poll(http, str(state["progress_id"]))
            state = {"phase": "file", "file_id": ready["fileId"], "offset": 0, "token": token,
                     "next_token": ready.get("continuationToken") or token, "done": False}
            yield Page([], dict(state))
        offset = int(state.get("offset") or 0)
        for chunk, end in self._chunks(http, str(state["file_id"]), offset):
            offset += len(chunk)
            records = [self._record(r) for r in chunk]
            # the new continuation token only once the whole file is stored
            state = {"token": state.get("next_token"), "done": True} if end else {**state, "offset": offset}
            yield Page(records, dict(state), end_of_stream=end)

    def _poll(self, http: HttpClient, progress: str) -> dict[str, Any]:
        wait = 1.0
        while True:
            result = self._call(http, "GET", f"{self.path}/{progress}")
            status = result.get("status")
            if status == "complete" and isinstance(result.get("fileId"), str):
                return result
            if status == "failed":
                raise ApiError(f"{self.label}: Qualtrics reports the export {progress} failed",
                               hint="run `reportgen pull` again (a new export starts)")
            http.pause(wait, f"the export {progress} is not ready ({result.get('percentComplete', 0)}%)")
            wait = min(POLL_CAP_SECONDS, wait * 2)

    def _chunks(self, http: HttpClient, file_id: str,
                skip: int) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
        """The export file's responses after the first ``skip``, ``CHUNK`` at a time, and whether each
        chunk is the last. The file is newline-delimited JSON (one response a line), read line by
        line from the zip: memory holds the compressed file and one chunk, however many responses."""
        path = f"{self.path}/{file_id}/file"
        data = http.get_bytes(path)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise ApiError(f"{self.label}: the export file holds {len(names)} files, not one")
                chunk: list[Mapping[str, Any]] = []
                with archive.open(names[0]) as lines:
                    for number, line in enumerate(lines):
                        if number < skip or not line.strip():
                            continue
                        response = msgspec.json.decode(line)
                        if isinstance(response, dict) and response.get("responseId"):
                            chunk.append(response)
                        if len(chunk) == CHUNK:
                            yield chunk, False
                            chunk = []
                yield chunk, True
        except (zipfile.BadZipFile, msgspec.DecodeError, EOFError):
            raise http.not_a_page(path, "is not the zipped export (one JSON response a line)") from None

    def _record(self, response: Mapping[str, Any]) -> PulledRecord:
        found = response.get("values")
        values: dict[str, Any] = found if isinstance(found, dict) else {}
        options = self.opts
        keep = {"recordedDate", "finished",
                *(k for k in (options.question, options.ticket_field, options.comment) if k)}
        data = {"responseId": response.get("responseId"),
                "values": {key: values.get(key) for key in sorted(keep) if key in values}}
        return PulledRecord(str(response.get("responseId")), iso_utc(values.get("recordedDate")), False, data)

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        if state.get("phase") == "export":
            return f"the export {state.get('progress_id')} (started, not ready yet)"
        if state.get("phase") == "file":
            return f"the export file from response {int(state.get('offset') or 0) + 1} on"
        since = "the last export" if state.get("token") else f"{iso(self.start)}"
        return f"the responses recorded or changed since {since}"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        found = record.get("values")
        values: Mapping[str, Any] = found if isinstance(found, dict) else {}
        if values.get("finished") not in (1, True, "1", "true", "True"):
            return None  # an unfinished response recorded when it closed: not a response
        options = self.opts
        score = values.get(options.question)
        survey = options.survey
        ticket = options.ticket_field
        comment = options.comment
        return {
            "response_id": str(record.get("responseId")),
            "submitted_at": iso_utc(values.get("recordedDate")),
            "survey": survey.strip().lower() if isinstance(survey, str) else None,
            "score": score if isinstance(score, int | float) and not isinstance(score, bool) else text(score),
            "ticket_id": text(values.get(ticket)) if isinstance(ticket, str) else None,
            "comment": text(values.get(comment)) if isinstance(comment, str) else None,
        }
