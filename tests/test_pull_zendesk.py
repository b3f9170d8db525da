"""Pulling Zendesk tickets and CSAT from a local fake of the public API (real HTTP on 127.0.0.1)."""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.clock import FakeClock
from fakes.fixtures import (  # noqa: F401  (fixtures)
    CATEGORY_FIELD,
    ZD_TOKEN,
    change_zendesk,
    csat_source,
    write_config,
    zendesk,
    zendesk_source,
)
from fakes.zendesk import ZendeskFake

from reportgen.api import month_kpis
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import PullIncomplete, RetryPolicy, materialize, pull
from reportgen.sources.api.zendesk import EXPORT

JAN_1 = str(int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()))
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ticket_id"] if "ticket_id" in row and "response_id" not in row else row["response_id"]: row
                for row in csv.DictReader(handle)}


def exports(fake: ZendeskFake) -> list[dict[str, str]]:
    return [r.params for r in fake.calls(EXPORT)]


def test_first_pull_maps_every_field_as_documented(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    summary = pull(config, policy=FAST)
    assert summary.sources[0].records == 6 and summary.sources[0].pages == 3  # the fake pages by 2
    first = exports(zendesk)[0]
    assert first == {"start_time": JAN_1, "include": "metric_sets,users", "per_page": "1000"}
    assert all(p["include"] == "metric_sets,users" for p in exports(zendesk))  # on every request
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert got["1"] == {
        "ticket_id": "1", "created_at": "2025-01-02T09:00:00+00:00",
        "first_response_at": "2025-01-02T10:00:00+00:00",  # created + 60 calendar minutes
        "resolved_at": "2025-01-02T13:00:00+00:00", "category": "Billing & Payments",  # option name
        "channel": "Email", "agent": "Alice Rossi", "replies": "1", "reopens": "0", "customer_id": "500",
        "first_response_business_minutes": "60",  # reply_time_in_minutes.business, as given
        "resolution_business_minutes": ""}  # the fake's metric set has no full resolution time
    assert got["3"]["resolved_at"] == ""  # open: not resolved
    assert got["4"]["first_response_at"] == "" and got["4"]["agent"] == "" and got["4"]["reopens"] == "1"
    assert got["4"]["category"] == "Feature request" and got["4"]["channel"] == "Phone"
    assert got["2"]["channel"] == "Web form" and got["2"]["agent"] == "Bob Bianchi"
    assert got["6"]["category"] == ""  # no value in the field: the engine shows Uncategorized
    assert set(got) == {"1", "2", "3", "4", "5", "6"}


def test_next_pull_asks_only_for_changes_since_the_cursor(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    pull(config, policy=FAST)
    before = len(zendesk.requests)
    last_after = zendesk.calls(EXPORT)[-1]
    change_zendesk(zendesk)
    summary = pull(config, policy=FAST)
    second = [r.params for r in zendesk.requests[before:] if r.path == EXPORT]
    assert "start_time" not in second[0] and second[0]["cursor"]  # the saved cursor, not start_time
    # the cursor is the after_cursor of the last page of the first pull
    import base64
    assert base64.urlsafe_b64decode(second[0]["cursor"]).decode() == f"seq:{len(zendesk.changes) - 2}"
    assert last_after.params.get("cursor") != second[0]["cursor"]
    assert summary.sources[0].records == 2  # only ticket 6 (updated) and ticket 5 (deleted)
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert "5" not in got  # deleted: leaves the report
    assert got["6"]["resolved_at"] == "2025-01-09T09:00:00+00:00"  # the newer version replaced the old
    assert got["6"]["first_response_at"] == "2025-01-08T13:00:00+00:00"
    assert len(got) == 5


@pytest.mark.slow
def test_full_starts_again_from_start(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    pull(config, policy=FAST)
    change_zendesk(zendesk)
    before = len(zendesk.requests)
    summary = pull(config, full=True, policy=FAST)
    again = [r.params for r in zendesk.requests[before:] if r.path == EXPORT]
    assert again[0]["start_time"] == JAN_1 and "cursor" not in again[0]
    assert summary.sources[0].records == 6  # every current ticket, 5 as deleted
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert set(got) == {"1", "2", "3", "4", "6"}


@pytest.mark.slow
def test_kpis_of_pulled_tickets_and_csat_match_hand_computation(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "pull", zendesk_source(zendesk.url), csat_source(zendesk.url)))
    pull(config, policy=FAST)
    change_zendesk(zendesk)
    pull(config, policy=FAST)
    tickets = materialize(config, "tickets", config.sources.tickets)
    assert config.sources.surveys is not None
    surveys = materialize(config, "surveys", config.sources.surveys)
    engine = write_config(tmp_path / "engine", f'{{path: "{tickets}", preset: generic}}',
                          f'{{path: "{surveys}", preset: generic}}')
    doc = month_kpis(engine, "2025-01")
    kpis = doc["kpis"]
    # created in January: 1, 2, 3, 4, 6 (5 deleted)
    assert kpis["ticket_volume"] == 5
    # resolved in January: 1 (4 h), 2 (24 h), 4 (2 h), 6 (24 h)
    assert kpis["avg_resolution_hours"] == pytest.approx((4 + 24 + 2 + 24) / 4)
    assert kpis["resolution_rate"] == pytest.approx(4 / 5)
    # first responses: 1 h, 2 h, 0.5 h, 4 h (ticket 4 never answered)
    assert kpis["avg_first_response_hours"] == pytest.approx((1 + 2 + 0.5 + 4) / 4)
    # FCR: replies <= 1 and never reopened: tickets 1 and 6 of the 4 resolved
    assert kpis["fcr_rate"] == pytest.approx(2 / 4)
    # CSAT: good, bad, good (the offered rating is not a response)
    assert kpis["csat"] == pytest.approx(2 / 3)
    text = str(doc["breakdowns"])
    for name in ("Billing & Payments", "Bugs", "Feature request", "Email", "Web form", "Chat", "Phone"):
        assert name in text


def test_csat_rows_and_lookback_on_the_next_pull(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url), csat_source(zendesk.url)))
    pull(config, datasets=["surveys"], policy=FAST)
    calls = zendesk.calls("/satisfaction_ratings")
    assert calls[0].params == {"score": "received", "start_time": JAN_1, "page[size]": "100"}
    assert "page[after]" in calls[1].params  # cursor pagination (the fake pages by 2)
    assert config.sources.surveys is not None
    got = rows(materialize(config, "surveys", config.sources.surveys))
    assert got["901"] == {"response_id": "901", "submitted_at": "2025-01-02T15:00:00+00:00", "survey": "csat",
                          "score": "5", "ticket_id": "1", "comment": "Quick, thanks"}
    assert got["902"]["score"] == "1" and set(got) == {"901", "902", "903"}
    # a customer changes a rating: the next pull re-reads from 28 days before the newest stored rating
    zendesk.ratings[903]["score"] = "bad"
    zendesk.ratings[903]["updated_at"] = "2025-01-20T09:00:00Z"
    before = len(zendesk.requests)
    pull(config, datasets=["surveys"], policy=FAST)
    newest = int(datetime(2025, 1, 5, 9, tzinfo=UTC).timestamp())
    again = [r for r in zendesk.requests[before:] if "satisfaction" in r.path]
    assert again[0].params["start_time"] == str(max(int(JAN_1), newest - 28 * 86400))
    assert rows(materialize(config, "surveys", config.sources.surveys))["903"]["score"] == "1"


