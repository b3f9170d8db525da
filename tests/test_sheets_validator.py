"""The discovery-document validator catches what it must, and reportgen's bodies pass it."""


from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sheets_fake.discovery import drive_validator, parse_mask, sheets_validator
from sheets_fake.fixtures import no_network  # noqa: F401  (autouse guard)
from workbook_support import write_three_month_project

from reportgen.api import compute_month
from reportgen.config import load_config
from reportgen.render.sheets import batch_update_body, new_spreadsheet_state
from reportgen.report import build_report
from reportgen.sheets.calls import STATE_FIELDS
from reportgen.sheets.publish import dry_run_calls
from reportgen.sheets.settings import SheetsSettings

GOOD: dict[str, Any] = {"requests": [
    {"updateSheetProperties": {"properties": {"sheetId": 1, "gridProperties": {"frozenRowCount": 2}},
                               "fields": "gridProperties.frozenRowCount"}},
    {"repeatCell": {"range": {"sheetId": 1, "startRowIndex": 0, "endRowIndex": 2},
                    "cell": {"userEnteredFormat": {"horizontalAlignment": "CENTER"}},
                    "fields": "userEnteredFormat(horizontalAlignment,textFormat.bold)"}},
    {"updateCells": {"range": {"sheetId": 1}, "fields": "userEnteredValue,note",
                     "rows": [{"values": [{"userEnteredValue": {"stringValue": "=IMPORTXML(1)"}}]}]}},
]}


def problems(body: dict[str, Any]) -> list[str]:
    return sheets_validator().problems(body, "BatchUpdateSpreadsheetRequest")


def test_a_valid_body_passes() -> None:
    assert problems(GOOD) == []


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("requests", 0, "updateSheetProperties", "properties", "frozenRows"), 1, "unknown field 'frozenRows'"),
    (("requests", 2, "updateCells", "rows", 0, "values", 0, "userEnteredValue", "textValue"), "x",
     "unknown field 'textValue' in ExtendedValue"),
    (("requests", 0, "updateSheetProperties", "properties", "sheetId"), "1", "expected an integer"),
    (("requests", 0, "updateSheetProperties", "properties", "gridProperties", "hideGridlines"), 1,
     "expected a boolean"),
    (("requests", 2, "updateCells", "rows"), {"values": []}, "expected an array"),
    (("requests", 0, "updateSheetProperties", "properties", "sheetId"), 2 ** 31, "outside int32"),
    (("requests", 1, "repeatCell", "cell", "userEnteredFormat", "horizontalAlignment"), "MIDDLE",
     "'MIDDLE' is not one of"),
    (("requests", 0, "updateSheetProperties", "fields"), "gridProperties.frozenRows",
     "GridProperties has no field 'frozenRows'"),
    (("requests", 1, "repeatCell", "fields"), "userEnteredFormat(textFormat.colour)",
     "TextFormat has no field 'colour'"),
    (("requests", 2, "updateCells", "fields"), "userEnteredValue,value", "CellData has no field 'value'"),
    (("requests", 0, "updateSheetProperties", "fields"), "title.size", "'title' has no sub-fields"),
])
def test_each_kind_of_mistake_is_caught(path: tuple[Any, ...], value: Any, expected: str) -> None:
    body = copy.deepcopy(GOOD)
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    found = problems(body)
    assert any(expected in p for p in found), found


def test_an_unknown_request_kind_is_caught() -> None:
    assert problems({"requests": [{"addTab": {}}]}) == ["$.requests[0]: unknown field 'addTab' in Request"]


def test_field_mask_syntax() -> None:
    assert parse_mask("a.b,c(d,e.f),g") == [["a", "b"], ["c", "d"], ["c", "e", "f"], ["g"]]
    for broken in ("a(b", "a,,b", "", "a)b", "(b)"):
        with pytest.raises(ValueError):
            parse_mask(broken)
    validator = sheets_validator()
    assert validator.mask_problems(STATE_FIELDS, "Spreadsheet") == []
    assert validator.mask_problems("sheets(properties(sheetIdx))", "Spreadsheet")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    config = load_config(write_three_month_project(Path(tmp_path_factory.mktemp("sheets_validator"))))
    return build_report(compute_month(config, "2026-10", save=False))


def test_reportgen_bodies_are_valid(report: Any) -> None:
    body = batch_update_body(report, new_spreadsheet_state("k", "t"), "EUR", delete_tabs=(0,))
    assert problems(body) == []
    plan = dry_run_calls(report, SheetsSettings(title="Support report", share_with=(
        {"email": "lead@example.com", "role": "editor"},)), "USD")  # type: ignore[arg-type]
    checked = 0
    for call in plan["calls"]:
        if call["url"].endswith(":batchUpdate"):
            assert problems(call["body"]) == []
            checked += 1
        elif call["url"].endswith("/permissions") and call["method"] == "POST":
            assert drive_validator().problems(call["body"], "Permission") == []
            checked += 1
        elif call["method"] == "POST":
            assert drive_validator().problems(call["body"], "File") == []
            checked += 1
    assert checked == 3


def test_the_network_guard_blocks_anything_but_loopback(no_network: list[str]) -> None:  # noqa: F811
    import socket

    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(OSError):
        socket.socket().connect(("192.0.2.1", 443))
    assert len(no_network) == 2 and all("192.0.2.1" in a for a in no_network)
    no_network.clear()  # expected here; any other test that tries fails
