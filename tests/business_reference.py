"""An independent reference for business durations (KPI_SPEC "Business hours"), day by day.

Stdlib only and nothing from ``reportgen``: for every local date from the day before a to
the day after b, each working interval of that weekday (unless the date is a holiday) is
turned into two instants and its overlap with [a, b) is added up. Slow and obvious, so
the engine's per-UTC-day table and SQL can be checked against it.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Week = Mapping[str, Sequence[str]]  # "mon" → ["09:00-13:00", …]


def wall_to_instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """Local wall time → UTC instant: the later one in a repeated hour, moved forward by the gap
    in a skipped hour. Found by trying each UTC offset the zone uses around that day."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    naive = datetime(day.year, day.month, day.day) + timedelta(hours=hours, minutes=minutes)
    offsets = set()
    for shift in range(-48, 49, 3):
        probe = (naive + timedelta(hours=shift)).replace(tzinfo=UTC).astimezone(zone)
        offset = probe.utcoffset()
        assert offset is not None
        offsets.add(offset)
    matching = [naive - offset for offset in offsets
                if (naive - offset).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == naive]
    if matching:
        return max(matching).replace(tzinfo=UTC)
    # a skipped time: the offset in force just before the gap, i.e. the clock moved forward
    before = (naive - timedelta(hours=6)).replace(tzinfo=zone).utcoffset()
    assert before is not None
    return (naive - before).replace(tzinfo=UTC)


def business_hours(a: datetime, b: datetime, week: Week, zone: str,
                   holidays: Sequence[date] = ()) -> float:
    """Hours of [a, b) that fall into the working intervals of ``week`` in ``zone``."""
    tz = ZoneInfo(zone)
    closed = set(holidays)
    seconds = 0.0
    day = a.astimezone(tz).date() - timedelta(days=1)
    last = b.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        hours = [] if day in closed else week.get(WEEKDAYS[day.weekday()], [])
        for interval in hours:
            start_text, end_text = interval.split("-")
            start, end = wall_to_instant(day, start_text, tz), wall_to_instant(day, end_text, tz)
            overlap = (min(end, b) - max(start, a)).total_seconds()
            if overlap > 0:
                seconds += overlap
        day += timedelta(days=1)
    return seconds / 3600


def quantile(values: Sequence[float], q: float) -> float:
    """Continuous quantile with linear interpolation (KPI_SPEC)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> tuple[float, float, float] | None:
    """(mean, median, p90) of the durations, or None without any."""
    if not values:
        return None
    return statistics.fmean(values), quantile(values, 0.5), quantile(values, 0.9)
