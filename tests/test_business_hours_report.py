"""The business-hour KPIs in every view when business_hours: is configured: tracker rows with
targets and verdicts, Calculator blocks, Definitions rows and the schedule, the email's
headlines, the JSON document; values against the day-by-day reference."""

from __future__ import annotations

import csv
import re
import statistics
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from business_reference import business_hours
from workbook_support import write_three_month_project

from reportgen.api import build_workbook, compute_month, kpis_document
from reportgen.config import load_config
from reportgen.i18n import translator
from reportgen.kpis import KPIS
from reportgen.mail.summary import headline_rows

WEEK = {day: ["09:00-13:00", "14:00-18:00"] for day in ("mon", "tue", "wed", "thu")} | {"fri": ["09:00-16:00"]}
BUSINESS = """business_hours:
  week:
    mon: ["09:00-13:00", "14:00-18:00"]
    tue: ["09:00-13:00", "14:00-18:00"]
    wed: ["09:00-13:00", "14:00-18:00"]
    thu: ["09:00-13:00", "14:00-18:00"]
    fri: "09:00-16:00"
  holidays: [2026-10-05]
kpis:
  sla: {first_response_hours: 1, clock: business}
"""
BUSINESS_KPIS = [k for k in KPIS if k.business_hours]


def project(root: Path, language: str = "en") -> Path:
    config = write_three_month_project(root)
    text = config.read_text(encoding="utf-8")
    text = text.replace("targets: {nps: 10,", "targets: {avg_first_response_business_hours: 0.5, nps: 10,")
    text = text.replace('window_months: 6}', f'window_months: 6, language: {language}}}')
    config.write_text(text + BUSINESS, encoding="utf-8")
    return config


def expected_first_response(root: Path, month: str) -> float:
    """Mean business first-response hours of the month's answered tickets, from the CSV, by the reference."""
    with (root / "data" / "tickets.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["created_at"].startswith(month) and r["first_response_at"]]
    return statistics.fmean(
        business_hours(instant(r["created_at"]), instant(r["first_response_at"]),
                       WEEK, "Europe/Rome", [datetime(2026, 10, 5).date()]) for r in rows)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(re.sub(r"T(\d):", r"T0\1:", text))  # the project writes T8:00


def test_tracker_calculator_definitions_and_json(tmp_path: Path) -> None:
    config = load_config(project(tmp_path))
    path, data = build_workbook(config, "2026-10", tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path, data_only=True)
    tracker = {row[0].value: row for row in book["KPI Tracker"].iter_rows(min_row=5) if row[0].value}
    for kpi in BUSINESS_KPIS:
        assert kpi.label in tracker, kpi.id
    row = tracker["Average first response time (business hours)"]
    expected = {month: expected_first_response(tmp_path, month) for month in ("2026-08", "2026-09", "2026-10")}
    assert expected["2026-10"] != expected["2026-09"]  # the months differ: the columns are checked
    for col, month in ((1, "2026-08"), (2, "2026-09"), (3, "2026-10")):
        assert row[col].value == pytest.approx(expected[month], abs=1e-9), month
    # target 0.5 h and a verdict, in the columns after the months
    values = [cell.value for cell in row[4:]]
    assert 0.5 in values and any(isinstance(v, str) and "target" in v for v in values), values

    calculator = [row[0].value for row in book["Calculator"].iter_rows(min_row=5) if row[0].value]
    assert "= Average first response time (business hours)" in calculator
    assert "Total first-response time in business hours (h)" in calculator

    definitions = [c.value for row in book["Definitions"].iter_rows() for c in row if c.value is not None]
    for kpi in BUSINESS_KPIS:
        assert kpi.id in definitions
    assert "SLA: first response within (business hours)" in definitions
    schedule = next(v for v in definitions if isinstance(v, str) and v.startswith("Europe/Rome · Mon"))
    assert "Mon 09:00–13:00, 14:00–18:00" in schedule and "Fri 09:00–16:00" in schedule
    assert "closed: Oct 5, 2026" in schedule or "closed: 5 Oct 2026" in schedule, schedule

    document = kpis_document(data)
    assert document["kpis"]["avg_first_response_business_hours"] == pytest.approx(expected["2026-10"], abs=1e-9)
    assert {k.id for k in BUSINESS_KPIS} <= set(document["kpis"])


def test_email_headlines_and_italian_labels(tmp_path: Path) -> None:
    data = compute_month(load_config(project(tmp_path, "it")), "2026-10", save=False)
    rows = {row.id: row for row in headline_rows(data)}
    assert "avg_first_response_business_hours" in rows and "avg_resolution_business_hours" in rows
    assert rows["avg_first_response_business_hours"].label == "Tempo medio di prima risposta (ore lavorative)"
    assert rows["avg_first_response_business_hours"].raw_value == pytest.approx(
        expected_first_response(tmp_path, "2026-10"), abs=1e-9)
    tr = translator("ja")
    assert tr.t("kpi.p90_resolution_business_hours.label") == "解決時間の90パーセンタイル（営業時間）"
