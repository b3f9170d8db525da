"""What every API connector is: the interface the pull loop (pull.py) drives.

A connector knows one vendor endpoint family: its typed settings (checked
before any request, each problem naming the key), how to authenticate, one
cheap request to check the credentials, how to walk the vendor's pages from a
cursor, and how to turn one stored record into one canonical row
(docs/KPI_SPEC.md columns). The shared machinery — HTTP with retries
(http.py), the store (store.py), progress (progress.py) and the pull loop
(pull.py) — does the rest.

Connectors are not written against this class directly: they declare their
streams on :class:`reportgen.sources.api.declarative.DeclarativeConnector`
(see README.md in this folder), and are named in ``reportgen.registry``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from reportgen.config import ApiSource
from reportgen.registry import CONNECTORS, Entry
from reportgen.settings_errors import Lines, problem
from reportgen.sources.api.http import HttpClient, RateLimit
from reportgen.sources.api.settings import ApiSettings, settings_input, settings_problems
from reportgen.sources.api.store import Lookups, PulledRecord
from reportgen.sources.api.times import (
    default_start,
    iso,
    iso_utc,
    parse_start,
    parse_time,
    plus_minutes,
    text,
)

__all__ = ["Connector", "Page", "Row", "default_start", "iso", "iso_utc", "parse_start", "parse_time",
           "plus_minutes", "register", "text", "url_password"]


@dataclass(frozen=True)
class Page:
    """One vendor page: its records, the cursor that follows it, side-loaded names, last or not."""

    records: list[PulledRecord]
    cursor: dict[str, Any]
    lookups: Lookups = field(default_factory=dict)
    end_of_stream: bool = False


Row = dict[str, str | int | float | None]


class Connector(ABC):
    """One vendor API feeding one dataset."""

    api: ClassVar[str]
    datasets: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[str, ...]]  # canonical columns of the rows `canonical` returns
    Settings: ClassVar[type[ApiSettings]] = ApiSettings
    auth_hint: ClassVar[str] = "check the source's token"
    # channel values (as ``canonical`` writes them) of tickets the team started: see Preset
    outbound_channels: ClassVar[tuple[str, ...]] = ()
    default_url: ClassVar[str | None] = None
    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, dataset: str, source: ApiSource, timezone: str):
        self.dataset = dataset
        self.source = source
        self.timezone = timezone
        self.url = (source.url or self.default_url or "").rstrip("/")
        self.start = parse_start(source.start, timezone) if source.start else default_start(timezone)

    # ---- settings ------------------------------------------------------------------------------

    @cached_property
    def config(self) -> ApiSettings:
        """The typed settings (validated when first used: the pull checks `problems` before)."""
        return self.Settings.model_validate(settings_input(self.source))

    @classmethod
    def problems(cls, dataset: str, source: ApiSource, where: tuple[str, ...] | None = None,
                 lines: Lines | None = None) -> list[str]:
        """Every problem with this source's api settings, each naming its key (`sources.<dataset>.<key>`)
        and, with the config file's ``lines``, its line; ``where``: the source's key path."""
        found: list[str] = []
        at = where or ("sources", dataset)
        if dataset not in cls.datasets:
            reads = " and ".join(cls.datasets)
            found.append(problem((*at, "api"), f"'{cls.api}' reads {reads}, not {dataset}", lines or {}))
        return found + settings_problems(cls.Settings, dataset, source, at, lines)

    @property
    def label(self) -> str:
        return f"{self.dataset} ({self.api})"

    def credentials(self) -> tuple[str, str] | None:
        """HTTP basic auth (user, password); None when the connector authenticates by header."""
        return (self.source.token or "", "X")

    def headers(self) -> dict[str, str]:
        """Extra request headers (e.g. ``Authorization: Bearer …``); their values count as secrets."""
        return {}

    def secrets(self) -> tuple[str, ...]:
        """The token, and a password written into ``url:`` (as written and decoded)."""
        password = url_password(self.source.url)
        return tuple(s for s in (self.source.token, self.source.client_secret, password,
                                 unquote(password or "")) if s)

    def max_seconds(self) -> float | None:
        minutes = self.config.options.max_minutes
        return minutes * 60 if minutes is not None else None

    def max_body_bytes(self) -> int | None:
        mib = self.config.options.max_body_mb
        return int(mib * 2 ** 20) if mib is not None else None

    # ---- the vendor ----------------------------------------------------------------------------

    @abstractmethod
    def probe(self, http: HttpClient) -> None:
        """One cheap request that fails with AuthError when the credentials are wrong."""

    @abstractmethod
    def pages(self, http: HttpClient, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """The pages after ``cursor`` (None: from ``self.start``), up to the end of the stream."""

    @abstractmethod
    def position(self, cursor: dict[str, Any] | None) -> str:
        """What is not pulled yet when the pull stops at ``cursor``, for a person."""

    @abstractmethod
    def canonical(self, record: Mapping[str, Any], lookups: Lookups) -> Row | None:
        """The canonical row of one stored record (None: the record is not a row, e.g. unrated)."""


def register(cls: type[Connector]) -> type[Connector]:
    """Make ``api: <cls.api>`` available (for a connector outside reportgen: a plugin)."""
    CONNECTORS.add(Entry(cls.api, f"{cls.__module__}:{cls.__qualname__}", cls.datasets), cls)
    return cls


def url_password(url: str | None) -> str | None:
    """The password of ``url``'s userinfo (``https://user:pass@host``), as written; None without one."""
    try:
        return urlsplit(url or "").password
    except ValueError:
        return None
