"""Pulling Help Scout conversations from a local fake of the Mailbox API 2.0 (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import reference
from fakes.clock import FakeClock
from fakes.fixtures import write_config
from fakes.helpscout import CONVERSATIONS, TOKEN_PATH, TRUTH_HEADER, HelpScoutFake
from fakes.kill import kill_pull_while_waiting, pull_again

from reportgen.api import month_kpis
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import ApiError, AuthError, RetryPolicy, check_credentials, materialize, pull
from reportgen.sources.api import helpscout as connector

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "hsCLIENT-1a2b3c"
SECRET = "hsSECRET-8d7c6b5a4f"  # recognisable: tests assert it never shows up anywhere
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
TICKET_KPIS = ("ticket_volume", "avg_first_response_hours", "avg_resolution_hours", "resolution_rate",
               "median_first_response_hours", "p90_first_response_hours", "median_resolution_hours",
               "p90_resolution_hours", "sla_first_response_rate", "backlog_open", "tickets_per_agent",
               "fcr_rate", "reopen_rate")


def source(url: str, secret: str = SECRET, extra: str = "") -> str:
    return (f'{{api: helpscout, url: "{url}", client_id: "{CLIENT_ID}", client_secret: "{secret}", '
            f'start: "2025-01-01"{extra}}}')


def fill(fake: HelpScoutFake) -> None:
    fake.add_user(21, "Elena", "Russo")
    fake.add_user(22, "Marco", "Galli")
    fake.add_conversation(1, "2025-01-02T09:00:00Z", modified="2025-01-02T12:00:00Z", status="closed",
                          closed="2025-01-02T12:00:00Z", tags=["billing", "vip"], assignee=21,
                          replies=["2025-01-02T10:00:00Z"])
    fake.add_conversation(2, "2025-01-03T09:00:00Z", modified="2025-01-04T09:00:00Z", status="closed",
                          closed="2025-01-04T09:00:00Z", source="chat", tags=["bug"], assignee=22,
                          replies=["2025-01-03T09:15:00Z", "2025-01-03T11:00:00Z", "2025-01-04T08:00:00Z"])
    fake.add_conversation(3, "2025-01-04T09:00:00Z", modified="2025-01-04T10:00:00Z", status="pending",
                          source="phone", assignee=21, replies=["2025-01-04T10:00:00Z"])
    fake.add_conversation(4, "2025-01-05T09:00:00Z", status="active", source="web")
    fake.add_conversation(5, "2025-01-06T09:00:00Z", status="spam", source="email")  # not a ticket
    fake.add_conversation(6, "2025-01-06T10:00:00Z", modified="2025-01-06T12:00:00Z", status="closed",
                          closed="2025-01-06T12:00:00Z", tags=["billing"], assignee=22,
                          replies=["2025-01-06T11:00:00Z"])


@pytest.fixture
def helpscout() -> Iterator[HelpScoutFake]:
    fake = HelpScoutFake(CLIENT_ID, SECRET, page_size=2)
    fill(fake)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The connector's wall clock, set by the test (the fake's data lives in January 2025)."""
    now = [datetime(2025, 1, 10, tzinfo=UTC)]
    monkeypatch.setattr(connector, "_now", lambda: now[0])
    return now


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["ticket_id"]: row for row in csv.DictReader(handle)}


def lists(fake: HelpScoutFake, since: int = 0) -> list[dict[str, str]]:
    return [r.params for r in fake.requests[since:] if r.path == CONVERSATIONS]


def assert_kpis_match_reference(config_path: Path, fake: HelpScoutFake, folder: Path, month: str) -> dict[str, object]:
    config = load_config(config_path)
    assert config.sources.tickets is not None
    pulled = materialize(config, "tickets", config.sources.tickets)
    kpis: dict[str, object] = month_kpis(write_config(folder, f'{{path: "{pulled}", preset: generic}}'),
                                         month)["kpis"]
    expected = reference.compute(fake.truth(), options=reference.Options(timezone="UTC"),
                                 ticket_header=TRUTH_HEADER).months[month]["kpis"]
    for kpi in TICKET_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    return kpis


