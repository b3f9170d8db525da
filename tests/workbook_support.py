"""A small three-month project and helpers to read built workbooks back."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from conftest import BUSINESS_HEADER, SURVEY_HEADER, TICKET_HEADER, write_rows

INJECTION = '=HYPERLINK("http://x","y")'
CATEGORIES = ("Shipping", "Return", INJECTION)
CHANNELS = ("email", "chat", "@SUM(1)")
AGENTS = ("Ann", "Bob", "+cmd")


def write_three_month_project(root: Path) -> Path:
    """Aug–Oct 2026: tickets in every category/channel, surveys and business figures."""
    tickets = []
    number = 0
    for month_index, month in enumerate(("2026-08", "2026-09", "2026-10")):
        for cat_index, category in enumerate(CATEGORIES):
            # volumes differ by category and month so the chart's lines are distinct
            days = range(1, 2 + month_index * (cat_index + 1) + 2 * cat_index)
            for day in days:
                number += 1
                if cat_index == len(CATEGORIES) - 1 and day == days[-1]:
                    day = 29  # the data runs to the month's end: no month is a partial month
                created = f"{month}-{day:02d}T{8 + cat_index}:00:00+02:00"
                answered = f"{month}-{day:02d}T{9 + cat_index}:30:00+02:00" if number % 4 else ""
                resolved = f"{month}-{day + 1:02d}T{10 + cat_index}:00:00+02:00" if number % 5 else ""
                tickets.append((f"T{number}", created, answered, resolved, category,
                                CHANNELS[number % 3], AGENTS[number % 3], str(number % 3),
                                "1" if number % 7 == 0 else "0"))
    surveys = []
    for index in range(30):
        month = ("2026-08", "2026-09", "2026-10")[index % 3]
        kind = ("nps", "csat", "ces")[(index // 3) % 3]
        score = index % 11 if kind == "nps" else 1 + index % 5
        surveys.append((f"R{index}", f"{month}-10T12:00:00Z", kind, str(score)))
    business = [
        ("2026-08", "1000", "1010", "40", "12000", "50000"),
        ("2026-09", "1010", "1025", "45", "13000", "52000"),
        ("2026-10", "1025", "1030", "30", "15000", "53000"),
    ]
    write_rows(root / "data" / "tickets.csv", TICKET_HEADER, tickets)
    write_rows(root / "data" / "surveys.csv", SURVEY_HEADER, surveys)
    write_rows(root / "data" / "business.csv", BUSINESS_HEADER, business)
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "Test Report", timezone: "Europe/Rome", currency: "EUR", window_months: 6}\n'
        "targets: {nps: 10, csat: 0.5, avg_first_response_hours: 1, churn_rate: 0.02}\n"
        "sources:\n"
        '  tickets: {path: "data/tickets.csv"}\n'
        '  surveys: {path: "data/surveys.csv"}\n'
        '  business: {path: "data/business.csv"}\n',
        encoding="utf-8",
    )
    return config


NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}


def chart_xml(path: Path) -> list[ElementTree.Element]:
    """Every chart part of a workbook, parsed."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        return [ElementTree.fromstring(archive.read(name)) for name in names]
