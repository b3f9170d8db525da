"""Pulling HubSpot tickets from a local fake of the CRM API v3 (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import reference
from fakes.clock import FakeClock
from fakes.fixtures import write_config
from fakes.hubspot import SEARCH, TRUTH_HEADER, HubSpotFake, ms
from fakes.kill import kill_pull_while_waiting, pull_again

from reportgen.api import month_kpis
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import (
    ApiError,
    AuthError,
    PullIncomplete,
    RetryPolicy,
    check_credentials,
    materialize,
    pull,
)
from reportgen.sources.api.hubspot import HubSpotTickets

ROOT = Path(__file__).resolve().parent.parent
HS_TOKEN = "pat-na1-TOKEN-4d7e9b2c"  # recognisable: tests assert it never shows up anywhere
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
TICKET_KPIS = ("ticket_volume", "avg_first_response_hours", "avg_resolution_hours", "resolution_rate",
               "median_first_response_hours", "p90_first_response_hours", "median_resolution_hours",
               "p90_resolution_hours", "sla_first_response_rate", "backlog_open", "tickets_per_agent",
               "fcr_rate", "reopen_rate")


def source(url: str, token: str = HS_TOKEN, extra: str = "") -> str:
    return f'{{api: hubspot, url: "{url}", token: "{token}", start: "2025-01-01"{extra}}}'


def fill(fake: HubSpotFake) -> None:
    """January 2025: seven tickets, one archived before the first pull, one created in December."""
    fake.add_owner(41, "Carla", "Verdi")
    fake.add_owner(42, "Dario", "Neri")
    fake.add_ticket(1, "2025-01-02T09:00:00Z", modified="2025-01-02T12:00:00Z", first_reply="2025-01-02T10:00:00Z",
                    closed="2025-01-02T12:00:00Z", is_closed=True, category="BILLING_ISSUE", source="EMAIL", owner=41)
    fake.add_ticket(2, "2025-01-03T09:00:00Z", modified="2025-01-03T15:00:00Z", first_reply="2025-01-03T09:30:00Z",
                    closed="2025-01-03T15:00:00Z", is_closed=True, category="PRODUCT_ISSUE", source="CHAT", owner=42)
    fake.add_ticket(3, "2025-01-04T09:00:00Z", modified="2025-01-05T09:00:00Z", first_reply="2025-01-04T13:00:00Z",
                    closed="2025-01-04T18:00:00Z", is_closed=False, category="PRODUCT_ISSUE", source="PHONE",
                    owner=41)  # reopened: closed_date kept, hs_is_closed false → unresolved
    fake.add_ticket(4, "2025-01-05T09:00:00Z", modified="2025-01-05T09:00:00Z", category=None, source="FORM")
    fake.add_ticket(5, "2025-01-06T09:00:00Z", modified="2025-01-06T09:00:00Z", category="GENERAL_INQUIRY",
                    source="EMAIL", owner=42, first_reply="2025-01-07T09:00:00Z")
    fake.add_ticket(6, "2025-01-06T10:00:00Z", modified="2025-01-06T11:00:00Z", source="EMAIL",
                    archived_at="2025-01-06T11:00:00Z")
    fake.add_ticket(7, "2024-12-20T09:00:00Z", modified="2024-12-20T10:00:00Z", source="EMAIL")  # before start


@pytest.fixture
def hubspot() -> Iterator[HubSpotFake]:
    fake = HubSpotFake(HS_TOKEN, page_cap=2)
    fill(fake)
    fake.start()
    yield fake
    fake.stop()


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ticket_id"]: row for row in csv.DictReader(handle)}


def searches(fake: HubSpotFake, since: int = 0) -> list[dict[str, object]]:
    return [r.body for r in fake.requests[since:] if r.path == SEARCH]


def assert_kpis_match_reference(config_path: Path, fake: HubSpotFake, folder: Path, month: str,
                                since: str = "2025-01-01T00:00:00Z") -> dict[str, object]:
    """The engine's KPIs of the pulled tickets equal tests/reference.py's from the fake's truth."""
    config = load_config(config_path)
    assert config.sources.tickets is not None
    pulled = materialize(config, "tickets", config.sources.tickets)
    kpis: dict[str, object] = month_kpis(write_config(folder, f'{{path: "{pulled}", preset: generic}}'),
                                         month)["kpis"]
    truth = [row for row in fake.truth() if str(row[1]) >= since]  # what `start` lets in
    expected = reference.compute(truth, options=reference.Options(timezone="UTC"),
                                 ticket_header=TRUTH_HEADER).months[month]["kpis"]
    for kpi in TICKET_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    return kpis


