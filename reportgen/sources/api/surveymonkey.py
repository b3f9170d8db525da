"""SurveyMonkey: one survey's responses from ``GET /v3/surveys/{id}/responses/bulk``.

    surveys:
      api: surveymonkey
      url: "https://api.surveymonkey.com"   # the default (EU accounts: https://api.eu.surveymonkey.com)
      token: "${SURVEYMONKEY_TOKEN}"        # an access token with responses_read_detail (Bearer)
      survey_id: "412345678"
      start: "2025-01-01"
      options: {question: "How likely are you to recommend us?", survey: nps, ticket_variable: ticket}

Each pull first reads the survey's questions (``/details``) to find the score
question (by id, or by its heading) and the number each choice stands for (its
``weight``, else the number its text starts with). It then walks the responses
modified at or after ``start_modified_at`` sorted by ``date_modified`` ascending,
``per_page=100``. Like Freshdesk, each full page (``links.next`` present) moves
``start_modified_at`` to that page's newest modification less one second and asks
page 1 again instead of walking page numbers: a response edited during the pull
moves to the end of the order, and offset pages would then skip the one that slid
back into a page already read. Responses read again replace themselves. Only when
a whole page lies in that second does it ask for the next page number. Each later
pull starts from the newest modification stored. Deleted responses are not listed
(they leave at the next ``reportgen pull --full``). 120 requests a minute.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
response_id            ``id``
submitted_at           ``date_modified`` (SurveyMonkey's "End Date")
survey                 ``options.survey`` (nps, csat or ces)
score                  the chosen choice of ``options.question`` as a number; only
                       ``response_status: completed`` responses are rows
ticket_id              ``custom_variables[options.ticket_variable]``
comment                the text answer of ``options.comment`` (a question id or heading)
=====================  ====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, text
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.http import ApiError, HttpClient, RateLimit
from reportgen.sources.api.settings import ApiOptions, ApiSettings, survey_kind
from reportgen.sources.api.store import Lookups, PulledRecord

DEFAULT_URL = "https://api.surveymonkey.com"
PER_PAGE = 100
PAGE_LIMIT = 500
COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")
LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
MAPPING: dict[str, str] = {
    "response_id": "id", "submitted_at": "date_modified", "survey": "options.survey",
    "score": "pages[].questions[id=options.question].answers[0].choice_id → the choice's weight",
    "ticket_id": "custom_variables[options.ticket_variable]",
    "comment": "pages[].questions[id=options.comment].answers[0].text",
}


def _since(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    found = LEADING_NUMBER.match(str(value or ""))
    return float(found.group(1)) if found else None


def _name(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"must be {what}")
    return str(value).strip()


class SurveyMonkeyOptions(ApiOptions):
    question: str  # the score question: its id or its heading
    survey: str  # nps, csat or ces: the kind of every response
    ticket_variable: str | None = None  # the custom variable holding the ticket id
    comment: str | None = None  # an open-ended question (id or heading) holding the comment

    @field_validator("question", "comment", mode="before")
    @classmethod
    def _question(cls, value: Any) -> str | None:
        return _name(value, "a question id or heading")

    @field_validator("ticket_variable", mode="before")
    @classmethod
    def _variable(cls, value: Any) -> str | None:
        return _name(value, "a custom variable's name")

    @field_validator("survey", mode="before")
    @classmethod
    def _survey(cls, value: Any) -> str | None:
        return survey_kind(value)


class SurveyMonkeySettings(ApiSettings):
    options_example = 'e.g. options: {question: "How likely are you to recommend us?", survey: nps}'
    token: str
    survey_id: str
    options: SurveyMonkeyOptions

    @field_validator("survey_id")
    @classmethod
    def _survey_id(cls, value: str) -> str:
        if "/" in value or not value.strip():
            raise ValueError(f"'{value}' is not a survey id (GET /v3/surveys lists them)")
        return value


class SurveyMonkeyResponses(Connector):
    api = "surveymonkey"
    datasets = ("surveys",)
    columns = COLUMNS
    Settings = SurveyMonkeySettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (an access token of a SurveyMonkey app with the responses_read_detail scope)"
    per_page: ClassVar[int] = PER_PAGE
    # 120 requests a minute for a private app; the window's seconds left come with every answer
    rate_limit = RateLimit(remaining="X-Ratelimit-App-Global-Minute-Remaining",
                           reset="X-Ratelimit-App-Global-Minute-Reset", reset_in_seconds=True)

    def __init__(self, dataset: str, source: SourceConfig, timezone: str):
        super().__init__(dataset, source, timezone)
        self.base = f"/v3/surveys/{source.survey_id or ''}"

    @property
    def opts(self) -> SurveyMonkeyOptions:
        assert isinstance(self.config, SurveyMonkeySettings)
        return self.config.options

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def _get(self, http: HttpClient, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            body = http.get_json(self.base + path, params)
        except ApiError as exc:
            if "HTTP 404" in exc.problem:
                raise ApiError(f"{self.label}: survey '{self.source.survey_id}' not found (404)",
                               hint="check survey_id: (GET /v3/surveys lists the account's surveys)"
                               ) from None
            raise
        if not isinstance(body, dict):
            raise ApiError(f"{self.label}: {self.base}{path} did not answer with an object",
                           hint="check url: it must be SurveyMonkey's API (https://api.surveymonkey.com)")
        return body

    commit_records: ClassVar[int] = COMMIT_RECORDS

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The vendor's pages, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(self._vendor_pages(http, cursor), self.commit_records)

    def probe(self, http: HttpClient) -> None:
        self._get(http, "/responses/bulk", {"per_page": 1})

    def _lookups(self, http: HttpClient) -> Lookups:
        details = self._get(http, "/details")
        questions = [q for page in details.get("pages") or [] if isinstance(page, dict)
                     for q in page.get("questions") or [] if isinstance(q, dict)]

        def find(wanted: Any, key: str) -> dict[str, Any]:
            want = str(wanted).strip()
            for question in questions:
                headings = [h.get("heading") for h in question.get("headings") or [] if isinstance(h, dict)]
                named = (str(h).strip().lower() for h in headings)
                if want == str(question.get("id")) or want.lower() in named:
                    return question
            shown = "; ".join(f"{q.get('id')}: {text((q.get('headings') or [{}])[0].get('heading'))}"
                              for q in questions[:10])
            raise ApiError(f"{self.label}: options.{key}: no question '{want}' in survey "
                           f"{self.source.survey_id} (its questions: {shown})",
                           hint=f"set options.{key} to a question's id or its heading")

        score = find(self.opts.question, "question")
        found = score.get("answers")
        answers: dict[str, Any] = found if isinstance(found, dict) else {}
        choices: dict[str, str] = {}
        for choice in answers.get("choices") or []:
            if isinstance(choice, dict) and choice.get("id") is not None:
                value = _number(choice.get("weight")) if choice.get("weight") is not None else None
                value = value if value is not None else _number(choice.get("text"))
                if value is not None:
                    choices[str(choice["id"])] = f"{value:g}"
        chosen = {"score": str(score.get("id"))}
        if self.opts.comment is not None:
            chosen["comment"] = str(find(self.opts.comment, "comment").get("id"))
        return {"choice": choices, "question": chosen}

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        since = parse_time(state.get("since")) or self.start
        page = 1 if state.get("done") else int(state.get("page") or 1)
        lookups = self._lookups(http)
        while True:
            params = {"per_page": self.per_page, "page": page, "start_modified_at": _since(since),
                      "sort_by": "date_modified", "sort_order": "ASC"}
            body = self._get(http, "/responses/bulk", params)
            data = body.get("data")
            if not isinstance(data, list):
                raise ApiError(f"{self.label}: {self.base}/responses/bulk did not return responses",
                               hint="check url: it must be SurveyMonkey's API (https://api.surveymonkey.com)")
            kept = ("id", "response_status", "date_modified", "custom_variables", "pages")
            records = [PulledRecord(str(r["id"]), iso_utc(r.get("date_modified")), False,
                                    {key: r.get(key) for key in kept})
                       for r in data if isinstance(r, dict) and r.get("id") is not None]
            times = [m for m in (parse_time(r.updated_at) for r in records) if m is not None]
            newest = max(times, default=None)
            links = body.get("links")
            more = isinstance(links, dict) and bool(links.get("next"))
            moved = newest - timedelta(seconds=1) if newest is not None else None
            end = not more
            if end:
                since, page = max(since, moved) if moved is not None else since, 1
            elif moved is not None and moved > since:
                since, page = moved, 1
            else:  # a whole page modified in one second: the next page number
                page += 1
                if page > PAGE_LIMIT:
                    raise ApiError(f"{self.label}: more than {PAGE_LIMIT * self.per_page:,} responses share "
                                   f"the modification time {_since(since)}; the list cannot page past them")
            yield Page(records, {"since": iso(since), "page": page, "done": end}, lookups, end_of_stream=end)
            lookups = {}
            if end:
                return

    def position(self, cursor: dict[str, Any] | None) -> str:
        since = (cursor or {}).get("since") or iso(self.start)
        return f"the survey's responses modified since {since}"

    @staticmethod
    def _answers(record: Mapping[str, Any], question: str | None) -> list[Mapping[str, Any]]:
        if question is None:
            return []
        for page in record.get("pages") or []:
            for asked in (page.get("questions") or []) if isinstance(page, dict) else []:
                if isinstance(asked, dict) and str(asked.get("id")) == question:
                    return [a for a in asked.get("answers") or [] if isinstance(a, dict)]
        return []

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        if record.get("response_status") != "completed":
            return None  # partial, over quota or disqualified: not a response
        questions = lookups.get("question", {})
        score: str | float | None = None
        for answer in self._answers(record, questions.get("score")):
            if answer.get("choice_id") is not None:
                found = lookups.get("choice", {}).get(str(answer["choice_id"]))
                score = float(found) if found is not None else text(answer.get("choice_id"))
            elif answer.get("text") is not None:
                number = _number(answer["text"])
                score = number if number is not None else text(answer["text"])
            break
        said = self._answers(record, questions.get("comment"))
        variables = record.get("custom_variables")
        ticket_key = self.opts.ticket_variable
        survey = self.opts.survey
        return {
            "response_id": str(record.get("id")),
            "submitted_at": iso_utc(record.get("date_modified")),
            "survey": survey.strip().lower() if isinstance(survey, str) else None,
            "score": int(score) if isinstance(score, float) and score.is_integer() else score,
            "ticket_id": text(variables.get(str(ticket_key))) if isinstance(variables, dict) and ticket_key
            else None,
            "comment": text(said[0].get("text")) if said else None,
        }
