"""Zendesk Support tickets from the cursor-based Incremental Ticket Export.

``GET {url}/api/v2/incremental/tickets/cursor.json`` with ``start_time`` (Unix
seconds) on the first pull and the saved ``cursor`` afterwards, always with
``include=metric_sets,users`` and ``per_page=1000``, following ``after_cursor``
until ``end_of_stream``. The export returns every ticket created or changed
since the cursor, deleted ones included with ``status: deleted``. Zendesk
allows 10 export requests a minute: a 429 says how long to wait
(``Retry-After``), which the HTTP client honours.

Auth: basic ``{email}/token:{token}``. The check for ``validate`` is one
``GET /api/v2/users/me.json`` (an anonymous answer means refused credentials).

Stored per ticket (not the subject or the description): id, created_at,
updated_at, status, type, tags, via.channel, assignee_id, requester_id, the
custom fields' values and from its metric set solved_at, replies, reopens and
reply_time_in_minutes. Side-loaded users are kept as id → name, and with
``category: custom_field:<id>`` the dropdown's options as tag → name (from
``GET /api/v2/ticket_fields/<id>.json``).

=====================  ===========================================================
canonical              from
=====================  ===========================================================
ticket_id              ``id``
created_at             ``created_at`` (UTC)
first_response_at      ``created_at`` + ``metric_set.reply_time_in_minutes.calendar``
resolved_at            ``metric_set.solved_at`` when ``status`` is solved or closed
category               ``type`` (default), the first of ``tags`` (``category: tags``,
                       ``options.category_tag_prefix`` picks and strips a prefix), or the
                       dropdown option's **name** (``category: custom_field:<id>``)
channel                ``via.channel`` (email → Email, web → Web form, voice → Phone, …)
agent                  the assignee's name (side-loaded users)
replies, reopens       ``metric_set.replies`` / ``metric_set.reopens``
customer_id            ``requester_id``
=====================  ===========================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec
from pydantic import field_validator

from reportgen.config import ApiSource
from reportgen.sources.api.declarative import DeclarativeConnector, Rule, count, name_of, take
from reportgen.sources.api.http import AuthError, HttpClient
from reportgen.sources.api.settings import ApiOptions, ApiSettings
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.streams import Cursor, Incremental, Stream, StreamCursor, TokenPaging
from reportgen.sources.api.times import iso, parse_time, plus_minutes, seconds, text

EXPORT = "/api/v2/incremental/tickets/cursor.json"
PER_PAGE = 1000
CHANNELS = {
    "email": "Email", "web": "Web form", "voice": "Phone", "chat": "Chat", "api": "API",
    "mobile": "Mobile", "mobile_sdk": "Mobile", "twitter": "Twitter", "facebook": "Facebook",
    "sms": "SMS", "native_messaging": "Messaging", "whatsapp": "WhatsApp", "any_channel": "Other",
    "help_center": "Help Center", "side_conversation": "Side conversation", "rule": "Trigger",
    "sample_ticket": "Sample",
}
_CUSTOM = re.compile(r"^custom_field:(\d+)$")


# An export page decoded straight into the fields the report needs (msgspec skips the rest:
# no Python object is made for a subject, a description or any other field). Types are loose
# where the reference allows several; `canonical` checks the values.
class _Via(msgspec.Struct):
    channel: Any = None


class _Field(msgspec.Struct):
    id: Any = None
    value: Any = None


class _Ticket(msgspec.Struct):
    id: Any = None
    created_at: Any = None
    updated_at: Any = None
    status: Any = None
    type: Any = None
    tags: Any = None
    via: _Via | None = None
    assignee_id: Any = None
    requester_id: Any = None
    custom_fields: list[_Field] | None = None


class _Minutes(msgspec.Struct):
    calendar: Any = None
    business: Any = None


class _Metric(msgspec.Struct):
    ticket_id: Any = None
    solved_at: Any = None
    replies: Any = None
    reopens: Any = None
    reply_time_in_minutes: _Minutes | None = None
    full_resolution_time_in_minutes: _Minutes | None = None


class _User(msgspec.Struct):
    id: Any = None
    name: Any = None


class _ExportPage(msgspec.Struct):
    tickets: list[_Ticket]
    metric_sets: list[_Metric] | None = None
    users: list[_User] | None = None
    after_cursor: str | None = None
    end_of_stream: bool = False


class _Stored(msgspec.Struct):
    """What is kept of a ticket and its metric set (never the subject or the description)."""

    id: Any
    created_at: Any
    updated_at: Any
    status: Any
    type: Any
    tags: Any
    channel: Any
    assignee_id: Any
    requester_id: Any
    custom_fields: Any
    solved_at: Any
    replies: Any
    reopens: Any
    reply_minutes: Any
    # the metric set's business minutes (business_hours: {from: helpdesk}); absent in older stores
    reply_business_minutes: Any = None
    resolution_business_minutes: Any = None


_decode_page = msgspec.json.Decoder(_ExportPage).decode
_encode = msgspec.json.Encoder().encode


class _Answer:
    """A decoded export page with its metric sets by ticket id (joined once per page)."""

    def __init__(self, page: _ExportPage):
        self.tickets = page.tickets
        self.users = page.users
        self.after_cursor = page.after_cursor
        self.end_of_stream = page.end_of_stream
        self.metrics = {str(m.ticket_id): m for m in page.metric_sets or ()}


class ZendeskSettings(ApiSettings):
    """Zendesk's keys (tickets and CSAT): the account URL and an API token with its agent's email."""

    url: str
    email: str
    token: str


class ZendeskOptions(ApiOptions):
    # with category: tags, the first tag with this prefix, prefix removed
    category_tag_prefix: str | None = None


class ZendeskTicketSettings(ZendeskSettings):
    category: str | None = None
    options: ZendeskOptions = ZendeskOptions()

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value is not None and value not in ("type", "tags") and not _CUSTOM.match(value):
            raise ValueError(f"'{value}' is not one of type, tags or custom_field:<field id>")
        return value


def zendesk_auth(source: ApiSource) -> tuple[str, str]:
    """API-token basic auth: user ``{email}/token``, password the token."""
    return (f"{source.email or ''}/token", source.token or "")


def zendesk_probe(http: HttpClient) -> None:
    """GET /api/v2/users/me.json: an anonymous user (id null) means the credentials were not taken."""
    body = http.get_json("/api/v2/users/me.json")
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(user, dict) or user.get("id") is None:
        raise AuthError(f"{http.name}: the credentials were not accepted (Zendesk answered as an "
                        "anonymous user)", hint=http.hint_auth)


def _resolved(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    return iso(parse_time(record.get("solved_at"))) if record.get("status") in ("solved", "closed") else None


def _first_response(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    return iso(plus_minutes(parse_time(record.get("created_at")), record.get("reply_minutes")))


def _channel(value: Any) -> Any:
    channel = text(value)
    return CHANNELS.get(channel, channel.replace("_", " ").capitalize()) if channel else None


def _category(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
    category = connector.source.category or "type"
    if category == "type":
        value = text(record.get("type"))
        return value[:1].upper() + value[1:] if value else None
    if category == "tags":
        options = connector.config.options
        prefix = (options.category_tag_prefix if isinstance(options, ZendeskOptions) else None) or ""
        for tag in record.get("tags") or []:
            if isinstance(tag, str) and tag.startswith(prefix) and tag[len(prefix):]:
                return tag[len(prefix):]
        return None
    match = _CUSTOM.match(category)
    field_id = match.group(1) if match else ""
    value = text(custom_value(record.get("custom_fields"), field_id))
    if value is None:
        return None
    return lookups.get(f"field:{field_id}", {}).get(value, value)


MAPPING: dict[str, Rule] = {
    "ticket_id": take("id", str),
    "created_at": take("created_at", lambda value: iso(parse_time(value))),
    "first_response_at": _first_response,
    "resolved_at": _resolved,
    "category": _category,
    "channel": take("channel", _channel),
    "agent": name_of("user", "assignee_id"),
    "replies": take("replies", count),
    "reopens": take("reopens", count),
    "customer_id": take("requester_id"),
    "first_response_business_minutes": take("reply_business_minutes", lambda v: _minutes(v)),
    "resolution_business_minutes": take("resolution_business_minutes", lambda v: _minutes(v)),
}


class ZendeskTickets(DeclarativeConnector):
    api = "zendesk"
    datasets = ("tickets",)
    Settings = ZendeskTicketSettings
    auth_hint = ("check email: and token: (an API token from Admin Center › Apps and integrations › "
                 "Zendesk API, with token access enabled)")
    per_page: ClassVar[int] = PER_PAGE
    # the export's cursor never expires: each pull continues from the last one (deletions included)
    streams = (Stream(
        "tickets", EXPORT, "tickets",
        TokenPaging(param="cursor", token="after_cursor", end="end_of_stream", since_with_token=False,
                    after_end="resume"),
        lambda ticket, answer: _record(ticket, answer.metrics.get(str(ticket.id))) if ticket.id is not None
        else None,
        Incremental("updated_at", "start_time"),
        params={"include": "metric_sets,users"}, page_size="per_page", what="a ticket export page"),)
    mapping = MAPPING

    def credentials(self) -> tuple[str, str]:
        return zendesk_auth(self.source)

    @property
    def field_id(self) -> str | None:
        match = _CUSTOM.match(self.source.category or "")
        return match.group(1) if match else None

    def probe(self, http: HttpClient) -> None:
        zendesk_probe(http)

    def decode(self, stream: Stream, content: bytes) -> Any:
        return _Answer(_decode_page(content))  # straight into the fields the report needs

    def lookups(self, http: HttpClient) -> Lookups:
        """With ``category: custom_field:<id>``: the dropdown's options, tag → name."""
        if self.field_id is None:
            return {}
        body = http.get_json(f"/api/v2/ticket_fields/{self.field_id}.json")
        field = body.get("ticket_field") if isinstance(body, dict) else None
        options = (field or {}).get("custom_field_options") or []
        return {f"field:{self.field_id}": {str(o["value"]): str(o.get("name") or o["value"])
                                           for o in options if isinstance(o, dict) and "value" in o}}

    def page_lookups(self, body: Any) -> Lookups:
        return {"user": {str(u.id): str(u.name or "") for u in body.users or () if u.id is not None}}

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor:
        """Before the base: ``{"after_cursor": token}`` or ``{"start_time": <Unix seconds>}``."""
        return Cursor("tickets", {"tickets": StreamCursor(since=seconds(stored.get("start_time")),
                                                          token=stored.get("after_cursor") or None)})

    def position(self, cursor: dict[str, Any] | None) -> str:
        if self.cursor_of(cursor).of("tickets").token:
            return "the tickets changed after the last stored page (the saved export cursor)"
        return f"every ticket changed since {iso(self.start)}"


