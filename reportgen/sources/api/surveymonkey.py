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
``per_page=100``, declared as a stream on the connector base with the shared
``SinceWindow`` paging (as Freshdesk and Delighted): each full page moves
``start_modified_at`` (on or after) to that page's newest modification and asks
page 1 again instead of walking page numbers: a response edited during the pull
moves to the end of the order, and offset pages would then skip the one that slid
back into a page already read. Responses read again replace themselves. Only when
a whole page lies in that second does it ask for the next page number; a short page
ends the walk. Each later pull starts from the newest modification stored. Pages
are stored about 1,000 responses a transaction (batch.py). Deleted responses are not listed
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
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.sources.api.base import Page
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.declarative import DeclarativeConnector, Rule, take
from reportgen.sources.api.http import ApiError, HttpClient, RateLimit
from reportgen.sources.api.settings import ApiSettings, OneKindOptions
from reportgen.sources.api.store import Lookups
from reportgen.sources.api.streams import Incremental, SinceWindow, Stream, keep_fields
from reportgen.sources.api.times import iso_utc, text, utc_plain

DEFAULT_URL = "https://api.surveymonkey.com"
RESPONSES = "/v3/surveys/{survey_id}/responses/bulk"
DETAILS = "/v3/surveys/{survey_id}/details"
PER_PAGE = 100
PAGE_LIMIT = 500
LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


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


class SurveyMonkeyOptions(OneKindOptions):
    question: str  # the score question: its id or its heading
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


def _options(connector: DeclarativeConnector) -> SurveyMonkeyOptions:
    assert isinstance(connector.config, SurveyMonkeySettings)
    return connector.config.options


def _answers(record: Mapping[str, Any], question: str | None) -> list[Mapping[str, Any]]:
    if question is None:
        return []
    for page in record.get("pages") or []:
        for asked in (page.get("questions") or []) if isinstance(page, dict) else []:
            if isinstance(asked, dict) and str(asked.get("id")) == question:
                return [a for a in asked.get("answers") or [] if isinstance(a, dict)]
    return []


def _score(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    """The chosen choice's number (its weight, else the number its text starts with)."""
    for answer in _answers(record, lookups.get("question", {}).get("score")):
        score: str | float | None
        if answer.get("choice_id") is not None:
            found = lookups.get("choice", {}).get(str(answer["choice_id"]))
            score = float(found) if found is not None else text(answer.get("choice_id"))
        else:
            number = _number(answer.get("text"))
            score = number if number is not None else text(answer.get("text"))
        return int(score) if isinstance(score, float) and score.is_integer() else score
    return None


def _ticket(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    key = _options(connector).ticket_variable
    variables = record.get("custom_variables")
    return text(variables.get(key)) if key and isinstance(variables, dict) else None


def _comment(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    said = _answers(record, lookups.get("question", {}).get("comment"))
    return text(said[0].get("text")) if said else None


# the canonical mapping table: column → rule on the stored response
MAPPING: dict[str, Rule] = {
    "response_id": take("id", str),
    "submitted_at": take("date_modified", iso_utc),
    "survey": lambda record, connector, lookups: _options(connector).survey,
    "score": _score,
    "ticket_id": _ticket,
    "comment": _comment,
}


class SurveyMonkeyResponses(DeclarativeConnector):
    api = "surveymonkey"
    datasets = ("surveys",)
    Settings = SurveyMonkeySettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (an access token of a SurveyMonkey app with the responses_read_detail scope)"
    url_hint = "check url: it must be SurveyMonkey's API (https://api.surveymonkey.com)"
    per_page: ClassVar[int] = PER_PAGE
    # 120 requests a minute for a private app; the window's seconds left come with every answer
    rate_limit = RateLimit(remaining="X-Ratelimit-App-Global-Minute-Remaining",
                           reset="X-Ratelimit-App-Global-Minute-Reset", reset_in_seconds=True)
    streams = (Stream(
        "responses", RESPONSES, "data", SinceWindow(page_limit=PAGE_LIMIT),
        keep_fields("id", "response_status", "date_modified", "custom_variables", "pages",
                    updated="date_modified", version=iso_utc),
        Incremental("date_modified", "start_modified_at", utc_plain),
        page_size="per_page", params={"sort_by": "date_modified", "sort_order": "ASC"},
        what="a list of responses"),)
    mapping = MAPPING
    commit_records: ClassVar[int] = COMMIT_RECORDS

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def credentials(self) -> None:
        return None

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The declarative walk, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(super().pages(http, cursor), self.commit_records)

    def fetch(self, http: HttpClient, stream: Stream, path: str, params: dict[str, Any]) -> Any:
        try:
            return super().fetch(http, stream, path, params)
        except ApiError as exc:
            raise self._not_found(exc) from None

    def _not_found(self, exc: ApiError) -> ApiError:
        if "HTTP 404" in exc.problem:
            return ApiError(f"{self.label}: survey '{self.source.survey_id}' not found (404)",
                            hint="check survey_id: (GET /v3/surveys lists the account's surveys)")
        return exc

    def _get(self, http: HttpClient, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            body = http.get_json(self.resolve(path), params)
        except ApiError as exc:
            raise self._not_found(exc) from None
        if not isinstance(body, dict):
            raise ApiError(f"{self.label}: {self.resolve(path)} did not answer with an object",
                           hint=self.url_hint)
        return body

    def probe(self, http: HttpClient) -> None:
        self._get(http, RESPONSES, {"per_page": 1})

    def is_row(self, record: Mapping[str, Any]) -> bool:
        return record.get("response_status") == "completed"  # partial, over quota, disqualified: not

    def lookups(self, http: HttpClient) -> Lookups:
        """The score question (by id or heading) and the number each of its choices stands for."""
        details = self._get(http, DETAILS)
        questions = [q for page in details.get("pages") or [] if isinstance(page, dict)
                     for q in page.get("questions") or [] if isinstance(q, dict)]

        def find(wanted: str, key: str) -> dict[str, Any]:
            want = wanted.strip()
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

        options = _options(self)
        score = find(options.question, "question")
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
        if options.comment is not None:
            chosen["comment"] = str(find(options.comment, "comment").get("id"))
        return {"choice": choices, "question": chosen}
