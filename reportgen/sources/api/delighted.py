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

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, register, text
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord

DEFAULT_URL = "https://api.delighted.com"
RESPONSES = "/v1/survey_responses.json"
SURVEY_COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")
KINDS = ("nps", "csat", "ces")
KEPT = ("id", "survey_type", "score", "comment", "created_at", "updated_at", "person_properties")


def unix_iso(value: Any) -> str | None:
    """Unix seconds → ISO 8601 in UTC; None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return iso(datetime.fromtimestamp(value, UTC))


@register
class DelightedResponses(Connector):
    api = "delighted"
    datasets = ("surveys",)
    columns = SURVEY_COLUMNS
    required = ("token",)
    accepted = ("url", "token", "start")
    options: ClassVar[Mapping[str, str]] = {
        "survey": "nps, csat or ces for every response (default: each response's survey_type)",
        "ticket_property": "the person property holding the ticket id (e.g. 'Ticket ID')",
    }
    auth_hint = "check token: (the API key of the Delighted project, Settings › API)"
    per_page: ClassVar[int] = 100

    def __init__(self, dataset: str, source: SourceConfig, timezone: str):
        super().__init__(dataset, source, timezone)
        self.url = (source.url or DEFAULT_URL).rstrip("/")

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        found = super().problems(dataset, source)
        survey = source.options.get("survey")
        if survey is not None and (not isinstance(survey, str) or survey.strip().lower() not in KINDS):
            found.append(f"sources.{dataset}.options.survey: must be one of nps, csat, ces")
        prop = source.options.get("ticket_property")
        if prop is not None and (not isinstance(prop, str) or not prop.strip()):
            found.append(f"sources.{dataset}.options.ticket_property: must be a property name")
        return found

    def credentials(self) -> tuple[str, str]:
        return (self.source.token or "", "")

    def probe(self, http: HttpClient) -> None:
        http.get_json(RESPONSES, {"per_page": 1})

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        since = int(state.get("since") or self.start.timestamp())
        page = int(state.get("page") or 1)
        while True:
            body = http.get_json(RESPONSES, {"per_page": self.per_page, "page": page, "updated_since": since,
                                             "order": "asc:updated_at"})
            if not isinstance(body, list):
                raise ApiError(f"{self.label}: {RESPONSES} did not return a list of responses",
                               hint="check url: it must be Delighted's API (https://api.delighted.com)")
            records = []
            newest = since
            for item in body:
                if not isinstance(item, dict) or item.get("id") is None:
                    continue
                updated = item.get("updated_at")
                if isinstance(updated, int | float) and not isinstance(updated, bool):
                    newest = max(newest, int(updated))
                records.append(PulledRecord(str(item["id"]), unix_iso(updated), False,
                                            {key: item.get(key) for key in KEPT}))
            if len(body) < self.per_page:  # the last page: the next pull starts from the newest change
                yield Page(records, {"since": max(since, newest), "page": 1}, end_of_stream=True)
                return
            if newest > since:
                since, page = newest, 1
            else:  # a whole page within one second: the next page number
                page += 1
            yield Page(records, {"since": since, "page": page})

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        since = int(state.get("since") or self.start.timestamp())
        return f"the responses updated since {unix_iso(since)} (from page {int(state.get('page') or 1)})"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        chosen = self.source.options.get("survey")
        survey = chosen.strip().lower() if isinstance(chosen, str) else text(record.get("survey_type"))
        score = record.get("score")
        ticket = None
        prop = self.source.options.get("ticket_property")
        people = record.get("person_properties")
        if isinstance(prop, str) and isinstance(people, dict):
            ticket = text(people.get(prop))
        return {
            "response_id": str(record.get("id")),
            "submitted_at": unix_iso(record.get("created_at")),
            "survey": survey,
            "score": score if isinstance(score, int | float) and not isinstance(score, bool) else text(score),
            "ticket_id": ticket,
            "comment": text(record.get("comment")),
        }
