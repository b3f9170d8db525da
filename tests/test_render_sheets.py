"""The pure half of publishing: settings, and report model → batchUpdate body."""


from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sheets_fake.fixtures import no_network  # noqa: F401  (autouse guard)
from workbook_support import CATEGORIES, INJECTION, write_three_month_project

from reportgen.api import compute_month
from reportgen.config import load_config, parse_config
from reportgen.errors import ConfigError
from reportgen.model import Report
from reportgen.render.sheets import (
    SpreadsheetState,
    TabState,
    batch_update_body,
    effective_freeze,
    new_spreadsheet_state,
    stable_sheet_id,
    style_blocks,
)
from reportgen.report import CALCULATOR, DEFINITIONS, TAB_ORDER, VOLUME
from reportgen.sheets.settings import load_settings

BASE = 'report: {title: T}\nsources: {tickets: {path: t.csv}, surveys: {path: s.csv}}\n'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    config = load_config(write_three_month_project(Path(tmp_path_factory.mktemp("sheets_bodies"))))
    return build(config)


def build(config: Any) -> Report:
    from reportgen.report import build_report

    return build_report(compute_month(config, "2026-10", save=False))


def requests_of(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r[kind] for r in body["requests"] if kind in r]


def written_cells(body: dict[str, Any], sheet_id: int) -> dict[tuple[int, int], dict[str, Any]]:
    update = next(u for u in requests_of(body, "updateCells") if u["range"]["sheetId"] == sheet_id)
    return {(r, c): cell for r, row in enumerate(update["rows"]) for c, cell in enumerate(row.get("values", []))}


def fresh(report: Report) -> tuple[dict[str, Any], dict[str, int]]:
    body = batch_update_body(report, new_spreadsheet_state("k", "t"), "EUR", delete_tabs=(0,))
    ids = {a["properties"]["title"]: a["properties"]["sheetId"] for a in requests_of(body, "addSheet")}
    return body, ids


# ---- settings --------------------------------------------------------------------------------

def settings_of(outputs: str) -> Any:
    return load_settings(parse_config(BASE + outputs))


def test_settings_accept_a_url_or_a_key() -> None:
    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp_-123/edit#gid=0"
    assert settings_of(f"outputs: {{google_sheets: {{spreadsheet: '{url}'}}}}").spreadsheet == \
        "1AbCdEfGhIjKlMnOp_-123"
    settings = settings_of("outputs:\n  google_sheets:\n    title: Support\n    share_with:\n"
                           "      - {email: a@example.com, role: Editor}\n      - {email: b@example.com}\n")
    assert [(s.email, s.role) for s in settings.share_with] == [("a@example.com", "writer"),
                                                                ("b@example.com", "reader")]


