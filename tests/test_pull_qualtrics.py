"""Pulling Qualtrics responses through a local fake of the Response Export API (real HTTP on 127.0.0.1)."""

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
from fakes.qualtrics import QualtricsFake

from reportgen.api import month_kpis
from reportgen.config import Config, SourceConfig, load_config
from reportgen.errors import ConfigError
from reportgen.sources.api import (
    AuthError,
    HttpClient,
    PullIncomplete,
    RetryPolicy,
    check_credentials,
    materialize,
    pull,
)
from reportgen.sources.api.qualtrics import QualtricsResponses

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "qtTOKEN-9a7c5e3b1d"  # recognisable: tests assert it never shows up anywhere
SURVEY = "SV_0123456789abcde"
EXPORT = f"/API/v3/surveys/{SURVEY}/export-responses"
TICKETS = "ticket_id,created_at\nT1,2025-01-02T09:00:00Z\n"
NPS_KPIS = ("nps", "nps_responses", "promoters", "passives", "detractors")


def policy(clock: FakeClock | None = None) -> RetryPolicy:
    clock = clock or FakeClock(jitter=0.5)
    return clock.policy(base_seconds=0.01, cap_seconds=0.05, total_seconds=60)


def project(folder: Path, surveys: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text('report: {title: "Pull Test", timezone: "UTC"}\nhistory: {path: "state/reportgen.duckdb"}\n'
                      f"sources:\n  tickets: {{path: tickets.csv}}\n  surveys: {surveys}\n", encoding="utf-8")
    return config


def source(url: str, token: str = TOKEN, survey: str = SURVEY, **options: str) -> str:
    chosen = {"question": "QID1", "survey": "nps", **options}
    return (f'{{api: qualtrics, url: "{url}", token: "{token}", survey_id: "{survey}", start: "2025-01-01", '
            f"options: {json.dumps(chosen)}}}")


@pytest.fixture
def qualtrics() -> Iterator[QualtricsFake]:
    fake = QualtricsFake(TOKEN, SURVEY)
    fake.add_response("R_a", "2025-01-02T09:00:00Z", 10, ticket="T1", comment="Very helpful")
    fake.add_response("R_b", "2025-01-03T09:00:00Z", 9)
    fake.add_response("R_c", "2025-01-04T09:00:00Z", 6)
    fake.add_response("R_d", "2025-01-05T09:00:00Z", 2, comment="Slow")
    fake.add_response("R_e", "2025-01-06T09:00:00Z", 8, finished=False)  # recorded unfinished
    fake.add_response("R_f", "2025-01-07T09:00:00Z", None)  # skipped the question
    fake.add_response("R_0", "2024-12-20T09:00:00Z", 10)  # before start
    fake.start()
    yield fake
    fake.stop()


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["response_id"]: row for row in csv.DictReader(handle)}


def kpis_vs_reference(config: Config, fake: QualtricsFake, folder: Path) -> dict[str, object]:
    assert config.sources.surveys is not None
    pulled = materialize(config, "surveys", config.sources.surveys)
    kpis: dict[str, object] = month_kpis(project(folder, f'{{path: "{pulled}", preset: generic}}'),
                                         "2025-01")["kpis"]
    truth = [row for row in fake.truth() if str(row[1]) >= "2025-01-01"]
    expected = reference.compute(surveys=truth, options=reference.Options(timezone="UTC")).months["2025-01"]["kpis"]
    for kpi in NPS_KPIS:
        assert kpis[kpi] == pytest.approx(expected[kpi]), kpi
    return kpis


