"""Date order inferred from a whole column (hand-made columns), in Python and in DuckDB: the same
answer both ways, and one line with the exact `date_format:` to add when the column cannot tell."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from reportgen.cli import main
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


def test_in_a_column_of_both_styles_the_more_frequent_one_decides() -> None:
    # one stray local date among ISO values: no format, that row is an invalid row as before
    assert both(["2026-11-04 11:53", "2026-11-05 09:00", "25-11-2026 09:05"]) == DateOrder("iso", None)
    # mostly local: the order comes from the local values (the ISO one still parses as ISO)
    assert both(["2026-11-04 11:53", "25-11-2026 09:05", "13-11-2026 10:00"]) == \
        DateOrder("day-first", "%d-%m-%Y %H:%M")


def _excel_export(folder: Path, days: list[int]) -> Path:
    """An export re-saved by Excel: day-first local times (`04-11-2026 11:53`), one ticket a row."""
    lines = ["ticket_id,created_at,first_response_at,resolved_at,category,channel"]
    for number, day in enumerate(days, start=1):
        lines.append(f"T{number},{day:02d}-11-2026 11:53,{day:02d}-11-2026 13:23,,Billing,Email")
    (folder / "tickets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text("report: {timezone: Europe/Rome}\nsources:\n  tickets: {path: tickets.csv}\n",
                      encoding="utf-8")
    return config


def test_an_excel_day_first_export_is_read_whole_and_validate_says_how(tmp_path: Path) -> None:
    """The issue's case: 40 rows, every one rejected before; the 13th and later days settle the order."""
    config = _excel_export(tmp_path, [1 + n % 28 for n in range(40)])
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kpis"]["ticket_volume"] == 40
    assert doc["kpis"]["avg_first_response_hours"] == pytest.approx(1.5)  # 11:53 → 13:23
    checked = CliRunner().invoke(main, ["validate", "-c", str(config)])
    assert "note: tickets.csv: created_at read as day-first (%d-%m-%Y %H:%M)" in checked.stdout


def test_an_export_whose_days_never_pass_12_stops_with_the_line_to_add(tmp_path: Path) -> None:
    config = _excel_export(tmp_path, [4, 11, 12])
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-11"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert 'add date_format: "%d-%m-%Y %H:%M" to sources.tickets' in result.stderr


def test_a_column_of_small_days_takes_the_order_another_column_of_the_file_settles(tmp_path: Path) -> None:
    """One export writes every date the same way: created on the 30th settles day-first, and the
    resolutions (all on days ≤ 12) are read day-first too, as `reportgen init` proposes, instead of
    stopping on the resolved_at column."""
    lines = ["ticket_id,created_at,first_response_at,resolved_at,category,channel",
             "T1,30/10/2026 08:00,,01/11/2026 09:00,Billing,Email",
             "T2,29/10/2026 10:00,,02/11/2026 10:00,Billing,Email"]
    (tmp_path / "tickets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("report: {timezone: UTC}\nsources:\n  tickets: {path: tickets.csv}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kpis"]["ticket_volume"] == 2
    # 30 Oct 08:00 → 1 Nov 09:00 is 49 h; 29 Oct 10:00 → 2 Nov 10:00 is 96 h (month-first would be nonsense)
    assert doc["kpis"]["avg_resolution_hours"] is None  # resolved in November, not October
    november = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-11", "--format", "json"])
    assert november.exit_code == 0, november.output
    assert json.loads(november.stdout)["kpis"]["avg_resolution_hours"] == pytest.approx((49 + 96) / 2)
