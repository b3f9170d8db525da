"""Report model → Google Sheets API v4 request bodies. Pure: no network, no credentials.

The transport (``reportgen.sheets``: the calls, auth, retries) sends what this plans.

The whole report goes into ONE ``spreadsheets.batchUpdate`` (Google applies a
batchUpdate atomically: all of it or nothing), planned against the state read
by ONE ``spreadsheets.get``:

* ``addSheet`` for each report tab the spreadsheet lacks, with a stable
  ``sheetId`` derived from the tab name (so later requests of the same batch can
  address it and a re-planned retry addresses the same tab);
* per report tab: ``deleteEmbeddedObject`` for every chart on it (the tab is
  reportgen's), ``unmergeCells``, ``updateSheetProperties`` (grid size, frozen
  rows/columns, gridlines, tab colour), ``updateDimensionProperties`` (column
  widths, row heights), one ``updateCells`` over the whole tab carrying the
  values (cells the report leaves empty are cleared, formats too), one
  ``repeatCell`` per rectangle of cells sharing a style, ``mergeCells`` and
  ``addChart``.

Only the report's own formulas become ``formulaValue``; every ``str`` value is
a ``stringValue`` (text as-is: a category ``=IMPORTXML(…)`` stays text).
Tabs whose names are not report tabs are never addressed.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from reportgen.i18n import translator
from reportgen.model import Cell, LineChart, Range, Report, Sheet
from reportgen.render.styles import BORDER, PALETTE, StyleSpec, style_spec

CELL_FIELDS = "userEnteredValue,userEnteredFormat,note,textFormatRuns"
SHEET_FIELDS = ("gridProperties.rowCount,gridProperties.columnCount,gridProperties.frozenRowCount,"
                "gridProperties.frozenColumnCount,gridProperties.hideGridlines,tabColorStyle")
MIN_ROWS, MIN_COLUMNS = 1000, 26  # the size of a new Google Sheets tab
DEFAULT_COLUMN_PX, DEFAULT_ROW_PX = 100, 21
_EPOCH = date(1899, 12, 30)  # serial day 0 of spreadsheet dates


@dataclass(frozen=True)
class TabState:
    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    chart_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SpreadsheetState:
    """What one ``spreadsheets.get`` with STATE_FIELDS tells about a spreadsheet."""

    spreadsheet_id: str
    title: str
    tabs: tuple[TabState, ...] = ()
    url: str = ""

    @classmethod
    def from_api(cls, document: dict[str, Any]) -> SpreadsheetState:
        tabs = []
        for sheet in document.get("sheets", []):
            props = sheet.get("properties", {})
            grid = props.get("gridProperties", {})
            tabs.append(TabState(
                sheet_id=int(props.get("sheetId", 0)), title=str(props.get("title", "")),
                index=int(props.get("index", 0)), row_count=int(grid.get("rowCount", MIN_ROWS)),
                column_count=int(grid.get("columnCount", MIN_COLUMNS)),
                chart_ids=tuple(int(c["chartId"]) for c in sheet.get("charts", []) if "chartId" in c),
            ))
        key = str(document.get("spreadsheetId", ""))
        return cls(key, str(document.get("properties", {}).get("title", "")), tuple(tabs),
                   str(document.get("spreadsheetUrl", "")) or spreadsheet_url(key))

    def tab(self, title: str) -> TabState | None:
        return next((t for t in self.tabs if t.title == title), None)


def new_spreadsheet_state(key: str, title: str) -> SpreadsheetState:
    """A spreadsheet just created in Drive: one empty "Sheet1" with id 0."""
    return SpreadsheetState(key, title, (TabState(0, "Sheet1", 0, MIN_ROWS, MIN_COLUMNS),),
                            spreadsheet_url(key))


def spreadsheet_url(key: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{key}/edit"


# ---- the batchUpdate -------------------------------------------------------------------------

def stable_sheet_id(title: str, taken: set[int]) -> int:
    """A sheet id derived from the tab name (never 0, the id of a new spreadsheet's first tab)."""
    candidate = zlib.crc32(f"reportgen:{title}".encode()) & 0x3FFFFFFF or 1
    while candidate in taken:
        candidate = candidate % 0x3FFFFFFF + 1
    return candidate


def batch_update_body(report: Report, state: SpreadsheetState, currency: str, *,
                      delete_tabs: tuple[int, ...] = ()) -> dict[str, Any]:
    """The single batchUpdate that makes the spreadsheet show ``report``.

    ``delete_tabs``: sheet ids to remove (the empty "Sheet1" of a spreadsheet
    reportgen has just created); never a tab the report does not own otherwise.
    """
    requests: list[dict[str, Any]] = []
    taken = {t.sheet_id for t in state.tabs}
    ids: dict[str, int] = {}
    for sheet in report.sheets:
        existing = state.tab(sheet.name)
        if existing is not None:
            ids[sheet.name] = existing.sheet_id
            continue
        sheet_id = stable_sheet_id(sheet.name, taken)
        taken.add(sheet_id)
        ids[sheet.name] = sheet_id
        rows, columns = grid_size(sheet)
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": sheet.name,
            "gridProperties": {"rowCount": rows, "columnCount": columns},
        }}})
    for sheet_id in delete_tabs:
        requests.append({"deleteSheet": {"sheetId": sheet_id}})
    for sheet in report.sheets:
        existing = state.tab(sheet.name)
        old_charts = existing.chart_ids if existing else ()
        requests.extend(sheet_requests(sheet, ids[sheet.name], old_charts, ids, currency, report.language))
    return {"requests": requests, "includeSpreadsheetInResponse": False}


