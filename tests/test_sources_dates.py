"""Date order inferred from a whole column (hand-made columns), in Python and in DuckDB: the same
answer both ways, and one line with the exact `date_format:` to add when the column cannot tell."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from reportgen.errors import DataError
from reportgen.sources.dates import DateOrder, infer_date_format, infer_date_format_sql


def both(values: list[str | None]) -> DateOrder:
    """The Python and the SQL inference, which must agree."""
    python = infer_date_format(values, file="tickets.csv", column="created_at")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    for value in values:
        con.execute("INSERT INTO t VALUES (?)", [value])
    sql = infer_date_format_sql(con, "SELECT * FROM t", "v", file="tickets.csv", column="created_at")
    assert sql == python
    return python


def failure(values: list[str | None]) -> str:
    with pytest.raises(DataError) as python:
        infer_date_format(values, file="tickets.csv", column="created_at")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    for value in values:
        con.execute("INSERT INTO t VALUES (?)", [value])
    with pytest.raises(DataError) as sql:
        infer_date_format_sql(con, "SELECT * FROM t", "v", file="tickets.csv", column="created_at")
    assert str(sql.value) == str(python.value)
    return str(python.value)


def test_a_first_field_above_12_means_day_first() -> None:
    order = both(["04-11-2026 11:53", "", None, "25-11-2026 09:05", "01-12-2026 00:00"])
    assert order == DateOrder("day-first", "%d-%m-%Y %H:%M")
    assert order.describe() == "day-first (%d-%m-%Y %H:%M)"
    # the format really reads the values as the day-first dates they are
    assert datetime.strptime("04-11-2026 11:53", order.format or "") == datetime(2026, 11, 4, 11, 53)


def test_a_second_field_above_12_means_month_first() -> None:
    order = both(["11/04/2026 11:53:10", "11/28/2026 08:00:00"])
    assert order == DateOrder("month-first", "%m/%d/%Y %H:%M:%S")
    assert datetime.strptime("11/28/2026 08:00:00", order.format or "") == datetime(2026, 11, 28, 8)


def test_two_digit_years_dates_alone_and_am_pm() -> None:
    assert both(["13.10.26", "01.10.26"]) == DateOrder("day-first", "%d.%m.%y")
    order = both(["10/13/2026 1:05 PM", "10/01/2026 11:00 am"])
    assert order == DateOrder("month-first", "%m/%d/%Y %I:%M %p")
    assert datetime.strptime("10/13/2026 1:05 PM", order.format or "") == datetime(2026, 10, 13, 13, 5)


def test_iso_stays_iso() -> None:
    assert both(["2026-11-04T11:53:00+01:00", "2026-11-05 09:00", "", "not a date"]) == DateOrder("iso", None)
    assert both([]) == DateOrder("iso", None)


def test_an_ambiguous_column_asks_for_the_exact_line() -> None:
    message = failure(["04-11-2026 11:53", "05-11-2026 12:00", "12-01-2026 08:00"])
    assert message == (
        "tickets.csv, column 'created_at': cannot tell whether dates are day-first or month-first "
        '(no day above 12) — add date_format: "%d-%m-%Y %H:%M" to sources.tickets if the day comes '
        'first, or date_format: "%m-%d-%Y %H:%M" if the month does')


def test_a_column_that_fits_no_order_is_an_error() -> None:
    message = failure(["13-01-2026", "01-13-2026"])
    assert "tickets.csv, column 'created_at': the dates fit neither day-first nor month-first" in message
    assert "'13-01-2026'" in message and "'01-13-2026'" in message


def test_iso_mixed_with_local_dates_is_an_error() -> None:
    message = failure(["2026-11-04 11:53", "25-11-2026 09:05"])
    assert "two styles (ISO and '25-11-2026 09:05')" in message and "date_format:" in message
