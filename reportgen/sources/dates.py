"""Day-first or month-first: the date order of a timestamp column, inferred from all its values.

Spreadsheets re-save ISO timestamps in the local style (``04-11-2026 11:53``).
One value cannot tell 4 November from 11 April, but a column can: a first field
above 12 anywhere means day-first, a second field above 12 means month-first.
When no value settles it (every day of the export ≤ 12) the order is not
guessed: the run stops with the exact ``date_format:`` line to add. ISO values
(``2026-11-04…``) need no format. Blank values are ignored. In a column of
both styles the more frequent one decides: mostly ISO needs no format (the
local-style values are invalid rows, counted and gated as usual); mostly local
gets its order inferred (the ISO values still parse).

Two entry points with one rule: :func:`infer_date_format` over Python values,
:func:`infer_date_format_sql` over a column of a DuckDB relation (aggregated in
SQL, so millions of rows never leave DuckDB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from reportgen.errors import DataError, Location, shown

Order = Literal["iso", "day-first", "month-first"]

# day/month, separator, month/day, separator, year, optional time (H:MM[:SS]) and AM/PM
_PATTERN = (r"^(\d{1,2})([-/.])(\d{1,2})([-/.])(\d{4}|\d{2})"
            r"(?:[ T]+(\d{1,2}):(\d{2})(:\d{2})?\s*([AaPp][Mm])?)?$")
_REGEX = re.compile(_PATTERN)
_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class DateOrder:
    """What was inferred: ``order`` for messages (``validate`` prints it), ``format`` for strptime
    (None for ISO, which the default parser reads)."""

    order: Order
    format: str | None

    def describe(self) -> str:
        """``day-first (%d-%m-%Y %H:%M)`` or ``ISO 8601``."""
        return "ISO 8601" if self.format is None else f"{self.order} ({self.format})"


@dataclass(frozen=True)
class _Shape:
    """Everything but the order that a strptime format depends on."""

    separator: str
    year_digits: int
    time: str  # "", "%H:%M" or "%H:%M:%S"
    ampm: bool

    def format(self, order: Order) -> str:
        first, second = ("%d", "%m") if order == "day-first" else ("%m", "%d")
        year = "%Y" if self.year_digits == 4 else "%y"
        text = f"{first}{self.separator}{second}{self.separator}{year}"
        if self.time:
            time = self.time.replace("%H", "%I") if self.ampm else self.time
            text += f" {time}" + (" %p" if self.ampm else "")
        return text


@dataclass
class _Tally:
    count: int = 0
    example: str = ""
    first_above_12: str | None = None  # an example value
    second_above_12: str | None = None


@dataclass
class _Summary:
    iso: int = 0
    other: str | None = None  # an example of a value in neither style
    shapes: dict[_Shape, _Tally] = field(default_factory=dict)

    def add(self, shape: _Shape, count: int, first: int, second: int, example: str) -> None:
        tally = self.shapes.setdefault(shape, _Tally())
        tally.count += count
        tally.example = tally.example or example
        if first > 12 and tally.first_above_12 is None:
            tally.first_above_12 = example
        if second > 12 and tally.second_above_12 is None:
            tally.second_above_12 = example


def _shape(separator: str, separator2: str, year: str, hour: str | None, seconds: str | None,
           ampm: str | None) -> _Shape | None:
    if separator != separator2:
        return None
    time = "" if not hour else ("%H:%M:%S" if seconds else "%H:%M")
    return _Shape(separator, len(year), time, bool(ampm))


class _Undecided(DataError):
    """No value of the column settles the order (a DataError to every caller)."""


UndecidedOrders = list[DataError]  # the columns no value of which settled the order, as their errors


def infer_date_format(values: Iterable[str | None], *, file: str | Path | None, column: str,
                      dataset: str = "tickets") -> DateOrder:
    """The order of a column's values (all of them; chain several columns of one file if you like).

    Raises DataError naming file and column when the order cannot be told, with the line to add.
    """
    summary = _Summary()
    for raw in values:
        value = (raw or "").strip()
        if not value:
            continue
        if _ISO.match(value):
            summary.iso += 1
            continue
        match = _REGEX.match(value)
        shape = match and _shape(match[2], match[4], match[5], match[6], match[8], match[9])
        if not match or shape is None:
            summary.other = summary.other or value
            continue
        summary.add(shape, 1, int(match[1]), int(match[3]), value)
    return _decide(summary, file, column, dataset)


def infer_date_format_sql(con: duckdb.DuckDBPyConnection, relation_sql: str, column_sql: str, *,
                          file: str | Path | None, column: str, dataset: str = "tickets",
                          undecided: UndecidedOrders | None = None) -> DateOrder | None:
    """:func:`infer_date_format` over ``column_sql`` (an expression) of ``SELECT … `` ``relation_sql``.

    ``undecided``: a column whose values settle no order (no day above 12) is recorded there and
    None returned, instead of stopping: another column of the same file may settle it (one
    export writes every date the same way)."""
    pattern = "'" + _PATTERN.replace("'", "''") + "'"
    value = f"trim(CAST({column_sql} AS VARCHAR))"
    parts = ", ".join(f"regexp_extract(v, {pattern}, {i}) AS g{i}" for i in range(1, 10))
    rows = con.execute(
        f"WITH vals AS (SELECT {value} AS v FROM ({relation_sql}) WHERE {value} <> ''), "
        f"parsed AS (SELECT v, regexp_matches(v, '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}') AS iso, "
        f"regexp_full_match(v, {pattern}) AS hit, {parts} FROM vals) "
        "SELECT iso, hit, g2, g4, g5, g6, g8, g9, count(*), "
        "max(CASE WHEN hit AND NOT iso THEN CAST(g1 AS INTEGER) END), "
        "max(CASE WHEN hit AND NOT iso THEN CAST(g3 AS INTEGER) END), "
        "arg_max(v, CASE WHEN hit AND NOT iso THEN CAST(g1 AS INTEGER) END), "
        "arg_max(v, CASE WHEN hit AND NOT iso THEN CAST(g3 AS INTEGER) END), any_value(v) "
        "FROM parsed GROUP BY ALL"
    ).fetchall()
    summary = _Summary()
    for iso, hit, sep, sep2, year, hour, seconds, ampm, count, first, second, ex1, ex2, example in rows:
        if iso:
            summary.iso += int(count)
            continue
        shape = _shape(sep, sep2, year, hour, seconds, ampm) if hit else None
        if shape is None:
            summary.other = summary.other or str(example)
            continue
        summary.add(shape, int(count), int(first), 0, str(ex1))
        summary.add(shape, 0, 0, int(second), str(ex2))
    try:
        return _decide(summary, file, column, dataset)
    except _Undecided as exc:
        if undecided is None:
            raise
        undecided.append(exc)
        return None


def _decide(summary: _Summary, file: str | Path | None, column: str, dataset: str) -> DateOrder:
    where = Location(file=file, column=column)
    if not summary.shapes:
        return DateOrder("iso", None)
    local = sum(tally.count for tally in summary.shapes.values())
    if summary.iso >= local:
        # mostly ISO: the few local-style values are invalid rows, counted and gated as usual
        return DateOrder("iso", None)
    # mostly local style: its order is inferred below; the ISO values still parse as ISO
    # the format of the most frequent shape; values of another shape are invalid rows as usual
    shape, _ = max(summary.shapes.items(), key=lambda item: item[1].count)
    day_first = next((t.first_above_12 for t in summary.shapes.values() if t.first_above_12), None)
    month_first = next((t.second_above_12 for t in summary.shapes.values() if t.second_above_12), None)
    if day_first and month_first:
        raise DataError(
            f"the dates fit neither day-first nor month-first ('{shown(day_first)}' and "
            f"'{shown(month_first)}')", where,
            hint="fix the export so that every date has the same order")
    if day_first:
        return DateOrder("day-first", shape.format("day-first"))
    if month_first:
        return DateOrder("month-first", shape.format("month-first"))
    raise _Undecided(
        "cannot tell whether dates are day-first or month-first (no day above 12)", where,
        hint=f'add date_format: "{shape.format("day-first")}" to sources.{dataset} if the day comes '
             f'first, or date_format: "{shape.format("month-first")}" if the month does')
