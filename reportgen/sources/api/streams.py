"""Streams, their typed cursors and the paging strategies every connector shares.

A :class:`Stream` is one list a vendor pages through: the request (method,
path, constant parameters, a JSON body for a search ``POST``), the record
selector (a dotted path into the answer), the paging strategy, the
incremental field with its ``since`` parameter and lookback, and how one item
becomes a stored record.

Where a walk stands is a :class:`StreamCursor` (typed; Unix seconds for
times), one per stream, gathered in a :class:`Cursor` the store keeps as JSON
in the same transaction as the page it follows (store.py).

Strategies (each decides the next request from the cursor and the answer):

* :class:`TokenPaging` — a token from the answer (``after_cursor``,
  ``pages.next.starting_after``, ``meta.next_cursor``, the last record's id) or
  a next link (``link=True``: the token is the next page's URL);
* :class:`SinceWindow` — a time window moving ``since`` forward to the newest
  change of each full page, asking page 1 again (page numbers only while a
  whole page shares one second);
* :class:`PageNumber` — page 1, 2, … until a short page.

At the end of a walk, the next pull starts again from the newest change stored
minus the stream's lookback (or, with ``after_end="resume"``, from the last
token: Zendesk's export cursor never expires).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal, Protocol

from reportgen.sources.api.http import ApiError
from reportgen.sources.api.store import PulledRecord
from reportgen.sources.api.times import seconds, unix


class Walker(Protocol):
    """What a paging strategy needs of its connector (declarative.DeclarativeConnector)."""

    @property
    def per_page(self) -> int: ...

    @property
    def label(self) -> str: ...

CURSOR_VERSION = 2


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path of mappings (or attributes); ``""`` is ``body``; None when absent."""
    value = body
    for part in path.split(".") if path else ():
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return None
    return value


@dataclass(frozen=True)
class StreamCursor:
    """Where one stream's walk stands."""

    since: int | None = None  # the changes asked for start here (Unix seconds; None: `start:`)
    newest: int | None = None  # the newest change seen (Unix seconds of the incremental field)
    token: str | None = None  # the next page's token or link (TokenPaging)
    page: int = 1  # the next page number (SinceWindow, PageNumber)
    done: bool = False  # the walk reached the end of the stream


_FIELDS = frozenset(StreamCursor.__dataclass_fields__)


@dataclass(frozen=True)
class Cursor:
    """Every stream's cursor and the stream being walked: what the store keeps for a source."""

    stream: str
    streams: Mapping[str, StreamCursor] = field(default_factory=dict)

    def of(self, name: str) -> StreamCursor:
        return self.streams.get(name) or StreamCursor()

    def dump(self) -> dict[str, Any]:
        return {"version": CURSOR_VERSION, "stream": self.stream,
                "streams": {name: asdict(cursor) for name, cursor in self.streams.items()}}

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Cursor:
        streams = data.get("streams")
        return cls(str(data.get("stream") or ""), {
            str(name): StreamCursor(**{k: v for k, v in value.items() if k in _FIELDS})
            for name, value in (streams.items() if isinstance(streams, Mapping) else ())
            if isinstance(value, Mapping)})


@dataclass(frozen=True)
class Incremental:
    """How a stream asks only for changes: the record field the vendor filters on, the parameter
    that carries ``since`` (None: the connector's ``body`` puts it in the request) and its format,
    and how far before the newest stored change the next walk starts."""

    field: str
    param: str | None = None
    send: Callable[[int], Any] = unix
    lookback: timedelta = timedelta(0)


@dataclass(frozen=True)
class Request:
    """The request of one page: a path (or a next link), query parameters, a JSON body's inputs."""

    path: str
    params: dict[str, Any]


class Paging:
    """A paging strategy: the next request from the cursor, the next cursor from the answer."""

    after_end: Literal["restart", "resume"] = "restart"

    @property
    def tracks_newest(self) -> bool:
        """Whether the newest change seen matters (not when a walk resumes from its last token)."""
        return self.after_end == "restart"

    def request(self, stream: Stream, cursor: StreamCursor, since: int) -> Request:
        raise NotImplementedError

    def advance(self, connector: Walker, cursor: StreamCursor, body: Any, items: Sequence[Any],
                records: Sequence[PulledRecord], newest: int | None) -> tuple[StreamCursor, bool]:
        """The cursor after this page, and whether the stream is finished."""
        raise NotImplementedError

    def restart(self, stream: Stream, cursor: StreamCursor, floor: int) -> StreamCursor:
        """The cursor a new pull starts from after a finished walk."""
        if self.after_end == "resume":
            return replace(cursor, done=False)
        lookback = int(stream.incremental.lookback.total_seconds()) if stream.incremental else 0
        base = cursor.newest if cursor.newest is not None else (cursor.since or floor)
        return StreamCursor(since=max(floor, base - lookback), newest=cursor.newest)


def _since_params(stream: Stream, since: int) -> dict[str, Any]:
    inc = stream.incremental
    return {inc.param: inc.send(since)} if inc is not None and inc.param else {}


