"""Engine rules of KPI_SPEC checked on hand-made files: blank-like values, one name whatever its
case, several sources per dataset, date_format, coverage, source kinds, reasons declared once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SURVEY_HEADER, TICKET_HEADER, write_rows

from reportgen.config import load_config
from reportgen.engine import REASONS, SURVEY_REASONS, TICKET_REASONS, Engine, EngineResult
from reportgen.errors import ConfigError, ReportgenError
from reportgen.kpis import breakdown_values, scalar_values


def run(root: Path, sources: str, collect: bool = False) -> EngineResult:
    config = root / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n' + sources, encoding="utf-8")
    return Engine(load_config(config), max_problems=None, collect=collect).run()


def t(ticket_id: str, created: str, first: str = "", resolved: str = "", category: str = "",
      channel: str = "", agent: str = "") -> tuple[str, ...]:
    return (ticket_id, created, first, resolved, category, channel, agent, "1", "0")


def test_blank_like_values_mean_missing(tmp_path: Path) -> None:
    write_rows(tmp_path / "t.csv", TICKET_HEADER, [
        t("1", "2026-10-05T10:00:00Z", "—", " n/a ", "-", "N/A", "(None)"),
        t("2", " - ", category="Billing"),  # no creation time: excluded as missing, not invalid
        t("-", "2026-10-05T10:00:00Z"),       # no id
    ])
    write_rows(tmp_path / "s.csv", SURVEY_HEADER, [("r1", "2026-10-05T10:00:00Z", "-", "9"),
                                                   ("r2", "2026-10-05T10:00:00Z", "nps", "n/a")])
    result = run(tmp_path, '  tickets: {path: t.csv}\n  surveys: {path: s.csv}\n')
    tickets, surveys = result.quality["tickets"], result.quality["surveys"]
    assert tickets.excluded == {"missing_created_at": 1, "missing_ticket_id": 1}
    assert tickets.values_discarded == {}  # "—" and "n/a" are missing values, not invalid ones
    assert surveys.excluded == {"missing_survey": 1, "missing_score": 1}
    october = result.months["2026-10"]
    breakdowns = breakdown_values(october)
    assert breakdowns["tickets_by_category"] == {"Uncategorized": 1}
    assert breakdowns["tickets_by_channel"] == {"Unknown": 1}
    assert breakdowns["agent_tickets"] == {}
    assert october.scalars["first_response_count"] == 0


def test_names_differing_in_case_or_spaces_are_one(tmp_path: Path) -> None:
    rows = [t(str(i), "2026-10-05T10:00:00Z", category=c, channel=ch, agent=a) for i, (c, ch, a) in enumerate([
        ("Mail", "Web form", "Anna"), ("mail", "WEB FORM", "Anna "), (" Mail", "chat", "ANNA"),
        ("Phone", "Chat", "Bo"),
    ])]
    rows.append(t("9", "2026-11-05T10:00:00Z", category="MAIL"))
    write_rows(tmp_path / "t.csv", TICKET_HEADER, rows)
    result = run(tmp_path, '  tickets: {path: t.csv}\n')
    october = breakdown_values(result.months["2026-10"])
    # Mail ×2 (one with a leading space), mail ×1 → "Mail"; the November "MAIL" joins it too
    assert october["tickets_by_category"] == {"Mail": 3, "Phone": 1}
    assert breakdown_values(result.months["2026-11"])["tickets_by_category"] == {"Mail": 1}
    # Web form 1 vs WEB FORM 1: not all capitals wins; chat 1 vs Chat 1: the spelling that sorts first
    assert october["tickets_by_channel"] == {"Web form": 2, "Chat": 2}
    # Anna ×2 (one with a trailing space) vs ANNA ×1
    assert october["agent_tickets"] == {"Anna": 3, "Bo": 1}
    assert scalar_values(result.months["2026-10"])["tickets_per_agent"] == 2.0  # 4 tickets ÷ 2 agents


def test_a_name_is_spelled_alike_in_the_ticket_and_the_survey_measures(tmp_path: Path) -> None:
    """The survey scores by agent, category and channel (through the ticket a response names) take the
    spelling the tickets chose, not that of the one ticket their response names."""
    write_rows(tmp_path / "t.csv", TICKET_HEADER, [
        t("T1", "2026-10-01T08:00:00Z", category="Billing", channel="Mail", agent="Ann"),
        t("T2", "2026-10-02T08:00:00Z", category="billing ", channel="mail ", agent="ann"),
        t("T3", "2026-10-03T08:00:00Z", category="BILLING", channel="MAIL", agent="ANN")])
    write_rows(tmp_path / "s.csv", ("response_id", "submitted_at", "survey", "score", "ticket_id"),
               [("R1", "2026-10-05T08:00:00Z", "csat", "5", "T2"), ("R2", "2026-10-06T08:00:00Z", "csat", "2", "T3")])
    october = breakdown_values(run(tmp_path, '  tickets: {path: t.csv}\n  surveys: {path: s.csv}\n'
                                   ).months["2026-10"])
    # Ann, ann, ANN: one each; not all capitals, and "Ann" sorts before "ann"
    assert october["agent_tickets"] == {"Ann": 3}
    assert october["tickets_by_category"] == {"Billing": 3} and october["tickets_by_channel"] == {"Mail": 3}
    # one of the two answers satisfied (5 ≥ 4; 2 is not), both through tickets of Ann / Billing / Mail
    assert october["agent_csat"] == {"Ann": 0.5}
    assert october["category_csat"] == {"Billing": 0.5}
    assert october["channel_csat"] == {"Mail": 0.5}


def test_a_spelling_in_capitals_is_shown_only_when_there_is_no_other(tmp_path: Path) -> None:
    rows = [t(str(i), "2026-10-05T10:00:00Z", channel="WEB FORM") for i in range(3)]
    rows += [t("4", "2026-10-05T10:00:00Z", channel="web form"), t("5", "2026-10-05T10:00:00Z", channel="SMS"),
             t("6", "2026-10-05T10:00:00Z", channel="SMS")]
    write_rows(tmp_path / "t.csv", TICKET_HEADER, rows)
    october = breakdown_values(run(tmp_path, '  tickets: {path: t.csv}\n').months["2026-10"])
    # WEB FORM ×3 is the most frequent, but "web form" ×1 is not shouting; SMS has no other spelling
    assert october["tickets_by_channel"] == {"web form": 4, "SMS": 2}


def test_the_default_written_in_another_language_is_the_default(tmp_path: Path) -> None:
    """An Italian export's "Senza categoria" is what an Italian report calls an empty category: one name."""
    rows = [t("1", "2026-10-05T10:00:00Z"), t("2", "2026-10-05T10:00:00Z", category="senza categoria"),
            t("3", "2026-10-05T10:00:00Z", category="未分類", channel="Sconosciuto"),
            t("4", "2026-10-05T10:00:00Z", category="Billing", channel="chat")]
    write_rows(tmp_path / "t.csv", TICKET_HEADER, rows)
    october = breakdown_values(run(tmp_path, '  tickets: {path: t.csv}\n').months["2026-10"])
    assert october["tickets_by_category"] == {"Uncategorized": 3, "Billing": 1}
    assert october["tickets_by_channel"] == {"Unknown": 3, "chat": 1}


