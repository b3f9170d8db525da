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
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import msgspec

from reportgen.config import SourceConfig
from reportgen.sources.api.base import (
    Connector,
    Page,
    Row,
    iso,
    parse_time,
    plus_minutes,
    register,
    text,
)
from reportgen.sources.api.http import ApiError, AuthError, HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord

EXPORT = "/api/v2/incremental/tickets/cursor.json"
PER_PAGE = 1000
TICKET_COLUMNS = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                  "agent", "replies", "reopens", "customer_id", "first_response_business_minutes",
                  "resolution_business_minutes")
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


def zendesk_auth(source: SourceConfig) -> tuple[str, str]:
    """API-token basic auth: user ``{email}/token``, password the token."""
    return (f"{source.email or ''}/token", source.token or "")


def zendesk_probe(http: HttpClient) -> None:
    """GET /api/v2/users/me.json: an anonymous user (id null) means the credentials were not taken."""
    body = http.get_json("/api/v2/users/me.json")
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(user, dict) or user.get("id") is None:
        raise AuthError(f"{http.name}: the credentials were not accepted (Zendesk answered as an "
                        "anonymous user)", hint=http.hint_auth)


@register
class ZendeskTickets(Connector):
    api = "zendesk"
    datasets = ("tickets",)
    columns = TICKET_COLUMNS
    required = ("url", "email", "token")
    accepted = ("url", "email", "token", "start", "category")
    options: ClassVar[Mapping[str, str]] = {
        "category_tag_prefix": "with category: tags, the first tag with this prefix, prefix removed",
    }
    auth_hint = ("check email: and token: (an API token from Admin Center › Apps and integrations › "
                 "Zendesk API, with token access enabled)")

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        found = super().problems(dataset, source)
        category = source.category
        if category is not None and category not in ("type", "tags") and not _CUSTOM.match(category):
            found.append(f"sources.{dataset}.category: '{category}' is not one of type, tags or "
                         "custom_field:<field id>")
        return found

    def credentials(self) -> tuple[str, str]:
        return zendesk_auth(self.source)

    @property
    def field_id(self) -> str | None:
        match = _CUSTOM.match(self.source.category or "")
        return match.group(1) if match else None

    def probe(self, http: HttpClient) -> None:
        zendesk_probe(http)

    def _field_options(self, http: HttpClient) -> Lookups:
        if self.field_id is None:
            return {}
        body = http.get_json(f"/api/v2/ticket_fields/{self.field_id}.json")
        field = body.get("ticket_field") if isinstance(body, dict) else None
        options = (field or {}).get("custom_field_options") or []
        return {f"field:{self.field_id}": {str(o["value"]): str(o.get("name") or o["value"])
                                           for o in options if isinstance(o, dict) and "value" in o}}

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        lookups = self._field_options(http)
        params: dict[str, Any] = {"include": "metric_sets,users", "per_page": PER_PAGE}
        if cursor and cursor.get("after_cursor"):
            params["cursor"] = cursor["after_cursor"]
        else:
            params["start_time"] = int((cursor or {}).get("start_time") or self.start.timestamp())
        while True:
            try:
                body = _decode_page(http.get_bytes(EXPORT, params))
            except msgspec.DecodeError:
                raise ApiError(f"{self.label}: {EXPORT} did not return a ticket export page",
                               hint="check url: it must be the account's base URL") from None
            metrics = {str(m.ticket_id): m for m in body.metric_sets or ()}
            records = [_record(t, metrics.get(str(t.id))) for t in body.tickets if t.id is not None]
            after = body.after_cursor
            next_cursor = ({"after_cursor": after} if after else
                           {"after_cursor": params["cursor"]} if "cursor" in params else
                           {"start_time": params["start_time"]})
            end = body.end_of_stream or not after
            names = {str(u.id): str(u.name or "") for u in body.users or () if u.id is not None}
            yield Page(records, next_cursor, {**lookups, "user": names}, end_of_stream=end)
            lookups = {}
            if end:
                return
            params = {"include": "metric_sets,users", "per_page": PER_PAGE, "cursor": after}

    def position(self, cursor: dict[str, Any] | None) -> str:
        if cursor and cursor.get("after_cursor"):
            return "the tickets changed after the last stored page (the saved export cursor)"
        return f"every ticket changed since {iso(self.start)}"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        created = parse_time(record.get("created_at"))
        status = record.get("status")
        resolved = parse_time(record.get("solved_at")) if status in ("solved", "closed") else None
        assignee = record.get("assignee_id")
        channel = text(record.get("channel"))
        return {
            "ticket_id": str(record.get("id")),
            "created_at": iso(created),
            "first_response_at": iso(plus_minutes(created, record.get("reply_minutes"))),
            "resolved_at": iso(resolved),
            "category": self._category(record, lookups),
            "channel": CHANNELS.get(channel, channel.replace("_", " ").capitalize()) if channel else None,
            "agent": lookups.get("user", {}).get(str(assignee)) if assignee is not None else None,
            "replies": _count(record.get("replies")),
            "reopens": _count(record.get("reopens")),
            "customer_id": text(record.get("requester_id")),
            "first_response_business_minutes": _minutes(record.get("reply_business_minutes")),
            "resolution_business_minutes": _minutes(record.get("resolution_business_minutes")),
        }

    def _category(self, record: Mapping[str, Any], lookups: Lookups) -> str | None:
        category = self.source.category or "type"
        if category == "type":
            value = text(record.get("type"))
            return value[:1].upper() + value[1:] if value else None
        if category == "tags":
            prefix = str(self.source.options.get("category_tag_prefix") or "")
            for tag in record.get("tags") or []:
                if isinstance(tag, str) and tag.startswith(prefix) and tag[len(prefix):]:
                    return tag[len(prefix):]
            return None
        field_id = self.field_id or ""
        value = text(custom_value(record.get("custom_fields"), field_id))
        if value is None:
            return None
        return lookups.get(f"field:{field_id}", {}).get(value, value)


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


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
