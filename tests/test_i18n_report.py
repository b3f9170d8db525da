"""The report in Italian, Romanian and Japanese: workbook, email, `reportgen catalog`.

Each language's workbook is built from the same three-month project as the
English one; its texts must come from that language's catalogue (no English
left in a cell), numbers stay numbers, and Japanese renders with CJK glyphs in
LibreOffice.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from libreoffice import convert
from workbook_support import CATEGORIES, write_three_month_project

from reportgen.api import build_workbook, compute_month
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.i18n import display_width, message_ids, translator
from reportgen.kpis import KPIS
from reportgen.mail.message import render_bodies
from reportgen.mail.summary import summarize

LANGUAGES = ("it", "ro", "ja")


def _project(root: Path, language: str) -> Path:
    config = write_three_month_project(root)
    text = config.read_text(encoding="utf-8").replace('window_months: 6}', f'window_months: 6, language: {language}}}')
    config.write_text(text, encoding="utf-8")
    return config


def _english_only_texts(language: str) -> set[str]:
    """English messages (longer than a word) whose translation differs: none may appear in that language's output."""
    en, other = translator("en"), translator(language)
    out: set[str] = set()
    for ident in message_ids():
        if ident.startswith("format.") or ident in {"email.intro", "email.spike_detail", "email.dq_tickets",
                                                     "email.dq_surveys", "email.text.category_row"}:
            continue
        english = en.template(ident)
        if "{" not in english and len(english) > 4 and english != other.template(ident):
            out.add(english)
    return out


