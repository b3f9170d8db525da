"""business_hours: {from: helpdesk}: the helpdesk's own business minutes, exactly as given, from a
Zendesk pull (metric_sets), a Zendesk export and a plain file; without them a note and no value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_rows
from fakes.fixtures import ZD_EMAIL, ZD_TOKEN, write_config
from fakes.zendesk import ZendeskFake

from reportgen.api import compute_month, kpis_document
from reportgen.config import load_config
from reportgen.engine import Engine
from reportgen.sources.api import RetryPolicy, pull

FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
HELPDESK = "business_hours: {from: helpdesk}\n"
EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def kpis(config: Path, month: str) -> dict[str, Any]:
    return kpis_document(compute_month(load_config(config), month, save=False))["kpis"]


@pytest.fixture
def business_zendesk() -> Iterator[ZendeskFake]:
    fake = ZendeskFake(ZD_EMAIL, ZD_TOKEN, page_cap=2, rating_cap=2)
    fake.add_ticket(1, "2025-01-03T17:00:00Z", status="solved", reply_minutes=960, reply_business_minutes=60,
                    solved_at="2025-01-06T12:00:00Z", resolution_minutes=4020, resolution_business_minutes=180)
    fake.add_ticket(2, "2025-01-07T10:00:00Z", status="solved", reply_minutes=30, reply_business_minutes=30,
                    solved_at="2025-01-07T12:00:00Z", resolution_minutes=120, resolution_business_minutes=120)
    fake.add_ticket(3, "2025-01-08T10:00:00Z", status="open")  # never answered: no minutes
    fake.start()
    yield fake
    fake.stop()


def test_zendesk_pull_takes_the_metric_sets_business_minutes(business_zendesk: ZendeskFake,
                                                             tmp_path: Path) -> None:
    source = (f'{{api: zendesk, url: "{business_zendesk.url}", email: "{ZD_EMAIL}", token: "{ZD_TOKEN}", '
              'start: "2025-01-01"}')
    config = write_config(tmp_path, source, extra=HELPDESK)
    pull(load_config(config), policy=FAST)
    got = kpis(config, "2025-01")
    # reply_time_in_minutes.business: 60 and 30 minutes → 0.75 h; calendar 16 h and 0.5 h
    assert got["avg_first_response_business_hours"] == pytest.approx((1 + 0.5) / 2)
    assert got["avg_first_response_hours"] == pytest.approx((16 + 0.5) / 2)
    # full_resolution_time_in_minutes.business: 180 and 120 minutes
    assert got["avg_resolution_business_hours"] == pytest.approx((3 + 2) / 2)
    assert got["median_resolution_business_hours"] == pytest.approx(2.5)


def test_zendesk_export_takes_the_within_business_hours_columns(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nhistory: {path: "h.duckdb"}\nsources:\n'
                      f'  tickets: {{path: "{path}", preset: zendesk, timezone: "America/New_York"}}\n'
                      + HELPDESK, encoding="utf-8")
    got = kpis(config, "2024-03")
    # "First reply time in minutes within business hours": 30, 120, 0 for tickets 1, 2, 3; 4 none
    assert got["avg_first_response_business_hours"] == pytest.approx((0.5 + 2 + 0) / 3)
    assert got["median_first_response_business_hours"] == pytest.approx(0.5)
    # "Full resolution time in minutes within business hours" is empty for every March ticket
    assert got["avg_resolution_business_hours"] is None  # no value, not 0


def test_a_file_without_business_minutes_gets_a_note_and_no_value(tmp_path: Path) -> None:
    write_rows(tmp_path / "t.csv", ("ticket_id", "created_at", "first_response_at", "resolved_at"),
               [("a", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", "2026-10-05T12:00:00Z")])
    config = tmp_path / "config.yaml"
    config.write_text('history: {path: "h.duckdb"}\nsources:\n  tickets: {path: "t.csv"}\n' + HELPDESK,
                      encoding="utf-8")
    got = kpis(config, "2026-10")
    assert got["avg_first_response_business_hours"] is None and got["p90_resolution_business_hours"] is None
    assert got["avg_first_response_hours"] == 1
    # a business-clock SLA without business minutes has no value either (not 0 %)
    config.write_text(config.read_text(encoding="utf-8") + "kpis: {sla: {clock: business}}\n", encoding="utf-8")
    assert kpis(config, "2026-10")["sla_first_response_rate"] is None
    notes = Engine(load_config(config)).run().notes
    assert [n for n in notes if "business_minutes" in n] == [
        "tickets: no source has a first_response_business_minutes column — the KPIs computed from it "
        "(avg_first_response_business_hours, median_first_response_business_hours, "
        "p90_first_response_business_hours, sla_first_response_rate) have no value (not 0)",
        "tickets: no source has a resolution_business_minutes column — the KPIs computed from it "
        "(avg_resolution_business_hours, median_resolution_business_hours, p90_resolution_business_hours) "
        "have no value (not 0)"]


def test_a_file_with_business_minutes(tmp_path: Path) -> None:
    write_rows(tmp_path / "t.csv", ("ticket_id", "created_at", "first_response_at", "resolved_at",
                                    "first_response_business_minutes", "resolution_business_minutes"),
               [("a", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", "2026-10-06T12:00:00Z", "45", "600"),
                ("b", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", "", "15", "")])
    config = tmp_path / "config.yaml"
    config.write_text('history: {path: "h.duckdb"}\nsources:\n  tickets: {path: "t.csv"}\n' + HELPDESK,
                      encoding="utf-8")
    got = kpis(config, "2026-10")
    assert got["avg_first_response_business_hours"] == pytest.approx((0.75 + 0.25) / 2)
    assert got["avg_resolution_business_hours"] == pytest.approx(10)  # b is not resolved