def _record(ticket: _Ticket, metric: _Metric | None) -> PulledRecord:
    m = metric or _Metric()
    reply, resolution = m.reply_time_in_minutes, m.full_resolution_time_in_minutes
    stored = _Stored(ticket.id, ticket.created_at, ticket.updated_at, ticket.status, ticket.type,
                     ticket.tags or [], ticket.via.channel if ticket.via else None, ticket.assignee_id,
                     ticket.requester_id, ticket.custom_fields or [],  # encoded as [{"id", "value"}]
                     m.solved_at, m.replies, m.reopens, reply.calendar if reply else None,
                     reply.business if reply else None, resolution.business if resolution else None)
    updated = ticket.updated_at if isinstance(ticket.updated_at, str) else None
    return PulledRecord(str(ticket.id), updated, ticket.status == "deleted", _encode(stored))


def custom_value(fields: Any, field_id: str) -> Any:
    """A custom field's value from the ticket's ``custom_fields`` (``[{"id", "value"}, …]``)."""
    if isinstance(fields, dict):
        return fields.get(field_id)
    for item in fields or []:
        if isinstance(item, dict) and str(item.get("id")) == field_id:
            return item.get("value")
    return None


def _minutes(value: Any) -> int | float | None:
    """A metric set's minutes as given (a number ≥ 0), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return value