@dataclass(frozen=True)
class TokenPaging(Paging):
    """Pages chained by a token the answer gives (or a next link).

    ``param``: the request parameter taking the token; ``token``: a dotted path into the answer
    or a function of (answer, records); ``more``/``end``: dotted paths of a "has more" / "end of
    stream" flag (else: more while a token comes); ``since_with_token``: send ``since`` with every
    page, not only the first; ``link``: the token is the next page's URL, asked as it is."""

    param: str = "cursor"
    token: str | Callable[[Any, Sequence[PulledRecord]], Any] = "after_cursor"
    more: str | Callable[[Any, Sequence[Any], Sequence[PulledRecord]], bool] | None = None
    end: str | None = None
    since_with_token: bool = True
    link: bool = False
    after_end: Literal["restart", "resume"] = "restart"

    def request(self, stream: Stream, cursor: StreamCursor, since: int) -> Request:
        if cursor.token and self.link:
            return Request(cursor.token, {})
        params = _since_params(stream, since) if self.since_with_token or not cursor.token else {}
        if cursor.token:
            params[self.param] = cursor.token
        return Request(stream.path, params)

    def advance(self, connector: Walker, cursor: StreamCursor, body: Any, items: Sequence[Any],
                records: Sequence[PulledRecord], newest: int | None) -> tuple[StreamCursor, bool]:
        found = self.token(body, records) if callable(self.token) else dig(body, self.token)
        token = str(found) if found not in (None, "") else None
        if callable(self.more):
            more = token is not None and self.more(body, items, records)
        else:
            more = token is not None and (self.more is None or bool(dig(body, self.more)))
        if self.end is not None and dig(body, self.end):
            more = False
        newest = max(filter(None, (cursor.newest, newest)), default=None)
        if more:
            return replace(cursor, token=token, newest=newest), False
        kept = (token or cursor.token) if self.after_end == "resume" else None
        return replace(cursor, token=kept, newest=newest), True


@dataclass(frozen=True)
class SinceWindow(Paging):
    """A window whose ``since`` moves to the newest change of each full page (page 1 again).

    Offset pages over a list ordered by update time skip a record that is updated while the pull
    runs; moving ``since`` does not. Records updated in that same second are read again (and
    replace their stored version). Only when a whole page shares one second does it ask for the
    next page number, up to ``page_limit``. A page shorter than the connector's ``per_page`` ends
    the stream."""

    page_param: str = "page"
    page_limit: int | None = None

    def request(self, stream: Stream, cursor: StreamCursor, since: int) -> Request:
        return Request(stream.path, {**_since_params(stream, since), self.page_param: cursor.page})

    def advance(self, connector: Walker, cursor: StreamCursor, body: Any, items: Sequence[Any],
                records: Sequence[PulledRecord], newest: int | None) -> tuple[StreamCursor, bool]:
        since = cursor.since if cursor.since is not None else 0
        moved = newest is not None and newest > since
        top = max(filter(None, (cursor.newest, newest)), default=None)
        if len(items) < connector.per_page:
            return replace(cursor, since=newest if moved else since, page=1, newest=top), True
        if moved:
            return replace(cursor, since=newest, page=1, newest=top), False
        page = cursor.page + 1
        if self.page_limit is not None and page > self.page_limit:
            raise ApiError(f"{connector.label}: more than {connector.per_page * self.page_limit:,} records "
                           f"share the update time {since}; the list cannot page past them")
        return replace(cursor, since=since, page=page, newest=top), False

    def restart(self, stream: Stream, cursor: StreamCursor, floor: int) -> StreamCursor:
        return replace(cursor, page=1, done=False)


@dataclass(frozen=True)
class PageNumber(Paging):
    """Page 1, 2, … of the changes since ``since``, until a page shorter than ``per_page``."""

    page_param: str = "page"

    def request(self, stream: Stream, cursor: StreamCursor, since: int) -> Request:
        return Request(stream.path, {**_since_params(stream, since), self.page_param: cursor.page})

    def advance(self, connector: Walker, cursor: StreamCursor, body: Any, items: Sequence[Any],
                records: Sequence[PulledRecord], newest: int | None) -> tuple[StreamCursor, bool]:
        top = max(filter(None, (cursor.newest, newest)), default=None)
        if len(items) < connector.per_page:
            return replace(cursor, page=1, newest=top), True
        return replace(cursor, page=cursor.page + 1, newest=top), False


def keep_fields(*names: str, id_field: str = "id", updated: str = "updated_at",
                version: Callable[[Any], str | None] | None = None,
                deleted: Callable[[Mapping[str, Any]], bool] | None = None
                ) -> Callable[[Any, Any], PulledRecord | None]:
    """A record builder: the item's ``names`` kept (dotted paths keep their last part), its id and
    update time; an item that is not a mapping or has no id is skipped."""

    def build(item: Any, body: Any = None) -> PulledRecord | None:
        if not isinstance(item, Mapping) or item.get(id_field) is None:
            return None
        updated_value = dig(item, updated)
        stamp = version(updated_value) if version else \
            (updated_value if isinstance(updated_value, str) else None)
        data = {name.rpartition(".")[2]: dig(item, name) for name in names}
        return PulledRecord(str(item[id_field]), stamp, bool(deleted(item)) if deleted else False, data)

    return build


@dataclass(frozen=True)
class Stream:
    """One list a vendor pages through (see the module docstring)."""

    name: str
    path: str
    records: str  # dotted path of the list of items in the answer ("" : the answer is the list)
    paging: Paging
    record: Callable[[Any, Any], PulledRecord | None]  # (item, the whole answer) → stored record
    incremental: Incremental | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # sent with every page
    page_size: str | None = None  # the parameter taking the connector's per_page
    method: str = "GET"
    what: str = "a page of records"  # for "… did not return <what>"
    deleted: bool = False  # every record of this stream is a deletion

    def seconds_of(self, item: Any) -> int | None:
        return seconds(dig(item, self.incremental.field)) if self.incremental else None
