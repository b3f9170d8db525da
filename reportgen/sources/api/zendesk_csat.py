"""Zendesk CSAT: the account's satisfaction ratings as CSAT survey responses.

``GET {url}/api/v2/satisfaction_ratings.json?score=received&start_time=…``
with cursor pagination (``page[size]=100``, following ``meta.after_cursor``
while ``meta.has_more``). Only received ratings (good or bad) are responses;
offered-but-unanswered ones are not requested.

A rating keeps the time it was created (when the survey was offered) even
when the customer answers days later, and ``start_time`` filters on that
time. So each later pull starts ``LOOKBACK_DAYS`` (28, the life of the
survey link) before the newest rating it stored: a rating answered or
changed within that window is picked up again; a re-read one replaces its
earlier version.

=================  =======================================================
canonical          from
=================  =======================================================
response_id        ``id``
submitted_at       ``updated_at`` (when the score was given or changed)
survey             ``csat``
score              good → 5, bad → 1 (``options.good_score`` / ``bad_score``),
                   so CSAT = good / (good + bad), Zendesk's own formula
ticket_id          ``ticket_id``
comment            ``comment``
=================  =======================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from reportgen.config import SourceConfig
from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, register, text
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.zendesk import zendesk_auth, zendesk_probe

RATINGS = "/api/v2/satisfaction_ratings.json"
PAGE_SIZE = 100
LOOKBACK_DAYS = 28
SURVEY_COLUMNS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")


@register
class ZendeskCsat(Connector):
    api = "zendesk_csat"
    datasets = ("surveys",)
    columns = SURVEY_COLUMNS
    required = ("url", "email", "token")
    accepted = ("url", "email", "token", "start")
    options: ClassVar[Mapping[str, str]] = {
        "good_score": "score of a good rating (default 5)",
        "bad_score": "score of a bad rating (default 1)",
    }
    auth_hint = ("check email: and token: (an API token from Admin Center › Apps and integrations › "
                 "Zendesk API; satisfaction ratings need an admin)")

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        found = super().problems(dataset, source)
        for key in ("good_score", "bad_score"):
            value = source.options.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                found.append(f"sources.{dataset}.options.{key}: must be a number")
        return found

    def credentials(self) -> tuple[str, str]:
        return zendesk_auth(self.source)

    def probe(self, http: HttpClient) -> None:
        zendesk_probe(http)

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        cursor = dict(cursor or {})
        start_time = int(cursor.get("start_time") or self.start.timestamp())
        newest = int(cursor.get("newest") or start_time)
        after = cursor.get("after") if not cursor.get("done") else None
        if cursor.get("done"):  # the last pull finished: look back from the newest rating stored
            floor = int(self.start.timestamp())
            start_time = max(floor, newest - LOOKBACK_DAYS * 86400)
        while True:
            params: dict[str, Any] = {"score": "received", "start_time": start_time,
                                      "page[size]": PAGE_SIZE}
            if after:
                params["page[after]"] = after
            body = http.get_json(RATINGS, params)
            ratings = body.get("satisfaction_ratings") if isinstance(body, dict) else None
            if not isinstance(ratings, list):
                raise ApiError(f"{self.label}: {RATINGS} did not return satisfaction ratings",
                               hint="check url: it must be the account's base URL")
            records = []
            for rating in ratings:
                if not isinstance(rating, dict) or rating.get("id") is None:
                    continue
                created = parse_time(rating.get("created_at"))
                if created is not None:
                    newest = max(newest, int(created.timestamp()))
                records.append(PulledRecord(str(rating["id"]), rating.get("updated_at"), False, {
                    key: rating.get(key) for key in
                    ("id", "score", "ticket_id", "comment", "created_at", "updated_at")}))
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            more = bool(meta.get("has_more")) and bool(meta.get("after_cursor"))
            after = meta.get("after_cursor") if more else None
            next_cursor = {"start_time": start_time, "newest": newest, "after": after, "done": not more}
            yield Page(records, next_cursor, end_of_stream=not more)
            if not more:
                return

    def position(self, cursor: dict[str, Any] | None) -> str:
        since = datetime.fromtimestamp(int((cursor or {}).get("start_time") or self.start.timestamp()), UTC)
        return f"the satisfaction ratings after the last stored page (of those since {iso(since)})"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        score = record.get("score")
        good = self.source.options.get("good_score", 5)
        bad = self.source.options.get("bad_score", 1)
        value = good if score == "good" else bad if score == "bad" else None
        if value is None:
            return None
        return {
            "response_id": str(record.get("id")),
            "submitted_at": iso_utc(record.get("updated_at")) or iso_utc(record.get("created_at")),
            "survey": "csat",
            "score": value,
            "ticket_id": text(record.get("ticket_id")),
            "comment": text(record.get("comment")),
        }


