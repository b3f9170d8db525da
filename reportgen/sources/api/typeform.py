"""Typeform: one form's responses from ``GET {url}/forms/{form}/responses``.

    surveys:
      api: typeform
      url: "https://api.typeform.com"    # the default (EU accounts: https://api.eu.typeform.com)
      token: "${TYPEFORM_TOKEN}"         # a personal access token with responses:read (Bearer)
      form: "AbCd1234"                   # the form id, from the form's URL
      start: "2025-01-01"
      options: {score_field: "nps_question_ref", survey: nps}

A pull walks the form's completed responses submitted ``since`` a point in
time, newest first, ``page_size=1000`` (Typeform's maximum) at a time, each
next page asked ``before`` the token of the last response received: tokens
follow the order Typeform processed the responses, so a response submitted
while the pull runs cannot shift the pages. The walk ends when a page holds
every remaining response (``total_items``). The first pull's ``since`` is
``start``; each later one starts ``LOOKBACK_HOURS`` (24) before the newest
response stored, which catches responses Typeform processed late. Responses
read again replace their stored version (by token), so nothing is counted twice.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
response_id            ``token`` (``response_id``)
submitted_at           ``submitted_at`` (UTC)
survey                 ``options.survey`` (required: nps, csat or ces)
score                  the ``number`` answer of the field whose ``ref`` or ``id`` is
                       ``options.score_field`` (required; opinion scale, NPS, rating or
                       number questions); a response without it is excluded as missing_score
ticket_id              ``hidden[options.ticket_hidden]`` (a hidden field, e.g. ``ticket_id``)
comment                the ``text`` answer of ``options.comment_field`` (a ref or id)
=====================  ====================================================================

The credential check is one ``page_size=1`` request for the form (it also
tells a wrong ``form:`` apart).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, register, text
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord

DEFAULT_URL = "https://api.typeform.com"
PAGE_SIZE = 1000
LOOKBACK_HOURS = 24
SURVEY_COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")
KINDS = ("nps", "csat", "ces")


def _since(moment: datetime) -> str:
    """As Typeform takes ``since``: UTC, to the second, ``T`` between date and time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@register
class TypeformResponses(Connector):
    api = "typeform"
    datasets = ("surveys",)
    columns = SURVEY_COLUMNS
    required = ("token", "form")
    accepted = ("url", "token", "start", "form")
    options: ClassVar[Mapping[str, str]] = {
        "score_field": "ref (or id) of the question whose number answer is the score (required)",
        "survey": "nps, csat or ces: the kind of every response (required)",
        "comment_field": "ref (or id) of a text question holding the comment",
        "ticket_hidden": "name of the hidden field holding the ticket id",
    }
    auth_hint = "check token: (a Typeform personal access token with the responses:read scope)"

    def __init__(self, dataset: str, source: SourceConfig, timezone: str):
        super().__init__(dataset, source, timezone)
        self.url = (source.url or DEFAULT_URL).rstrip("/")
        self.path = f"/forms/{source.form or ''}/responses"

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        found = super().problems(dataset, source)
        where = f"sources.{dataset}.options"
        for key in ("score_field", "survey"):
            if key not in source.options:
                found.append(f"{where}.{key}: required for api: typeform "
                             "(e.g. options: {score_field: nps_question_ref, survey: nps})")
        survey = source.options.get("survey")
        if survey is not None and (not isinstance(survey, str) or survey.strip().lower() not in KINDS):
            found.append(f"{where}.survey: must be one of nps, csat, ces")
        for key in ("score_field", "comment_field", "ticket_hidden"):
            value = source.options.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                found.append(f"{where}.{key}: must be a field ref or id")
        if source.form is not None and ("/" in source.form or not source.form.strip()):
            found.append(f"sources.{dataset}.form: '{source.form}' is not a form id (the part of the form's "
                         "URL after /to/)")
        return found

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def probe(self, http: HttpClient) -> None:
        self._get(http, {"page_size": 1})

    def _get(self, http: HttpClient, params: dict[str, Any]) -> dict[str, Any]:
        try:
            body = http.get_json(self.path, params)
        except ApiError as exc:
            if "HTTP 404" in exc.problem:
                raise ApiError(f"{self.label}: form '{self.source.form}' not found (404)",
                               hint="check form: (the id in the form's URL, …/to/<id>) and that the "
                                    "token's account owns it") from None
            raise
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise ApiError(f"{self.label}: {self.path} did not return responses",
                           hint="check url: it must be Typeform's API (https://api.typeform.com)")
        return body

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        since = parse_time(state.get("since")) or self.start
        newest = parse_time(state.get("newest"))
        before = state.get("before")
        if state.get("done"):
            floor = self.start
            since = max(floor, (newest or floor) - timedelta(hours=LOOKBACK_HOURS))
            before = None
        while True:
            params: dict[str, Any] = {"page_size": PAGE_SIZE, "since": _since(since)}
            if before:
                params["before"] = before
            body = self._get(http, params)
            records = []
            for item in body["items"]:
                if not isinstance(item, dict) or not item.get("token"):
                    continue
                submitted = parse_time(item.get("submitted_at"))
                if submitted is not None:
                    newest = max(newest, submitted) if newest else submitted
                records.append(PulledRecord(str(item["token"]), iso(submitted), False, {
                    key: item.get(key) for key in ("token", "submitted_at", "answers", "hidden")}))
            total = body.get("total_items")
            last = not records or not isinstance(total, int) or total <= len(body["items"])
            mark = {"since": iso(since), "newest": iso(newest)}
            if last:
                yield Page(records, {**mark, "before": None, "done": True}, end_of_stream=True)
                return
            before = records[-1].record_id
            yield Page(records, {**mark, "before": before, "done": False})

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        since = state.get("since") or iso(self.start)
        before = state.get("before")
        older = " older than the last stored page" if before else ""
        return f"the form's responses{older} submitted since {since}"

    @staticmethod
    def _answer(record: Mapping[str, Any], field: str) -> Mapping[str, Any] | None:
        answers = record.get("answers")
        for answer in answers if isinstance(answers, list) else []:
            if not isinstance(answer, dict):
                continue
            spec = answer.get("field")
            if isinstance(spec, dict) and field in (spec.get("ref"), spec.get("id")):
                return answer
        return None

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        options = self.source.options
        score: str | int | float | None = None
        answer = self._answer(record, str(options.get("score_field", "")))
        if answer is not None:
            value = answer.get("number")
            if isinstance(value, int | float) and not isinstance(value, bool):
                score = value
            else:  # a choice or text answer: passed on so the engine reports it as an invalid score
                choice = answer.get("choice")
                score = text(choice.get("label") if isinstance(choice, dict) else answer.get("text"))
        comment = None
        if isinstance(options.get("comment_field"), str):
            said = self._answer(record, options["comment_field"])
            comment = text(said.get("text")) if said else None
        hidden = record.get("hidden")
        ticket = None
        if isinstance(options.get("ticket_hidden"), str) and isinstance(hidden, dict):
            ticket = text(hidden.get(options["ticket_hidden"]))
        survey = options.get("survey")
        return {
            "response_id": str(record.get("token")),
            "submitted_at": iso_utc(record.get("submitted_at")),
            "survey": survey.strip().lower() if isinstance(survey, str) else None,
            "score": score,
            "ticket_id": ticket,
            "comment": comment,
        }