def test_pull_maps_fields_and_kpis_equal_the_reference(hubspot: HubSpotFake, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "pull", source(hubspot.url))
    config = load_config(config_path)
    summary = pull(config, policy=FAST)
    first = searches(hubspot)[0]
    assert first == {
        "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                                       "value": str(ms("2025-01-01T00:00:00Z"))}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["hs_object_id", "createdate", "hs_lastmodifieddate", "closed_date", "hs_is_closed",
                       "first_agent_reply_date", "source_type", "hubspot_owner_id", "hs_ticket_category"],
        "limit": 200}
    assert [b.get("after") for b in searches(hubspot)] == [None, "2", "4"]  # pages of 2 (the fake's cap)
    assert all(r.headers.get("authorization") == f"Bearer {HS_TOKEN}" for r in hubspot.requests)
    assert summary.sources[0].kept == 5  # 1–5; 6 is archived, 7 modified before start
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert got["1"] == {"ticket_id": "1", "created_at": "2025-01-02T09:00:00+00:00",
                        "first_response_at": "2025-01-02T10:00:00+00:00",
                        "resolved_at": "2025-01-02T12:00:00+00:00", "category": "Billing issue",
                        "channel": "Email", "agent": "Carla Verdi"}
    assert got["3"]["resolved_at"] == "" and got["3"]["channel"] == "Phone"  # reopened
    assert got["4"]["channel"] == "Web form" and got["4"]["category"] == "" and got["4"]["agent"] == ""
    assert "replies" not in got["1"] and "reopens" not in got["1"]
    kpis = assert_kpis_match_reference(config_path, hubspot, tmp_path / "engine", "2025-01")
    # no replies and no reopens property: FCR and the reopen rate have no value (never 0)
    assert kpis["ticket_volume"] == 5 and kpis["fcr_rate"] is None and kpis["reopen_rate"] is None


def test_second_pull_asks_only_for_changes_and_drops_archived(hubspot: HubSpotFake, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "pull", source(hubspot.url))
    config = load_config(config_path)
    pull(config, policy=FAST)
    before = len(hubspot.requests)
    hubspot.update_ticket(4, "2025-01-08T09:00:00Z", first_reply="2025-01-08T08:00:00Z",
                          closed="2025-01-08T09:00:00Z", is_closed=True, owner=41)
    hubspot.update_ticket(3, "2025-01-08T10:00:00Z", closed="2025-01-08T10:00:00Z", is_closed=True)
    hubspot.archive_ticket(5, "2025-01-08T11:00:00Z")
    hubspot.add_ticket(8, "2025-01-08T12:00:00Z", source="CHAT", owner=42)
    summary = pull(config, policy=FAST)
    asked = searches(hubspot, before)
    # from the newest modification stored (ticket 5, 6 Jan 09:00) less the 5-minute lookback
    assert asked[0]["filterGroups"] == [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                                                      "value": str(ms("2025-01-06T08:55:00Z"))}]}]
    assert summary.sources[0].records == 3 + 2  # 3, 4, 8 changed; 5 and 6 from the archived list
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert set(got) == {"1", "2", "3", "4", "8"}
    assert got["4"]["resolved_at"] == "2025-01-08T09:00:00+00:00" and got["4"]["agent"] == "Carla Verdi"
    assert_kpis_match_reference(config_path, hubspot, tmp_path / "engine", "2025-01")


