"""Help Scout conversations from the Mailbox API 2.0.

    tickets:
      api: helpscout
      url: "https://api.helpscout.net"         # the default; any URL for a proxy or a test
      client_id: "${HELPSCOUT_CLIENT_ID}"       # an OAuth2 app (Your Profile › My Apps)
      client_secret: "${HELPSCOUT_CLIENT_SECRET}"
      start: "2025-01-01"

The connector first asks ``POST {url}/v2/oauth2/token`` for an access token
(client credentials grant) and sends it as a Bearer token for the rest of the
pull. It then walks ``GET /v2/conversations?status=all&modifiedSince=…
&sortField=createdAt&sortOrder=asc&embed=threads&page=…`` (25 a page) while
``_links.next`` says there is more. The walk is ordered by creation, not by
modification: a conversation changed while the pull runs then keeps its place
in the order, so no page shifts under the walk and none is skipped (sorted by
``modifiedAt`` it would move to the end and push the next one back into a page
already read). The conversation carries no modification time, so each later
pull asks for the changes since the moment the previous walk began, less
``LOOKBACK_MINUTES`` (15; clocks differ), and conversations read again replace
themselves. Spam leaves the report; deleted conversations are not listed by
Help Scout, so they leave it at the next ``reportgen pull --full``.

=====================  ====================================================================
canonical              from
=====================  ====================================================================
ticket_id              ``id``
created_at             ``createdAt`` (UTC)
first_response_at      the first embedded thread of type ``reply`` written by a user
resolved_at            ``closedAt`` while ``status`` is ``closed``
category               the first of ``tags``
channel                ``source.type``: email → Email, chat → Chat, phone → Phone, web → Web
                       form, api → API, beacon → Beacon (others capitalised); an email a
                       user (agent) started (``source.via: user``) is on the outbound channel
                       "Outbound email" (docs/SPEC_NOTES.md). A phone conversation is
                       always logged by a user, so its ``via`` says nothing of who called.
agent                  ``assignee`` first and last name
replies                the number of embedded ``reply`` threads by users
reopens                not available: Help Scout keeps no reopen count (FCR: 0 reopens; reopen_rate: no value)
customer_id            ``primaryCustomer.id``
=====================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from pydantic import field_validator

from reportgen.sources.api.base import Connector, Page, Row, iso, iso_utc, parse_time, text
from reportgen.sources.api.batch import COMMIT_RECORDS, batched
from reportgen.sources.api.http import ApiError, AuthError, HttpClient, RateLimit
from reportgen.sources.api.settings import ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord

DEFAULT_URL = "https://api.helpscout.net"
TOKEN = "/v2/oauth2/token"
CONVERSATIONS = "/v2/conversations"
LOOKBACK_MINUTES = 15
COLUMNS = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent",
           "replies", "customer_id")
OUTBOUND = "Outbound email"  # an email conversation a user started (``source.via: user``)
CHANNELS = {"email": "Email", "chat": "Chat", "phone": "Phone", "web": "Web form", "api": "API",
            "beacon": "Beacon"}
# the mapping as data: canonical column → where it comes from in a conversation
MAPPING: dict[str, str] = {
    "ticket_id": "id",
    "created_at": "createdAt",
    "first_response_at": "_embedded.threads[type=reply, createdBy.type=user].createdAt (the first)",
    "resolved_at": "closedAt (status closed)",
    "category": "tags[0].tag",
    "channel": "source.type (source.via user on an email: Outbound email)",
    "agent": "assignee.first + assignee.last",
    "replies": "count of _embedded.threads[type=reply, createdBy.type=user]",
    "customer_id": "primaryCustomer.id",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _since(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class HelpScoutSettings(ApiSettings):
    client_id: str
    client_secret: str

    @field_validator("token")
    @classmethod
    def _no_token(cls, value: str | None) -> str | None:
        if value is not None:  # OAuth2 only: a token would be ignored, so it is refused
            raise ValueError("not used by api: helpscout (it takes client_id: and client_secret:)")
        return value


class HelpScoutConversations(Connector):
    api = "helpscout"
    datasets = ("tickets",)
    columns = COLUMNS
    outbound_channels: ClassVar[tuple[str, ...]] = (OUTBOUND,)
    Settings = HelpScoutSettings
    default_url = DEFAULT_URL
    auth_hint = "check client_id: and client_secret: (an OAuth2 app under Your Profile › My Apps)"
    # 200 requests a minute; a 429 says how long to wait in X-RateLimit-Retry-After (not Retry-After)
    rate_limit = RateLimit(remaining="X-RateLimit-Remaining-Minute", reset="X-RateLimit-Retry-After",
                           reset_in_seconds=True)

    def credentials(self) -> None:
        return None

    def _login(self, http: HttpClient) -> None:
        body = http.post_json(TOKEN, form={"grant_type": "client_credentials",
                                           "client_id": self.source.client_id or "",
                                           "client_secret": self.source.client_secret or ""})
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(f"{self.label}: {TOKEN} gave no access token", hint=self.auth_hint)
        http.use_bearer(token)

    commit_records: ClassVar[int] = COMMIT_RECORDS

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The vendor's pages, gathered about ``commit_records`` records a store page (batch.py)."""
        return batched(self._vendor_pages(http, cursor), self.commit_records)

    def probe(self, http: HttpClient) -> None:
        self._login(http)
        http.get_json("/v2/users/me")

    def _vendor_pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        self._login(http)
        state = dict(cursor or {})
        if not state or state.get("done"):
            started = parse_time(state.get("started"))
            since = max(self.start, started - timedelta(minutes=LOOKBACK_MINUTES)) if started else self.start
            state = {"since": iso(since), "started": iso(_now()), "page": 1, "done": False}
        since = parse_time(state["since"]) or self.start
        page = int(state.get("page") or 1)
        while True:
            params = {"status": "all", "modifiedSince": _since(since), "sortField": "createdAt",
                      "sortOrder": "asc", "embed": "threads", "page": page}
            body = http.get_json(CONVERSATIONS, params)
            embedded = body.get("_embedded") if isinstance(body, dict) else None
            found = embedded.get("conversations") if isinstance(embedded, dict) else ([] if isinstance(
                body, dict) and "page" in body else None)
            if not isinstance(found, list):
                raise ApiError(f"{self.label}: {CONVERSATIONS} did not return conversations",
                               hint="check url: it must be Help Scout's API (https://api.helpscout.net)")
            records = [self._record(c) for c in found if isinstance(c, dict) and c.get("id") is not None]
            more = self._next_page(body)
            end = more is None
            if not end and more is not None and more <= page:
                raise ApiError(f"{self.label}: {CONVERSATIONS} page {page} links back to page {more}")
            page = page if more is None else more
            state = {**state, "page": page, "done": end}
            yield Page(records, dict(state), end_of_stream=end)
            if end:
                return

    @staticmethod
    def _next_page(body: Mapping[str, Any]) -> int | None:
        """The page number ``_links.next`` points at (asked through ``url:``, not the link's host)."""
        links = body.get("_links")
        nxt = links.get("next") if isinstance(links, dict) else None
        href = nxt.get("href") if isinstance(nxt, dict) else None
        if not isinstance(href, str):
            return None
        number = dict(parse_qsl(urlsplit(href).query)).get("page", "")
        return int(number) if number.isdigit() else None

    @staticmethod
    def _record(conversation: Mapping[str, Any]) -> PulledRecord:
        embedded = conversation.get("_embedded")
        threads = embedded.get("threads") if isinstance(embedded, dict) else None
        replies = sorted(
            str(t.get("createdAt")) for t in (threads if isinstance(threads, list) else [])
            if isinstance(t, dict) and t.get("type") == "reply" and t.get("state", "published") == "published"
            and isinstance(t.get("createdBy"), dict) and t["createdBy"].get("type") == "user"
            and parse_time(t.get("createdAt")) is not None)
        first_reply = min(replies, key=lambda r: parse_time(r) or datetime.max.replace(tzinfo=UTC)) \
            if replies else None
        assignee = conversation.get("assignee")
        name = None
        if isinstance(assignee, dict):
            name = " ".join(str(assignee.get(k) or "").strip() for k in ("first", "last")).strip() or None
        tags = conversation.get("tags")
        first_tag = next((t.get("tag") for t in tags if isinstance(t, dict)), None) \
            if isinstance(tags, list) else None
        source = conversation.get("source")
        customer = conversation.get("primaryCustomer")
        data = {
            "id": conversation.get("id"),
            "createdAt": conversation.get("createdAt"),
            "closedAt": conversation.get("closedAt"),
            "status": conversation.get("status"),
            "source_type": source.get("type") if isinstance(source, dict) else None,
            "source_via": source.get("via") if isinstance(source, dict) else None,
            "tag": first_tag,
            "assignee": name,
            "customer_id": customer.get("id") if isinstance(customer, dict) else None,
            "first_reply": first_reply,
            "replies": len(replies) if isinstance(threads, list) else None,
        }
        return PulledRecord(str(conversation.get("id")), iso_utc(conversation.get("userUpdatedAt")),
                            conversation.get("status") == "spam", data)

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = cursor or {}
        since = state.get("since") or iso(self.start)
        page = state.get("page") or 1
        return f"the conversations modified since {since}, from page {page} of the list"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        source = text(record.get("source_type"))
        if source and source.lower() == "email" and record.get("source_via") == "user":
            channel: str | None = OUTBOUND  # a user wrote first: an outbound conversation
        else:
            channel = CHANNELS.get(source.lower(), source.capitalize()) if source else None
        replies = record.get("replies")
        return {
            "ticket_id": str(record.get("id")),
            "created_at": iso_utc(record.get("createdAt")),
            "first_response_at": iso_utc(record.get("first_reply")),
            "resolved_at": iso_utc(record.get("closedAt")) if record.get("status") == "closed" else None,
            "category": text(record.get("tag")),
            "channel": channel,
            "agent": text(record.get("assignee")),
            "replies": replies if isinstance(replies, int) and not isinstance(replies, bool) else None,
            "customer_id": text(record.get("customer_id")),
        }
