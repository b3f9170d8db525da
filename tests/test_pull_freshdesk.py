"""Pulling Freshdesk tickets from a local fake of the public API v2 (real HTTP on 127.0.0.1)."""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fakes.clock import FakeClock
from fakes.fixtures import FD_KEY, freshdesk, freshdesk_source, write_config  # noqa: F401  (fixtures)
from fakes.freshdesk import FreshdeskFake

from reportgen.api import month_kpis
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import AuthError, RetryPolicy, check_credentials, materialize, pull

FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ticket_id"]: row for row in csv.DictReader(handle)}


def ticket_calls(fake: FreshdeskFake) -> list[dict[str, str]]:
    return [r.params for r in fake.calls("/api/v2/tickets")]


def test_pull_maps_fields_as_documented(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, freshdesk_source(freshdesk.url)))
    summary = pull(config, policy=FAST)
    assert summary.sources[0].records == 5
    first, deleted = ticket_calls(freshdesk)
    assert first == {"updated_since": "2025-01-01T00:00:00Z", "order_by": "updated_at", "order_type": "asc",
                     "per_page": "100", "page": "1", "include": "stats"}
    assert deleted["filter"] == "deleted" and "include" not in deleted
    assert all(r.auth == (FD_KEY, "X") for r in freshdesk.requests)
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert got["101"] == {"ticket_id": "101", "created_at": "2025-01-02T09:00:00+00:00",
                          "first_response_at": "2025-01-02T10:00:00+00:00",
                          "resolved_at": "2025-01-02T12:00:00+00:00", "category": "Question",
                          "channel": "Email", "agent": "Carla Verdi", "reopens": "0", "customer_id": "900"}
    assert "replies" not in got["101"]  # no reply count in the API: FCR has no value
    assert got["102"]["channel"] == "Phone" and got["102"]["reopens"] == "1"
    assert got["102"]["resolved_at"] == "2025-01-03T15:00:00+00:00"
    assert got["103"]["channel"] == "Chat" and got["103"]["category"] == "" and got["103"]["agent"] == ""
    assert got["104"]["channel"] == "Feedback widget" and got["104"]["resolved_at"] == ""
    assert got["105"]["channel"] == "Portal"


def test_custom_field_category(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, freshdesk_source(freshdesk.url, category="cf_product")))
    pull(config, policy=FAST)
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert got["101"]["category"] == "App" and got["102"]["category"] == "Web" and got["103"]["category"] == ""


@pytest.mark.slow
def test_incremental_updates_and_deletions_then_kpis(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "pull", freshdesk_source(freshdesk.url)))
    pull(config, policy=FAST)
    freshdesk.update_ticket(104, "2025-01-07T09:00:00Z", status=4, resolved_at="2025-01-07T09:00:00Z")
    freshdesk.delete_ticket(105, "2025-01-07T10:00:00Z")
    before = len(freshdesk.requests)
    summary = pull(config, policy=FAST)
    again = [r.params for r in freshdesk.requests[before:] if r.path == "/api/v2/tickets"]
    # only what changed since the newest updated_at stored (inclusive: that ticket is read again)
    assert again[0]["updated_since"] == "2025-01-06T09:00:00Z"
    assert again[1]["updated_since"] == "2025-01-01T00:00:00Z" and again[1]["filter"] == "deleted"
    assert summary.sources[0].records == 2  # 104 (updated) and 105 (from the deleted list)
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert set(got) == {"101", "102", "103", "104"}
    assert got["104"]["resolved_at"] == "2025-01-07T09:00:00+00:00"
    tickets = materialize(config, "tickets", config.sources.tickets)
    doc = month_kpis(write_config(tmp_path / "engine", f'{{path: "{tickets}", preset: generic}}'), "2025-01")
    kpis = doc["kpis"]
    assert kpis["ticket_volume"] == 4
    assert kpis["resolution_rate"] == pytest.approx(3 / 4)
    # resolved: 101 (3 h), 102 (6 h), 104 (48 h)
    assert kpis["avg_resolution_hours"] == pytest.approx((3 + 6 + 48) / 3)
    # first responses: 101 1 h, 102 0.5 h, 104 2 h
    assert kpis["avg_first_response_hours"] == pytest.approx((1 + 0.5 + 2) / 3)
    assert kpis["fcr_rate"] is None  # shown as unavailable


def test_updated_since_moves_forward_page_by_page(tmp_path: Path) -> None:
    fake = FreshdeskFake(FD_KEY)
    for i in range(250):  # one ticket a second
        fake.add_ticket(1000 + i, f"2025-01-02T10:{i // 60:02d}:{i % 60:02d}Z")
    for i in range(150):  # a bulk update: 150 tickets in the same second
        fake.add_ticket(5000 + i, "2025-01-03T08:00:00Z", updated_at="2025-01-03T09:00:00Z")
    fake.start()
    try:
        config = load_config(write_config(tmp_path, freshdesk_source(fake.url)))
        pull(config, policy=FAST)
        calls = [(p["updated_since"], p["page"]) for p in ticket_calls(fake) if "filter" not in p]
        assert calls == [("2025-01-01T00:00:00Z", "1"), ("2025-01-02T10:01:39Z", "1"),
                         ("2025-01-02T10:03:18Z", "1"), ("2025-01-03T09:00:00Z", "1"),
                         ("2025-01-03T09:00:00Z", "2")]
        assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 400
    finally:
        fake.stop()


def test_wrong_key_is_one_error_without_retry(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, freshdesk_source(freshdesk.url, token="wrong-key-123")))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    assert "401" in str(caught.value) and "token" in str(caught.value) and "wrong-key-123" not in str(caught.value)
    assert len(freshdesk.requests) == 1
    problems = check_credentials(config)
    assert len(problems) == 1 and isinstance(problems[0], AuthError)
    assert freshdesk.requests[-1].path == "/api/v2/agents/me"


@pytest.mark.slow
def test_rate_limited_requests_are_retried_after_the_wait(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    freshdesk.fail("/api/v2/tickets", 429, retry_after="1")
    config = load_config(write_config(tmp_path, freshdesk_source(freshdesk.url)))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=20))
    calls = freshdesk.calls("/api/v2/tickets")
    assert clock.waits == [1.0] and calls[1].params == calls[0].params
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 5


def test_email_is_not_a_freshdesk_key(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, '{api: freshdesk, url: "https://acme.freshdesk.com", '
                                                'email: "x@y.z", token: "k"}'))
    with pytest.raises(ConfigError, match=r"sources\.tickets\.email \(line 4\): not used by api: freshdesk"):
        pull(config)
