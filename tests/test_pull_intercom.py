"""Pulling Intercom conversations (tickets) and their ratings (CSAT): a local fake of the public API,
real HTTP on 127.0.0.1; the KPIs of the pulled data against the independent reference (tests/reference.py)
computed from the fake's own conversations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import reference
from fakes.clock import FakeClock
from fakes.intercom import SEARCH, IntercomFake
from fakes.kill import kill_pull_while_waiting, pull_again

from reportgen.api import month_kpis
from reportgen.config import Config, load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import AuthError, PullIncomplete, RetryPolicy, check_credentials, materialize, pull
from reportgen.sources.api.intercom import IntercomTickets

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "icTOKEN-dG9rOjQ2ZmE5"  # recognisable: tests assert it never shows up anywhere
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
JAN_1 = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
KPIS = ("ticket_volume", "avg_first_response_hours", "median_first_response_hours", "avg_resolution_hours",
        "resolution_rate", "reopen_rate", "backlog_open", "fcr_rate", "csat", "csat_responses")


def source(api: str, url: str, token: str = TOKEN, options: str = "") -> str:
    more = f", options: {options}" if options else ""
    return f'{{api: {api}, url: "{url}", token: "{token}", start: "2025-01-01"{more}}}'


def project(folder: Path, url: str, token: str = TOKEN, options: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text('report: {title: "Pull Test", timezone: "UTC"}\nhistory: {path: "state/reportgen.duckdb"}\n'
                      f"sources:\n  tickets: {source('intercom', url, token, options)}\n"
                      f"  surveys: {source('intercom_csat', url, token)}\n", encoding="utf-8")
    return config


def fill(fake: IntercomFake) -> None:
    """January 2025 (UTC): ten conversations, four rated."""
    fake.add_admin(7, "Alice Rossi")
    fake.add_admin(8, "Bob Bianchi")
    fake.add_conversation(1, "2025-01-02T09:00:00Z", updated_at="2025-01-02T13:00:00Z", state="closed", admin=7,
                          tags=("Billing", "vip"), first_reply="2025-01-02T10:00:00Z", closed="2025-01-02T13:00:00Z",
                          rating=5, rated_at="2025-01-02T14:00:00Z", remark="Quick, thanks")
    fake.add_conversation(2, "2025-01-03T10:00:00Z", updated_at="2025-01-04T10:00:00Z", state="closed", admin=8,
                          tags=("Bugs",), channel="email", first_reply="2025-01-03T12:00:00Z",
                          closed="2025-01-04T10:00:00Z", reopens=1, rating=2, rated_at="2025-01-04T11:00:00Z")
    fake.add_conversation(3, "2025-01-05T08:00:00Z", updated_at="2025-01-05T08:30:00Z", admin=7, tags=("Billing",),
                          first_reply="2025-01-05T08:30:00Z")
    fake.add_conversation(4, "2025-01-06T12:00:00Z", updated_at="2025-01-06T18:00:00Z", state="closed",
                          channel="phone_call", closed="2025-01-06T18:00:00Z", rating=4,
                          rated_at="2025-01-06T19:00:00Z")
    fake.add_conversation(5, "2025-01-07T09:00:00Z", state="snoozed", admin=8, first_reply="2025-01-07T09:15:00Z")
    fake.add_conversation(6, "2025-01-08T09:00:00Z", updated_at="2025-01-09T09:00:00Z", state="closed", admin=7,
                          tags=("Feature request",), first_reply="2025-01-08T21:00:00Z",
                          closed="2025-01-09T09:00:00Z", rating=3, rated_at="2025-01-09T10:00:00Z")
    fake.add_conversation(7, "2025-01-10T09:00:00Z", updated_at="2025-01-10T11:00:00Z", admin=8, tags=("Bugs",),
                          first_reply="2025-01-10T11:00:00Z")
    fake.add_conversation(8, "2025-01-11T09:00:00Z", state="open")
    fake.add_conversation(9, "2025-01-12T09:00:00Z", updated_at="2025-01-13T09:00:00Z", state="closed", admin=7,
                          first_reply="2025-01-12T09:30:00Z", closed="2025-01-13T09:00:00Z", reopens=2)
    fake.add_conversation(10, "2024-12-20T09:00:00Z", state="closed", closed="2024-12-20T10:00:00Z")  # before start


def truth(fake: IntercomFake) -> dict[str, Any]:
    """The reference's KPIs of the fake's conversations, read from the fake's own records."""
    def at(seconds: Any) -> str | None:
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()

    names = {a["id"]: a["name"] for a in fake.admins.values()}
    tickets, surveys = [], []
    for c in fake.conversations.values():
        if c["updated_at"] <= JAN_1:
            continue
        stats, rating = c["statistics"], c["conversation_rating"]
        tags = [t["name"] for t in c["tags"]["tags"]]
        tickets.append([c["id"], at(c["created_at"]), at(stats["first_admin_reply_at"]),
                        at(stats["last_close_at"]) if c["state"] == "closed" else None,
                        tags[0] if tags else None, c["source"]["type"], names.get(str(c["admin_assignee_id"])),
                        stats["count_reopens"]])
        if rating is not None:
            surveys.append([c["id"], at(rating["created_at"]), "csat", rating["rating"]])
    header = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel", "agent",
              "reopens")
    result = reference.compute(tickets, surveys, options=reference.Options(timezone="UTC"), ticket_header=header)
    kpis: dict[str, Any] = result.months["2025-01"]["kpis"]
    return kpis


