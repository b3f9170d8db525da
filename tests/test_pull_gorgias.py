"""Pulling Gorgias tickets and satisfaction surveys from a local fake of the REST API (real HTTP)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import reference
from fakes.clock import FakeClock
from fakes.fixtures import write_config
from fakes.gorgias import MESSAGES, SURVEYS, TICKETS, TRUTH_HEADER, GorgiasFake
from fakes.kill import kill_pull_while_waiting, pull_again

from reportgen.api import month_kpis
from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import ApiError, AuthError, RetryPolicy, check_credentials, materialize, pull

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "ops@acme-shop.example"
KEY = "grgKEY-3e5f7a9b1c"  # recognisable: tests assert it never shows up anywhere
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
TICKET_KPIS = ("ticket_volume", "avg_first_response_hours", "avg_resolution_hours", "resolution_rate",
               "median_first_response_hours", "p90_first_response_hours", "median_resolution_hours",
               "p90_resolution_hours", "sla_first_response_rate", "backlog_open", "tickets_per_agent",
               "fcr_rate", "reopen_rate")
SURVEY_KPIS = ("csat", "csat_responses", "negative_feedback_rate")


def source(url: str, key: str = KEY, api: str = "gorgias") -> str:
    return f'{{api: {api}, url: "{url}", email: "{EMAIL}", token: "{key}", start: "2025-01-01"}}'


def fill(fake: GorgiasFake) -> None:
    anna, luca = (51, "Anna Conti"), (52, "Luca Ferri")
    fake.add_ticket(1, "2025-01-02T09:00:00Z", replies=("2025-01-02T09:30:00Z",), status="closed",
                    closed="2025-01-02T11:00:00Z", tags=["refund", "amazon"], assignee=anna)
    fake.add_ticket(2, "2025-01-03T09:00:00Z", replies=("2025-01-03T12:00:00Z", "2025-01-04T09:00:00Z"),
                    status="closed", closed="2025-01-04T10:00:00Z", channel="chat", tags=["shipping"], assignee=luca)
    fake.add_ticket(3, "2025-01-04T09:00:00Z", replies=("2025-01-04T10:00:00Z",), channel="contact_form",
                    tags=["shipping"], assignee=anna)
    fake.add_ticket(4, "2025-01-05T09:00:00Z", channel="sms")
    fake.add_ticket(5, "2025-01-05T10:00:00Z", trashed="2025-01-05T11:00:00Z", updated="2025-01-05T11:00:00Z")
    fake.add_ticket(6, "2025-01-06T09:00:00Z", spam=True)
    fake.add_ticket(7, "2024-12-28T09:00:00Z", replies=("2024-12-28T10:00:00Z",))  # changed before start
    fake.add_survey(901, 1, "2025-01-02T11:05:00Z", score=5, scored="2025-01-02T15:00:00Z", comment="Fast!")
    fake.add_survey(902, 2, "2025-01-04T10:05:00Z", score=2, scored="2025-01-05T09:00:00Z")
    fake.add_survey(903, 3, "2025-01-04T12:00:00Z", score=4, scored="2025-01-06T09:00:00Z")
    fake.add_survey(904, 4, "2025-01-06T09:00:00Z")  # sent, not answered


@pytest.fixture
def gorgias() -> Iterator[GorgiasFake]:
    fake = GorgiasFake(EMAIL, KEY, page_cap=2)
    fill(fake)
    fake.start()
    yield fake
    fake.stop()


def rows(path: Path, key: str = "ticket_id") -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


def asked(fake: GorgiasFake, path: str, since: int = 0) -> list[dict[str, str]]:
    return [r.params for r in fake.requests[since:] if r.path == path]


def kpis_vs_reference(config_path: Path, fake: GorgiasFake, folder: Path) -> dict[str, object]:
    config = load_config(config_path)
    assert config.sources.tickets is not None
    pulled = materialize(config, "tickets", config.sources.tickets)
    kpis: dict[str, object] = month_kpis(write_config(folder, f'{{path: "{pulled}", preset: generic}}'),
                                         "2025-01")["kpis"]
    truth = [row for row in fake.truth() if str(row[1]) >= "2025-01-01"]
    expected = reference.compute(truth, options=reference.Options(timezone="UTC"),
                                 ticket_header=TRUTH_HEADER).months["2025-01"]["kpis"]
    for kpi in TICKET_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    return kpis


def test_pull_maps_fields_and_kpis_equal_the_reference(gorgias: GorgiasFake, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "pull", source(gorgias.url))
    config = load_config(config_path)
    pull(config, policy=FAST)
    tickets = asked(gorgias, TICKETS)
    assert tickets[0] == {"limit": "100", "order_by": "updated_datetime:desc"}
    assert all("cursor" in p for p in tickets[1:])
    # newest first in pages of 2: 6, 5 | 4, 3 | 2, 1 | 7 — older than start: the walk stops there
    assert len(tickets) == 4
    assert asked(gorgias, MESSAGES)[0] == {"limit": "100", "order_by": "created_datetime:desc"}
    assert all(r.auth == (EMAIL, KEY) for r in gorgias.requests)
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert set(got) == {"1", "2", "3", "4"}  # 5 trashed, 6 spam, 7 before start
    assert got["1"] == {"ticket_id": "1", "created_at": "2025-01-02T09:00:00+00:00",
                        "first_response_at": "2025-01-02T09:30:00+00:00",
                        "resolved_at": "2025-01-02T11:00:00+00:00", "category": "refund", "channel": "Email",
                        "agent": "Anna Conti", "replies": "1", "customer_id": "800"}
    assert got["2"]["replies"] == "2" and got["2"]["first_response_at"] == "2025-01-03T12:00:00+00:00"
    assert got["3"]["channel"] == "Contact form" and got["3"]["resolved_at"] == ""
    assert got["4"]["channel"] == "SMS" and got["4"]["replies"] == "0" and got["4"]["first_response_at"] == ""
    kpis = kpis_vs_reference(config_path, gorgias, tmp_path / "engine")
    assert kpis["ticket_volume"] == 4 and kpis["fcr_rate"] == pytest.approx(1 / 2)


def test_second_pull_stops_at_what_is_stored(gorgias: GorgiasFake, tmp_path: Path) -> None:
    config_path = write_config(tmp_path / "pull", source(gorgias.url))
    config = load_config(config_path)
    pull(config, policy=FAST)
    before = len(gorgias.requests)
    gorgias.reply(4, "2025-01-08T09:00:00Z")
    gorgias.update_ticket(3, "2025-01-08T10:00:00Z", status="closed", closed="2025-01-08T10:00:00Z")
    gorgias.update_ticket(1, "2025-01-08T11:00:00Z", trashed="2025-01-08T11:00:00Z")
    summary = pull(config, policy=FAST)
    # newest first: 1, 3 | 4, 6 (6 changed on 6 Jan, after the stop: the previous newest − 10 min)
    # | 5 — changed before the stop: the walk ends
    assert len(asked(gorgias, TICKETS, before)) == 3
    assert summary.sources[0].records == 4
    got = rows(materialize(config, "tickets", config.sources.tickets))  # type: ignore[arg-type]
    assert set(got) == {"2", "3", "4"}
    assert got["4"]["first_response_at"] == "2025-01-08T09:00:00+00:00" and got["4"]["replies"] == "1"
    assert got["3"]["resolved_at"] == "2025-01-08T10:00:00+00:00"
    kpis_vs_reference(config_path, gorgias, tmp_path / "engine")


def test_csat_surveys_and_kpis(gorgias: GorgiasFake, tmp_path: Path) -> None:
    tickets = tmp_path / "pull" / "tickets.csv"
    tickets.parent.mkdir(parents=True)
    tickets.write_text("ticket_id,created_at\n1,2025-01-02T09:00:00Z\n", encoding="utf-8")
    config_path = write_config(tmp_path / "pull", '{path: "tickets.csv"}', source(gorgias.url, api="gorgias_csat"))
    config = load_config(config_path)
    pull(config, policy=FAST)
    assert asked(gorgias, SURVEYS)[0] == {"limit": "100", "order_by": "created_datetime:desc"}
    got = rows(materialize(config, "surveys", config.sources.surveys), "response_id")  # type: ignore[arg-type]
    assert got["901"] == {"response_id": "901", "submitted_at": "2025-01-02T15:00:00+00:00", "survey": "csat",
                          "score": "5", "ticket_id": "1", "comment": "Fast!"}
    assert set(got) == {"901", "902", "903"}  # 904 unanswered
    pulled = materialize(config, "surveys", config.sources.surveys)  # type: ignore[arg-type]
    engine = write_config(tmp_path / "engine", '{path: "t.csv"}', f'{{path: "{pulled}", preset: generic}}')
    (tmp_path / "engine" / "t.csv").write_text("ticket_id,created_at\n1,2025-01-02T09:00:00Z\n", encoding="utf-8")
    kpis = month_kpis(engine, "2025-01")["kpis"]
    truth = [row[:4] for row in gorgias.survey_truth()]
    expected = reference.compute(surveys=truth, options=reference.Options(timezone="UTC")).months["2025-01"]["kpis"]
    for kpi in SURVEY_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    assert kpis["csat"] == pytest.approx(2 / 3)
    # answered later: the next pull walks back 30 days before the newest survey stored
    before = len(gorgias.requests)
    gorgias.surveys[904].score, gorgias.surveys[904].scored = 1, "2025-01-09T09:00:00Z"
    pull(config, policy=FAST)
    assert len(asked(gorgias, SURVEYS, before)) >= 1
    got = rows(materialize(config, "surveys", config.sources.surveys), "response_id")  # type: ignore[arg-type]
    assert got["904"]["score"] == "1"


def test_wrong_key_is_one_line_without_retry(gorgias: GorgiasFake, tmp_path: Path) -> None:
    wrong = "grgWRONG-00000000"
    config = load_config(write_config(tmp_path, source(gorgias.url, key=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "401" in message and "API key" in message and wrong not in message and "\n" not in message
    assert len(gorgias.requests) == 1
    problems = check_credentials(config)
    assert len(problems) == 1 and wrong not in str(problems[0])
    assert gorgias.requests[-1].path == "/api/account"


def test_rate_limit_waits_as_retry_after_says(gorgias: GorgiasFake, tmp_path: Path) -> None:
    gorgias.fail(TICKETS, 429, after=1, headers={"Retry-after": "20", "X-Gorgias-Account-Api-Call-Limit": "40/40"})
    config = load_config(write_config(tmp_path, source(gorgias.url)))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=60))
    calls = asked(gorgias, TICKETS)
    assert clock.waits == [20.0] and calls[2] == calls[1]
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 4  # type: ignore[arg-type]


def test_malformed_page_stops_with_one_line(gorgias: GorgiasFake, tmp_path: Path) -> None:
    gorgias.garbled = 1
    config = load_config(write_config(tmp_path, source(gorgias.url)))
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    assert "did not answer with JSON" in str(caught.value) and KEY not in str(caught.value)
    pull(config, policy=FAST)
    assert len(rows(materialize(config, "tickets", config.sources.tickets))) == 4  # type: ignore[arg-type]


def test_settings_are_checked_before_any_request(gorgias: GorgiasFake, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        pull(load_config(write_config(tmp_path, f'{{api: gorgias, url: "{gorgias.url}", token: "{KEY}"}}')))
    assert "sources.tickets.email (line 4): required for api: gorgias" in str(caught.value)
    assert KEY not in str(caught.value) and gorgias.requests == []


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


@pytest.mark.slow
def test_kill_9_mid_pull_then_resume_stores_every_ticket_once(tmp_path: Path) -> None:
    fake = GorgiasFake(EMAIL, KEY)
    for i in range(1, 1501):  # pages of 100, stored 1,000 at a time (10 pages)
        fake.add_ticket(i, f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                        replies=(f"2025-02-{i % 28 + 1:02d}T00:00:00Z",))
    fake.delay(TICKETS, 30, after=11)  # the 12th page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = write_config(tmp_path, source(fake.url))
        kill_pull_while_waiting(fake, config, TICKETS, 12)
        assert len(stored_ids(config)) == 1000  # the first ten pages, committed together
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        assert asked(fake, TICKETS, before)[0] == fake.calls(TICKETS)[10].params  # the page not committed
        assert sorted(stored_ids(config), key=int) == [str(i) for i in range(1, 1501)]
        store = (config.parent / "state" / "reportgen-pulled.duckdb").read_bytes()
        assert KEY not in done.stderr + done.stdout and KEY.encode() not in store
        assert b"Private words" not in store
    finally:
        fake.stop()
