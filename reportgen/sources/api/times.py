"""Time and text helpers shared by the connectors: vendor timestamps to canonical ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo


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


def seconds(value: Any) -> int | None:
    """A vendor time (Unix seconds, or ISO 8601 text) as whole Unix seconds; None when absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    moment = parse_time(value)
    return None if moment is None else int(moment.timestamp())


def unix(moment: int) -> int:
    """``since`` as Unix seconds (Zendesk, Delighted, Intercom)."""
    return moment


def utc_z(moment: int) -> str:
    """``since`` as ``2025-01-02T03:04:05Z`` (Freshdesk)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_plain(moment: int) -> str:
    """``since`` as ``2025-01-02T03:04:05`` in UTC (Typeform)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def unix_iso(value: Any) -> str | None:
    """Unix seconds → ISO 8601 in UTC; None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return iso(datetime.fromtimestamp(value, UTC))
