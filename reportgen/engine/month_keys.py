"""The report zone's calendar month of an instant, as SQL that costs a lookup, not a time-zone conversion.

``strftime(timezone(zone, t), '%Y-%m')`` converts every value through ICU and was a
third of the clean stage. A month's first instant in the report zone is computed here
once per month (``zoneinfo``), and each row finds its month among these boundaries:

1. a first guess from the microseconds since the first boundary, divided by the mean
   Gregorian month (right within one month: months are 28–31 days long);
2. one comparison with the guessed month's boundary and one with the next month's
   settle it;
3. the month's ``'YYYY-MM'`` label is read from a list at that position.

This holds while local time never goes back across a month's first midnight. A zone
where it did (a clock set back from 00:30 on the 1st to 23:30 the day before) gets
the exact ``strftime`` expression instead; :attr:`MonthKeys.exact` checks each
boundary before it is used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from reportgen.sources.files import sql_string

_MEAN_MONTH_US = 2_629_746_000_000  # 365.2425 days / 12, in microseconds
_STEP = dt.timedelta(minutes=15)  # offsets change by whole quarter hours
_AROUND = 27 * 4  # quarter hours looked at on each side of a boundary (a day and then some)
_DAY = dt.timedelta(hours=27)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def exact_month_sql(column: str, zone: str) -> str:
    """SQL: the ``'YYYY-MM'`` of a TIMESTAMPTZ in ``zone`` by converting each value (exact, slow)."""
    return f"strftime(timezone({sql_string(zone)}, {column}), '%Y-%m')"


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _label(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def _first_instant(index: int, zone: ZoneInfo) -> dt.datetime:
    """The first instant of a local month (midnight on the 1st; where midnight was skipped,
    the instant the clock jumped, which is what ``fold=0`` gives)."""
    year, month = divmod(index, 12)
    return dt.datetime(year, month + 1, 1, tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class MonthKeys:
    """Month labels of instants in ``zone`` between ``first`` and ``last`` (inclusive)."""

    zone: str
    first: dt.datetime
    last: dt.datetime

    def _range(self) -> range:
        zone = ZoneInfo(self.zone)
        start, end = self.first.astimezone(zone), self.last.astimezone(zone)
        # one month of margin before, two after: the guess may land one month either side
        return range(_index(start.year, start.month) - 1, _index(end.year, end.month) + 3)

    @cached_property
    def exact(self) -> bool:
        """True when no local clock goes back across the first midnight of any month in range."""
        zone = ZoneInfo(self.zone)
        for index in self._range():
            boundary = _first_instant(index, zone)
            around = {(boundary + k * _DAY).astimezone(zone).utcoffset() for k in (-1, 0, 1)}
            if len(around) == 1:  # the same offset a day either side: no clock change near
                continue
            label, before = _label(index), _label(index - 1)
            for step in range(1, _AROUND):
                if (boundary - step * _STEP).astimezone(zone).strftime("%Y-%m") != before:
                    return False
                if (boundary + (step - 1) * _STEP).astimezone(zone).strftime("%Y-%m") != label:
                    return False
        return True

    @cached_property
    def _lists(self) -> tuple[list[int], str, str]:
        """First boundary (µs since the epoch) and the SQL lists of boundaries and labels."""
        indexes = self._range()
        zone = ZoneInfo(self.zone)
        starts = [(_first_instant(i, zone) - _EPOCH) // dt.timedelta(microseconds=1) for i in indexes]
        bounds = "([" + ", ".join(map(str, starts)) + "]::BIGINT[])"
        labels = "([" + ", ".join(sql_string(_label(i)) for i in indexes) + "])"
        return starts, bounds, labels

    def sql(self, column: str) -> str:
        """SQL: the ``'YYYY-MM'`` of a TIMESTAMPTZ ``column`` (NULL stays NULL); the value must lie
        between ``first`` and ``last``."""
        if not self.exact:
            return exact_month_sql(column, self.zone)
        starts, bounds, labels = self._lists
        micros = f"epoch_us({column})"
        guess = f"(({micros} - {starts[0]}) // {_MEAN_MONTH_US})"  # 0-based; the lists are 1-based
        settled = (f"({guess} - CAST({micros} < {bounds}[{guess} + 1] AS BIGINT)"
                   f" + CAST({micros} >= {bounds}[{guess} + 2] AS BIGINT))")
        return f"{labels}[{settled} + 1]"