def test_the_10000_cap_restarts_the_search_after_the_last_id(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fake = HubSpotFake(HS_TOKEN, search_cap=10, page_cap=4)
    for i in range(1, 26):
        fake.add_ticket(100 + i, f"2025-01-02T10:{i:02d}:00Z", source="EMAIL")
    fake.start()
    monkeypatch.setattr(HubSpotTickets, "search_cap", 10)  # HubSpot's 10,000, scaled to the fake's
    try:
        config = load_config(write_config(tmp_path, source(fake.url)))
        pull(config, policy=FAST)
        asked = [(b.get("after"), [f["value"] for f in b["filterGroups"][0]["filters"]][1:])  # type: ignore[index]
                 for b in searches(fake)]
        # 0, 4, 8 (next would be 12 ≥ 10: asking it is a 400) → again after id 110, and so on
        assert asked == [(None, []), ("4", []), ("8", []), (None, ["110"]), ("4", ["110"]), ("8", ["110"]),
                         (None, ["120"]), ("4", ["120"])]
        assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 25  # type: ignore[arg-type]
    finally:
        fake.stop()


def test_wrong_token_is_one_line_without_retry(hubspot: HubSpotFake, tmp_path: Path) -> None:
    wrong = "pat-na1-WRONG-0000"
    config = load_config(write_config(tmp_path, source(hubspot.url, token=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "401" in message and "private app" in message and wrong not in message and "\n" not in message
    assert len(hubspot.requests) == 1
    problems = check_credentials(config)
    assert len(problems) == 1 and wrong not in str(problems[0])
    assert hubspot.requests[-1].path == "/crm/v3/objects/tickets" and hubspot.requests[-1].params == {"limit": "1"}


def test_rate_limited_search_waits_then_asks_the_same(hubspot: HubSpotFake, tmp_path: Path) -> None:
    hubspot.fail(SEARCH, 429, retry_after="1", after=1)
    config = load_config(write_config(tmp_path, source(hubspot.url)))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=20))
    asked = searches(hubspot)
    assert clock.waits == [1.0] and asked[2] == asked[1] and len(asked) == 4
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 5  # type: ignore[arg-type]


def test_malformed_page_stops_with_one_line_and_keeps_what_was_stored(hubspot: HubSpotFake,
                                                                        tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, source(hubspot.url)))
    pull(config, policy=FAST)
    hubspot.update_ticket(2, "2025-01-09T09:00:00Z", category="BILLING_ISSUE")
    hubspot.garbled = 1
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    assert "did not return search results" in str(caught.value) and "\n" not in str(caught.value)
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert got["2"]["category"] == "Product issue"  # the earlier version, intact
    pull(config, policy=FAST)
    assert rows(materialize(config, "tickets", config.sources.tickets))["2"]["category"] == "Billing issue"  # type: ignore[arg-type]


def test_time_limit_message_says_what_is_missing(hubspot: HubSpotFake, tmp_path: Path) -> None:
    hubspot.fail(SEARCH, 429, retry_after="30", after=1)
    config = load_config(write_config(tmp_path, source(hubspot.url)))
    with pytest.raises(PullIncomplete) as caught:
        pull(config, policy=RetryPolicy(base_seconds=0.01, total_seconds=2))
    assert "the tickets modified since 2025-01-01" in str(caught.value) and HS_TOKEN not in str(caught.value)


def test_settings_are_checked_before_any_request(hubspot: HubSpotFake, tmp_path: Path) -> None:
    bad = f'{{api: hubspot, url: "{hubspot.url}", email: "x@y.z", options: {{category: hs_ticket_category}}}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(write_config(tmp_path, bad)))
    text = str(caught.value)
    assert "sources.tickets.token (line 4): required for api: hubspot" in text
    assert "sources.tickets.email (line 4): not used by api: hubspot" in text
    assert "sources.tickets.options.category (line 4): 'hs_ticket_category' is not property:<internal name>" in text
    assert hubspot.requests == []


def test_default_url_is_hubspots() -> None:
    from reportgen.config import SourceConfig

    assert HubSpotTickets("tickets", SourceConfig(api="hubspot", token="k"), "UTC").url == "https://api.hubapi.com"


@pytest.mark.slow
def test_validate_names_the_kpis_without_a_field(hubspot: HubSpotFake, tmp_path: Path) -> None:
    config_path = write_config(tmp_path, source(hubspot.url))
    subprocess.run([sys.executable, "-m", "reportgen", "pull", "--config", str(config_path)], check=True,
                   cwd=ROOT, capture_output=True, timeout=120)
    done = subprocess.run([sys.executable, "-m", "reportgen", "validate", "--config", str(config_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert "tickets: no source has a replies column — the KPIs computed from it (fcr_rate) " \
           "have no value (not 0)" in out
    assert "tickets: no source has a reopens column — the KPIs computed from it (reopen_rate) " \
           "have no value (not 0)" in out
    assert HS_TOKEN not in out


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


@pytest.mark.slow
def test_kill_9_mid_pull_then_resume_stores_every_ticket_once(tmp_path: Path) -> None:
    fake = HubSpotFake(HS_TOKEN)
    for i in range(1, 6001):  # search pages of 200, stored 5,000 at a time (25 pages)
        fake.add_ticket(i, f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:00:00Z", source="EMAIL")
    fake.delay(SEARCH, 30, after=26)  # the 27th page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = write_config(tmp_path, source(fake.url))
        kill_pull_while_waiting(fake, config, SEARCH, 27)
        assert len(stored_ids(config)) == 5000  # the first 25 search pages, committed together
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        resumed = searches(fake, before)
        assert resumed[0].get("after") == "5000"  # continues at the page that was not committed
        assert HS_TOKEN not in done.stderr + done.stdout
        ids = stored_ids(config)
        assert sorted(ids, key=int) == [str(i) for i in range(1, 6001)]  # each once
        store = (config.parent / "state" / "reportgen-pulled.duckdb").read_bytes()
        assert HS_TOKEN.encode() not in store
    finally:
        fake.stop()
