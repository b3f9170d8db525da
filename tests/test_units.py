"""Units own their formats: the workbook/Sheets number format and the email/terminal text agree."""

from __future__ import annotations

import pytest

from reportgen.kpis import KPIS
from reportgen.render.styles import style_spec
from reportgen.units import (
    UNITS,
    change_factor,
    change_value,
    currency_prefix,
    format_change,
    format_value,
    spreadsheet_format,
)


@pytest.mark.parametrize(("unit", "value", "fmt", "text"), [
    ("money", 311.2749, '"€"#,##0.00', "€311.27"),
    ("hours", 3.734, '0.0" h"', "3.7\u00a0h"),
    ("percent", 0.1234, "0.0%", "12.3%"),
    ("score", 33.3333, "0.0", "33.3"),
    ("count", 12345, "#,##0", "12,345"),
    ("ratio", 2.26, "#,##0.0", "2.3"),
    ("years", 2.5, "0.00", "2.50"),
])
def test_each_unit_has_one_format_for_spreadsheets_and_text(unit: str, value: float, fmt: str, text: str) -> None:
    assert spreadsheet_format(unit, "EUR") == fmt
    assert format_value(value, unit, "EUR") == text


def test_a_count_that_is_an_average_shows_like_a_ratio() -> None:
    assert format_value(12.34, "count") == "12.3"
    assert format_value(None, "count") == "—"


def test_money_takes_the_configured_currency() -> None:
    assert currency_prefix("usd") == "$"
    assert currency_prefix("CHF") == "CHF "  # a letter code is separated by a space
    assert spreadsheet_format("money", "CHF") == '"CHF "#,##0.00'
    assert format_value(-5, "money", "CHF") == "-CHF\u00a05.00"
    assert format_value(1234.5, "money", "GBP") == "£1,234.50"


def test_percent_changes_are_percentage_points_everywhere() -> None:
    assert change_factor("percent") == 100 and change_factor("hours") == 1
    assert change_value("percent", 0.50, 0.534) == pytest.approx(3.4)
    assert format_change(3.4, "percent") == "+3.4\u00a0pp"
    assert spreadsheet_format("percent", "EUR", signed=True) == '+0.0" pp";-0.0" pp";0.0" pp"'
    assert format_change(-0.5, "hours") == "−0.5\u00a0h"
    assert spreadsheet_format("hours", "EUR", signed=True) == '+0.0" h";-0.0" h";0.0" h"'
    assert format_change(-1234.5, "money", "EUR") == "−€1,234.50"
    assert format_change(12, "count") == "+12" and format_change(2.5, "count") == "+2.5"
    assert format_change(0, "score") == "±0.0"


def test_the_renderers_use_the_unit_table() -> None:
    for kpi in KPIS:
        assert kpi.unit in UNITS
        assert style_spec(f"value:{kpi.unit}", "EUR").num_format == spreadsheet_format(kpi.unit, "EUR")
        assert style_spec(f"change:{kpi.unit}:good", "EUR").num_format == spreadsheet_format(
            kpi.unit, "EUR", signed=True)


def test_an_unknown_unit_is_named() -> None:
    with pytest.raises(ValueError, match="unknown unit 'furlongs'"):
        format_value(1, "furlongs")
