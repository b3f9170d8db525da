"""The demo project: reproducible, realistic, and accepted by the engine."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportgen.api import month_kpis
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.demo import AGENTS, CATEGORIES, CHANNELS, write_demo_project
from reportgen.errors import ReportgenError

MONTHS = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
          "2026-07", "2026-08", "2026-09", "2026-10"]
PRIMARY = ("nps", "csat", "ces", "ticket_volume", "retention_rate", "churn_rate", "cac", "clv",
           "avg_first_response_hours", "avg_resolution_hours", "fcr_rate", "resolution_rate")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_project(tmp_path_factory.mktemp("demo") / "reportgen-demo")


@pytest.fixture(scope="module")
def tickets(project: Path) -> dict[str, list[dict[str, str]]]:
    return {p.stem.removeprefix("tickets-"): read(p) for p in sorted((project.parent / "data").glob("tickets-*.csv"))}


@pytest.fixture(scope="module")
def doc(project: Path) -> dict[str, Any]:
    return month_kpis(project, "2026-10")


@pytest.mark.slow
def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first = write_demo_project(tmp_path / "a")
    second = write_demo_project(tmp_path / "b")
    other = write_demo_project(tmp_path / "c", seed=8)
    files = tree(first.parent)
    assert len(files) == 12 + 3  # twelve ticket exports, surveys, business, config
    assert files == tree(second.parent)
    assert b"\r\n" not in b"".join(files.values())
    assert tree(other.parent)["data/tickets-2026-10.csv"] != files["data/tickets-2026-10.csv"]


@pytest.mark.slow
def test_rewriting_the_demo_is_stable_and_drops_stale_exports(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    write_demo_project(folder, end_month="2026-12")
    (folder / "reportgen-history.duckdb").write_bytes(b"old demo history")
    config = write_demo_project(folder)
    assert sorted(p.name for p in (folder / "data").glob("tickets-*.csv")) == [f"tickets-{m}.csv" for m in MONTHS]
    assert not (folder / "reportgen-history.duckdb").exists()
    assert tree(folder) == tree(write_demo_project(tmp_path / "fresh").parent)
    assert config == folder / "config.yaml"


def test_a_real_project_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("report: {title: mine}\n", encoding="utf-8")
    with pytest.raises(ReportgenError, match="not written by `reportgen demo`"):
        write_demo_project(tmp_path)
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8") == "report: {title: mine}\n"
    assert not (tmp_path / "data").exists()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportgenError, match="not a month"):
        write_demo_project(tmp_path, end_month="2026-13")
    with pytest.raises(ReportgenError, match="at least 2"):
        write_demo_project(tmp_path, months=1)


def test_twelve_months_of_tickets_and_business(project: Path, tickets: dict[str, list[dict[str, str]]]) -> None:
    assert list(tickets) == MONTHS
    business = read(project.parent / "data" / "business.csv")
    assert [row["month"] for row in business] == MONTHS
    submitted = {row["submitted_at"][:7] for row in read(project.parent / "data" / "surveys.csv")}
    assert submitted == set(MONTHS)


def test_exact_categories_channels_and_agents(tickets: dict[str, list[dict[str, str]]]) -> None:
    rows = [row for month in tickets.values() for row in month]
    assert {row["category"] for row in rows} == set(CATEGORIES)
    assert {row["channel"] for row in rows} == set(CHANNELS)
    assert {row["agent"] for row in rows} - {""} == set(AGENTS)
    assert len(AGENTS) == 8
    assert len(CATEGORIES) == 6
    assert len(CHANNELS) == 5


def test_volumes_channel_mix_and_the_shipping_spike(tickets: dict[str, list[dict[str, str]]]) -> None:
    volumes = {month: len(rows) for month, rows in tickets.items()}
    assert all(300 <= count <= 620 for count in volumes.values()), volumes
    assert volumes["2026-10"] == max(volumes.values())
    channels = Counter(row["channel"] for rows in tickets.values() for row in rows)
    ranking = [name for name, _ in channels.most_common()]
    assert ranking[0] == "email" and ranking[-1] == "social"

    def shipping_share(rows: list[dict[str, str]]) -> float:
        return sum(row["category"] == "Shipping" for row in rows) / len(rows)

    before = [shipping_share(tickets[m]) for m in MONTHS[:-1]]
    last = tickets["2026-10"]
    assert shipping_share(last) > 1.5 * sum(before) / len(before)
    assert shipping_share(last) > 1.5 * shipping_share(tickets["2026-09"])
    assert shipping_share(last) == max([*before, shipping_share(last)])
    assert Counter(row["category"] for row in last).most_common(1)[0][0] == "Shipping"


def test_timestamps_mix_offsets_naive_and_utc(tickets: dict[str, list[dict[str, str]]]) -> None:
    created = [row["created_at"] for rows in tickets.values() for row in rows]
    with_offset = sum(value.endswith(("+01:00", "+02:00")) for value in created)
    utc = sum(value.endswith("Z") for value in created)
    naive = sum(len(value) == 19 and value[10] == " " for value in created)
    assert with_offset > 0.9 * len(created)
    assert utc >= 20 and naive >= 20
    assert with_offset + utc + naive == len(created) - 1  # the one hand-typed date


def test_response_times_and_outcomes_are_realistic(tickets: dict[str, list[dict[str, str]]]) -> None:
    rows = [row for month in tickets.values() for row in month]
    never_answered = sum(not row["first_response_at"] for row in rows) / len(rows)
    unresolved = sum(not row["resolved_at"] for row in rows) / len(rows)
    assert 0.015 <= never_answered <= 0.05
    assert 0.03 <= unresolved <= 0.09
    recent = sum(not row["resolved_at"] for row in tickets["2026-10"]) / len(tickets["2026-10"])
    old = sum(not row["resolved_at"] for row in tickets["2025-11"]) / len(tickets["2025-11"])
    assert recent > old
    replies = Counter(row["replies"] for row in rows if row["first_response_at"])
    assert replies["1"] + replies["2"] + replies["3"] > 0.85 * sum(replies.values())
    assert Counter(row["reopens"] for row in rows)["0"] > 0.85 * len(rows)


def test_surveys_link_to_tickets_and_improve(project: Path, tickets: dict[str, list[dict[str, str]]]) -> None:
    surveys = read(project.parent / "data" / "surveys.csv")
    assert list(surveys[0]) == ["response_id", "submitted_at", "survey", "score", "ticket_id", "comment"]
    ids = {row["ticket_id"] for rows in tickets.values() for row in rows}
    linked = [row for row in surveys if row["ticket_id"]]
    assert len(linked) > 0.9 * len(surveys)
    assert all(row["ticket_id"] in ids for row in linked)
    assert 0.1 < sum(bool(row["comment"]) for row in surveys) / len(surveys) < 0.6

    def nps(months: list[str]) -> float:
        scores = [int(r["score"]) for r in surveys if r["survey"] == "nps" and r["submitted_at"][:7] in months]
        return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)

    assert nps(MONTHS[-3:]) > nps(MONTHS[:3]) + 5


def test_config_matches_the_data(project: Path) -> None:
    config = load_config(project)
    assert config.report.title == "Customer Service Report (demo)"
    assert config.report.timezone == "Europe/Rome"
    assert config.report.currency == "EUR"
    assert config.history.path == "reportgen-history.duckdb"
    assert config.report.output == "reports/{month}.xlsx"
    assert config.sources.tickets.path == "data/tickets-*.csv"
    assert set(config.targets) == {"nps", "csat", "ces", "retention_rate", "churn_rate", "cac", "clv",
                                   "avg_first_response_hours", "avg_resolution_hours", "fcr_rate",
                                   "resolution_rate", "sla_first_response_rate"}
    assert all(0 < config.targets[k] < 1 for k in ("csat", "ces", "retention_rate", "churn_rate", "fcr_rate",
                                                  "resolution_rate", "sla_first_response_rate"))


def test_engine_accepts_the_demo(doc: dict[str, Any]) -> None:
    kpis = doc["kpis"]
    assert doc["month"] == "2026-10"
    assert [k for k in PRIMARY if kpis[k] is None] == []
    assert 20 <= kpis["nps"] <= 60
    assert 0.7 <= kpis["csat"] <= 0.95
    assert 0.6 <= kpis["ces"] <= 0.9
    assert 500 <= kpis["ticket_volume"] <= 620
    assert 0.02 <= kpis["churn_rate"] <= 0.04
    assert 100 <= kpis["cac"] <= 600
    assert kpis["avg_first_response_hours"] < kpis["avg_resolution_hours"]
    breakdowns = doc["breakdowns"]
    assert set(breakdowns["tickets_by_category"]) == set(CATEGORIES)
    assert set(breakdowns["tickets_by_channel"]) == set(CHANNELS)
    assert max(breakdowns["tickets_by_category"], key=breakdowns["tickets_by_category"].get) == "Shipping"
    assert set(breakdowns["agent_tickets"]) == set(AGENTS)


def test_data_quality_shows_the_injected_problems(doc: dict[str, Any]) -> None:
    quality = doc["data_quality"]
    tickets = quality["tickets"]
    assert len(tickets["files"]) == 12
    assert tickets["duplicates"] == 3
    assert tickets["excluded"] == {"invalid_created_at": 1}
    assert tickets["values_discarded"] == {"resolved_before_created": 1}
    assert tickets["rows_used"] == tickets["rows_read"] - 4
    assert quality["surveys"]["excluded"] == {} and quality["surveys"]["duplicates"] == 0
    assert quality["business"]["rows_used"] == 12


def test_every_month_has_its_kpis(project: Path) -> None:
    first = month_kpis(project, "2025-11")["kpis"]
    assert [k for k in PRIMARY if first[k] is None] == []
    assert 300 <= first["ticket_volume"] <= 450


@pytest.mark.slow
def test_the_demo_says_its_bad_rows_are_planted(tmp_path: Path) -> None:
    """"1 of 4,737 rows excluded" alone made a first user think the demo itself was broken."""
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo"), "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    said = result.stderr
    planted = said.index("made wrong on purpose")
    assert planted < said.index("rows excluded")  # the explanation comes before the notice
    assert "day-first date" in said and "resolved before it was created" in said


def test_the_demo_refuses_a_month_that_has_not_ended(tmp_path: Path) -> None:
    """Its report, and the `build` it suggests next, would stop on a month still running."""
    from reportgen.months import parse_month_option, shift

    running = shift(parse_month_option("last", "Europe/Rome"), 1)
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo"), "--month", running])
    assert result.exit_code == 2
    assert f"{running} has not ended yet" in result.output
    assert not (tmp_path / "demo").exists()  # nothing written