def test_an_empty_name_joins_its_default_written_in_another_case(tmp_path: Path) -> None:
    """'' is Uncategorized/Unknown; 'uncategorized' written in the data is the same name."""
    rows = [t("1", "2026-10-05T10:00:00Z"), t("2", "2026-10-05T10:00:00Z", category="-", channel="n/a"),
            t("3", "2026-10-05T10:00:00Z", category="uncategorized", channel="unknown"),
            t("4", "2026-10-05T10:00:00Z", category="Billing", channel="UNKNOWN")]
    write_rows(tmp_path / "t.csv", TICKET_HEADER, rows)
    october = breakdown_values(run(tmp_path, '  tickets: {path: t.csv}\n').months["2026-10"])
    # Uncategorized ×2 (empty, "-") vs uncategorized ×1: one name, its most frequent spelling
    assert october["tickets_by_category"] == {"Uncategorized": 3, "Billing": 1}
    # Unknown ×2 (empty, "n/a"), unknown ×1, UNKNOWN ×1
    assert october["tickets_by_channel"] == {"Unknown": 4}


def test_several_sources_per_dataset_combine_and_the_later_wins(tmp_path: Path) -> None:
    write_rows(tmp_path / "a.csv", TICKET_HEADER, [t("1", "2026-10-05 10:00", category="A"),
                                                   t("2", "2026-10-06 10:00", category="A")])
    write_rows(tmp_path / "b.csv", TICKET_HEADER, [t("2", "2026-10-07 10:00", category="B"),
                                                   t("3", "2026-10-31 23:30", category="B")])
    result = run(tmp_path, '  tickets:\n    - {path: a.csv}\n    - {path: b.csv, timezone: UTC}\n')
    assert result.quality["tickets"].files == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert result.quality["tickets"].duplicates == 1
    # ticket 2 from b.csv wins (category B); ticket 3 is 23:30 UTC = 00:30 on 1 November in Rome
    assert breakdown_values(result.months["2026-10"])["tickets_by_category"] == {"A": 1, "B": 1}
    assert result.months["2026-11"].scalars["tickets_created"] == 1
    assert result.coverage["tickets"] == (dt.date(2026, 10, 5), dt.date(2026, 11, 1))


