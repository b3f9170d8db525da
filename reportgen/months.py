"""Month arithmetic on 'YYYY-MM' strings."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from reportgen.errors import ReportgenError

_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# a folder of one month (the site's pages, and the files they hold): named YYYY-MM, nothing else
MONTH_FOLDER = re.compile(r"^\d{4}-\d{2}$")


def parse_month_option(text: str, timezone: str, now: datetime | None = None) -> str:
    """``YYYY-MM`` as given, or ``last``: the last complete month in the report timezone."""
    value = text.strip().lower()
    if value == "last":
        today = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
        return shift(f"{today.year:04d}-{today.month:02d}", -1)
    if not _PATTERN.match(value):
        raise ReportgenError(f"--month: '{text}' is not a month", hint="use YYYY-MM (e.g. 2026-10) or 'last'")
    return value


def is_month(text: str) -> bool:
    """Whether ``text`` is a month written ``YYYY-MM`` (surrounding spaces allowed)."""
    return _PATTERN.match(text.strip()) is not None


def shift(month: str, delta: int) -> str:
    """The month ``delta`` months after ``month`` (negative: before)."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def window(end: str, length: int) -> list[str]:
    """The ``length`` months ending with ``end``, oldest first."""
    return [shift(end, -offset) for offset in range(length - 1, -1, -1)]
