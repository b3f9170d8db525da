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

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import field_validator

from reportgen.sources.api.declarative import DeclarativeConnector, Rule, take
from reportgen.sources.api.http import HttpClient
from reportgen.sources.api.settings import ApiOptions
from reportgen.sources.api.store import Lookups
from reportgen.sources.api.streams import Cursor, Incremental, Stream, StreamCursor, TokenPaging, keep_fields
from reportgen.sources.api.times import iso_utc, seconds, unix_iso
from reportgen.sources.api.zendesk import ZendeskSettings, zendesk_auth, zendesk_probe

RATINGS = "/api/v2/satisfaction_ratings.json"
PAGE_SIZE = 100
LOOKBACK_DAYS = 28


class CsatOptions(ApiOptions):
    good_score: float = 5  # score of a good rating (default 5)
    bad_score: float = 1  # score of a bad rating (default 1)

    @field_validator("good_score", "bad_score", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        return value


class ZendeskCsatSettings(ZendeskSettings):
    options: CsatOptions = CsatOptions()


def _options(connector: DeclarativeConnector) -> CsatOptions:
    assert isinstance(connector.config.options, CsatOptions)
    return connector.config.options


def _score(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    options = connector.source.options  # as written: 5 stays 5, not 5.0
    return options.get("good_score", 5) if record.get("score") == "good" else options.get("bad_score", 1)


MAPPING: dict[str, Rule] = {
    "response_id": take("id", str),
    "submitted_at": lambda record, connector, lookups: iso_utc(record.get("updated_at"))
    or iso_utc(record.get("created_at")),
    "survey": lambda record, connector, lookups: "csat",
    "score": _score,
    "ticket_id": take("ticket_id"),
    "comment": take("comment"),
}


class ZendeskCsat(DeclarativeConnector):
    api = "zendesk_csat"
    datasets = ("surveys",)
    Settings = ZendeskCsatSettings
    auth_hint = ("check email: and token: (an API token from Admin Center › Apps and integrations › "
                 "Zendesk API; satisfaction ratings need an admin)")
    per_page: ClassVar[int] = PAGE_SIZE
    # start_time filters on created_at: a later pull looks back 28 days (the survey link's life)
    streams = (Stream(
        "ratings", RATINGS, "satisfaction_ratings",
        TokenPaging(param="page[after]", token="meta.after_cursor", more="meta.has_more"),
        keep_fields("id", "score", "ticket_id", "comment", "created_at", "updated_at"),
        Incremental("created_at", "start_time", lookback=timedelta(days=LOOKBACK_DAYS)),
        params={"score": "received"}, page_size="page[size]", what="satisfaction ratings"),)
    mapping = MAPPING

    def credentials(self) -> tuple[str, str]:
        return zendesk_auth(self.source)

    def probe(self, http: HttpClient) -> None:
        zendesk_probe(http)

    def is_row(self, record: Mapping[str, Any]) -> bool:
        return record.get("score") in ("good", "bad")

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor:
        """Before the base: ``{"start_time", "newest"}`` (Unix seconds), ``after`` (a token), ``done``."""
        return Cursor("ratings", {"ratings": StreamCursor(
            since=seconds(stored.get("start_time")), newest=seconds(stored.get("newest")),
            token=stored.get("after") or None, done=bool(stored.get("done")))})

    def position(self, cursor: dict[str, Any] | None) -> str:
        at = self.cursor_of(cursor).of("ratings")
        since = unix_iso(at.since if at.since is not None else self.floor())
        return f"the satisfaction ratings after the last stored page (of those since {since})"
