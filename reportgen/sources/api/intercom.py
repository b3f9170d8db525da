"""Intercom: conversations as tickets (``api: intercom``) and their ratings as CSAT (``api: intercom_csat``).

    tickets:
      api: intercom
      url: "https://api.intercom.io"     # the default (EU: https://api.eu.intercom.io, AU: …au.intercom.io)
      token: "${INTERCOM_TOKEN}"         # an access token of the workspace's app (Bearer)
      start: "2025-01-01"
      options: {category: tags}          # or "custom_attribute:<name>"

Both walk ``POST {url}/conversations/search`` with the query ``updated_at >
since``, sorted by ``updated_at`` ascending, ``per_page`` 150 (Intercom's most),
the next page asked with ``pagination.starting_after`` from the answer's
``pages.next.starting_after``. The first pull's ``since`` is ``start``; each
later one starts one second before the newest ``updated_at`` stored, so it asks
only for the conversations changed since (those of that last second are read
again and replace their stored version). Intercom answers 429 when the app's
rate limit is spent and says when the window resets in ``X-RateLimit-Reset``
(Unix seconds; ``X-RateLimit-Remaining`` counts down): the pull waits until
then, within its time limit. Admins' names come from ``GET /admins`` once a
pull; the credential check is ``GET /me``.

Tickets (``intercom``):

=====================  ====================================================================
canonical              from
=====================  ====================================================================
ticket_id              ``id``
created_at             ``created_at`` (Unix seconds, UTC)
first_response_at      ``statistics.first_admin_reply_at``
resolved_at            ``statistics.last_close_at`` when ``state`` is closed
category               the first of ``tags.tags`` (default, ``category: tags``), or
                       ``custom_attributes[<name>]`` (``category: "custom_attribute:<name>"``)
channel                ``source.type`` (conversation → Chat, email → Email, phone_call → Phone, …);
                       ``Outbound message`` when ``source.delivered_as`` is admin_initiated,
                       automated or campaigns_initiated (the team or its messages started it)
agent                  the name of ``admin_assignee_id`` (``GET /admins``)
replies                not available (no count of teammate replies): FCR shows no value
reopens                ``statistics.count_reopens``
customer_id            the first of ``contacts.contacts``' ``id``
=====================  ====================================================================

Surveys (``intercom_csat``), one response per rated conversation:

=====================  ====================================================================
response_id            the conversation's ``id``
submitted_at           ``conversation_rating.created_at``
survey                 ``csat``
score                  ``conversation_rating.rating`` (1–5)
ticket_id              the conversation's ``id``
comment                ``conversation_rating.remark``
=====================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import msgspec
from pydantic import field_validator

from reportgen.sources.api.declarative import DeclarativeConnector, Rule, count, name_of, take
from reportgen.sources.api.http import ApiError, HttpClient, RateLimit
from reportgen.sources.api.settings import ApiOptions, ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.streams import Incremental, Stream, TokenPaging
from reportgen.sources.api.times import text, unix_iso

DEFAULT_URL = "https://api.intercom.io"
SEARCH = "/conversations/search"
ADMINS = "/admins"
PER_PAGE = 150
CHANNELS = {"conversation": "Chat", "email": "Email", "phone_call": "Phone", "phone_switch": "Phone",
            "push": "Push", "facebook": "Facebook", "twitter": "Twitter", "instagram": "Instagram",
            "whatsapp": "WhatsApp", "sms": "SMS"}
CUSTOM = "custom_attribute:"


class IntercomOptions(ApiOptions):
    category: str | None = None  # tags (default: the first tag) or "custom_attribute:<name>"

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str | None:
        if value is None:
            return None
        named = isinstance(value, str) and value.startswith(CUSTOM) and bool(value[len(CUSTOM):])
        if value != "tags" and not named:
            raise ValueError(f"'{value}' is not tags or \"custom_attribute:<name>\"")
        return str(value)


class IntercomSettings(ApiSettings):
    token: str
    options: IntercomOptions = IntercomOptions()


# A search page decoded straight into the fields the report needs (msgspec makes no Python object
# for a message body, a title or a contact's details). Types are loose where the reference allows
# several; the mapping checks the values.
class _Tag(msgspec.Struct):
    name: Any = None


class _Tags(msgspec.Struct):
    tags: list[_Tag] | None = None


class _Source(msgspec.Struct):
    type: Any = None
    delivered_as: Any = None


class _Contact(msgspec.Struct):
    id: Any = None


class _Contacts(msgspec.Struct):
    contacts: list[_Contact] | None = None


class _Statistics(msgspec.Struct):
    first_admin_reply_at: Any = None
    last_close_at: Any = None
    count_reopens: Any = None


class _Rating(msgspec.Struct):
    rating: Any = None
    remark: Any = None
    created_at: Any = None


class _Conversation(msgspec.Struct):
    id: Any = None
    created_at: Any = None
    updated_at: Any = None
    state: Any = None
    admin_assignee_id: Any = None
    tags: _Tags | None = None
    source: _Source | None = None
    contacts: _Contacts | None = None
    custom_attributes: Any = None
    statistics: _Statistics | None = None
    conversation_rating: _Rating | None = None


class _Next(msgspec.Struct):
    starting_after: Any = None


class _Pages(msgspec.Struct):
    next: _Next | None = None


class _SearchPage(msgspec.Struct):
    conversations: list[_Conversation]
    pages: _Pages | None = None


class _Stored(msgspec.Struct):
    """What is kept of a conversation (never its messages, title or the contacts' details)."""

    id: Any
    created_at: Any
    updated_at: Any
    state: Any
    tags: list[Any]
    channel: Any
    admin_assignee_id: Any
    customer_id: Any
    custom_attributes: dict[str, Any]
    first_admin_reply_at: Any
    last_close_at: Any
    count_reopens: Any
    rating: Any
    remark: Any
    rated_at: Any
    delivered_as: Any = None  # absent from conversations stored before it was kept


_decode_page = msgspec.json.Decoder(_SearchPage).decode
_encode = msgspec.json.Encoder().encode


def _record(item: _Conversation, body: Any = None) -> PulledRecord | None:
    if item.id is None:
        return None
    stats, rating = item.statistics or _Statistics(), item.conversation_rating or _Rating()
    people = item.contacts.contacts if item.contacts else None
    stored = _Stored(item.id, item.created_at, item.updated_at, item.state,
                     [t.name for t in (item.tags.tags or []) if t.name is not None] if item.tags else [],
                     item.source.type if item.source else None, item.admin_assignee_id,
                     people[0].id if people else None,
                     item.custom_attributes if isinstance(item.custom_attributes, dict) else {},
                     stats.first_admin_reply_at, stats.last_close_at, stats.count_reopens,
                     rating.rating, rating.remark, rating.created_at,
                     item.source.delivered_as if item.source else None)
    return PulledRecord(str(item.id), unix_iso(item.updated_at), False, _encode(stored))


def _category(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    options = connector.config.options
    chosen = (options.category if isinstance(options, IntercomOptions) else None) or "tags"
    if chosen.startswith(CUSTOM):
        attributes = record.get("custom_attributes")
        return text(attributes.get(chosen[len(CUSTOM):])) if isinstance(attributes, Mapping) else None
    tags = record.get("tags")
    return next((name for name in map(text, tags) if name), None) if isinstance(tags, list) else None


def _channel(value: Any) -> Any:
    channel = text(value)
    return CHANNELS.get(channel, channel.replace("_", " ").capitalize()) if channel else None


# source.delivered_as of a conversation the team started: a teammate's message ("ticket initiated by an
# admin, group email"), a Series or another outbound message, a legacy campaign (Intercom's reference)
STARTED_BY_TEAM = frozenset({"admin_initiated", "automated", "campaigns_initiated"})
OUTBOUND = "Outbound message"


def _conversation_channel(record: Mapping[str, Any], connector: DeclarativeConnector,
                          lookups: Lookups) -> Any:
    if record.get("delivered_as") in STARTED_BY_TEAM:  # an outbound channel (docs/SPEC_NOTES.md)
        return OUTBOUND
    return _channel(record.get("channel"))


TICKETS: dict[str, Rule] = {
    "ticket_id": take("id", str),
    "created_at": take("created_at", unix_iso),
    "first_response_at": take("first_admin_reply_at", unix_iso),
    "resolved_at": lambda record, connector, lookups: unix_iso(record.get("last_close_at"))
    if record.get("state") == "closed" else None,
    "category": _category,
    "channel": _conversation_channel,
    "agent": name_of("admin", "admin_assignee_id"),
    "reopens": take("count_reopens", count),
    "customer_id": take("customer_id"),
}

SURVEYS: dict[str, Rule] = {
    "response_id": take("id", str),
    "submitted_at": take("rated_at", unix_iso),
    "survey": lambda record, connector, lookups: "csat",
    "score": take("rating", lambda value: value if isinstance(value, int | float)
                  and not isinstance(value, bool) else text(value)),
    "ticket_id": take("id", str),
    "comment": take("remark"),
}


class IntercomTickets(DeclarativeConnector):
    api = "intercom"
    datasets = ("tickets",)
    Settings = IntercomSettings
    default_url = DEFAULT_URL
    auth_hint = ("check token: (an access token of the Intercom workspace's app, Developer Hub › "
                 "Authentication)")
    url_hint = "check url: it must be Intercom's API (https://api.intercom.io, or the EU/AU one)"
    per_page: ClassVar[int] = PER_PAGE
    probe_path = "/me"
    rate_limit = RateLimit(remaining="X-RateLimit-Remaining", reset="X-RateLimit-Reset")
    outbound_channels: ClassVar[tuple[str, ...]] = (OUTBOUND,)
    streams = (Stream(
        "conversations", SEARCH, "conversations",
        TokenPaging(param="starting_after", token="pages.next.starting_after"),
        _record, Incremental("updated_at", "updated_at", lookback=timedelta(seconds=1)),
        page_size="per_page", method="POST", what="a page of conversations"),)
    mapping = TICKETS

    def credentials(self) -> None:
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.source.token or ''}"}

    def body(self, stream: Stream, params: dict[str, Any]) -> Any:
        pagination: dict[str, Any] = {"per_page": params["per_page"]}
        if params.get("starting_after"):
            pagination["starting_after"] = params["starting_after"]
        return {"query": {"field": "updated_at", "operator": ">", "value": params["updated_at"]},
                "sort": {"field": "updated_at", "order": "ascending"}, "pagination": pagination}

    def decode(self, stream: Stream, content: bytes) -> Any:
        return _decode_page(content)

    def lookups(self, http: HttpClient) -> Lookups:
        body = http.get_json(ADMINS)
        admins = body.get("admins") if isinstance(body, dict) else None
        if not isinstance(admins, list):
            raise ApiError(f"{self.label}: {ADMINS} did not return a list of admins", hint=self.url_hint)
        return {"admin": {str(a["id"]): str(a.get("name") or a.get("email") or "")
                          for a in admins if isinstance(a, dict) and a.get("id") is not None}}


class IntercomCsat(IntercomTickets):
    api = "intercom_csat"
    datasets = ("surveys",)
    mapping = SURVEYS
    outbound_channels = ()  # responses have no channel
    columns = tuple(SURVEYS)

    def lookups(self, http: HttpClient) -> Lookups:
        return {}

    def is_row(self, record: Mapping[str, Any]) -> bool:
        return record.get("rating") is not None