def kpis_of(config: Config, folder: Path) -> dict[str, Any]:
    """The January KPIs of the pulled rows, read by the engine as canonical files."""
    tickets = materialize(config, "tickets", config.sources.tickets)  # type: ignore[arg-type]
    surveys = materialize(config, "surveys", config.sources.surveys)  # type: ignore[arg-type]
    folder.mkdir(parents=True, exist_ok=True)
    engine = folder / "config.yaml"
    engine.write_text('report: {title: "Pull Test", timezone: "UTC"}\nhistory: {path: "state/h.duckdb"}\n'
                      f'sources:\n  tickets: {{path: "{tickets}", preset: generic}}\n'
                      f'  surveys: {{path: "{surveys}", preset: generic}}\n', encoding="utf-8")
    document: dict[str, Any] = month_kpis(engine, "2025-01")["kpis"]
    return document


def assert_same_kpis(got: dict[str, Any], expected: dict[str, Any]) -> None:
    for kpi in KPIS:
        want = expected[kpi]
        assert got[kpi] == (pytest.approx(want) if want is not None else None), kpi


@pytest.fixture
def intercom() -> Iterator[IntercomFake]:
    fake = IntercomFake(TOKEN)
    fill(fake)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IntercomTickets, "per_page", 3)


def searches(fake: IntercomFake, since: int = 0) -> list[dict[str, Any]]:
    return [r.body for r in fake.requests[since:] if r.path == SEARCH]


def test_pull_pages_with_starting_after_and_the_kpis_match_the_reference(intercom: IntercomFake, tmp_path: Path,
                                                                          small_pages: None) -> None:
    config = load_config(project(tmp_path / "pull", intercom.url))
    summary = pull(config, policy=FAST)
    asked = searches(intercom)
    assert asked[0] == {"query": {"field": "updated_at", "operator": ">", "value": JAN_1},
                        "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 3}}
    assert asked[1]["pagination"]["starting_after"]  # from the first answer's pages.next
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in intercom.requests)
    # 9 conversations changed since start: 3 pages of 3, the last without pages.next
    assert [s.records for s in summary.sources] == [9, 9] and summary.sources[0].kept == 9
    assert summary.sources[1].kept == 9  # every conversation stored; the rated ones are responses
    expected = truth(intercom)
    got = kpis_of(config, tmp_path / "engine")
    assert got["ticket_volume"] == 9 and got["csat_responses"] == 4  # by hand: 9 in January, 4 rated
    assert got["fcr_rate"] is None  # no reply count in Intercom: no value, never a 0
    assert_same_kpis(got, expected)


def test_the_second_pull_asks_only_for_changes(intercom: IntercomFake, tmp_path: Path, small_pages: None) -> None:
    config = load_config(project(tmp_path / "pull", intercom.url))
    pull(config, policy=FAST)
    newest = max(c["updated_at"] for c in intercom.conversations.values())
    before = len(intercom.requests)
    intercom.update_conversation(8, "2025-01-20T09:00:00Z", state="closed", admin=8,
                                 first_reply="2025-01-11T10:00:00Z", closed="2025-01-20T09:00:00Z",
                                 rating=1, remark="Too slow")
    intercom.add_conversation(11, "2025-01-21T09:00:00Z", tags=("Billing",))
    summary = pull(config, policy=FAST)
    asked = searches(intercom, before)
    assert asked[0]["query"]["value"] == newest - 1  # from the newest stored change (1 s back), not start
    assert summary.sources[0].records == 3  # 9 (last second again), 8 (changed), 11 (new)
    assert summary.sources[0].kept == 10
    got = kpis_of(config, tmp_path / "engine")
    assert got["ticket_volume"] == 10 and got["csat_responses"] == 5
    assert_same_kpis(got, truth(intercom))


def test_a_429_waits_until_the_rate_limit_window_resets(intercom: IntercomFake, tmp_path: Path,
                                                        small_pages: None) -> None:
    intercom.rate_limit(30, after=1)  # no Retry-After: X-RateLimit-Reset says when
    config = load_config(project(tmp_path, intercom.url))
    clock = FakeClock(jitter=0.5)
    summary = pull(config, datasets=["tickets"], policy=clock.policy(base_seconds=0.01, total_seconds=120))
    assert len(clock.waits) == 1 and 28 <= clock.waits[0] <= 30.5
    calls = searches(intercom)
    assert calls[2] == calls[1]  # the same page asked again
    assert summary.sources[0].kept == 9