@pytest.mark.slow
def test_category_type_and_tags(zendesk: ZendeskFake, tmp_path: Path) -> None:
    zendesk.tickets[3]["tags"] = ["vip", "cat_refunds"]
    zendesk.changes.append(3)
    zendesk.current[3] = len(zendesk.changes)
    source = zendesk_source(zendesk.url).replace(f'category: "custom_field:{CATEGORY_FIELD}"', 'category: "type"')
    config = load_config(write_config(tmp_path / "a", source))
    pull(config, policy=FAST)
    got = rows(materialize(config, "tickets", config.sources.tickets))
    assert got["1"]["category"] == "Question" and got["2"]["category"] == "Incident"
    assert not zendesk.calls("/ticket_fields/")  # not needed for type
    tags = source.replace('category: "type"', 'category: "tags", options: {category_tag_prefix: "cat_"}')
    config = load_config(write_config(tmp_path / "b", tags))
    pull(config, policy=FAST)
    assert rows(materialize(config, "tickets", config.sources.tickets))["3"]["category"] == "refunds"


@pytest.mark.slow
def test_rate_limit_waits_as_long_as_retry_after_says(zendesk: ZendeskFake, tmp_path: Path) -> None:
    zendesk.fail(EXPORT, 429, retry_after="1", after=1)  # the second export request is rate limited
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    clock = FakeClock(jitter=0.5)
    summary = pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=20))
    calls = zendesk.calls(EXPORT)
    assert len(calls) == 4  # 3 pages + the one retried
    assert clock.waits == [1.0]  # waited Retry-After, not the 5 ms backoff
    assert calls[2].params == calls[1].params  # the same page asked again
    assert summary.sources[0].records == 6


