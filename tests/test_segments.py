"""Survey scores per agent, category and channel (through the ticket a response names), and comments.

Expected values are worked out by hand from the rows written here (KPI_SPEC: CSAT = satisfied
(score ≥ 4) ÷ CSAT responses; NPS = (promoters − detractors) ÷ responses × 100; CES = low effort
(score ≥ 4) ÷ CES responses), never copied from the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TICKET_HEADER, write_rows

from reportgen.api import compute_month, kpis_document
from reportgen.config import load_config
from reportgen.engine import Engine

SURVEYS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")


def project(root: Path, extra: str = "", surveys: list[tuple[str, ...]] | None = None) -> Path:
    tickets = [
        ("T1", "2026-10-02T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
        ("T2", "2026-10-03T09:00:00Z", "", "", "billing ", "chat", "Ann", "", ""),
        ("T3", "2026-10-04T09:00:00Z", "", "", "Shipping", "chat", "Bob", "", ""),
        ("T4", "2026-10-05T09:00:00Z", "", "", "", "", "", "", ""),
        ("T5", "2026-10-06T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
    ]
    write_rows(root / "data" / "tickets.csv", TICKET_HEADER, tickets)
    write_rows(root / "data" / "surveys.csv", SURVEYS, surveys if surveys is not None else [
        ("R1", "2026-10-10T09:00:00Z", "csat", "5", "T1", "Great"),
        ("R2", "2026-10-10T10:00:00Z", "csat", "2", "T2", "Slow answer"),
        ("R3", "2026-10-10T11:00:00Z", "csat", "4", "T3", ""),
        ("R4", "2026-10-10T12:00:00Z", "csat", "1", "T4", "=HYPERLINK(\"http://x\")"),
        ("R5", "2026-10-10T13:00:00Z", "csat", "3", "", "no ticket named"),
        ("R6", "2026-10-11T09:00:00Z", "nps", "10", "T1", ""),
        ("R7", "2026-10-11T10:00:00Z", "nps", "3", "T5", "Never again"),
        ("R8", "2026-10-11T11:00:00Z", "nps", "8", "T3", ""),
        ("R9", "2026-10-12T09:00:00Z", "ces", "5", "T3", ""),
        ("R10", "2026-10-12T10:00:00Z", "ces", "2", "T99", "Hard"),  # names no ticket of the data
        ("R11", "2026-09-12T10:00:00Z", "csat", "1", "T1", "September"),
    ])
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "T", timezone: "UTC", currency: "EUR"' + extra + "}\n"
        "sources:\n  tickets: {path: data/tickets.csv}\n  surveys: {path: data/surveys.csv}\n",
        encoding="utf-8")
    return config


def test_survey_kpis_per_segment_through_the_named_ticket(tmp_path: Path) -> None:
    document = kpis_document(compute_month(load_config(project(tmp_path)), "2026-10", save=False))
    breakdowns = document["breakdowns"]
    # Ann: R1 5 (T1), R2 2 (T2) → 1 satisfied of 2; Bob: R3 4 (T3) → 1 of 1; T4 has no agent
    assert breakdowns["agent_csat"] == {"Ann": 0.5, "Bob": 1.0}
    # Billing (T1, T2 spelled "billing "): 1 of 2; Shipping: 1 of 1; T4 blank → Uncategorized: 0 of 1;
    # R5 names no ticket: in the headline only
    assert breakdowns["category_csat"] == {"Billing": 0.5, "Shipping": 1.0, "Uncategorized": 0.0}
    assert breakdowns["channel_csat"] == {"email": 1.0, "chat": 0.5, "Unknown": 0.0}
    # NPS: Ann: R6 10 (promoter), R7 3 (detractor) → (1 − 1) / 2 × 100 = 0; Bob: R8 8 (passive) → 0
    assert breakdowns["agent_nps"] == {"Ann": 0.0, "Bob": 0.0}
    # Billing: R6 (T1) promoter, R7 (T5) detractor → 0; Shipping: passive → 0
    assert breakdowns["category_nps"] == {"Billing": 0.0, "Shipping": 0.0}
    # email: T1 promoter + T5 detractor → 0; chat: T3 passive → 0
    assert breakdowns["channel_nps"] == {"email": 0.0, "chat": 0.0}
    # CES: R9 5 (T3, Bob) → 1 of 1; R10 names T99, not in the data
    assert breakdowns["agent_ces"] == {"Bob": 1.0}
    # the headline keeps every response: CSAT 2 of 5 (R1 5, R3 4)
    assert document["kpis"]["csat"] == pytest.approx(0.4)


def test_comments_lowest_score_first_with_their_ticket(tmp_path: Path) -> None:
    result = Engine(load_config(project(tmp_path))).run()
    comments = result.comments["2026-10"]
    # shares of the scale: R4 csat 1 → 0, R2 csat 2 → 0.25, R7 nps 3 → 0.3, R10 ces 2 → 0.25 (later
    # than R2), R5 csat 3 → 0.5, R1 csat 5 → 1; R3, R6, R8, R9 have no comment
    assert [c.comment for c in comments] == ['=HYPERLINK("http://x")', "Slow answer", "Hard",
                                             "Never again", "no ticket named", "Great"]
    first = comments[0]
    assert (first.survey, first.score, first.category, first.channel, first.agent) == \
        ("csat", 1.0, "Uncategorized", "Unknown", None)
    unlinked = comments[2]
    assert (unlinked.category, unlinked.channel, unlinked.agent) == (None, None, None)
    assert [c.comment for c in result.comments["2026-09"]] == ["September"]


def test_report_comments_limits_and_zero_reads_none(tmp_path: Path) -> None:
    limited = Engine(load_config(project(tmp_path, ", comments: 2"))).run()
    assert [c.comment for c in limited.comments["2026-10"]] == ['=HYPERLINK("http://x")', "Slow answer"]
    off = Engine(load_config(project(tmp_path, ", comments: 0"))).run()
    assert off.comments == {}
    # the segments do not depend on comments
    assert off.months["2026-10"].dims["agent_csat_responses"] == {"Ann": 2, "Bob": 1}