def test_a_page_saying_no_request_is_left_waits_for_the_reset_before_the_next(intercom: IntercomFake,
                                                                            tmp_path: Path, small_pages: None) -> None:
    intercom.spent_at[1] = 20  # the first page's answer: X-RateLimit-Remaining 0, reset in 20 s
    config = load_config(project(tmp_path, intercom.url))
    clock = FakeClock()
    summary = pull(config, datasets=["tickets"], policy=clock.policy(total_seconds=120))
    assert len(clock.waits) == 1 and 18 <= clock.waits[0] <= 20.5  # no 429 needed
    assert len(searches(intercom)) == 3 and summary.sources[0].kept == 9
    with pytest.raises(PullIncomplete) as caught:  # a reset later than the time left: one line, not a wait
        intercom.spent_at[4] = 3600  # the first page of the next pull
        pull(config, datasets=["tickets"], full=True, policy=FakeClock().policy(total_seconds=60))
    assert "the rate limit is spent" in str(caught.value) and "\n" not in str(caught.value)


def test_a_wrong_token_is_one_line_without_the_token(intercom: IntercomFake, tmp_path: Path) -> None:
    wrong = "icWRONG-000000000000"
    config = load_config(project(tmp_path, intercom.url, token=wrong))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "401" in message and "access token of the Intercom workspace" in message
    assert wrong not in message and "\n" not in message
    assert len(intercom.requests) == 1  # not retried
    problems = check_credentials(config)
    assert len(problems) == 2 and all(wrong not in str(p) for p in problems)
    good = load_config(project(tmp_path / "good", intercom.url))
    before = len(intercom.requests)
    assert check_credentials(good) == []
    assert [r.path for r in intercom.requests[before:]] == ["/me", "/me"]


def test_a_malformed_page_stops_the_pull_keeping_the_stored_pages(intercom: IntercomFake, tmp_path: Path,
                                                                  small_pages: None) -> None:
    intercom.malformed_after = 1
    config = load_config(project(tmp_path, intercom.url))
    with pytest.raises(PullIncomplete) as caught:
        pull(config, datasets=["tickets"], policy=FAST)
    message = str(caught.value)
    assert "did not" in message and "3 records" in message and TOKEN not in message and "\n" not in message
    intercom.malformed_after = None
    summary = pull(config, datasets=["tickets"], policy=FAST)
    assert summary.sources[0].kept == 9
    assert searches(intercom)[-3]["pagination"]["starting_after"]  # continued after the stored page


def test_settings_are_checked_before_any_request(intercom: IntercomFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path, intercom.url, options="{category: colour, per_pag: 10}"))
    with pytest.raises(ConfigError) as caught:
        pull(config)
    text = str(caught.value)
    assert "sources.tickets.options.category (line 4): 'colour' is not tags or \"custom_attribute:<name>\"" in text
    assert "sources.tickets.options.per_pag (line 4): unknown option for api: intercom" in text
    assert intercom.requests == []


def test_category_from_a_custom_attribute(tmp_path: Path) -> None:
    fake = IntercomFake(TOKEN)
    fake.add_conversation(1, "2025-01-02T09:00:00Z", tags=("vip",), attributes={"Product": " App "})
    fake.add_conversation(2, "2025-01-03T09:00:00Z", tags=("vip",))
    fake.start()
    try:
        config = load_config(project(tmp_path, fake.url, options='{category: "custom_attribute:Product"}'))
        pull(config, datasets=["tickets"], policy=FAST)
        rows = materialize(config, "tickets", config.sources.tickets).read_text()  # type: ignore[arg-type]
        assert "1,2025-01-02T09:00:00+00:00,,,App,Chat" in rows and "2,2025-01-03T09:00:00+00:00,,,,Chat" in rows
    finally:
        fake.stop()


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records WHERE source LIKE 'tickets:%' "
                                          "GROUP BY record_id").fetchall()]


def test_kill_9_mid_pull_then_resume_stores_every_conversation_once(tmp_path: Path) -> None:
    fake = IntercomFake(TOKEN)
    for i in range(1, 401):  # 400 conversations: pages of 150, 150, 100
        fake.add_conversation(i, f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00Z")
    fake.delay(SEARCH, 30, after=2)  # the 3rd page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        folder = tmp_path / "project"
        config = project(folder, fake.url)
        config.write_text(config.read_text().split("  surveys:")[0], encoding="utf-8")
        kill_pull_while_waiting(fake, config, SEARCH, 3)
        assert len(stored_ids(config)) == 300  # whole pages only
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        resumed = [r.body for r in fake.requests[before:] if r.path == SEARCH]
        assert resumed[0] == fake.calls(SEARCH)[2].body  # continues at the page that was not committed
        assert sorted(stored_ids(config), key=int) == [str(i) for i in range(1, 401)]
        with duckdb.connect(str(folder / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
            row = con.execute("SELECT count(*), count(DISTINCT record_id) FROM pulled_records").fetchone()
        assert row == (400, 400)  # every conversation once
        # the token is in no output and no file the pulls wrote
        assert TOKEN not in done.stdout + done.stderr
        for path in folder.rglob("*"):
            if path.is_file() and path != config:
                assert TOKEN.encode() not in path.read_bytes(), path
    finally:
        fake.stop()
