"""Report model → .xlsx with xlsxwriter.

xlsxwriter stores a cached value with every formula, so viewers that do not
recalculate (phone previews, Python readers) still show numbers. Text is always
written with ``write_string``: a category named ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.chart_line import ChartLine
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from reportgen.fileio import atomic_output
from reportgen.i18n import Translator, translator
from reportgen.model import Cell, LineChart, Report, Sheet
from reportgen.render.styles import BORDER, MONTH_FORMAT, PALETTE, StyleSpec, style_spec


class StraightLineChart(ChartLine):  # type: ignore[misc]  # xlsxwriter ships no type hints
    """A line chart that says ``<c:smooth val="0"/>`` for straight series.

    xlsxwriter writes the element only for smooth lines; LibreOffice reads its
    absence as "smooth" and draws curves.
    """

    def _write_c_smooth(self, smooth: bool | None) -> None:
        self._xml_empty_tag("c:smooth", [("val", "1" if smooth else "0")])


class _Workbook(xlsxwriter.Workbook):  # type: ignore[misc]  # xlsxwriter ships no type hints
    def add_straight_line_chart(self) -> StraightLineChart:
        """``add_chart({"type": "line"})`` with the StraightLineChart class."""
        chart = StraightLineChart({})
        chart.embedded = True
        chart.date_1904 = self.date_1904
        chart.remove_timezone = self.remove_timezone
        self.charts.append(chart)
        return chart


class _Formats:
    """One xlsxwriter Format per style name, created on first use."""

    def __init__(self, workbook: xlsxwriter.Workbook, currency: str, tr: Translator):
        self.workbook = workbook
        self.currency = currency
        self.tr = tr  # month names and unit words of number formats in the report's language
        self.cache: dict[str, Format] = {}

    def __getitem__(self, name: str) -> Format:
        if name not in self.cache:
            spec = style_spec(name, self.currency)
            if spec.num_format == MONTH_FORMAT:
                spec = replace(spec, num_format=self.tr.month_cell_format)
            elif spec.num_format:
                spec = replace(spec, num_format=self.tr.number_format(spec.num_format))
            self.cache[name] = self.workbook.add_format(_format_dict(spec))
        return self.cache[name]


def _format_dict(spec: StyleSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"font_name": "Calibri", "font_size": spec.size, "valign": spec.valign}
    if spec.bold:
        out["bold"] = True
    if spec.italic:
        out["italic"] = True
    if spec.color:
        out["font_color"] = spec.color
    if spec.fill:
        out["bg_color"] = spec.fill
        out["pattern"] = 1
    if spec.num_format:
        out["num_format"] = spec.num_format
    if spec.align:
        out["align"] = spec.align
    if spec.wrap:
        out["text_wrap"] = True
    if spec.border:
        out["border"] = 1
        out["border_color"] = BORDER
    if spec.indent:
        out["indent"] = spec.indent
    return out


def write_xlsx(report: Report, target: Path, currency: str) -> Path:
    """Write the workbook atomically: on any error the previous file stays as it was."""
    with atomic_output(target) as temporary:
        workbook = _Workbook(str(temporary), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            # the parts are assembled in memory (a few MB at most), not as ~30 temporary files
            # written, zipped and removed: the same parts, less CPU and disk time
            "in_memory": True,
        })
        tr = translator(report.language)
        workbook.set_properties({"title": f"{report.title} — {report.month}",
                                 "subject": tr.t("workbook.subject"),
                                 "creator": "reportgen",
                                 "created": datetime(int(report.month[:4]), int(report.month[5:7]), 1)})
        formats = _Formats(workbook, currency, tr)
        for sheet in report.sheets:
            _write_sheet(workbook, sheet, formats, tr.month_axis_format)
        workbook.close()
    return target


def _write_sheet(workbook: _Workbook, sheet: Sheet, formats: _Formats, axis_month_format: str) -> None:
    worksheet = workbook.add_worksheet(sheet.name)
    for col, width in sheet.column_widths.items():
        worksheet.set_column(col, col, width)
    for row, height in sheet.row_heights.items():
        worksheet.set_row(row, height)
    merged = set()
    for first_row, first_col, last_row, last_col in sheet.merges:
        cell = sheet.cells.get((first_row, first_col), Cell())
        worksheet.merge_range(first_row, first_col, last_row, last_col, "", formats[cell.style])
        _write_cell(worksheet, first_row, first_col, cell, formats)
        merged |= {(r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)}
    for (row, col), cell in sorted(sheet.cells.items()):
        if (row, col) not in merged:
            _write_cell(worksheet, row, col, cell, formats)
    if sheet.freeze:
        worksheet.freeze_panes(*sheet.freeze)
    if sheet.tab_color:
        worksheet.set_tab_color(sheet.tab_color)
    if sheet.landscape:
        worksheet.set_landscape()
    if sheet.fit_width:
        worksheet.fit_to_pages(1, 0)
    worksheet.set_paper(9)  # A4
    worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    worksheet.hide_gridlines(0 if sheet.gridlines else 2)
    if sheet.freeze and sheet.freeze[0] and sheet.repeat_header:
        worksheet.repeat_rows(sheet.freeze[0] - 1)
    if sheet.page_breaks:
        worksheet.set_h_pagebreaks(sheet.page_breaks)
    for chart in sheet.charts:
        _insert_chart(workbook, worksheet, chart, axis_month_format)


def _write_cell(worksheet: Worksheet, row: int, col: int, cell: Cell, formats: _Formats) -> None:
    fmt = formats[cell.style]
    value = cell.value
    if cell.formula is not None:
        cached: Any = "" if value is None else value
        worksheet.write_formula(row, col, cell.formula, fmt, cached)
    elif value is None:
        worksheet.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        worksheet.write_string(row, col, value, fmt)
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, datetime.combine(value, time()), fmt)
    else:
        worksheet.write_number(row, col, value, fmt)
    if cell.note:
        worksheet.write_comment(row, col, cell.note)


def _insert_chart(workbook: _Workbook, worksheet: Worksheet, spec: LineChart,
                  axis_month_format: str) -> None:
    chart = workbook.add_straight_line_chart()
    categories = spec.categories
    for index, series in enumerate(spec.series):
        colour = PALETTE[index % len(PALETTE)]
        values = series.values
        chart.add_series({
            "name": [values.sheet, series.name_cell[0], series.name_cell[1]],
            "categories": [categories.sheet, categories.first_row, categories.first_col,
                           categories.last_row, categories.last_col],
            "values": [values.sheet, values.first_row, values.first_col, values.last_row,
                       values.last_col],
            "line": {"color": colour, "width": 2.25},
            "marker": {"type": "circle", "size": 5, "border": {"color": colour},
                       "fill": {"color": colour}},
            "smooth": False,
        })
    chart.set_title({"name": spec.title, "name_font": {"size": 13, "bold": True}})
    chart.set_x_axis({"name": spec.x_title, "num_format": axis_month_format, "date_axis": False,
                      "num_font": {"rotation": -45}})
    chart.set_y_axis({"name": spec.y_title, "min": 0, "major_gridlines": {
        "visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": spec.width_px, "height": spec.height_px})
    chart.show_blanks_as("gap")
    worksheet.insert_chart(spec.anchor[0], spec.anchor[1], chart, {"x_offset": 4, "y_offset": 6})