def test_an_error_in_the_second_source_names_its_file(tmp_path: Path) -> None:
    write_rows(tmp_path / "a.csv", TICKET_HEADER, [t("1", "2026-10-05T10:00:00Z")])
    (tmp_path / "b.csv").write_text("ticket_id,created_at\n1,2026-10-05,extra\n", encoding="utf-8")
    sources = '  tickets:\n    - {path: a.csv}\n    - {path: b.csv}\n'
    with pytest.raises(ReportgenError) as caught:
        run(tmp_path, sources)
    assert caught.value.location is not None and Path(str(caught.value.location.file)).name == "b.csv"
    assert caught.value.location.row == 2
    collected = run(tmp_path, sources, collect=True)  # validate: the other source still counts
    assert len(collected.fatal) == 1 and collected.quality["tickets"].rows_used == 1
    with pytest.raises(ReportgenError, match=r"sources\.tickets\[1\]\.path"):
        run(tmp_path, '  tickets:\n    - {path: a.csv}\n    - {path: missing.csv}\n')


def test_date_format_parses_day_first_timestamps_in_the_source_zone(tmp_path: Path) -> None:
    write_rows(tmp_path / "t.csv", TICKET_HEADER, [t("1", "04-11-2026 11:53", "04-11-2026 12:53"),
                                                   t("2", "2026-11-05T10:00:00Z")])
    result = run(tmp_path, '  tickets: {path: t.csv, date_format: "%d-%m-%Y %H:%M"}\n')
    november = result.months["2026-11"].scalars
    assert november["tickets_created"] == 2 and november["first_response_hours_sum"] == 1.0
    assert result.coverage["tickets"] == (dt.date(2026, 11, 4), dt.date(2026, 11, 5))
    assert "2026-04" not in result.months


def test_coverage_uses_the_report_zone_and_usable_rows_only(tmp_path: Path) -> None:
    write_rows(tmp_path / "t.csv", TICKET_HEADER, [t("1", "2026-09-30T22:30:00Z"),  # 1 Oct 00:30 Rome
                                                   t("2", "2026-10-20T10:00:00Z"), t("", "2026-12-01")])
    write_rows(tmp_path / "s.csv", SURVEY_HEADER, [("r", "2026-10-25T01:30:00Z", "nps", "10")])
    result = run(tmp_path, '  tickets: {path: t.csv}\n  surveys: {path: s.csv}\n')
    assert result.coverage == {"tickets": (dt.date(2026, 10, 1), dt.date(2026, 10, 20)),
                               "surveys": (dt.date(2026, 10, 25), dt.date(2026, 10, 25))}


def test_api_sources_are_read_from_the_store_after_their_settings_check(tmp_path: Path) -> None:
    # api: sources are the pulled records (tests/test_pull_*.py); their settings are checked first
    with pytest.raises(ConfigError, match=r"sources\.tickets\.email \(line 3\): required for api: zendesk"):
        run(tmp_path, '  tickets: {api: zendesk, url: "https://example.zendesk.com", token: "t"}\n')


def test_reasons_are_declared_once_with_their_meaning() -> None:
    import reportgen.report

    # the Data Quality tab reads the declarations instead of keeping its own copy
    assert reportgen.report.REASONS is reportgen.engine.reasons.REASONS
    assert set(REASONS) == set(TICKET_REASONS) | set(SURVEY_REASONS)
    assert {r.name for r in REASONS.values() if not r.row_excluded} == {
        "invalid_first_response_at", "first_response_before_created", "invalid_resolved_at",
        "resolved_before_created", "invalid_replies", "invalid_reopens"}


def test_config_does_not_import_the_presets() -> None:
    code = ("import sys, reportgen.config; "
            "assert not any(m.startswith('reportgen.sources.presets') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
