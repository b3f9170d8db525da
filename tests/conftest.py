"""Shared fixtures: small canonical projects written to a temp folder."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import hypothesis_profiles
import markers
import pytest

TICKET_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category",
                 "channel", "agent", "replies", "reopens")
SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score")
BUSINESS_HEADER = ("month", "customers_start", "customers_end", "customers_new",
                   "sales_marketing_spend", "revenue")

ProjectFactory = Callable[..., Path]

hypothesis_profiles.load()  # Hypothesis: the full example counts in CI, a tenth in the edit loop


_HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """A second process holding a DuckDB file's lock for ``seconds`` (returns once it holds it)."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def write_rows(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write tickets/surveys/business CSVs and a config; return the config path."""

    def factory(tickets: Sequence[Sequence[object]] = (), surveys: Sequence[Sequence[object]] = (),
                business: Sequence[Sequence[object]] = (), extra: str = "",
                folder: str = "project") -> Path:
        root = tmp_path / folder
        write_rows(root / "data" / "tickets.csv", TICKET_HEADER, tickets)
        write_rows(root / "data" / "surveys.csv", SURVEY_HEADER, surveys)
        write_rows(root / "data" / "business.csv", BUSINESS_HEADER, business)
        config = root / "config.yaml"
        config.write_text(
            'report: {title: "Test Report", timezone: "Europe/Rome", currency: "EUR"}\n'
            "sources:\n"
            '  tickets: {path: "data/tickets.csv", preset: generic}\n'
            '  surveys: {path: "data/surveys.csv", preset: generic}\n'
            '  business: {path: "data/business.csv"}\n' + extra,
            encoding="utf-8",
        )
        return config

    return factory


def pytest_runtest_setup(item: pytest.Item) -> None:
    markers.running = item


def pytest_runtest_teardown(item: pytest.Item) -> None:
    markers.running = None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # the session's PostgreSQL server (tests/test_warehouse.py) comes with the fixture
        if "pg" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden snapshots under tests/golden/ instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
