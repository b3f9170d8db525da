"""The same report model written with openpyxl: the writer reportgen did not choose.

Used only by the build benchmark to compare writers on an identical workbook
(cells, formulas, number formats, fills, borders, widths, frozen panes, merges,
line charts). openpyxl cannot store a cached value with a formula, so formula
cells here carry no numbers until a spreadsheet recalculates them — one more
reason reportgen renders with xlsxwriter.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart as XLineChart
from openpyxl.chart import Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reportgen.model import LineChart, Report, Sheet
from reportgen.render.styles import BORDER, style_spec


def _style(name: str, currency: str, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if name not in cache:
        spec = style_spec(name, currency)
        side = Side(style="thin", color=BORDER.lstrip("#"))
        cache[name] = {
            "font": Font(name="Calibri", size=spec.size, bold=spec.bold, italic=spec.italic,
                         color=spec.color.lstrip("#") if spec.color else None),
            "fill": PatternFill("solid", fgColor=spec.fill.lstrip("#")) if spec.fill else None,
            "number_format": spec.num_format or "General",
            "alignment": Alignment(horizontal=spec.align, vertical="center" if spec.valign == "vcenter"
                                   else spec.valign, wrap_text=spec.wrap, indent=spec.indent),
            "border": Border(left=side, right=side, top=side, bottom=side) if spec.border else None,
        }
    return cache[name]


def write_openpyxl(report: Report, target: Path, currency: str) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    cache: dict[str, dict[str, Any]] = {}
    for sheet in report.sheets:
        _write_sheet(workbook, sheet, currency, cache)
    workbook.save(target)
    return target


def _write_sheet(workbook: Workbook, sheet: Sheet, currency: str, cache: dict[str, dict[str, Any]]) -> None:
    ws = workbook.create_sheet(sheet.name)
    for col, width in sheet.column_widths.items():
        ws.column_dimensions[get_column_letter(col + 1)].width = width
    for row, height in sheet.row_heights.items():
        ws.row_dimensions[row + 1].height = height
    for (row, col), cell in sorted(sheet.cells.items()):
        target = ws.cell(row=row + 1, column=col + 1)
        if cell.formula is not None:
            target.value = "=" + cell.formula.lstrip("=")
        elif isinstance(cell.value, str):
            target.value = cell.value
            target.data_type = "s"  # never a formula, whatever the text starts with
        elif isinstance(cell.value, date):
            target.value = datetime.combine(cell.value, time())
        else:
            target.value = cell.value
        style = _style(cell.style, currency, cache)
        target.font = style["font"]
        target.number_format = style["number_format"]
        target.alignment = style["alignment"]
        if style["fill"] is not None:
            target.fill = style["fill"]
        if style["border"] is not None:
            target.border = style["border"]
    for first_row, first_col, last_row, last_col in sheet.merges:
        ws.merge_cells(start_row=first_row + 1, start_column=first_col + 1,
                       end_row=last_row + 1, end_column=last_col + 1)
    if sheet.freeze:
        ws.freeze_panes = ws.cell(row=sheet.freeze[0] + 1, column=sheet.freeze[1] + 1)
    if sheet.landscape:
        ws.page_setup.orientation = "landscape"
    if sheet.fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.sheet_view.showGridLines = sheet.name == "Data"
    for chart in sheet.charts:
        _add_chart(ws, chart)


def _add_chart(ws: Any, spec: LineChart) -> None:
    chart = XLineChart()
    chart.title = spec.title
    chart.x_axis.title = spec.x_title
    chart.y_axis.title = spec.y_title
    chart.width = spec.width_px / 37.8
    chart.height = spec.height_px / 37.8
    categories = spec.categories
    for series in spec.series:
        values = series.values
        ref = Reference(ws, min_col=values.first_col + 1, min_row=values.first_row + 1,
                        max_col=values.last_col + 1, max_row=values.last_row + 1)
        chart.add_data(ref, titles_from_data=False)
        chart.series[-1].smooth = False
    chart.set_categories(Reference(ws, min_col=categories.first_col + 1, min_row=categories.first_row + 1,
                                   max_col=categories.last_col + 1, max_row=categories.last_row + 1))
    ws.add_chart(chart, f"{get_column_letter(spec.anchor[1] + 1)}{spec.anchor[0] + 1}")