def grid_size(sheet: Sheet) -> tuple[int, int]:
    rows = sheet.last_row + 1
    columns = sheet.last_col + 1
    for chart in sheet.charts:
        rows = max(rows, chart.anchor[0] + math.ceil(chart.height_px / DEFAULT_ROW_PX) + 2)
        columns = max(columns, chart.anchor[1] + 1)
    for _, _, last_row, last_col in sheet.merges:
        rows, columns = max(rows, last_row + 1), max(columns, last_col + 1)
    return max(rows, MIN_ROWS), max(columns, MIN_COLUMNS)


def effective_freeze(sheet: Sheet) -> tuple[int, int]:
    """The model's frozen rows/columns, minus any that would split a merged range.

    Google Sheets refuses to merge frozen with non-frozen cells (xlsx allows it):
    e.g. the Definitions tab freezes column A but merges A:B, so there only the
    header rows stay frozen.
    """
    rows, columns = sheet.freeze or (0, 0)
    for first_row, first_col, last_row, last_col in sheet.merges:
        if first_row < rows <= last_row:
            rows = 0
        if first_col < columns <= last_col:
            columns = 0
    return rows, columns


def sheet_requests(sheet: Sheet, sheet_id: int, old_charts: tuple[int, ...], ids: dict[str, int],
                   currency: str, language: str = "en") -> list[dict[str, Any]]:
    rows, columns = grid_size(sheet)
    whole = {"sheetId": sheet_id}
    frozen_rows, frozen_columns = effective_freeze(sheet)
    out: list[dict[str, Any]] = [{"deleteEmbeddedObject": {"objectId": chart_id}} for chart_id in old_charts]
    out.append({"unmergeCells": {"range": whole}})
    properties: dict[str, Any] = {
        "sheetId": sheet_id,
        "gridProperties": {"rowCount": rows, "columnCount": columns, "frozenRowCount": frozen_rows,
                           "frozenColumnCount": frozen_columns, "hideGridlines": not sheet.gridlines},
    }
    if sheet.tab_color:
        properties["tabColorStyle"] = {"rgbColor": rgb(sheet.tab_color)}
    out.append({"updateSheetProperties": {"properties": properties, "fields": SHEET_FIELDS}})
    out.append(_dimension(sheet_id, "COLUMNS", 0, columns, DEFAULT_COLUMN_PX))
    out.append(_dimension(sheet_id, "ROWS", 0, rows, DEFAULT_ROW_PX))
    for col, width in sorted(sheet.column_widths.items()):
        out.append(_dimension(sheet_id, "COLUMNS", col, col + 1, column_pixels(width)))
    for row, height in sorted(sheet.row_heights.items()):
        out.append(_dimension(sheet_id, "ROWS", row, row + 1, row_pixels(height)))
    # values and notes of every cell; clears everything else the tab held (formats too) …
    out.append({"updateCells": {"range": whole, "rows": row_data(sheet), "fields": CELL_FIELDS}})
    # … then each style once per rectangle of cells sharing it (a fraction of per-cell formats' size)
    for (first_row, first_col, last_row, last_col), style in style_blocks(sheet):
        out.append({"repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": first_row, "endRowIndex": last_row + 1,
                      "startColumnIndex": first_col, "endColumnIndex": last_col + 1},
            "cell": {"userEnteredFormat": cell_format(style, currency, language)},
            "fields": "userEnteredFormat"}})
    for first_row, first_col, last_row, last_col in sheet.merges:
        out.append({"mergeCells": {"mergeType": "MERGE_ALL", "range": {
            "sheetId": sheet_id, "startRowIndex": first_row, "endRowIndex": last_row + 1,
            "startColumnIndex": first_col, "endColumnIndex": last_col + 1}}})
    for chart in sheet.charts:
        out.append({"addChart": {"chart": chart_body(chart, sheet_id, ids)}})
    return out