def test_pull_maps_fields_and_kpis_equal_the_reference(helpscout: HelpScoutFake, tmp_path: Path,
                                                       clock: list[datetime]) -> None:
    config_path = write_config(tmp_path / "pull", source(helpscout.url))
    config = load_config(config_path)
    summary = pull(config, policy=FAST)
    login = helpscout.calls(TOKEN_PATH)[0]
    assert login.body == {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    asked = lists(helpscout)
    assert asked[0] == {"status": "all", "modifiedSince": "2025-01-01T00:00:00Z", "sortField": "createdAt",
                        "sortOrder": "asc", "embed": "threads", "page": "1"}
    assert [a["page"] for a in asked] == ["1", "2", "3"]  # pages of 2 (spam is not listed by status=all)
    token = helpscout.issued[0]
    assert all(r.headers.get("authorization") == f"Bearer {token}" for r in helpscout.calls(CONVERSATIONS))
    assert summary.sources[0].kept == 5
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert got["1"] == {"ticket_id": "1", "created_at": "2025-01-02T09:00:00+00:00",
                        "first_response_at": "2025-01-02T10:00:00+00:00",
                        "resolved_at": "2025-01-02T12:00:00+00:00", "category": "billing", "channel": "Email",
                        "agent": "Elena Russo", "replies": "1", "customer_id": "700"}
    assert got["2"]["replies"] == "3" and got["2"]["first_response_at"] == "2025-01-03T09:15:00+00:00"
    assert got["3"]["resolved_at"] == "" and got["3"]["channel"] == "Phone"  # pending: unresolved
    assert got["4"]["channel"] == "Web form" and got["4"]["replies"] == "0" and got["4"]["agent"] == ""
    assert "reopens" not in got["1"]
    kpis = assert_kpis_match_reference(config_path, helpscout, tmp_path / "engine", "2025-01")
    # 1 (1 reply) and 6 (1 reply) resolved at first contact, 2 (3 replies) not → FCR 2/3
    assert kpis["ticket_volume"] == 5 and kpis["fcr_rate"] == pytest.approx(2 / 3)
    assert kpis["reopen_rate"] is None  # Help Scout has no reopen count: unknown, never 0


def test_second_pull_asks_only_for_changes(helpscout: HelpScoutFake, tmp_path: Path,
                                           clock: list[datetime]) -> None:
    config_path = write_config(tmp_path / "pull", source(helpscout.url))
    config = load_config(config_path)
    pull(config, policy=FAST)
    clock[0] = datetime(2025, 1, 20, tzinfo=UTC)
    before = len(helpscout.requests)
    helpscout.update(3, "2025-01-12T09:00:00Z", status="closed", closed="2025-01-12T09:00:00Z")
    helpscout.update(4, "2025-01-12T10:00:00Z", status="spam")  # marked spam: leaves the report
    helpscout.add_conversation(7, "2025-01-12T11:00:00Z", assignee=22, replies=["2025-01-12T12:00:00Z"])
    summary = pull(config, policy=FAST)
    asked = lists(helpscout, before)
    # since the first walk began (10 Jan 00:00, the clock) less the 15-minute lookback
    assert asked[0]["modifiedSince"] == "2025-01-09T23:45:00Z" and asked[0]["page"] == "1"
    assert summary.sources[0].records == 2  # 3 and 7; spam is not in status=all
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert got["3"]["resolved_at"] == "2025-01-12T09:00:00+00:00" and "7" in got
    # spam changed after the pull is seen by a full pull, which drops what it does not list again
    pull(config, policy=FAST, full=True)
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert set(got) == {"1", "2", "3", "6", "7"}
    assert_kpis_match_reference(config_path, helpscout, tmp_path / "engine", "2025-01")


def test_wrong_secret_is_one_line_and_never_shown(helpscout: HelpScoutFake, tmp_path: Path) -> None:
    wrong = "hsWRONG-000000000"
    config = load_config(write_config(tmp_path, source(helpscout.url, secret=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "401" in message and "client_secret" in message and wrong not in message and "\n" not in message
    assert len(helpscout.requests) == 1
    problems = check_credentials(config)
    assert len(problems) == 1 and wrong not in str(problems[0])
    good = load_config(write_config(tmp_path / "good", source(helpscout.url)))
    assert check_credentials(good) == []
    assert helpscout.requests[-1].path == "/v2/users/me"


def test_a_token_error_quoting_the_secret_never_shows_it(helpscout: HelpScoutFake, tmp_path: Path) -> None:
    helpscout.echo = True
    config = load_config(write_config(tmp_path, source(helpscout.url)))
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "HTTP 400" in message and "bad form" in message  # the vendor's line is quoted …
    assert SECRET not in message and "\n" not in message  # … without the client secret


def test_rate_limit_waits_as_x_ratelimit_retry_after_says(helpscout: HelpScoutFake, tmp_path: Path,
                                                          clock: list[datetime]) -> None:
    helpscout.fail(CONVERSATIONS, 429, after=1, headers={"X-RateLimit-Retry-After": "2",
                                                         "X-RateLimit-Remaining-Minute": "0"})
    config = load_config(write_config(tmp_path, source(helpscout.url)))
    fake_clock = FakeClock(jitter=0.5)
    pull(config, policy=fake_clock.policy(base_seconds=0.01, total_seconds=20))
    asked = lists(helpscout)
    assert fake_clock.waits == [2.0] and asked[2] == asked[1]
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 5  # type: ignore[arg-type]


def test_malformed_page_stops_with_one_line(helpscout: HelpScoutFake, tmp_path: Path,
                                            clock: list[datetime]) -> None:
    helpscout.garbled = 1
    config = load_config(write_config(tmp_path, source(helpscout.url)))
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    assert "did not answer with JSON" in str(caught.value) and SECRET not in str(caught.value)
    pull(config, policy=FAST)
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 5  # type: ignore[arg-type]


def test_settings_are_checked_before_any_request(helpscout: HelpScoutFake, tmp_path: Path) -> None:
    bad = f'{{api: helpscout, url: "{helpscout.url}", token: "t"}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(write_config(tmp_path, bad)))
    text = str(caught.value)
    assert "sources.tickets.client_id (line 4): required for api: helpscout" in text
    assert "sources.tickets.client_secret (line 4): required for api: helpscout" in text
    assert "sources.tickets.token (line 4): not used by api: helpscout" in text
    assert helpscout.requests == []


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


@pytest.mark.slow
def test_kill_9_mid_pull_then_resume_stores_every_conversation_once(tmp_path: Path) -> None:
    fake = HelpScoutFake(CLIENT_ID, SECRET)  # 25 a page, as Help Scout; stored 1,000 at a time (40 pages)
    for i in range(1, 1101):
        fake.add_conversation(i, f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:00:00Z", replies=["2025-02-01T00:00:00Z"])
    fake.delay(CONVERSATIONS, 30, after=41)  # the 42nd page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = write_config(tmp_path, source(fake.url))
        kill_pull_while_waiting(fake, config, CONVERSATIONS, 42)
        assert len(stored_ids(config)) == 1000  # the first 40 pages, committed together
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        resumed = lists(fake, before)
        assert resumed[0]["page"] == "41" and resumed[0]["modifiedSince"] == "2025-01-01T00:00:00Z"
        assert sorted(stored_ids(config), key=int) == [str(i) for i in range(1, 1101)]
        store = (config.parent / "state" / "reportgen-pulled.duckdb").read_bytes()
        for secret in (SECRET, *fake.issued):
            assert secret not in done.stderr + done.stdout and secret.encode() not in store
    finally:
        fake.stop()