@pytest.fixture(scope="module", params=LANGUAGES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    language = str(request.param)
    root = tmp_path_factory.mktemp(f"report-{language}")
    config = _project(root, language)
    target, _ = build_workbook(load_config(config), "2026-10", root / f"report-{language}.xlsx")
    return language, config, target


def test_tabs_and_kpi_names_are_in_the_language(built: tuple[str, Path, Path]) -> None:
    language, _, path = built
    tr = translator(language)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [tr.t(f"tab.{name}") for name in
                               ("tracker", "why", "volume", "calculator", "definitions", "agents", "channels",
                                "voice", "quality", "data")]
    tracker = book[tr.t("tab.tracker")]
    labels = {str(row[0].value).strip() for row in tracker.iter_rows(min_row=5) if row[0].value}
    assert {kpi.label_in(tr) for kpi in KPIS if not kpi.business_hours} <= labels
    assert tracker["A1"].value == f"Test Report — {tr.month('2026-10')}"


def test_no_english_text_is_left_in_the_workbook(built: tuple[str, Path, Path]) -> None:
    language, _, path = built
    english = _english_only_texts(language)
    book = openpyxl.load_workbook(path)
    data_tab = translator(language).t("tab.data")
    for sheet in book.worksheets:
        if sheet.title == data_tab:  # ids and ISO months: the machine-readable table
            continue
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "f":
                    assert cell.value not in english, f"{sheet.title}!{cell.coordinate}: {cell.value!r}"


def test_values_stay_numbers_with_localised_formats(built: tuple[str, Path, Path]) -> None:
    language, _, path = built
    tr = translator(language)
    book = openpyxl.load_workbook(path)
    tracker = book[tr.t("tab.tracker")]
    assert tracker["B4"].number_format == tr.month_cell_format  # month names in the language
    nps_row = next(row for row in tracker.iter_rows(min_row=5) if row[0].value == KPIS[0].label_in(tr))
    # October (the window starts at the first month with data: Aug–Oct): a number, not text,
    # so formulas and charts keep working
    assert isinstance(nps_row[3].value, int | float)
    change = nps_row[-2]  # the last column holds the unusual mark
    assert change.data_type == "f"
    percent_row = next(row for row in tracker.iter_rows(min_row=5)
                       if row[0].value == next(k for k in KPIS if k.id == "csat").label_in(tr))
    points = tr.t("format.points", sign="", value="")
    assert f'"{points}"' in percent_row[-2].number_format


def test_columns_fit_the_longest_labels(built: tuple[str, Path, Path]) -> None:
    language, _, path = built
    tr = translator(language)
    book = openpyxl.load_workbook(path)
    tracker = book[tr.t("tab.tracker")]
    longest = max(display_width(kpi.label_in(tr)) for kpi in KPIS if not kpi.business_hours)
    assert _width(tracker, 1) >= longest + 2
    definitions = book[tr.t("tab.definitions")]
    for col, header in enumerate((cell.value for cell in definitions[4]), start=1):
        assert _width(definitions, col) >= display_width(str(header)), header


def _width(sheet: Any, col: int) -> float:
    """A column's width as written (openpyxl groups equal neighbouring columns under the first letter)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= col <= dimension.max:
            return float(dimension.width)
    raise AssertionError(f"column {col} has no width")


def test_email_is_in_the_language(built: tuple[str, Path, Path]) -> None:
    language, config_path, _ = built
    tr = translator(language)
    config = load_config(config_path)
    summary = summarize(compute_month(config, "2026-10"))
    summary.workbook_name = "report.xlsx"
    text, html = render_bodies(config, summary)
    assert tr.t("email.headline") in html and f'<html lang="{language}">' in html
    assert tr.t("email.footer") in text
    for english in ("Headline KPIs", "Top categories", "tickets were created", "On target", "Below target"):
        assert english not in text and english not in html, english
    csat = next(row for row in summary.headline if row.id == "csat")
    assert csat.label == next(k for k in KPIS if k.id == "csat").label_in(tr)
    if language in ("it", "ro"):
        assert re.fullmatch(r"\d+,\d\u00a0?%", csat.value), csat.value  # 66,7% (it), 66,7 % (ro)
    assert summary.month_label == tr.month_long("2026-10")
    assert all(point.label.isascii() for point in summary.trend)  # drawn with a Latin-only font


def test_numbers_in_the_email_never_wrap_their_unit(built: tuple[str, Path, Path]) -> None:
    """Romanian targets wrapped "%" onto a line of its own: a no-break space, and number cells nowrap."""
    language, config_path, _ = built
    config = load_config(config_path)
    summary = summarize(compute_month(config, "2026-10"))
    summary.workbook_name = "report.xlsx"
    _, html = render_bodies(config, summary)
    csat = next(row for row in summary.headline if row.id == "csat")
    hours = next(row for row in summary.headline if row.id == "avg_resolution_hours")
    if language == "ro":
        assert csat.target.endswith("\u00a0%") and hours.value.endswith("\u00a0h"), (csat.target, hours.value)
    for row in summary.headline:
        assert " " not in row.value + row.target + row.change, row  # every space is a no-break one
    cells = [cell for cell in re.findall(r'<td align="right"[^>]*>', html) if "color:" not in cell]
    assert cells and all("white-space:nowrap" in cell for cell in cells), cells
    assert f"<span style=\"white-space:nowrap;\">{csat.change}</span>" in html  # the change, with its word


def test_romanian_plural_forms_in_the_email(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path, "ro"))
    summary = summarize(compute_month(config, "2026-10"))
    summary.workbook_name = "r.xlsx"
    text, _ = render_bodies(config, summary)
    volume = int(summary.raw_total_tickets or 0)
    expected = translator("ro").tn("email.intro", volume, count=summary.total_tickets, month=summary.month_label)
    assert expected in text
    word = "tichet a fost creat" if volume == 1 else "de tichete" if volume % 100 == 0 or volume % 100 >= 20 \
        else "tichete au fost create"
    assert word in expected


def test_catalog_lists_definitions_in_romanian() -> None:
    result = CliRunner().invoke(main, ["catalog", "--language", "ro"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())  # definitions are wrapped under their column
    assert "KPI PRINCIPALI" in result.output
    assert " ".join(translator("ro").t("kpi.nps.definition").split()) in words
    assert "procent" in result.output and "număr pe categorie" in result.output
    as_json = CliRunner().invoke(main, ["catalog", "--language", "ja", "--format", "json"])
    nps = next(k for k in __import__("json").loads(as_json.output) if k["id"] == "nps")
    assert nps["label"] == "ネットプロモータースコア（NPS）"
    assert "推奨者" in nps["formula"]
    english = CliRunner().invoke(main, ["catalog"])
    assert "PRIMARY KPIs" in english.output
    assert "How likely customers are to recommend us" in " ".join(english.output.split())


def test_an_unknown_language_is_a_config_error(tmp_path: Path) -> None:
    config = _project(tmp_path, "de")
    with pytest.raises(ConfigError, match=r"report\.language"):
        load_config(config)


def test_data_values_are_not_translated(built: tuple[str, Path, Path]) -> None:
    language, _, path = built
    book = openpyxl.load_workbook(path)
    channels = book[translator(language).t("tab.channels")]
    shown = {str(row[0].value) for row in channels.iter_rows(min_row=4) if row[0].value}
    assert set(CATEGORIES) <= shown  # category names are data, written as given (and as text)


@pytest.mark.slow
@pytest.mark.libreoffice
def test_japanese_workbook_renders_with_cjk_glyphs(tmp_path: Path) -> None:
    """LibreOffice draws the Japanese texts with a CJK font (a missing font shows tofu boxes)."""
    if not shutil.which("pdffonts"):
        message = "pdffonts (poppler-utils) is not installed"
        if os.environ.get("CI"):  # as for LibreOffice itself: CI installs it, so a missing tool fails
            pytest.fail(message)
        pytest.skip(message)
    config = _project(tmp_path, "ja")
    target, _ = build_workbook(load_config(config), "2026-10", tmp_path / "ja.xlsx")
    pdf = convert(target, "pdf", tmp_path / "pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CJK|Gothic|Mincho|Droid Sans Fallback|IPA", fonts), fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "ネットプロモータースコア（NPS）" in text and "2026年10月" in text


def _quality_project(make_project: Any, language: str) -> Path:
    config = make_project(
        tickets=[("T1", "2026-10-01T09:00:00Z", "", "", "", "email", "Ann", "1", "0"),
                 ("T2", "2026-10-02T09:00:00Z", "", "", "Billing", "email", "Ann", "1", "0")],
        surveys=[("S1", "2026-10-03T09:00:00Z", "csat", "5"), ("S2", "2026-10-03T10:00:00Z", "csat", ""),
                 ("S3", "2026-10-03T11:00:00Z", "csat", "4")],
        folder=f"quality-{language}")
    text = config.read_text(encoding="utf-8").replace('currency: "EUR"}', f'currency: "EUR", language: {language}}}')
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize("language", ["it", "ro", "ja"])
def test_data_quality_reasons_are_named_in_the_language(make_project: Any, language: str) -> None:
    """The reason column showed the code (missing_score); it shows the reason's name in the language."""
    config = _quality_project(make_project, language)
    target, _ = build_workbook(load_config(config), "2026-10", config.parent / "report.xlsx")
    tr = translator(language)
    quality = openpyxl.load_workbook(target)[tr.t("tab.quality")]
    reasons = [str(row[1].value) for row in quality.iter_rows() if row[0].value == tr.t("dataset.surveys")
               and isinstance(row[3].value, int) and row[1].value is not None and row[4].value]
    assert reasons == [{"it": "punteggio mancante", "ro": "scor lipsă", "ja": "スコアなし"}[language]]


@pytest.mark.slow
@pytest.mark.parametrize("language", ["it", "ro", "ja"])
def test_the_category_of_tickets_without_one_is_named_in_the_language(make_project: Any, language: str) -> None:
    """"Uncategorized" (written by reportgen, not the data) stayed English in every report."""
    config = _quality_project(make_project, language)
    target, _ = build_workbook(load_config(config), "2026-10", config.parent / "report.xlsx")
    tr = translator(language)
    name = {"it": "Senza categoria", "ro": "Necategorizat", "ja": "未分類"}[language]
    book = openpyxl.load_workbook(target)
    channels = [str(row[0].value) for row in book[tr.t("tab.channels")].iter_rows() if row[0].value]
    assert name in channels and "Billing" in channels and "Uncategorized" not in channels
    volume = [str(cell.value) for row in book[tr.t("tab.volume")].iter_rows() for cell in row if cell.value]
    assert name in volume and "Uncategorized" not in volume
    summary = summarize(compute_month(load_config(config), "2026-10"))
    assert {row.name for row in summary.top_categories} == {name, "Billing"}
