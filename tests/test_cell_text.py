"""A listed row problem quotes the cell as the file wrote it, not the parsed value cast back to text.

Numbers and timestamps are parsed while reading; a problem line (``validate``) used to show the
parsed value as text ('1e+23', '-1.0', 'nan', the instant moved to UTC), which a person cannot
find in the file. The expected lines are written by hand from the files below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main

HEADER = "ticket_id,created_at,first_response_at,resolved_at,category,channel,agent,replies,reopens\n"
ROWS = [
    "T1,2026-10-01T08:00:00Z,,,Billing,Mail,Ann,99999999999999999999999,0\n",
    "T2,2026-10-02T08:00:00Z,,,Billing,Mail,Ann,-1,0\n",
    "T3,2026-10-03T08:00:00Z,,2026-10-01T08:00:00+01:00,Billing,Mail,Ann,1,NaN\n",
]


def validate(root: Path, file: str, timezone: str, options: str = "", code: int = 0) -> list[str]:
    """The problem lines of `validate` (exit ``code``: 1 when a row is excluded)."""
    (root / "config.yaml").write_text(
        f'report: {{timezone: "{timezone}"}}\nsources:\n  tickets: {{path: "{file}"{options}}}\n',
        encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(root / "config.yaml")])
    assert result.exit_code == code, result.output
    return [line for line in result.output.splitlines() if ", row " in line]


def expected(path: Path, first: int) -> list[str]:
    return [
        f"{path}, row {first}, column 'replies': invalid replies '99999999999999999999999' — value ignored",
        f"{path}, row {first + 1}, column 'replies': invalid replies '-1' — value ignored",
        f"{path}, row {first + 2}, column 'reopens': invalid reopens 'NaN' — value ignored",
        f"{path}, row {first + 2}, column 'resolved_at': resolved before created "
        f"'2026-10-01T08:00:00+01:00' — value ignored",
    ]


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Rome"])
def test_csv_problems_quote_the_cells_as_written(tmp_path: Path, timezone: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    assert validate(tmp_path, "t.csv", timezone) == expected(path, 2)


def test_json_problems_quote_the_values_as_written(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    base = {"category": "Billing", "channel": "Mail", "agent": "Ann"}
    # numbers as JSON numbers: their text is the file's (json keeps 99999999999999999999999 as written)
    records = [
        '{"ticket_id": "T1", "created_at": "2026-10-01T08:00:00Z", "replies": 99999999999999999999999, '
        '"reopens": 0, ' + json.dumps(base)[1:],
        '{"ticket_id": "T2", "created_at": "2026-10-02T08:00:00Z", "replies": -1, "reopens": 0, '
        + json.dumps(base)[1:],
        '{"ticket_id": "T3", "created_at": "2026-10-03T08:00:00Z", "resolved_at": "2026-10-01T08:00:00+01:00", '
        '"replies": 1, "reopens": "NaN", ' + json.dumps(base)[1:],
    ]
    path.write_text("[" + ",\n".join(records) + "]\n", encoding="utf-8")
    assert validate(tmp_path, "t.json", "Europe/Rome") == expected(path, 1)


def test_a_decimal_comma_cell_is_quoted_with_its_comma(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER.replace(",", ";")
                    + "T1;2026-10-01T08:00:00Z;;;Billing;Mail;Ann;1,5;0\n", encoding="utf-8")
    assert validate(tmp_path, "t.csv", "UTC", ', decimal: ","') == [
        f"{path}, row 2, column 'replies': invalid replies '1,5' — value ignored"]


def test_a_blank_like_cell_is_still_not_quoted(tmp_path: Path) -> None:
    """The cell as written is shown only where a value is given: 'n/a' is no value, as before."""
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "T1,n/a,,,Billing,Mail,Ann,1,0\n" + ROWS[1], encoding="utf-8")
    assert validate(tmp_path, "t.csv", "UTC", code=1) == [
        f"{path}, row 2, column 'created_at': missing created at (empty) — row excluded",
        f"{path}, row 3, column 'replies': invalid replies '-1' — value ignored"]


def test_xlsx_problems_quote_the_cells_as_the_workbook_holds_them(tmp_path: Path) -> None:
    """A workbook's number cell is a number, not text: it is quoted as the sheet shows a whole
    number ('-1', not '-1.0'); a text cell exactly."""
    import openpyxl

    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append(["T1", "2026-10-01T08:00:00Z", None, None, "Billing", "Mail", "Ann", -1, 0])
    sheet.append(["T2", "2026-10-03T08:00:00Z", None, "2026-10-01T08:00:00+01:00", "Billing", "Mail", "Ann",
                  1, "NaN"])
    book.save(path)
    assert validate(tmp_path, "t.xlsx", "Europe/Rome") == [
        f"{path}, row 2, column 'replies': invalid replies '-1' — value ignored",
        f"{path}, row 3, column 'reopens': invalid reopens 'NaN' — value ignored",
        f"{path}, row 3, column 'resolved_at': resolved before created '2026-10-01T08:00:00+01:00' — value ignored",
    ]