@pytest.mark.parametrize(("outputs", "expected"), [
    ("outputs: {}", "outputs.google_sheets is missing"),
    ("outputs: {google_sheets: x}", "outputs.google_sheets must be a mapping"),
    ("outputs: {google_sheets: {}}", "give `spreadsheet`"),
    ("outputs: {google_sheets: {spreadsheet: 'not a key!'}}", "outputs.google_sheets.spreadsheet: 'not a key!' is neither"),
    ("outputs: {google_sheets: {title: T, colour: red}}",
     "outputs.google_sheets.colour: unknown key (known: spreadsheet, title, credentials, share_with, "),
    ("outputs: {google_sheets: {title: T, share_with: [{email: a@b.co, role: owner}]}}",
     "outputs.google_sheets.share_with[0].role: Input should be 'reader', 'commenter' or 'writer'"),
    ("outputs: {google_sheets: {title: T, share_with: [{email: nobody}]}}",
     "outputs.google_sheets.share_with[0].email: 'nobody' is not an e-mail address"),
    ("outputs: {google_sheets: {title: T, credentials: ''}}", "outputs.google_sheets.credentials: is empty"),
])
def test_settings_errors_name_the_yaml_key(outputs: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_of(outputs)
    assert expected in str(caught.value)


# ---- the body ---------------------------------------------------------------------------------

def test_text_is_text_and_only_report_formulas_are_formulas(report: Report) -> None:
    body, ids = fresh(report)
    model_formulas = sorted(c.formula for s in report.sheets for c in s.cells.values() if c.formula)
    sent = []
    for update in requests_of(body, "updateCells"):
        for row in update["rows"]:
            for cell in row.get("values", []):
                value = cell.get("userEnteredValue", {})
                if "formulaValue" in value:
                    sent.append(value["formulaValue"])
                if "stringValue" in value:
                    assert "formulaValue" not in value
    assert sorted(sent) == model_formulas
    cells = written_cells(body, ids[VOLUME])
    header = report.sheet(VOLUME)
    injected = [pos for pos, c in header.cells.items() if c.value == INJECTION]
    assert injected
    for pos in injected:
        assert cells[pos]["userEnteredValue"] == {"stringValue": INJECTION}


def test_calculator_formulas_and_formats(report: Report) -> None:
    body, ids = fresh(report)
    sheet = report.sheet(CALCULATOR)
    cells = written_cells(body, ids[CALCULATOR])
    formulas = {pos: c.formula for pos, c in sheet.cells.items() if c.formula}
    assert formulas
    for pos, formula in formulas.items():
        assert cells[pos]["userEnteredValue"] == {"formulaValue": formula}
    # formats come as one repeatCell per block; each model cell is covered exactly once
    covered: dict[tuple[int, int], dict[str, Any]] = {}
    for repeat in requests_of(body, "repeatCell"):
        rng = repeat["range"]
        if rng["sheetId"] != ids[CALCULATOR]:
            continue
        for r in range(rng["startRowIndex"], rng["endRowIndex"]):
            for c in range(rng["startColumnIndex"], rng["endColumnIndex"]):
                assert (r, c) not in covered
                covered[(r, c)] = repeat["cell"]["userEnteredFormat"]
    assert set(covered) == set(sheet.cells)
    percent = [pos for pos, c in sheet.cells.items() if c.style == "result:percent"]
    assert covered[percent[0]]["numberFormat"] == {"type": "PERCENT", "pattern": "0.0%"}
    money = [pos for pos, c in sheet.cells.items() if c.style == "input:money"]
    assert covered[money[0]]["numberFormat"]["type"] == "CURRENCY"
    assert "€" in covered[money[0]]["numberFormat"]["pattern"]


def test_style_blocks_cover_every_cell_once_with_its_style(report: Report) -> None:
    for sheet in report.sheets:
        seen: dict[tuple[int, int], str] = {}
        for (r1, c1, r2, c2), style in style_blocks(sheet):
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    assert (r, c) not in seen
                    seen[(r, c)] = style
        assert seen == {pos: cell.style for pos, cell in sheet.cells.items()}


def test_line_charts_of_categories_and_channels(report: Report) -> None:
    body, ids = fresh(report)
    charts = requests_of(body, "addChart")
    assert len(charts) == 2
    spec = charts[0]["chart"]["spec"]
    basic = spec["basicChart"]
    assert basic["chartType"] == "LINE" and basic["lineSmoothing"] is False
    assert basic["headerCount"] == 1
    assert len(basic["series"]) == len(CATEGORIES)
    assert "category" in spec["title"] and "channel" in charts[1]["chart"]["spec"]["title"]
    anchor = charts[0]["chart"]["position"]["overlayPosition"]["anchorCell"]
    assert anchor["sheetId"] == ids[VOLUME]
    domain = basic["domains"][0]["domain"]["sourceRange"]["sources"][0]
    model_chart = report.sheet(VOLUME).charts[0]
    assert domain["startRowIndex"] == model_chart.categories.first_row - 1  # the header row names series
    assert domain["endRowIndex"] == model_chart.categories.last_row + 1


def test_only_report_tabs_are_addressed(report: Report) -> None:
    team = TabState(7, "Team notes", 0, 1000, 26, chart_ids=(99,))
    body = batch_update_body(report, SpreadsheetState("k", "t", (team,)), "EUR")
    assert [a["properties"]["title"] for a in requests_of(body, "addSheet")] == list(TAB_ORDER)

    def sheet_ids(node: Any) -> set[int]:
        if isinstance(node, dict):
            found = {node["sheetId"]} if "sheetId" in node else set()
            return found.union(*(sheet_ids(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(sheet_ids(v) for v in node))
        return set()

    assert 7 not in sheet_ids(body)
    assert not requests_of(body, "deleteEmbeddedObject") and not requests_of(body, "deleteSheet")


def test_existing_tabs_are_updated_in_place_and_their_charts_replaced(report: Report) -> None:
    tabs = tuple(TabState(100 + i, name, i, 1000, 26, chart_ids=(500 + i,) if name == VOLUME else ())
                 for i, name in enumerate(TAB_ORDER))
    body = batch_update_body(report, SpreadsheetState("k", "t", tabs), "EUR")
    assert not requests_of(body, "addSheet")
    assert requests_of(body, "deleteEmbeddedObject") == [{"objectId": 500 + TAB_ORDER.index(VOLUME)}]
    assert len(requests_of(body, "addChart")) == 2
    assert len(requests_of(body, "unmergeCells")) == len(TAB_ORDER)


def test_stable_sheet_ids() -> None:
    first = stable_sheet_id("Calculator", set())
    assert first == stable_sheet_id("Calculator", {0, 5}) and first != 0
    assert stable_sheet_id("Calculator", {first}) != first


def test_freeze_never_splits_a_merge(report: Report) -> None:
    definitions = report.sheet(DEFINITIONS)
    assert definitions.freeze == (4, 1)
    assert effective_freeze(definitions) == (4, 0)  # A:B merges below: column A cannot stay frozen
    body, ids = fresh(report)
    props = next(u["properties"] for u in requests_of(body, "updateSheetProperties")
                 if u["properties"]["sheetId"] == ids[DEFINITIONS])
    assert props["gridProperties"]["frozenColumnCount"] == 0
    assert props["gridProperties"]["frozenRowCount"] == 4
