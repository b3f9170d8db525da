"""Pulling surveys from Delighted and Typeform: local fakes of the public APIs, real HTTP on 127.0.0.1."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from fakes.clock import FakeClock
from fakes.delighted import RESPONSES, DelightedFake
from fakes.kill import kill_pull_while_waiting, pull_again
from fakes.typeform import TypeformFake

from reportgen.api import month_kpis
from reportgen.config import Config, load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import AuthError, PullIncomplete, RetryPolicy, check_credentials, materialize, pull
from reportgen.sources.api.delighted import DelightedResponses
from reportgen.sources.api.typeform import TypeformResponses

ROOT = Path(__file__).resolve().parent.parent
DL_KEY = "dlKEY-5c1e9a7b3d"  # recognisable: tests assert it never shows up anywhere
TF_TOKEN = "tfp_TOKEN-8e2f4a6c0b"
FORM = "AbCd1234"
JAN_1 = str(int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()))
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
TICKETS = "ticket_id,created_at\nT1,2025-01-02T09:00:00Z\n"


def project(folder: Path, surveys: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text('report: {title: "Pull Test", timezone: "UTC"}\nhistory: {path: "state/reportgen.duckdb"}\n'
                      f"sources:\n  tickets: {{path: tickets.csv}}\n  surveys: {surveys}\n{extra}",
                      encoding="utf-8")
    return config


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["response_id"]: row for row in csv.DictReader(handle)}


def kpis_of(config: Config, folder: Path, month: str, extra: str = "") -> dict[str, object]:
    """The month's KPIs of the pulled rows (read by the engine as a canonical file)."""
    assert config.sources.surveys is not None
    pulled = materialize(config, "surveys", config.sources.surveys)
    engine = project(folder, f'{{path: "{pulled}", preset: generic}}', extra)
    document: dict[str, object] = month_kpis(engine, month)["kpis"]
    return document


# ---- Delighted -----------------------------------------------------------------------------------------

def delighted_source(url: str, key: str = DL_KEY, **options: str) -> str:
    more = f", options: {json.dumps(options)}" if options else ""
    return f'{{api: delighted, url: "{url}", token: "{key}", start: "2025-01-01"{more}}}'


@pytest.fixture
def delighted() -> Iterator[DelightedFake]:
    fake = DelightedFake(DL_KEY)
    fake.add_response(1, 10, "2025-01-02T09:00:00Z", comment="Great", properties={"Ticket ID": "T1"})
    fake.add_response(2, 9, "2025-01-03T09:00:00Z")
    fake.add_response(3, 7, "2025-01-04T09:00:00Z")
    fake.add_response(4, 3, "2025-01-05T09:00:00Z", comment="Slow", properties={"Ticket ID": "T4"})
    fake.add_response(5, 5, "2025-01-06T09:00:00Z", survey_type="csat")
    fake.add_response(6, 2, "2025-01-07T09:00:00Z", survey_type="csat")
    fake.add_response(7, 6, "2025-01-08T09:00:00Z", survey_type="ces")
    fake.add_response(8, 3, "2025-01-08T10:00:00Z", survey_type="ces")
    fake.add_response(9, 4, "2025-01-09T09:00:00Z", survey_type="5star")  # not a KPI survey
    fake.add_response(99, 10, "2024-12-20T09:00:00Z")  # before start: never asked for
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DelightedResponses, "per_page", 2)


CES_1_7 = "kpis: {ces: {scale: [1, 7], low_effort_min: 5}}\n"


