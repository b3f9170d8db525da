"""The built workbook, read back as a user's tools read it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from workbook_support import CATEGORIES, CHANNELS, INJECTION, NS, chart_xml, write_three_month_project

from reportgen.api import build_workbook
from reportgen.config import load_config
from reportgen.errors import ReportgenError
from reportgen.i18n import translator
from reportgen.kpis import KPI_BY_ID, KPIS, SCALAR_KPIS, breakdown_values, scalar_values
from reportgen.report import TAB_ORDER
from reportgen.verdicts import target_status


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("wb")
    config = load_config(write_three_month_project(root))
    path, data = build_workbook(config, "2026-10", root / "out" / "report.xlsx")
    return path, data


def test_tabs_in_order(built: tuple[Path, object]) -> None:
    book = openpyxl.load_workbook(built[0])
    assert book.sheetnames == list(TAB_ORDER)
    assert TAB_ORDER[:4] == ("KPI Tracker", "Why it changed", "Ticket Volume", "Calculator")


def test_tracker_headers_are_real_month_dates(built: tuple[Path, object]) -> None:
    sheet = openpyxl.load_workbook(built[0])["KPI Tracker"]
    header = [c for c in sheet[4]]
    months = [c.value for c in header[1:4]]
    # the window (6 months) starts at the first month with data: no empty May–July
    assert months == [datetime(2026, m, 1) for m in (8, 9, 10)]
    assert all(c.number_format == "mmm yyyy" for c in header[1:4])
    assert [c.value for c in header[4:7]] == ["Target", "Status Oct 2026", "Change vs previous month"]
    assert sheet.freeze_panes == "B5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


def test_tracker_values_equal_the_engine(built: tuple[Path, object]) -> None:
    path, data = built
    sheet = openpyxl.load_workbook(path, data_only=True)["KPI Tracker"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=5) if row[0].value}
    month_cols = {"2026-08": 1, "2026-09": 2, "2026-10": 3}
    for month, col in month_cols.items():
        expected = scalar_values(data.measures[month])  # type: ignore[attr-defined]
        for kpi in (k for k in SCALAR_KPIS if not k.business_hours):  # none without business_hours:
            cell = rows[kpi.label][col]
            if expected[kpi.id] is None:
                assert cell.value is None, (kpi.id, month)
            else:
                assert cell.value == pytest.approx(expected[kpi.id], rel=1e-12), (kpi.id, month)
    # the window starts at the first month with data
    assert rows["Ticket volume"][1].value == scalar_values(data.measures["2026-08"])["ticket_volume"]  # type: ignore[attr-defined]
    # every KPI of the registry has a row; the business-hours ones only with business_hours:
    assert {k.label for k in KPIS if not k.business_hours} <= set(rows)
    assert not {k.label for k in KPIS if k.business_hours} & set(rows)


def test_tracker_status_and_change(built: tuple[Path, object]) -> None:
    path, data = built
    sheet = openpyxl.load_workbook(path, data_only=True)["KPI Tracker"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=5) if row[0].value}
    october = scalar_values(data.measures["2026-10"])  # type: ignore[attr-defined]
    september = scalar_values(data.measures["2026-09"])  # type: ignore[attr-defined]
    nps = rows["Net Promoter Score"]
    assert nps[4].value == 10
    # a handful of NPS answers (under report.min_responses): the count instead of a verdict
    assert october["nps_responses"] < 30
    assert nps[5].value == f"n = {october['nps_responses']}"
    assert nps[6].value == pytest.approx(october["nps"] - september["nps"])
    churn = rows["Customer churn rate"]
    assert churn[5].value == ("On target" if october["churn_rate"] <= 0.02 else "Above target")
    # a percent's change is in percentage points
    csat = rows["Customer Satisfaction (CSAT)"]
    assert csat[6].value == pytest.approx((october["csat"] - september["csat"]) * 100)
    formulas = openpyxl.load_workbook(path)["KPI Tracker"]
    change_cell = formulas.cell(row=csat[6].row, column=7)
    assert str(change_cell.value).startswith("=IF(OR(")


def test_ticket_volume_table_and_chart(built: tuple[Path, object]) -> None:
    path, data = built
    sheet = openpyxl.load_workbook(path, data_only=True)["Ticket Volume"]
    header = [c.value for c in sheet[5]]
    assert header[0] == "Month"
    assert set(header[1:4]) == set(CATEGORIES) and header[4] == "Total"
    october_row = next(r for r in sheet.iter_rows(min_row=6, max_row=11) if r[0].value == datetime(2026, 10, 1))
    expected = breakdown_values(data.measures["2026-10"])["tickets_by_category"]  # type: ignore[attr-defined]
    for cell, name in zip(october_row[1:4], header[1:4], strict=True):
        assert cell.value == expected[name]
    assert october_row[4].value == sum(expected.values())
    charts = chart_xml(path)
    assert len(charts) == 2  # categories and channels
    by_category = charts[0]
    series = by_category.findall(".//c:lineChart/c:ser", NS)
    assert len(series) == len(CATEGORIES)
    assert all(s.find("c:smooth", NS).get("val") == "0" for s in series)  # type: ignore[union-attr]
    titles = [t.text for t in by_category.iterfind(".//c:title//{*}t", NS)]
    assert "Tickets by category, per month" in titles
    assert "Month" in titles and "Tickets created" in titles
    assert by_category.find(".//c:legend", NS) is not None
    assert len(charts[1].findall(".//c:lineChart/c:ser", NS)) == len(CHANNELS)


def test_text_from_data_is_never_a_formula(built: tuple[Path, object]) -> None:
    book = openpyxl.load_workbook(built[0])
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in (INJECTION, "@SUM(1)", "+cmd"):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    seen += 1
                if cell.data_type == "f":
                    assert "HYPERLINK" not in str(cell.value)
    assert seen >= 5  # tracker, volume, channels, agents, data tabs all hold such names


def test_calculator_formulas_carry_the_engines_values(built: tuple[Path, object]) -> None:
    path, data = built
    formulas = openpyxl.load_workbook(path)["Calculator"]
    values = openpyxl.load_workbook(path, data_only=True)["Calculator"]
    expected = scalar_values(data.measures["2026-10"])  # type: ignore[attr-defined]
    by_label = {k.label: k for k in KPIS}
    checked = set()
    for row in formulas.iter_rows(min_row=5):
        label = row[0].value
        if isinstance(label, str) and label.startswith("= "):
            kpi = by_label[label[2:]]
            assert str(row[1].value).startswith("=IF("), kpi.id
            cached = values.cell(row=row[1].row, column=2).value
            if expected[kpi.id] is None:
                assert cached in (None, ""), kpi.id
            else:
                assert cached == pytest.approx(expected[kpi.id], rel=1e-12), kpi.id
            checked.add(kpi.id)
    assert {"nps", "csat", "ces", "retention_rate", "churn_rate", "cac", "clv",
            "avg_first_response_hours", "avg_resolution_hours", "fcr_rate", "resolution_rate",
            "sla_first_response_rate"} <= checked


def test_data_tab_is_tidy_and_complete(built: tuple[Path, object]) -> None:
    path, data = built
    sheet = openpyxl.load_workbook(path, data_only=True)["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("month", "metric", "dimension", "value")
    found = {(m, k, d or ""): v for m, k, d, v in rows[1:]}
    for month in ("2026-08", "2026-09", "2026-10"):
        measures = data.measures[month]  # type: ignore[attr-defined]
        for kpi_id, value in scalar_values(measures).items():
            assert found[(month, kpi_id, "")] == (pytest.approx(value) if value is not None else None)
        for kpi_id, by_key in breakdown_values(measures).items():
            for key, value in by_key.items():
                assert found[(month, kpi_id, key)] == pytest.approx(value)
    assert all(isinstance(m, str) and len(m) == 7 for m, *_ in rows[1:])


def test_failed_build_leaves_the_previous_report(tmp_path: Path) -> None:
    config_path = write_three_month_project(tmp_path)
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"previous report")
    (tmp_path / "data" / "business.csv").write_text("month,customers_start\n2026-1x,5\n", encoding="utf-8")
    with pytest.raises(ReportgenError, match=r"business.csv, row 2, column 'month'"):
        build_workbook(load_config(config_path), "2026-10", target)
    assert target.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.xlsx")] == []


def test_failure_while_writing_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportgen.render.xlsx as xlsx

    config_path = write_three_month_project(tmp_path)
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"previous report")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(xlsx, "_insert_chart", explode)
    with pytest.raises(OSError, match="disk full"):
        build_workbook(load_config(config_path), "2026-10", target)
    assert target.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "data", "report.xlsx",
                                                          "reportgen-history.duckdb"]


def test_a_time_kpi_over_its_target_is_slower_not_above() -> None:
    """"Above target" for a resolution time left its meaning to the colour; it says slower."""
    hours = KPI_BY_ID["avg_resolution_hours"]
    assert target_status(hours, 31.0, 30.0) == ("status.slower_than_target", "bad")
    assert target_status(hours, 30.0, 30.0) == ("status.on_target", "good")
    assert target_status(KPI_BY_ID["churn_rate"], 0.03, 0.02) == ("status.above_target", "bad")  # not a time
    shown = {language: translator(language).t("status.slower_than_target") for language in ("en", "it", "ro", "ja")}
    assert shown == {"en": "Slower than target", "it": "Più lento dell'obiettivo", "ro": "Mai lent decât ținta",
                     "ja": "目標より遅い"}


def test_a_verdict_agrees_with_the_numbers_the_reader_sees() -> None:
    """66.66 % against a target of 66.67 % both read 66.7 %: on target, not "Below target" beside two
    equal numbers; one tenth apart as shown, the verdict is a miss again."""
    rate = KPI_BY_ID["resolution_rate"]
    assert target_status(rate, 2 / 3, 0.6667) == ("status.on_target", "good")
    assert target_status(rate, 0.666, 0.6667) == ("status.below_target", "bad")  # 66.6 % < 66.7 %
    hours = KPI_BY_ID["avg_first_response_hours"]
    assert target_status(hours, 4.04, 4.0) == ("status.on_target", "good")  # reads 4.0 h
    assert target_status(hours, 4.06, 4.0) == ("status.slower_than_target", "bad")  # reads 4.1 h
