"""The declarative connector: a vendor is its settings, its streams and its canonical mapping table.

See README.md in this folder for how to write one. The walk (:meth:`DeclarativeConnector.pages`)
is shared: it restarts finished streams from their lookback, asks each page through the one HTTP
client (retries, Retry-After, the vendor's rate-limit headers, the deadline, the body cap), checks
the answer's shape, builds the stored records, advances the typed cursor with the stream's paging
strategy and hands each page with its cursor to the pull loop, which stores both in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from reportgen.sources.api.base import Connector, Page, Row
from reportgen.sources.api.http import ApiError, HttpClient
from reportgen.sources.api.store import Lookups
from reportgen.sources.api.streams import Cursor, Stream, dig
from reportgen.sources.api.times import iso, iso_utc, text

# one canonical column's rule: (stored record, the connector, the lookups) → value
Rule = Callable[[Mapping[str, Any], "DeclarativeConnector", Lookups], Any]


def take(path: str, convert: Callable[[Any], Any] = text) -> Rule:
    """The stored record's value at ``path`` (dotted), converted (default: trimmed text or None)."""
    return lambda record, connector, lookups: convert(dig(record, path))


def const(value: Any) -> Rule:
    return lambda record, connector, lookups: value


def name_of(kind: str, path: str) -> Rule:
    """The side-loaded name (lookups ``kind``) of the id at ``path`` (an agent, an admin, …)."""
    def rule(record: Mapping[str, Any], connector: DeclarativeConnector, lookups: Lookups) -> Any:
        key = dig(record, path)
        return lookups.get(kind, {}).get(str(key)) if key is not None else None
    return rule


def count(value: Any) -> int | None:
    """A count as given (a whole number ≥ 0), else None (never a 0 made up)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


TIME = iso_utc


class DeclarativeConnector(Connector):
    """A connector declared as data. Set: ``api``, ``datasets``, ``Settings``, ``streams``,
    ``mapping``; optionally ``per_page``, ``default_url``, ``rate_limit``, ``probe_path``,
    ``url_hint``, ``auth_hint``; override ``credentials``/``headers`` for the auth, ``lookups`` for
    names fetched once a pull, ``body`` for a search POST, ``is_row`` to drop records."""

    streams: ClassVar[tuple[Stream, ...]]
    mapping: ClassVar[Mapping[str, Rule]]
    per_page: ClassVar[int] = 100
    probe_path: ClassVar[str] = ""
    probe_params: ClassVar[Mapping[str, Any]] = {}
    url_hint: ClassVar[str] = "check url: it must be the account's base URL"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "mapping" in cls.__dict__ and "columns" not in cls.__dict__:
            cls.columns = tuple(cls.mapping)

    # ---- hooks ---------------------------------------------------------------------------------

    def probe(self, http: HttpClient) -> None:
        http.get_json(self.probe_path, dict(self.probe_params))

    def lookups(self, http: HttpClient) -> Lookups:
        """Names fetched once at the start of each pull (agents, dropdown options); none by default."""
        return {}

    def body(self, stream: Stream, params: dict[str, Any]) -> Any:
        """The JSON body of a POST stream's page from the paging's parameters (``since``, the token)."""
        raise NotImplementedError(f"{type(self).__name__}: a POST stream needs body()")

    def legacy_cursor(self, stored: Mapping[str, Any]) -> Cursor | None:
        """A cursor stored before the declarative base (its own keys), as a typed cursor."""
        return None

    def is_row(self, record: Mapping[str, Any]) -> bool:
        """Whether a stored record is a canonical row (e.g. an unrated survey is not)."""
        return True

    def decode(self, stream: Stream, content: bytes) -> Any:
        """The answer's body (JSON); a connector may decode into msgspec Structs for speed."""
        return msgspec.json.decode(content)

    def resolve(self, path: str) -> str:
        """A stream's path with ``{key}`` filled from the settings (``/forms/{form}/responses``)."""
        return path.format_map(self.config.model_dump()) if "{" in path else path

    def fetch(self, http: HttpClient, stream: Stream, path: str, params: dict[str, Any]) -> Any:
        """Ask one page (a connector may reword a vendor's error here)."""
        path = self.resolve(path)
        if stream.method == "POST":
            content = http.send("POST", path, None, self.body(stream, params)).content
        else:
            content = http.get_bytes(path, params)
        try:
            return self.decode(stream, content)
        except msgspec.DecodeError:
            raise ApiError(f"{self.label}: {self.resolve(stream.path)} did not return {stream.what}",
                           hint=self.url_hint) from None

    # ---- the cursor ----------------------------------------------------------------------------

    def floor(self) -> int:
        return int(self.start.timestamp())

    def cursor_of(self, stored: Mapping[str, Any] | None) -> Cursor:
        first = self.streams[0].name
        if not stored:
            return Cursor(first)
        cursor = Cursor.load(stored) if "version" in stored else self.legacy_cursor(stored)
        if cursor is None:
            return Cursor(first)
        if cursor.stream not in {s.name for s in self.streams}:
            return Cursor(first, cursor.streams)
        return cursor

    # ---- the walk ------------------------------------------------------------------------------

    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = self.cursor_of(cursor)
        lookups = self.lookups(http)
        names = [s.name for s in self.streams]
        index = names.index(state.stream)
        floor = self.floor()
        while True:
            stream = self.streams[index]
            at = state.of(stream.name)
            if at.done:
                at = stream.paging.restart(stream, at, floor)
            while True:
                since = at.since if at.since is not None else floor
                request = stream.paging.request(stream, at, since)
                params = {**stream.params, **({stream.page_size: self.per_page} if stream.page_size else {}),
                          **request.params} if request.path == stream.path else dict(request.params)
                body = self.fetch(http, stream, request.path, params)
                items = dig(body, stream.records) if stream.records else body
                if not isinstance(items, list):
                    raise ApiError(f"{self.label}: {self.resolve(stream.path)} did not return {stream.what}",
                                   hint=self.url_hint)
                records = [r for r in (stream.record(item, body) for item in items) if r is not None]
                if stream.deleted:
                    records = [replace(r, deleted=True) for r in records]
                newest = max(filter(None, map(stream.seconds_of, items)), default=None) \
                    if stream.paging.tracks_newest else None
                at, finished = stream.paging.advance(self, replace(at, since=since), body, items, records,
                                                     newest)
                last = finished and index == len(names) - 1
                if finished:
                    at = replace(at, done=True)
                following = names[0] if last else names[index + 1] if finished else stream.name
                state = Cursor(following, {**state.streams, stream.name: at})
                yield Page(records, state.dump(), {**lookups, **self.page_lookups(body)}, end_of_stream=last)
                lookups = {}
                if finished:
                    break
            if last:
                return
            index += 1

    def page_lookups(self, body: Any) -> Lookups:
        """Names side-loaded with a page (Zendesk's users); none by default."""
        return {}

    def position(self, cursor: dict[str, Any] | None) -> str:
        state = self.cursor_of(cursor)
        at = state.of(state.stream)
        since = at.since if at.since is not None else self.floor()
        moment = iso(datetime.fromtimestamp(since, UTC))
        after = " after the last stored page" if at.token else ""
        return f"the {state.stream} changed since {moment}{after}"

    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        if not self.is_row(record):
            return None
        return {column: rule(record, self, lookups) for column, rule in self.mapping.items()}