def test_server_errors_back_off_then_succeed(zendesk: ZendeskFake, tmp_path: Path) -> None:
    zendesk.fail(EXPORT, 500, times=2, after=1)
    zendesk.fail(EXPORT, 503, times=1, after=2)  # counts every export request
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    summary = pull(config, policy=FAST)
    assert summary.sources[0].records == 6
    assert len(zendesk.calls(EXPORT)) == 6
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 6


def test_time_limit_stops_with_one_line_and_keeps_what_was_stored(zendesk: ZendeskFake, tmp_path: Path) -> None:
    zendesk.fail(EXPORT, 429, retry_after="30", after=1)
    config = load_config(write_config(tmp_path, zendesk_source(zendesk.url)))
    clock = FakeClock()
    with pytest.raises(PullIncomplete) as caught:
        pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=5))
    assert clock.waits == []  # a 30 s wait past the 5 s limit is not even started
    message = str(caught.value)
    assert "\n" not in message and "time limit of 5 s" in message and "stored data is intact" in message
    assert "asks to wait 30 s" in message and caught.value.hint and "again later" in caught.value.hint
    assert "2 records" in message  # the first page was committed
    # the next pull continues after the stored page, and finishes
    summary = pull(config, policy=FAST)
    assert summary.sources[0].records == 4
    cursors = [c for c in zendesk.calls(EXPORT) if "cursor" in c.params]
    assert cursors[-2].params["cursor"] == cursors[0].params["cursor"]  # resumed at the same page


def test_zendesk_settings_are_checked_before_any_request(zendesk: ZendeskFake, tmp_path: Path) -> None:
    source = zendesk_source(zendesk.url).replace('email: "lead@example.com", ', "").replace(
        f'category: "custom_field:{CATEGORY_FIELD}"', 'category: "custom_field:abc"')
    config = load_config(write_config(tmp_path, source))
    with pytest.raises(ConfigError) as caught:
        pull(config)
    text = str(caught.value)
    assert "sources.tickets.email (line 4): required for api: zendesk" in text
    assert "sources.tickets.category" in text and ZD_TOKEN not in text
    assert zendesk.requests == []


def test_unknown_api_names_the_closest(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, '{api: zendeks, url: "https://x.example", token: "t"}'))
    with pytest.raises(ConfigError, match="unknown api 'zendeks' \\(did you mean 'zendesk'\\?\\)"):
        pull(config)


def test_every_sources_settings_problem_is_listed_at_once(tmp_path: Path) -> None:
    from reportgen.sources.api import check_credentials

    config = load_config(write_config(
        tmp_path, '{api: zendesk, url: "acme.zendesk.com", token: "t0ken-x"}',
        '{api: zendesk_csat, url: "https://acme.zendesk.com", email: "a@b.c", start: "soon"}'))
    with pytest.raises(ConfigError) as caught:
        pull(config)
    text = str(caught.value)
    assert text.count("sources.") == 4 and "4 problems" in text
    for part in ("sources.tickets.email (line 4): required", "sources.tickets.url (line 4): 'acme.zendesk.com' must start with "
                 "https://", "sources.surveys.token (line 5): required", "sources.surveys.start (line 5): 'soon' is not a date"):
        assert part in text
    assert len(check_credentials(config)) == 4 and "t0ken-x" not in text
