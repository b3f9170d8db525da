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

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.sources.api.declarative import DeclarativeConnector, Rule, take
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.settings import ApiSettings, OneKindOptions
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.streams import Cursor, Incremental, Stream, StreamCursor, TokenPaging, keep_fields
from reportgen.sources.api.times import iso, iso_utc, seconds, text, unix_iso, utc_plain

DEFAULT_URL = "https://api.typeform.com"
PAGE_SIZE = 1000
LOOKBACK_HOURS = 24


def _field(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError("must be a field ref or id")
    return value


class TypeformOptions(OneKindOptions):
    score_field: str  # ref (or id) of the question whose number answer is the score
    comment_field: str | None = None  # ref (or id) of a text question holding the comment
    ticket_hidden: str | None = None  # name of the hidden field holding the ticket id

    @field_validator("score_field", "comment_field", "ticket_hidden", mode="before")
    @classmethod
    def _fields(cls, value: Any) -> str | None:
        return _field(value)


class TypeformSettings(ApiSettings):
    options_example = "e.g. options: {score_field: nps_question_ref, survey: nps}"
    token: str
    form: str
    options: TypeformOptions

    @field_validator("form")
    @classmethod
    def _form(cls, value: str) -> str:
        if "/" in value or not value.strip():
            raise ValueError(f"'{value}' is not a form id (the part of the form's URL after /to/)")
        return value


def _answer(record: Mapping[str, Any], field: str) -> Mapping[str, Any] | None:
    answers = record.get("answers")
    for answer in answers if isinstance(answers, list) else []:
        if not isinstance(answer, dict):
            continue
        spec = answer.get("field")
        if isinstance(spec, dict) and field in (spec.get("ref"), spec.get("id")):
            return answer
    return None


def _options(connector: DeclarativeConnector) -> TypeformOptions:
    assert isinstance(connector.config, TypeformSettings)
    return connector.config.options


def _score(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    answer = _answer(record, _options(connector).score_field)
    if answer is None:
        return None
    value = answer.get("number")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    choice = answer.get("choice")  # a choice or text answer: passed on, reported as an invalid score
    return text(choice.get("label") if isinstance(choice, dict) else answer.get("text"))


def _comment(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    field = _options(connector).comment_field
    said = _answer(record, field) if field else None
    return text(said.get("text")) if said else None


def _ticket(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    field, hidden = _options(connector).ticket_hidden, record.get("hidden")
    return text(hidden.get(field)) if field and isinstance(hidden, dict) else None


MAPPING: dict[str, Rule] = {
    "response_id": take("token", str),
    "submitted_at": take("submitted_at", iso_utc),
    "survey": lambda record, connector, lookups: _options(connector).survey,
    "score": _score,
    "ticket_id": _ticket,
    "comment": _comment,
}


def _before(body: Any, records: Sequence[PulledRecord]) -> str | None:
    return records[-1].record_id if records else None


def _more(body: Any, items: Sequence[Any], records: Sequence[PulledRecord]) -> bool:
    total = body.get("total_items") if isinstance(body, dict) else None
    return bool(records) and isinstance(total, int) and total > len(items)


class TypeformResponses(DeclarativeConnector):
    api = "typeform"
    datasets = ("surveys",)
    Settings = TypeformSettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (a Typeform personal access token with the responses:read scope)"
    url_hint = "check url: it must be Typeform's API (https://api.typeform.com)"
    per_page: ClassVar[int] = PAGE_SIZE
    streams = (Stream(
        "responses", "/forms/{form}/responses", "items",
        TokenPaging(param="before", token=_before, more=_more),
        keep_fields("token", "submitted_at", "answers", "hidden", id_field="token", updated="submitted_at",
                    version=iso_utc),
        Incremental("submitted_at", "since", utc_plain, lookback=timedelta(hours=LOOKBACK_HOURS)),
        page_size="page_size", what="responses"),)
    mapping = MAPPING

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def probe(self, http: HttpClient) -> None:
        self.fetch(http, self.streams[0], self.streams[0].path, {"page_size": 1})

    def fetch(self, http: HttpClient, stream: Stream, path: str, params: dict[str, Any]) -> Any:
        try:
            body = super().fetch(http, stream, path, params)
        except ApiError as exc:
            if "HTTP 404" in exc.problem:
                raise ApiError(f"{self.label}: form '{self.source.form}' not found (404)",
                               hint="check form: (the id in the form's URL, …/to/<id>) and that the "
                                    "token's account owns it") from None
            raise
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise ApiError(f"{self.label}: {self.resolve(stream.path)} did not return responses",
                           hint=self.url_hint)
        return body

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor:
        """Before the base: ``{"since", "newest"}`` (ISO 8601), ``before`` (a token), ``done``."""
        return Cursor("responses", {"responses": StreamCursor(
            since=seconds(stored.get("since")), newest=seconds(stored.get("newest")),
            token=stored.get("before") or None, done=bool(stored.get("done")))})

    def position(self, cursor: dict[str, Any] | None) -> str:
        at = self.cursor_of(cursor).of("responses")
        since = unix_iso(at.since) if at.since is not None else iso(self.start)
        older = " older than the last stored page" if at.token else ""
        return f"the form's responses{older} submitted since {since}"