@pytest.mark.slow
def test_delighted_pull_maps_responses_and_pages_by_updated_since(delighted: DelightedFake, tmp_path: Path,
                                                                  small_pages: None) -> None:
    config = load_config(project(tmp_path, delighted_source(delighted.url, ticket_property="Ticket ID")))
    summary = pull(config, policy=FAST)
    # pages of 2: each full page moves updated_since (inclusive) to its newest change, page 1 again,
    # so the newest response of a page is read once more: 9 pages, 17 reads, 9 stored
    assert (summary.sources[0].pages, summary.sources[0].records, summary.sources[0].kept) == (9, 17, 9)
    calls = [r.params for r in delighted.calls(RESPONSES)]
    assert calls[0] == {"per_page": "2", "page": "1", "updated_since": JAN_1, "order": "asc:updated_at"}
    assert calls[1]["updated_since"] == str(int(datetime(2025, 1, 3, 9, tzinfo=UTC).timestamp()))
    assert all(c["page"] == "1" for c in calls) and all(r.auth == (DL_KEY, "") for r in delighted.requests)
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["1"] == {"response_id": "1", "submitted_at": "2025-01-02T09:00:00+00:00", "survey": "nps",
                        "score": "10", "ticket_id": "T1", "comment": "Great"}
    assert got["6"]["survey"] == "csat" and got["9"]["survey"] == "5star" and "99" not in got
    assert set(got) == {str(i) for i in range(1, 10)}  # responses read twice are stored once


@pytest.mark.slow
def test_delighted_kpis_and_the_next_pull_asks_only_for_changes(delighted: DelightedFake, tmp_path: Path,
                                                                small_pages: None) -> None:
    config = load_config(project(tmp_path / "pull", delighted_source(delighted.url)))
    pull(config, policy=FAST)
    kpis = kpis_of(config, tmp_path / "engine", "2025-01", CES_1_7)
    # NPS: 10, 9, 7, 3 → 2 promoters, 1 detractor of 4 → 25; CSAT: 5, 2 → 1 of 2 satisfied (≥ 4)
    # CES on 1–7: 6, 3 → 1 of 2 low effort (≥ 5); the 5star response counts in none of them
    assert kpis["nps"] == pytest.approx(25.0)
    assert kpis["csat"] == pytest.approx(0.5) and kpis["ces"] == pytest.approx(0.5)
    before = len(delighted.requests)
    delighted.update_response(6, "2025-01-10T09:00:00Z", score=4, comment="Better now")
    delighted.add_response(10, 10, "2025-01-11T09:00:00Z")
    summary = pull(config, policy=FAST)
    asked = [r.params for r in delighted.requests[before:]]
    newest_first_pull = int(datetime(2025, 1, 9, 9, tzinfo=UTC).timestamp())
    assert asked[0]["updated_since"] == str(newest_first_pull)  # from the cursor, not from start
    assert summary.sources[0].kept == 10  # 6 replaced (not doubled), 10 added
    kpis = kpis_of(config, tmp_path / "engine2", "2025-01", CES_1_7)
    # NPS: 10, 9, 7, 3, 10 → 3 promoters, 1 detractor of 5 → 40; CSAT: 5, 4 → 2 of 2
    assert kpis["nps"] == pytest.approx(40.0) and kpis["csat"] == pytest.approx(1.0)


@pytest.mark.slow
def test_delighted_rate_limit_waits_as_long_as_retry_after_says(delighted: DelightedFake, tmp_path: Path,
                                                                small_pages: None) -> None:
    delighted.fail(RESPONSES, 429, retry_after="1", after=1)
    config = load_config(project(tmp_path, delighted_source(delighted.url)))
    clock = FakeClock(jitter=0.5)
    summary = pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=20))
    calls = delighted.calls(RESPONSES)
    assert clock.waits == [1.0] and calls[2].params == calls[1].params
    assert summary.sources[0].kept == 9