def _dimension(sheet_id: int, dimension: str, start: int, end: int, pixels: int) -> dict[str, Any]:
    return {"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end},
        "properties": {"pixelSize": pixels}, "fields": "pixelSize"}}


def column_pixels(characters: float) -> int:
    """An Excel column width (characters of the default font) in screen pixels."""
    return round(characters * 7 + 5)


def row_pixels(points: float) -> int:
    return round(points * 96 / 72)


def style_blocks(sheet: Sheet) -> list[tuple[tuple[int, int, int, int], str]]:
    """The cells' styles as rectangles (first_row, first_col, last_row, last_col), covering each cell once.

    Runs of one style along a row are joined with identical runs of the rows below.
    """
    runs_by_row: dict[int, list[tuple[int, int, str]]] = {}
    for (row, col), cell in sorted(sheet.cells.items()):
        runs = runs_by_row.setdefault(row, [])
        if runs and runs[-1][1] == col - 1 and runs[-1][2] == cell.style:
            runs[-1] = (runs[-1][0], col, cell.style)
        else:
            runs.append((col, col, cell.style))
    blocks: list[tuple[tuple[int, int, int, int], str]] = []
    open_blocks: dict[tuple[int, int, str], int] = {}  # run → index in blocks, for the previous row
    previous_row = None
    for row in sorted(runs_by_row):
        current: dict[tuple[int, int, str], int] = {}
        for run in runs_by_row[row]:
            index = open_blocks.get(run) if previous_row == row - 1 else None
            if index is not None:
                (first_row, first_col, _, last_col), style = blocks[index]
                blocks[index] = ((first_row, first_col, row, last_col), style)
            else:
                index = len(blocks)
                blocks.append(((row, run[0], row, run[1]), run[2]))
            current[run] = index
        open_blocks, previous_row = current, row
    return blocks


def row_data(sheet: Sheet) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not sheet.cells:
        return rows
    by_row: dict[int, dict[int, Cell]] = {}
    for (row, col), cell in sheet.cells.items():
        by_row.setdefault(row, {})[col] = cell
    for row in range(sheet.last_row + 1):
        cells = by_row.get(row, {})
        width = max(cells, default=-1) + 1
        values = [cell_data(cells[col]) if col in cells else {} for col in range(width)]
        rows.append({"values": values} if values else {})
    return rows


def cell_data(cell: Cell) -> dict[str, Any]:
    """One cell's value (a formula only for the report's formulas) and note; formats go by block."""
    out: dict[str, Any] = {}
    value = extended_value(cell)
    if value is not None:
        out["userEnteredValue"] = value
    if cell.note:
        out["note"] = cell.note
    return out


def extended_value(cell: Cell) -> dict[str, Any] | None:
    if cell.formula is not None:
        return {"formulaValue": cell.formula}
    value = cell.value
    if value is None:
        return None
    if isinstance(value, str):
        return {"stringValue": value}  # text stays text, whatever it starts with
    if isinstance(value, date):
        return {"numberValue": (value - _EPOCH).days}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return {"numberValue": value}


def rgb(colour: str) -> dict[str, float]:
    colour = colour.lstrip("#")
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


_DATE_PATTERN = re.compile(r"(^|[^\"])(yy|mmm|dd)")


def number_format(pattern: str, style: str) -> dict[str, str]:
    if pattern == "@":
        kind = "TEXT"
    elif "%" in pattern:
        kind = "PERCENT"
    elif _DATE_PATTERN.search(pattern):
        kind = "DATE"
    elif ":money" in style:
        kind = "CURRENCY"
    else:
        kind = "NUMBER"
    return {"type": kind, "pattern": pattern}