def test_export_poll_download_then_kpis_equal_the_reference(qualtrics: QualtricsFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "pull", source(qualtrics.url, ticket_field="ticket_id",
                                                           comment="QID2_TEXT")))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=policy(clock))
    started = [r for r in qualtrics.requests if r.method == "POST"]
    assert [r.body for r in started] == [{"format": "ndjson", "compress": True, "allowContinuation": True,
                                          "startDate": "2025-01-01T00:00:00+00:00"}]
    polls = [r for r in qualtrics.requests if r.method == "GET" and r.path == f"{EXPORT}/ES_0001"]
    assert len(polls) == 3 and clock.waits == [1.0, 2.0]  # two "inProgress", waiting 1 s then 2 s
    assert qualtrics.requests[-1].path == f"{EXPORT}/ES_0001-file/file"
    assert all(r.headers.get("x-api-token") == TOKEN for r in qualtrics.requests)
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["R_a"] == {"response_id": "R_a", "submitted_at": "2025-01-02T09:00:00+00:00", "survey": "nps",
                          "score": "10", "ticket_id": "T1", "comment": "Very helpful"}
    assert set(got) == {"R_a", "R_b", "R_c", "R_d", "R_f"}  # R_e unfinished, R_0 before start
    assert got["R_f"]["score"] == ""
    store = (tmp_path / "pull" / "state" / "reportgen-pulled.duckdb").read_bytes()
    assert b"203.0.113.9" not in store and b"45.4642" not in store  # no IP address or location stored
    kpis = kpis_vs_reference(config, qualtrics, tmp_path / "engine")
    assert kpis["nps"] == pytest.approx(0.0)  # 10, 9, 6, 2 → 2 promoters, 2 detractors


def test_the_next_pull_continues_with_the_token(qualtrics: QualtricsFake, tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "pull", source(qualtrics.url)))
    pull(config, policy=policy())
    before = len(qualtrics.requests)
    qualtrics.update_response("R_d", score=9)
    qualtrics.add_response("R_g", "2025-01-09T09:00:00Z", 10)
    summary = pull(config, policy=policy())
    started = [r.body for r in qualtrics.requests[before:] if r.method == "POST"]
    assert started == [{"format": "ndjson", "compress": True, "allowContinuation": True, "continuationToken": "CT_7"}]
    assert summary.sources[0].records == 2  # only what changed: R_d and R_g
    got = rows(materialize(config, "surveys", config.sources.surveys))  # type: ignore[arg-type]
    assert got["R_d"]["score"] == "9" and "R_g" in got
    kpis_vs_reference(config, qualtrics, tmp_path / "engine")


def test_a_stopped_pull_downloads_the_same_file_and_skips_what_is_stored(tmp_path: Path) -> None:
    fake = QualtricsFake(TOKEN, SURVEY, polls=0)
    for i in range(2500):
        fake.add_response(f"R_{i:05d}", f"2025-01-{i % 28 + 1:02d}T09:00:00Z", i % 11)
    fake.start()
    try:
        settings = SourceConfig(api="qualtrics", url=fake.url, token=TOKEN, survey_id=SURVEY, start="2025-01-01",
                                options={"question": "QID1", "survey": "nps"})
        connector = QualtricsResponses("surveys", settings, "UTC")
        with HttpClient("surveys (qualtrics)", fake.url, headers=connector.headers(), policy=policy()) as http:
            pages = connector.pages(http, None)
            cursors = [next(pages).cursor for _ in range(3)]  # export started, file ready, first 1,000
            assert [c.get("phase") for c in cursors] == ["export", "file", "file"] and cursors[2]["offset"] == 1000
            resumed = list(connector.pages(http, cursors[2]))  # a new process from the stored cursor
        assert [len(p.records) for p in resumed] == [1000, 500] and resumed[-1].end_of_stream
        assert resumed[0].records[0].record_id == "R_01000"
        assert resumed[-1].cursor == {"token": "CT_2500", "done": True}
        assert len([r for r in fake.requests if r.method == "POST"]) == 1  # no second export
    finally:
        fake.stop()