def test_delighted_wrong_key_is_one_line_without_the_key(delighted: DelightedFake, tmp_path: Path) -> None:
    wrong = "dlWRONG-0000000000"
    config = load_config(project(tmp_path, delighted_source(delighted.url, key=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "401" in message and "the API key of the Delighted project" in message
    assert wrong not in message and "\n" not in message
    assert len(delighted.requests) == 1  # not retried
    problems = check_credentials(config)
    assert len(problems) == 1 and wrong not in str(problems[0])
    good = load_config(project(tmp_path / "good", delighted_source(delighted.url)))
    before = len(delighted.requests)
    assert check_credentials(good) == []
    assert [r.params for r in delighted.requests[before:]] == [{"per_page": "1"}]  # one cheap request


def test_delighted_settings_are_checked_before_any_request(delighted: DelightedFake, tmp_path: Path) -> None:
    source = '{api: delighted, form: "x", options: {survey: stars}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(project(tmp_path, source)))
    text = str(caught.value)
    assert "sources.surveys.token (line 5): required for api: delighted" in text
    assert "sources.surveys.form (line 5): not used by api: delighted" in text
    assert "sources.surveys.options.survey (line 5): must be one of nps, csat, ces" in text
    assert delighted.requests == []


def test_delighted_default_url_is_the_vendors() -> None:
    from reportgen.config import SourceConfig

    connector = DelightedResponses("surveys", SourceConfig(api="delighted", token="k"), "UTC")
    assert connector.url == "https://api.delighted.com"
    typeform = TypeformResponses("surveys", SourceConfig(api="typeform", token="k", form="F1"), "UTC")
    assert typeform.url == "https://api.typeform.com"


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT record_id FROM pulled_records ORDER BY record_id").fetchall()]


@pytest.mark.slow
def test_delighted_kill_9_mid_pull_then_resume(tmp_path: Path) -> None:
    fake = DelightedFake(DL_KEY)
    for i in range(1, 251):  # 250 responses: pages of 100, 100, 50
        fake.add_response(i, i % 11, f"2025-01-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00Z")
    fake.delay(RESPONSES, 30, after=2)  # the 3rd page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = project(tmp_path, delighted_source(fake.url))
        kill_pull_while_waiting(fake, config, RESPONSES, 3)
        committed = len(stored_ids(config))
        assert committed in (100, 199)  # whole pages only (the second re-reads the first's newest)
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        resumed = fake.requests[before:]
        # continues at the page that was not committed
        assert resumed[0].params == fake.calls(RESPONSES)[1 if committed == 100 else 2].params
        assert DL_KEY not in done.stderr
        assert sorted(stored_ids(config), key=int) == [str(i) for i in range(1, 251)]
    finally:
        fake.stop()


# ---- Typeform ----------------------------------------------------------------------------------------------

def nps(value: int) -> dict[str, object]:
    return {"field": {"id": "Xy12", "type": "nps", "ref": "nps_question_ref"}, "type": "number", "number": value}


def said(words: str) -> dict[str, object]:
    return {"field": {"id": "Cm34", "type": "long_text", "ref": "why"}, "type": "text", "text": words}


def typeform_source(url: str, token: str = TF_TOKEN, form: str = FORM, **options: str) -> str:
    chosen = {"score_field": "nps_question_ref", "survey": "nps", **options}
    return (f'{{api: typeform, url: "{url}", token: "{token}", form: "{form}", start: "2025-01-01", '
            f"options: {json.dumps(chosen)}}}")


@pytest.fixture
def typeform() -> Iterator[TypeformFake]:
    fake = TypeformFake(TF_TOKEN, FORM, page_cap=2)
    fake.add_response("t00", "2024-12-20T10:00:00Z", [nps(10)])  # before start
    fake.add_response("t01", "2025-01-02T10:00:00Z", [nps(10), said("Love it")], hidden={"ticket_id": "T1"})
    fake.add_response("t02", "2025-01-03T10:00:00Z", [nps(6)])
    fake.add_response("t03", "2025-01-04T10:00:00Z", [said("no score given")])  # skipped the question
    fake.add_response("t04", "2025-01-05T10:00:00Z", [nps(8)])
    fake.add_response("tp", None, [nps(9)])  # unfinished: not a response
    fake.add_response("t05", "2025-01-06T10:00:00Z", [nps(0), said("Slow")])
    fake.start()
    yield fake
    fake.stop()


def test_typeform_pull_pages_back_with_before_tokens(typeform: TypeformFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path, typeform_source(typeform.url, comment_field="why",
                                                           ticket_hidden="ticket_id")))
    summary = pull(config, policy=FAST)
    calls = [r.params for r in typeform.calls(f"/forms/{FORM}/responses")]
    assert calls == [{"page_size": "1000", "since": "2025-01-01T00:00:00"},
                     {"page_size": "1000", "since": "2025-01-01T00:00:00", "before": "t04"},
                     {"page_size": "1000", "since": "2025-01-01T00:00:00", "before": "t02"}]
    assert all(r.headers.get("authorization") == f"Bearer {TF_TOKEN}" for r in typeform.requests)
    assert summary.sources[0].records == 5 and summary.sources[0].pages == 3
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["t01"] == {"response_id": "t01", "submitted_at": "2025-01-02T10:00:00+00:00", "survey": "nps",
                          "score": "10", "ticket_id": "T1", "comment": "Love it"}
    assert got["t03"]["score"] == "" and set(got) == {"t01", "t02", "t03", "t04", "t05"}


@pytest.mark.slow
def test_typeform_kpis_and_the_next_pull_looks_back_a_day(typeform: TypeformFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "pull", typeform_source(typeform.url)))
    pull(config, policy=FAST)
    # 10, 6, 8, 0 (t03 has no score: excluded) → 1 promoter, 2 detractors of 4 → -25
    kpis = kpis_of(config, tmp_path / "engine", "2025-01")
    assert kpis["nps"] == pytest.approx(-25.0)
    before = len(typeform.requests)
    typeform.add_response("t06", "2025-01-07T10:00:00Z", [nps(9)])
    summary = pull(config, policy=FAST)
    asked = [r.params for r in typeform.requests[before:]]
    assert asked[0] == {"page_size": "1000", "since": "2025-01-05T10:00:00"}  # newest stored − 24 h
    assert summary.sources[0].records == 3  # t06 new; t05 and t04 read again, stored once
    kpis = kpis_of(config, tmp_path / "engine2", "2025-01")
    # 10, 6, 8, 0, 9 → 2 promoters, 2 detractors of 5 → 0
    assert kpis["nps"] == pytest.approx(0.0)


def test_typeform_wrong_token_and_unknown_form_are_one_line(typeform: TypeformFake, tmp_path: Path) -> None:
    wrong = "tfp_WRONG-1111111111"
    config = load_config(project(tmp_path / "a", typeform_source(typeform.url, token=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    assert "401" in str(caught.value) and "responses:read" in str(caught.value)
    assert wrong not in str(caught.value) and "\n" not in str(caught.value)
    config = load_config(project(tmp_path / "b", typeform_source(typeform.url, form="Nope1234")))
    problems = check_credentials(config)
    assert len(problems) == 1 and "form 'Nope1234' not found" in str(problems[0])
    assert TF_TOKEN not in str(problems[0])


def test_typeform_time_limit_keeps_the_stored_pages(typeform: TypeformFake, tmp_path: Path) -> None:
    typeform.fail(f"/forms/{FORM}/responses", 429, retry_after="30", after=1)
    config = load_config(project(tmp_path, typeform_source(typeform.url)))
    with pytest.raises(PullIncomplete) as caught:
        pull(config, policy=RetryPolicy(base_seconds=0.01, total_seconds=2))
    message = str(caught.value)
    assert "time limit of 2 s" in message and "2 records" in message and "older than the last stored" in message
    summary = pull(config, policy=FAST)  # continues before the last stored token
    assert typeform.calls(f"/forms/{FORM}/responses")[-2].params.get("before") == "t04"
    assert summary.sources[0].records == 3


def test_typeform_options_are_required(typeform: TypeformFake, tmp_path: Path) -> None:
    source = f'{{api: typeform, url: "{typeform.url}", token: "{TF_TOKEN}", form: "{FORM}"}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(project(tmp_path, source)))
    assert "sources.surveys.options.score_field (line 5): required for api: typeform" in str(caught.value)
    assert TF_TOKEN not in str(caught.value) and typeform.requests == []