@lru_cache(maxsize=256)
def _format(style: str, currency: str, language: str = "en") -> tuple[tuple[str, Any], ...]:
    spec: StyleSpec = style_spec(style, currency)
    if spec.num_format:  # unit words (" h", " pp") in the report's language; month names: the sheet's locale
        spec = replace(spec, num_format=translator(language).number_format(spec.num_format))
    text: dict[str, Any] = {"fontFamily": "Calibri", "fontSize": round(spec.size)}
    if spec.bold:
        text["bold"] = True
    if spec.italic:
        text["italic"] = True
    if spec.color:
        text["foregroundColorStyle"] = {"rgbColor": rgb(spec.color)}
    out: dict[str, Any] = {
        "textFormat": text,
        "verticalAlignment": {"top": "TOP", "bottom": "BOTTOM"}.get(spec.valign, "MIDDLE"),
        "wrapStrategy": "WRAP" if spec.wrap else "OVERFLOW_CELL",
    }
    if spec.fill:
        out["backgroundColorStyle"] = {"rgbColor": rgb(spec.fill)}
    if spec.num_format:
        out["numberFormat"] = number_format(spec.num_format, style)
    if spec.align:
        out["horizontalAlignment"] = spec.align.upper()
    if spec.border:
        side = {"style": "SOLID", "colorStyle": {"rgbColor": rgb(BORDER)}}
        out["borders"] = {"top": side, "bottom": side, "left": side, "right": side}
    if spec.indent:
        out["padding"] = {"top": 2, "bottom": 2, "right": 3, "left": 3 + 9 * spec.indent}
    return tuple(out.items())


def cell_format(style: str, currency: str, language: str = "en") -> dict[str, Any]:
    """The Sheets CellFormat of a style name (same palette and number formats as the xlsx)."""
    import copy

    return copy.deepcopy(dict(_format(style, currency, language)))


def grid_range(rng: Range, ids: dict[str, int], first_row: int | None = None) -> dict[str, int]:
    return {"sheetId": ids[rng.sheet],
            "startRowIndex": rng.first_row if first_row is None else first_row,
            "endRowIndex": rng.last_row + 1,
            "startColumnIndex": rng.first_col, "endColumnIndex": rng.last_col + 1}


def chart_body(chart: LineChart, sheet_id: int, ids: dict[str, int]) -> dict[str, Any]:
    """A native LINE chart: straight lines with markers, legend below, y axis from 0.

    Series names come from the header row just above the values (headerCount 1)
    when the model's name cells are there — as the report lays them out.
    """
    header_rows = {s.name_cell[0] for s in chart.series}
    with_header = all(s.name_cell == (s.values.first_row - 1, s.values.first_col) for s in chart.series) \
        and len(header_rows) == 1 and chart.categories.first_row == chart.series[0].values.first_row
    start = chart.categories.first_row - 1 if with_header else None
    series = []
    for index, item in enumerate(chart.series):
        colour = rgb(PALETTE[index % len(PALETTE)])
        series.append({
            "series": {"sourceRange": {"sources": [grid_range(item.values, ids, start)]}},
            "targetAxis": "LEFT_AXIS",
            "type": "LINE",
            "colorStyle": {"rgbColor": colour},
            "lineStyle": {"type": "SOLID", "width": 2},
            "pointStyle": {"shape": "CIRCLE", "size": 5},
        })
    return {
        "spec": {
            "title": chart.title,
            "titleTextFormat": {"bold": True, "fontSize": 13},
            "basicChart": {
                "chartType": "LINE",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1 if with_header else 0,
                "lineSmoothing": False,
                "axis": [
                    {"position": "BOTTOM_AXIS", "title": chart.x_title},
                    {"position": "LEFT_AXIS", "title": chart.y_title,
                     "viewWindowOptions": {"viewWindowMode": "EXPLICIT", "viewWindowMin": 0}},
                ],
                "domains": [{"domain": {"sourceRange": {
                    "sources": [grid_range(chart.categories, ids, start)]}}}],
                "series": series,
            },
        },
        "position": {"overlayPosition": {
            "anchorCell": {"sheetId": sheet_id, "rowIndex": chart.anchor[0], "columnIndex": chart.anchor[1]},
            "offsetXPixels": 4, "offsetYPixels": 6,
            "widthPixels": chart.width_px, "heightPixels": chart.height_px,
        }},
    }
