"""Printing: every Calculator KPI block on one page, the Definitions tab's options without the KPI
table's header over them (checked in the file and in LibreOffice's PDF), and the email chart drawing
its last point and label whole."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
from workbook_support import write_three_month_project

from reportgen.config import load_config
from reportgen.mail.chart import HEIGHT, WIDTH, volume_chart_png
from reportgen.mail.summary import TrendPoint
from reportgen.outputs.xlsx import XlsxOutput
from reportgen.render.styles import HEADER_FILL
from reportgen.run import MonthRun

MONTH = "2026-10"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("print")
    config = write_three_month_project(root)  # the Calculator's layout is the same for any data
    return XlsxOutput(root / "report.xlsx").write(MonthRun(load_config(config), MONTH, save=False))


def calculator_blocks(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[str, int, int]]:
    """(KPI, first row, result row), 1-based, from the tab itself: a bold name, inputs, '= name'."""
    blocks, name, first = [], None, 0
    for row in range(6, sheet.max_row + 1):
        value = sheet.cell(row, 1).value
        if isinstance(value, str) and value.startswith("= "):
            assert name is not None
            blocks.append((name, first, row))
            name = None
        elif isinstance(value, str) and name is None:
            name, first = value, row
    return blocks


def test_calculator_page_breaks_never_split_a_kpi_block(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    sheet = book["Calculator"]
    breaks = [brk.id for brk in sheet.row_breaks.brk]  # a break after row id (1-based)
    assert breaks, "a calculator longer than a page gets manual breaks"
    blocks = calculator_blocks(sheet)
    assert any(name == "Customer lifetime value (CLV)" for name, _, _ in blocks)
    for name, first, last in blocks:
        assert not any(first <= brk < last for brk in breaks), (name, first, last, breaks)
    definitions = book["Definitions"]
    options = next(row for row in range(1, definitions.max_row + 1)
                   if definitions.cell(row, 1).value == "Options in force")
    assert [brk.id for brk in definitions.row_breaks.brk] == [options - 1]
    assert not definitions.print_title_rows  # no KPI header printed over the options


def pdf_pages(pdf: Path) -> list[str]:
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, count + 1)]


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_prints_each_block_on_one_page(workbook: Path, tmp_path: Path) -> None:
    pages = pdf_pages(convert(workbook, "pdf", tmp_path))
    clv = [i for i, text in enumerate(pages) if "Customer lifetime value (CLV)" in text
           and "KPI calculator" not in text and "Definitions" not in text]
    # the CLV block's heading and its result on the same page
    assert any("= Customer lifetime value (CLV)" in pages[i] and "Revenue" in pages[i] for i in clv), clv
    options = next(text for text in pages if "Options in force" in text)
    assert "Better when" not in options and "Formula" not in options


def test_the_email_chart_draws_its_last_point_and_label_whole() -> None:
    names = ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026",
             "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026"]
    points = [TrendPoint(f"m{i}", name, 500 + 10 * i) for i, name in enumerate(names)]
    points[-1] = TrendPoint("m11", names[-1], 999)
    png = volume_chart_png(points)
    assert png is not None
    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    line = tuple(int(HEADER_FILL[i:i + 2], 16) for i in (1, 3, 5))
    marker = [x for x in range(WIDTH) for y in range(HEIGHT) if image.getpixel((x, y)) == line]
    right_edge = max(marker)
    centre = right_edge - 4  # the report month's marker has a 4-pixel radius
    assert right_edge < WIDTH - 4, "the last point is drawn whole, off the image's edge"
    label_band = range(HEIGHT - 18, HEIGHT)
    label = [x for x in range(centre - 40, WIDTH) for y in label_band
             if sum(image.getpixel((x, y))) < 600]
    assert label and max(label) < WIDTH - 2, "the last label ends inside the image"
    assert abs((min(label) + max(label)) / 2 - centre) <= 3, "the last label is centred under its point"
