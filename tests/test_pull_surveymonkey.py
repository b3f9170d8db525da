"""Pulling SurveyMonkey responses from a local fake of the API v3 (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import reference
from fakes.clock import FakeClock
from fakes.kill import kill_pull_while_waiting, pull_again
from fakes.surveymonkey import NPS_HEADING, SurveyMonkeyFake

from reportgen.api import month_kpis
from reportgen.config import Config, load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import ApiError, AuthError, RetryPolicy, check_credentials, materialize, pull
from reportgen.sources.api.surveymonkey import SurveyMonkeyResponses

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "smTOKEN-6b4d2f0e8c"  # recognisable: tests assert it never shows up anywhere
SURVEY = "412345678"
BULK = f"/v3/surveys/{SURVEY}/responses/bulk"
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)
TICKETS = "ticket_id,created_at\nT1,2025-01-02T09:00:00Z\n"
NPS_KPIS = ("nps", "nps_responses", "promoters", "passives", "detractors")


def project(folder: Path, surveys: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text('report: {title: "Pull Test", timezone: "UTC"}\nhistory: {path: "state/reportgen.duckdb"}\n'
                      f"sources:\n  tickets: {{path: tickets.csv}}\n  surveys: {surveys}\n", encoding="utf-8")
    return config


def source(url: str, token: str = TOKEN, survey: str = SURVEY, **options: str) -> str:
    chosen = {"question": NPS_HEADING, "survey": "nps", **options}
    return (f'{{api: surveymonkey, url: "{url}", token: "{token}", survey_id: "{survey}", start: "2025-01-01", '
            f"options: {json.dumps(chosen)}}}")


def fill(fake: SurveyMonkeyFake) -> None:
    fake.add_response("101", "2025-01-02T09:00:00Z", 10, comment="Great help", ticket="T1")
    fake.add_response("102", "2025-01-03T09:00:00Z", 9)
    fake.add_response("103", "2025-01-04T09:00:00Z", 7)
    fake.add_response("104", "2025-01-05T09:00:00Z", 3, comment="Too slow", ticket="T4")
    fake.add_response("105", "2025-01-06T09:00:00Z", 8, status="partial")  # not a response
    fake.add_response("106", "2025-01-07T09:00:00Z", None)  # skipped the question
    fake.add_response("107", "2025-01-08T09:00:00Z", 0)
    fake.add_response("099", "2024-12-20T09:00:00Z", 10)  # before start


@pytest.fixture
def monkey() -> Iterator[SurveyMonkeyFake]:
    fake = SurveyMonkeyFake(TOKEN, SURVEY)
    fill(fake)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SurveyMonkeyResponses, "per_page", 2)


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["response_id"]: row for row in csv.DictReader(handle)}


def bulk(fake: SurveyMonkeyFake, since: int = 0) -> list[dict[str, str]]:
    return [r.params for r in fake.requests[since:] if r.path == BULK]


def kpis_vs_reference(config: Config, fake: SurveyMonkeyFake, folder: Path) -> dict[str, object]:
    assert config.sources.surveys is not None
    pulled = materialize(config, "surveys", config.sources.surveys)
    kpis: dict[str, object] = month_kpis(project(folder, f'{{path: "{pulled}", preset: generic}}'),
                                         "2025-01")["kpis"]
    truth = [row for row in fake.truth() if str(row[1]) >= "2025-01-01"]
    expected = reference.compute(surveys=truth, options=reference.Options(timezone="UTC")).months["2025-01"]["kpis"]
    for kpi in NPS_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    return kpis


def test_pull_maps_responses_and_kpis_equal_the_reference(monkey: SurveyMonkeyFake, tmp_path: Path,
                                                          small_pages: None) -> None:
    config = load_config(project(tmp_path / "pull", source(monkey.url, ticket_variable="ticket", comment="222")))
    pull(config, policy=FAST)
    asked = bulk(monkey)
    assert asked[0] == {"per_page": "2", "page": "1", "start_modified_at": "2025-01-01T00:00:00",
                        "sort_by": "date_modified", "sort_order": "ASC"}
    # each full page moves start_modified_at (on or after) to its newest modification, page 1 again
    assert asked[1]["start_modified_at"] == "2025-01-03T09:00:00" and asked[1]["page"] == "1"
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in monkey.requests)
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["101"] == {"response_id": "101", "submitted_at": "2025-01-02T09:00:00+00:00", "survey": "nps",
                          "score": "10", "ticket_id": "T1", "comment": "Great help"}
    assert set(got) == {"101", "102", "103", "104", "106", "107"}  # partial 105 and 099 (before start) out
    assert got["106"]["score"] == "" and got["107"]["score"] == "0"
    kpis = kpis_vs_reference(config, monkey, tmp_path / "engine")
    # 10, 9, 7, 3, 0 → 2 promoters, 2 detractors of 5 → 0
    assert kpis["nps"] == pytest.approx(0.0)


def test_second_pull_asks_only_for_changes(monkey: SurveyMonkeyFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "pull", source(monkey.url)))
    pull(config, policy=FAST)
    before = len(monkey.requests)
    monkey.update_response("104", "2025-01-10T09:00:00Z", score=9)  # the respondent edited the answer
    monkey.add_response("108", "2025-01-11T09:00:00Z", 10)
    summary = pull(config, policy=FAST)
    asked = bulk(monkey, before)
    assert asked[0]["start_modified_at"] == "2025-01-08T09:00:00"  # the newest stored (read again)
    assert summary.sources[0].records == 3  # 107 (read again), 104 and 108
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["104"]["score"] == "9" and "108" in got
    kpis_vs_reference(config, monkey, tmp_path / "engine")


def test_question_by_id_or_heading_and_an_unknown_one(monkey: SurveyMonkeyFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "a", source(monkey.url, question="111")))
    pull(config, policy=FAST)
    assert rows(materialize(config, "surveys", config.sources.surveys))["101"]["score"] == "10"  # type: ignore[arg-type]
    config = load_config(project(tmp_path / "b", source(monkey.url, question="How was it?")))
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    assert "options.question: no question 'How was it?'" in str(caught.value) and NPS_HEADING in str(caught.value)


def test_wrong_token_and_unknown_survey_are_one_line(monkey: SurveyMonkeyFake, tmp_path: Path) -> None:
    wrong = "smWRONG-00000000"
    config = load_config(project(tmp_path / "a", source(monkey.url, token=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=FAST)
    assert "401" in str(caught.value) and "responses_read_detail" in str(caught.value)
    assert wrong not in str(caught.value) and "\n" not in str(caught.value)
    assert len(monkey.requests) == 1
    problems = check_credentials(load_config(project(tmp_path / "b", source(monkey.url, survey="999"))))
    assert len(problems) == 1 and "survey '999' not found" in str(problems[0]) and TOKEN not in str(problems[0])


def test_rate_limit_waits_then_asks_the_same(monkey: SurveyMonkeyFake, tmp_path: Path, small_pages: None) -> None:
    monkey.fail(BULK, 429, retry_after="3", after=1,
                headers={"X-Ratelimit-App-Global-Minute-Remaining": "0", "X-Ratelimit-App-Global-Minute-Reset": "3"})
    config = load_config(project(tmp_path, source(monkey.url)))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=20))
    asked = bulk(monkey)
    assert clock.waits == [3.0] and asked[2] == asked[1]
    assert len(rows(materialize(config, "surveys", config.sources.surveys))) == 6  # type: ignore[arg-type]


def test_malformed_page_stops_with_one_line(monkey: SurveyMonkeyFake, tmp_path: Path) -> None:
    monkey.garbled = 1
    config = load_config(project(tmp_path, source(monkey.url)))
    with pytest.raises(ApiError) as caught:
        pull(config, policy=FAST)
    message = str(caught.value)
    assert "did not return a list of responses" in message and TOKEN not in message and "\n" not in message


def test_settings_are_checked_before_any_request(monkey: SurveyMonkeyFake, tmp_path: Path) -> None:
    bad = f'{{api: surveymonkey, url: "{monkey.url}", token: "{TOKEN}", survey_id: "a/b", options: {{survey: stars}}}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(project(tmp_path, bad)))
    text = str(caught.value)
    assert "sources.surveys.options.question (line 5): required for api: surveymonkey" in text
    assert "sources.surveys.options.survey (line 5): must be one of nps, csat, ces" in text
    assert "sources.surveys.survey_id (line 5): 'a/b' is not a survey id" in text
    assert TOKEN not in text and monkey.requests == []


def test_a_bare_number_survey_id_is_read_as_text(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, '{api: surveymonkey, token: "t", survey_id: 412345678, '
                                           'options: {question: "1", survey: nps}}'))
    assert config.sources.surveys is not None and config.sources.surveys.survey_id == "412345678"


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


@pytest.mark.slow
def test_kill_9_mid_pull_then_resume(tmp_path: Path) -> None:
    fake = SurveyMonkeyFake(TOKEN, SURVEY)
    for i in range(1, 1501):  # one a minute: pages of 100, stored 1,000 records at a time (10 pages)
        day, minute = divmod(i, 1440)
        fake.add_response(f"{10000 + i}", f"2025-01-{2 + day:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z", i % 11)
    fake.delay(BULK, 30, after=11)  # the 12th page hangs: the pull is killed while waiting for it
    fake.start()
    try:
        config = project(tmp_path, source(fake.url))
        kill_pull_while_waiting(fake, config, BULK, 12)
        # ten pages committed together, each after the first re-reading the previous one's newest
        assert len(set(stored_ids(config))) == 100 + 9 * 99
        before = len(fake.requests)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        assert bulk(fake, before)[0] == fake.calls(BULK)[10].params  # continues at the page not committed
        assert sorted(stored_ids(config)) == [str(10000 + i) for i in range(1, 1501)]
        store = (config.parent / "state" / "reportgen-pulled.duckdb").read_bytes()
        assert TOKEN not in done.stderr + done.stdout and TOKEN.encode() not in store
    finally:
        fake.stop()
