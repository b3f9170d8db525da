"""The demo workbook: a golden text snapshot, and a look at it through LibreOffice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, render_png
from test_workbook_libreoffice import _colour_pixels
from workbook_support import NS, chart_xml

from reportgen.api import build_workbook
from reportgen.config import load_config
from reportgen.demo import write_demo_project
from reportgen.kpis import shown_kpis
from reportgen.render.xlsx import PALETTE

GOLDEN = Path(__file__).parent / "golden" / "demo_workbook.txt"


@pytest.fixture(scope="module")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    config = load_config(write_demo_project(folder, end_month="2026-10"))
    path, _ = build_workbook(config, "2026-10", folder / "demo.xlsx")
    return path


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return repr(value)


def dump_workbook(path: Path) -> str:
    """Sorted, normalised text: sheet!cell | value | formula | number format, then chart series."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    lines: list[str] = []
    for sheet in formulas.worksheets:
        cached = values[sheet.title]
        lines.append(f"# {sheet.title} freeze={sheet.freeze_panes} "
                     f"merged={sorted(str(r) for r in sheet.merged_cells.ranges)}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and cell.number_format == "General":
                    continue
                formula = cell.value if cell.data_type == "f" else ""
                value = cached[cell.coordinate].value
                lines.append(f"{sheet.title}!{cell.coordinate} | {_shown(value)} | {formula} | "
                             f"{cell.number_format}")
    for index, chart in enumerate(chart_xml(path)):
        for series in chart.findall(".//c:ser", NS):
            refs = [f.text for f in series.iter(f"{{{NS['c']}}}f")]
            smooth = series.find("c:smooth", NS)
            lines.append(f"chart{index + 1} series {refs} smooth={smooth.get('val') if smooth is not None else None}")
    return "\n".join(lines) + "\n"


def test_demo_workbook_matches_the_golden_snapshot(demo_workbook: Path, update_golden: bool) -> None:
    dump = dump_workbook(demo_workbook)
    if update_golden:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(dump, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert dump == expected, "demo workbook changed: review, then run pytest --update-golden"


@pytest.mark.slow
@pytest.mark.libreoffice
def test_demo_renders_with_lines_and_whole_labels(demo_workbook: Path, tmp_path: Path) -> None:
    pages = render_png(demo_workbook, tmp_path / "png", resolution=60)
    pdf = tmp_path / "png" / f"{demo_workbook.stem}.pdf"
    chart_page = next(
        page for number, page in enumerate(pages, start=1)
        if "Tickets by category, per month" in subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
            capture_output=True, text=True, check=True).stdout
    )
    for colour in PALETTE[:6]:  # one line per category, six categories
        assert _colour_pixels(chart_page, colour) > 150, colour
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    # a label cut off by a narrow column would not appear whole in the rendered text
    for kpi in shown_kpis(business_hours=False):  # the demo has no business_hours:
        assert kpi.label in text, kpi.label
    for category in ("Sales question", "Technical issue", "Product availability"):
        assert category in text


@pytest.mark.slow
@pytest.mark.libreoffice
def test_demo_recalculates_in_libreoffice(demo_workbook: Path, tmp_path: Path) -> None:
    recalculated = openpyxl.load_workbook(convert(demo_workbook, "xlsx", tmp_path), data_only=True)
    cached = openpyxl.load_workbook(demo_workbook, data_only=True)
    checked = 0
    for name in ("Calculator", "KPI Tracker", "Ticket Volume"):
        formulas = openpyxl.load_workbook(demo_workbook)[name]
        for row in formulas.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                before = cached[name][cell.coordinate].value
                after = recalculated[name][cell.coordinate].value
                if before in (None, ""):
                    assert after in (None, ""), (name, cell.coordinate)
                else:
                    assert after == pytest.approx(before, rel=1e-9), (name, cell.coordinate)
                checked += 1
    assert checked > 80  # Calculator results, tracker changes, volume totals
