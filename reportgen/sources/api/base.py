"""What every API connector is, and the registry of connectors by their ``api:`` name.

A connector knows one vendor endpoint family: which config keys it needs
(checked before any request, each problem naming the key), how to
authenticate, one cheap request to check the credentials, how to walk the
vendor's pages from a cursor, and how to turn one stored record into one
canonical row (docs/KPI_SPEC.md columns). The shared machinery — HTTP with
retries (http.py), the store (store.py), progress (progress.py) and the pull
loop (pull.py) — does the rest.

Writing a connector::

    @register
    class Acme(Connector):
        api = "acme"
        datasets = ("surveys",)
        columns = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")

        def probe(self, http): http.get_json("/v1/me")
        def pages(self, http, cursor): ...yield Page(records, next_cursor, end_of_stream=...)
        def position(self, cursor): return "responses after …"
        def canonical(self, record, lookups): return {"response_id": ..., ...}
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from reportgen.config import SourceConfig
from reportgen.sources.api.http import HttpClient
from reportgen.sources.api.store import Lookups, PulledRecord

# the SourceConfig keys an api source may use; each connector says which it needs / accepts
API_KEYS = ("url", "email", "token", "start", "category", "form")
# options: accepted by every api source
COMMON_OPTIONS = {
    "max_minutes": "bound on the wall-clock time of one pull of this source (default 30)",
    "max_body_mb": "the most one answer of the API may hold, decoded, in MiB (default 64)",
}


@dataclass(frozen=True)
class Page:
    """One vendor page: its records, the cursor that follows it, side-loaded names, last or not."""

    records: list[PulledRecord]
    cursor: dict[str, Any]
    lookups: Lookups = field(default_factory=dict)
    end_of_stream: bool = False


Row = dict[str, str | int | float | None]


class Connector(ABC):
    """One vendor API feeding one dataset. Subclasses set the class attributes and the four methods."""

    api: ClassVar[str]
    datasets: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[str, ...]]  # canonical columns of the rows `canonical` returns
    required: ClassVar[tuple[str, ...]] = ("url", "token")
    accepted: ClassVar[tuple[str, ...]] = ("url", "token", "start")
    options: ClassVar[Mapping[str, str]] = {}
    auth_hint: ClassVar[str] = "check the source's token"
    # channel values (as ``canonical`` writes them) of tickets the team started: see Preset
    outbound_channels: ClassVar[tuple[str, ...]] = ()

    def __init__(self, dataset: str, source: SourceConfig, timezone: str):
        self.dataset = dataset
        self.source = source
        self.timezone = timezone
        self.url = (source.url or "").rstrip("/")
        self.start = parse_start(source.start, timezone) if source.start else default_start(timezone)

    # ---- settings ------------------------------------------------------------------------------

    @classmethod
    def problems(cls, dataset: str, source: SourceConfig) -> list[str]:
        """Every problem with this source's api settings, each naming its key (`sources.<dataset>.<key>`)."""
        where = f"sources.{dataset}"
        found: list[str] = []
        if dataset not in cls.datasets:
            found.append(f"{where}.api: '{cls.api}' reads {' and '.join(cls.datasets)}, not {dataset}")
        for key in cls.required:
            if not getattr(source, key):
                found.append(f"{where}.{key}: required for api: {cls.api}")
        for key in API_KEYS:
            if getattr(source, key) is not None and key not in cls.accepted:
                found.append(f"{where}.{key}: not used by api: {cls.api} (it takes "
                             f"{', '.join(k + ':' for k in cls.accepted)})")
        if source.url and not source.url.startswith(("https://", "http://")):
            found.append(f"{where}.url: '{source.url}' must start with https:// (the account's base URL)")
        if source.start:
            try:
                parse_start(source.start, "UTC")
            except ValueError:
                found.append(f"{where}.start: '{source.start}' is not a date (write YYYY-MM-DD)")
        allowed = {**COMMON_OPTIONS, **cls.options}
        for key, value in source.options.items():
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(allowed)}"
                found.append(f"{where}.options.{key}: unknown option for api: {cls.api} ({hint})")
            elif key in ("max_minutes", "max_body_mb") and (
                    isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
                unit = "minutes" if key == "max_minutes" else "MiB"
                found.append(f"{where}.options.{key}: must be a positive number of {unit}")
        return found

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
        return tuple(s for s in (self.source.token, password, unquote(password or "")) if s)

    def max_seconds(self) -> float | None:
        value = self.source.options.get("max_minutes")
        return float(value) * 60 if isinstance(value, int | float) and not isinstance(value, bool) else None

    def max_body_bytes(self) -> int | None:
        value = self.source.options.get("max_body_mb")
        return int(float(value) * 2 ** 20) if isinstance(value, int | float) and not isinstance(value, bool) \
            else None

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


CONNECTORS: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make ``api: <cls.api>`` available in config files."""
    CONNECTORS[cls.api] = cls
    return cls


def url_password(url: str | None) -> str | None:
    """The password of ``url``'s userinfo (``https://user:pass@host``), as written; None without one."""
    try:
        return urlsplit(url or "").password
    except ValueError:
        return None


# ---- time helpers shared by the connectors -----------------------------------------------------

def parse_start(text: str, timezone: str) -> datetime:
    """``start:`` as an aware datetime: a date is local midnight in ``timezone``."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))


def default_start(timezone: str) -> datetime:
    """Without ``start:``: the first day of the month 13 months ago (a tracker year + one)."""
    today = datetime.now(ZoneInfo(timezone))
    months = today.year * 12 + today.month - 1 - 13
    return datetime(months // 12, months % 12 + 1, 1, tzinfo=ZoneInfo(timezone))


def parse_time(value: Any) -> datetime | None:
    """A vendor timestamp (ISO 8601, ``Z`` or an offset) as an aware datetime; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset (``2025-01-02T03:04:05+00:00``), the canonical timestamp text."""
    return None if moment is None else moment.isoformat()


def iso_utc(value: Any) -> str | None:
    return iso(parse_time(value))


def plus_minutes(moment: datetime | None, minutes: Any) -> datetime | None:
    if moment is None or isinstance(minutes, bool) or not isinstance(minutes, int | float):
        return None
    return moment + timedelta(minutes=minutes)


def text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
