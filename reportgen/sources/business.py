"""Business figures (customers, spend, revenue): one hand-kept row per month.

The file is small and typed by a person, so any bad value is a fatal error
naming file, row and column instead of a silently excluded row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.errors import DataError, Location, ReportgenError, shown

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-01(?:[ T]00:00(?::00)?)?)?$")
COUNT_COLUMNS = ("customers_start", "customers_end", "customers_new", "customers_lost")
MONEY_COLUMNS = ("sales_marketing_spend", "revenue")


@dataclass
class BusinessMonth:
    month: str
    values: dict[str, float | None] = field(default_factory=dict)


def parse_month(text: str, location: Location) -> str:
    match = _MONTH.match(text.strip())
    if not match:
        raise DataError(f"'{shown(text)}' is not a month", location,
                        hint="write months as YYYY-MM, e.g. 2026-10")
    return f"{match.group(1)}-{match.group(2)}"


def _number(text: str, location: Location) -> float:
    cleaned = text.strip().replace("_", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise DataError(f"'{shown(text)}' is not a number", location,
                        hint="write plain numbers such as 10000 or 10000.50 (no currency symbols); "
                             "for 10000,50 set decimal: \",\" on the source") from None
    if not math.isfinite(value):
        raise DataError(f"'{shown(text)}' is not a finite number", location, hint="write a plain number")
    return value


def parse_business_rows(
    rows: list[tuple[Path, int, dict[str, str | None]]],
    errors: list[ReportgenError] | None = None,
) -> dict[str, BusinessMonth]:
    """Validated business figures per month from (file, row, canonical values) tuples.

    The first bad value raises; with ``errors`` (for `reportgen validate`) every bad
    value is appended there instead and its row left out.
    """
    months: dict[str, BusinessMonth] = {}
    seen_at: dict[str, tuple[Path, int]] = {}
    for path, row, values in rows:
        try:
            _parse_row(path, row, values, months, seen_at, errors)
        except DataError as exc:
            if errors is None:
                raise
            errors.append(exc)
    return months


def _parse_row(path: Path, row: int, values: dict[str, str | None], months: dict[str, BusinessMonth],
               seen_at: dict[str, tuple[Path, int]], errors: list[ReportgenError] | None = None) -> None:
    """One business row into ``months``; raises on its month, appends value problems to ``errors``."""
    if all(v is None or not v.strip() for v in values.values()):
        return  # a blank line in a hand-kept sheet
    raw_month = values.get("month")
    if raw_month is None or not raw_month.strip():
        raise DataError("the month is empty", Location(path, row, "month"),
                        hint="write months as YYYY-MM, e.g. 2026-10")
    month = parse_month(raw_month, Location(path, row, "month"))
    if month in seen_at:
        first_path, first_row = seen_at[month]
        raise DataError(f"month {month} appears twice (also {first_path.name} row {first_row})",
                        Location(path, row, "month"), hint="keep one row per month")
    seen_at[month] = (path, row)
    parsed: dict[str, float | None] = {}
    bad = False
    for name, text in values.items():
        if name == "month":
            continue
        if text is None or not text.strip():
            parsed[name] = None
            continue
        try:
            parsed[name] = _value(name, text, Location(path, row, name))
        except DataError as exc:
            if errors is None:
                raise
            errors.append(exc)
            bad = True
    if not bad:
        _check_customers(parsed, Location(path, row, "customers_end"))
        months[month] = BusinessMonth(month, parsed)


def _check_customers(values: dict[str, float | None], where: Location) -> None:
    """Customers kept (E − N) cannot exceed the customers there were (S): retention would pass
    100 % and the derived customers_lost (S + N − E) turn negative."""
    start, end, new = (values.get(name) for name in ("customers_start", "customers_end", "customers_new"))
    if start is None or end is None or new is None or end - new <= start:
        return
    raise DataError(f"customers_end {end:g} − customers_new {new:g} = {end - new:g} is more than "
                    f"customers_start {start:g} (retention would be {(end - new) / start:.0%})"
                    if start else f"customers_end {end:g} − customers_new {new:g} = {end - new:g} is more "
                    "than customers_start 0", where,
                    hint="count returning customers in customers_new, or check the row's figures")


def _value(name: str, text: str, where: Location) -> float:
    """One business figure, checked for its column."""
    number = _number(text, where)
    if name in COUNT_COLUMNS and (number < 0 or not number.is_integer()):
        raise DataError(f"'{shown(text)}' is not a whole number ≥ 0", where,
                        hint="customer counts are whole numbers")
    if name in MONEY_COLUMNS and number < 0:
        raise DataError(f"'{shown(text)}' is negative", where, hint="money figures must be ≥ 0")
    if name == "customer_lifespan_years" and number <= 0:
        raise DataError(f"'{shown(text)}' must be greater than 0", where,
                        hint="the average customer lifespan in years, e.g. 2.5")
    return number
