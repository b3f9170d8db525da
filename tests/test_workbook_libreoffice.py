"""A real spreadsheet engine (LibreOffice) recalculates the workbook and draws it."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, render_png
from workbook_support import write_three_month_project

from reportgen.api import build_workbook
from reportgen.config import load_config
from reportgen.kpis import KPIS, scalar_values
from reportgen.render.xlsx import PALETTE

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]  # every test starts LibreOffice


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float | None]]:
    root = tmp_path_factory.mktemp("lo")
    config = load_config(write_three_month_project(root))
    path, data = build_workbook(config, "2026-10", root / "report.xlsx")
    return path, scalar_values(data.measures["2026-10"])


def _calculator_results(path: Path) -> dict[str, object]:
    sheet = openpyxl.load_workbook(path, data_only=True)["Calculator"]
    by_label = {k.label: k.id for k in KPIS}
    return {by_label[str(row[0].value)[2:]]: row[1].value
            for row in sheet.iter_rows(min_row=5)
            if isinstance(row[0].value, str) and row[0].value.startswith("= ")}


def test_libreoffice_recalculation_matches_cached_and_engine_values(
        built: tuple[Path, dict[str, float | None]], tmp_path: Path) -> None:
    path, engine = built
    cached = _calculator_results(path)
    recalculated = _calculator_results(convert(path, "xlsx", tmp_path / "recalc"))
    assert set(recalculated) == set(cached) and len(cached) >= 12
    for kpi_id, value in recalculated.items():
        expected = engine[kpi_id]
        if expected is None:
            assert value in (None, ""), kpi_id
            assert cached[kpi_id] in (None, ""), kpi_id
        else:
            assert value == pytest.approx(expected, rel=1e-9), kpi_id
            assert cached[kpi_id] == pytest.approx(expected, rel=1e-9), kpi_id


def test_changing_an_input_changes_the_result(built: tuple[Path, dict[str, float | None]],
                                               tmp_path: Path) -> None:
    path, _ = built
    book = openpyxl.load_workbook(path)
    sheet = book["Calculator"]
    cells = {str(row[0].value): row[1] for row in sheet.iter_rows(min_row=5) if row[0].value}
    # the NPS block is first: set 8 promoters, 1 detractor out of 10 responses
    cells["Promoters (9–10)"].value = 8
    cells["Detractors (0–6)"].value = 1
    cells["NPS responses"].value = 10
    edited = tmp_path / "edited.xlsx"
    book.save(edited)  # openpyxl drops cached values: LibreOffice must compute them
    results = _calculator_results(convert(edited, "xlsx", tmp_path / "recalc"))
    assert results["nps"] == pytest.approx(70.0)  # (8 − 1) / 10 × 100


def test_zero_denominator_gives_an_empty_result_not_an_error(
        built: tuple[Path, dict[str, float | None]], tmp_path: Path) -> None:
    path, _ = built
    book = openpyxl.load_workbook(path)
    sheet = book["Calculator"]
    cells = {str(row[0].value): row[1] for row in sheet.iter_rows(min_row=5) if row[0].value}
    cells["NPS responses"].value = 0
    edited = tmp_path / "zero.xlsx"
    book.save(edited)
    results = _calculator_results(convert(edited, "xlsx", tmp_path / "recalc"))
    assert results["nps"] in (None, "")


def _colour_pixels(png: Path, hex_colour: str) -> int:
    import struct
    import zlib

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        length = struct.unpack(">I", data[offset:offset + 4])[0]
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    previous = bytearray(stride)
    count = 0
    position = 0
    for _ in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1:position + 1 + stride])
        position += 1 + stride
        for i in range(stride):  # undo PNG filters
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        for x in range(0, stride, channels):
            pixel = line[x:x + 3]
            if all(abs(pixel[k] - target[k]) <= 24 for k in range(3)):
                count += 1
        previous = line
    return count


def test_rendered_workbook_shows_chart_lines(built: tuple[Path, dict[str, float | None]],
                                             tmp_path: Path) -> None:
    path, _ = built
    pages = render_png(path, tmp_path / "png", resolution=60)
    assert len(pages) >= 3
    # the Ticket Volume charts draw each series in its palette colour
    best = max(pages, key=lambda page: _colour_pixels(page, PALETTE[0]))
    assert _colour_pixels(best, PALETTE[0]) > 150
    assert _colour_pixels(best, PALETTE[1]) > 150
    assert _colour_pixels(best, PALETTE[2]) > 150
