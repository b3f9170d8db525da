"""Delighted: survey responses from ``GET {url}/v1/survey_responses.json``.

    surveys:
      api: delighted
      url: "https://api.delighted.com"   # the default; any URL for a proxy or a test
      token: "${DELIGHTED_API_KEY}"      # the project's API key (Settings › API): basic auth "{key}:"
      start: "2025-01-01"

Each request asks ``updated_since=<Unix seconds>&order=asc:updated_at&per_page=100&page=…``.
Like the Freshdesk list, the connector moves ``updated_since`` (inclusive:
"on or after") forward to the newest ``updated_at`` of each full page and asks
for page 1 again, instead of walking page numbers: a response updated while
the pull runs moves to the end of the order, and offset pages would then skip
one. Responses updated in that same second are read again and replace their
stored version. Only when a whole page shares one second does it ask for the
next page number. A
page with fewer than 100 responses ends the pull; the next pull starts from
its cursor, so it asks only for responses created or changed since (a comment
added later replaces the stored version).

=====================  ====================================================================
canonical              from
=====================  ====================================================================
response_id            ``id``
submitted_at           ``created_at`` (Unix seconds, UTC)
survey                 ``survey_type`` (nps, csat, ces; Delighted's other types such as
                       ``5star`` or ``enps`` are excluded as unknown_survey_kind), or
                       ``options.survey`` for every response
score                  ``score``
ticket_id              ``person_properties[options.ticket_property]`` (e.g. ``Ticket ID``)
comment                ``comment``
=====================  ====================================================================

The credential check is one ``per_page=1`` request. Delighted's CES question
is on a 1–7 scale: set ``kpis.ces.scale: [1, 7]`` to match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.sources.api.declarative import DeclarativeConnector, Rule, take
from reportgen.sources.api.settings import ApiOptions, ApiSettings, survey_kind
from reportgen.sources.api.store import Lookups
from reportgen.sources.api.streams import Cursor, Incremental, SinceWindow, Stream, StreamCursor, keep_fields
from reportgen.sources.api.times import seconds, text, unix, unix_iso

DEFAULT_URL = "https://api.delighted.com"
RESPONSES = "/v1/survey_responses.json"
KEPT = ("id", "survey_type", "score", "comment", "created_at", "updated_at", "person_properties")

__all__ = ["DelightedResponses", "unix_iso"]


class DelightedOptions(ApiOptions):
    survey: str | None = None  # nps, csat or ces for every response (default: each response's survey_type)
    ticket_property: str | None = None  # the person property holding the ticket id (e.g. 'Ticket ID')

    @field_validator("survey", mode="before")
    @classmethod
    def _survey(cls, value: Any) -> str | None:
        return survey_kind(value)

    @field_validator("ticket_property", mode="before")
    @classmethod
    def _property(cls, value: Any) -> str | None:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError("must be a property name")
        return value


class DelightedSettings(ApiSettings):
    token: str
    options: DelightedOptions = DelightedOptions()


def _survey(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    chosen = connector.config.options.survey if isinstance(connector.config, DelightedSettings) else None
    return chosen or text(record.get("survey_type"))


def _score(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    score = record.get("score")
    return score if isinstance(score, int | float) and not isinstance(score, bool) else text(score)


def _ticket(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    settings = connector.config
    prop = settings.options.ticket_property if isinstance(settings, DelightedSettings) else None
    people = record.get("person_properties")
    return text(people.get(prop)) if prop and isinstance(people, dict) else None


MAPPING: dict[str, Rule] = {
    "response_id": take("id", str),
    "submitted_at": take("created_at", unix_iso),
    "survey": _survey,
    "score": _score,
    "ticket_id": _ticket,
    "comment": take("comment"),
}


class DelightedResponses(DeclarativeConnector):
    api = "delighted"
    datasets = ("surveys",)
    Settings = DelightedSettings
    default_url = DEFAULT_URL
    auth_hint = "check token: (the API key of the Delighted project, Settings › API)"
    url_hint = "check url: it must be Delighted's API (https://api.delighted.com)"
    per_page: ClassVar[int] = 100
    probe_path = RESPONSES
    probe_params: ClassVar[Mapping[str, Any]] = {"per_page": 1}
    streams = (Stream(
        "responses", RESPONSES, "", SinceWindow(),
        keep_fields(*KEPT, version=unix_iso),
        Incremental("updated_at", "updated_since", unix),
        page_size="per_page", params={"order": "asc:updated_at"}, what="a list of responses"),)
    mapping = MAPPING

    def credentials(self) -> tuple[str, str]:
        return (self.source.token or "", "")

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor:
        """Before the base: ``{"since": <Unix seconds>, "page": n}``."""
        return Cursor("responses", {"responses": StreamCursor(since=seconds(stored.get("since")),
                                                              page=int(stored.get("page") or 1))})

    def position(self, cursor: dict[str, Any] | None) -> str:
        at = self.cursor_of(cursor).of("responses")
        since = at.since if at.since is not None else self.floor()
        return f"the responses updated since {unix_iso(since)} (from page {at.page})"
