"""The spreadsheet grid of a report: tabs, cells, charts — no xlsx or Sheets specifics.

What a report shows is in its blocks (``reportgen.blocks``: KPI rows, series,
breakdown tables), which every output reads; ``reportgen.report`` lays them out
as this grid. Both spreadsheet renderers (``render/``: xlsx, Google Sheets) draw
the same grid, so the workbook and the shared sheet cannot drift apart; the
email and the HTML site read the blocks instead. Positions are 0-based (row, column);
formulas are A1-notation strings that both Excel and Sheets understand.

Safety rule carried by the types: a ``str`` value is always text. Only the
``formula`` field is ever written as a formula, and only report code sets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reportgen.a1 import column_letter

CellValue = str | int | float | date | None


@dataclass(frozen=True)
class Cell:
    """One cell: a value (the cached result when there is a formula) and a style name."""

    value: CellValue = None
    style: str = "text"
    formula: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Range:
    """A rectangular block of one sheet, inclusive, 0-based."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def a1(self) -> str:
        quoted = "'" + self.sheet.replace("'", "''") + "'"
        start = a1(self.first_row, self.first_col, absolute=True)
        end = a1(self.last_row, self.last_col, absolute=True)
        return f"{quoted}!{start}:{end}"


@dataclass(frozen=True)
class Series:
    name: str
    name_cell: tuple[int, int]
    values: Range


@dataclass(frozen=True)
class LineChart:
    """A native line chart (straight lines, markers) over ranges of its own sheet."""

    title: str
    categories: Range
    series: tuple[Series, ...]
    anchor: tuple[int, int]
    x_title: str
    y_title: str
    width_px: int = 860
    height_px: int = 380


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    column_widths: dict[int, float] = field(default_factory=dict)  # in characters
    freeze: tuple[int, int] | None = None  # rows, columns kept in view
    charts: list[LineChart] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_heights: dict[int, float] = field(default_factory=dict)  # in points
    landscape: bool = True
    fit_width: bool = True
    tab_color: str | None = None
    repeat_header: bool = True  # print the frozen rows on top of every page
    page_breaks: list[int] = field(default_factory=list)  # printing: a new page starts at these rows
    keep_together: list[tuple[int, int]] = field(default_factory=list)  # (first, last) rows on one page
    gridlines: bool = False  # shown on the tidy Data tab only

    def put(self, row: int, col: int, value: CellValue = None, style: str = "text",
            formula: str | None = None, note: str | None = None) -> None:
        self.cells[(row, col)] = Cell(value, style, formula, note)

    @property
    def last_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    @property
    def last_col(self) -> int:
        return max((c for _, c in self.cells), default=0)


@dataclass
class Report:
    title: str
    month: str
    sheets: list[Sheet]
    language: str = "en"  # of every text in it (reportgen.i18n); renderers pick month formats by it

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)


def a1(row: int, col: int, absolute: bool = False) -> str:
    mark = "$" if absolute else ""
    return f"{mark}{column_letter(col)}{mark}{row + 1}"