def test_wrong_token_and_unknown_survey_are_one_line(qualtrics: QualtricsFake, tmp_path: Path) -> None:
    wrong = "qtWRONG-000000000"
    config = load_config(project(tmp_path / "a", source(qualtrics.url, token=wrong)))
    with pytest.raises(AuthError) as caught:
        pull(config, policy=policy())
    assert "401" in str(caught.value) and "data center" in str(caught.value)
    assert wrong not in str(caught.value) and "\n" not in str(caught.value)
    before = len(qualtrics.requests)
    problems = check_credentials(load_config(project(tmp_path / "b", source(qualtrics.url, survey="SV_nope"))))
    assert len(problems) == 1 and "survey 'SV_nope'" in str(problems[0]) and TOKEN not in str(problems[0])
    assert check_credentials(load_config(project(tmp_path / "c", source(qualtrics.url)))) == []
    assert not [r for r in qualtrics.requests[before:] if r.method == "POST"]  # validating starts no export


def test_rate_limited_export_start_backs_off(qualtrics: QualtricsFake, tmp_path: Path) -> None:
    qualtrics.fail(EXPORT, 429, retry_after="5")
    config = load_config(project(tmp_path, source(qualtrics.url)))
    clock = FakeClock(jitter=0.5)
    pull(config, policy=policy(clock))
    assert clock.waits[0] == 5.0
    assert len(rows(materialize(config, "surveys", config.sources.surveys))) == 5  # type: ignore[arg-type]


def test_an_export_that_never_completes_stops_at_the_time_limit(tmp_path: Path) -> None:
    fake = QualtricsFake(TOKEN, SURVEY, polls=10_000)
    fake.add_response("R_a", "2025-01-02T09:00:00Z", 10)
    fake.start()
    try:
        config = load_config(project(tmp_path, source(fake.url)))
        clock = FakeClock(jitter=0.5)
        with pytest.raises(PullIncomplete) as caught:
            pull(config, policy=clock.policy(base_seconds=0.01, total_seconds=60))
        assert "the export ES_0001 (started, not ready yet)" in str(caught.value)
        assert sum(clock.waits) < 60
        fake.exports["ES_0001"]["polls"] = 0
        pull(config, policy=policy())  # polls the same export: no second one
        assert len([r for r in fake.requests if r.method == "POST"]) == 1
        assert set(rows(materialize(config, "surveys", config.sources.surveys))) == {"R_a"}  # type: ignore[arg-type]
    finally:
        fake.stop()


def test_settings_are_checked_before_any_request(qualtrics: QualtricsFake, tmp_path: Path) -> None:
    bad = f'{{api: qualtrics, url: "{qualtrics.url}", token: "{TOKEN}", survey_id: "x/y", options: {{survey: nps}}}}'
    with pytest.raises(ConfigError) as caught:
        pull(load_config(project(tmp_path, bad)))
    text = str(caught.value)
    assert "sources.surveys.options.question (line 5): required for api: qualtrics" in text
    assert "sources.surveys.survey_id (line 5): 'x/y' is not a survey id (SV_…)" in text
    assert TOKEN not in text and qualtrics.requests == []


def stored_ids(config: Path) -> list[str]:
    with duckdb.connect(str(config.parent / "state" / "reportgen-pulled.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT record_id FROM pulled_records").fetchall()]


@pytest.mark.slow
def test_kill_9_while_polling_then_resume_polls_the_same_export(tmp_path: Path) -> None:
    fake = QualtricsFake(TOKEN, SURVEY, polls=1)
    for i in range(300):
        fake.add_response(f"R_{i:04d}", f"2025-01-{i % 28 + 1:02d}T09:00:00Z", i % 11)
    fake.delay(f"{EXPORT}/ES_0001", 30, after=1)  # the 2nd poll hangs: the pull is killed while waiting
    fake.start()
    try:
        config = project(tmp_path, source(fake.url))
        kill_pull_while_waiting(fake, config, f"{EXPORT}/ES_0001", 2, settle=0.5)
        done = pull_again(config)
        assert done.returncode == 0, done.stderr
        assert len([r for r in fake.requests if r.method == "POST"]) == 1  # the same export, polled again
        assert sorted(stored_ids(config)) == [f"R_{i:04d}" for i in range(300)]
        store = (config.parent / "state" / "reportgen-pulled.duckdb").read_bytes()
        assert TOKEN not in done.stderr + done.stdout and TOKEN.encode() not in store
    finally:
        fake.stop()
