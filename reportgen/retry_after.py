"""The ``Retry-After`` header of a 429/503 answer, read the same way by every HTTP client here."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """The ``Retry-After`` header (delta-seconds or an HTTP date) in seconds, if any."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now())
