"""Every KPI on small hand-made data, with expectations computed by hand.

Each expected value is a literal with its arithmetic in a comment, worked out from
docs/KPI_SPEC.md and docs/CONTRACT.md — never copied from engine output.
The report timezone of ``make_project`` is Europe/Rome (CEST = UTC+2 until
2026-10-25 03:00 local, CET = UTC+1 after; CET → CEST on 2026-03-29 02:00 local).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import BUSINESS_HEADER, TICKET_HEADER, ProjectFactory, write_rows

from reportgen.api import compute_month, kpis_document
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.errors import NoDataError
from reportgen.history import Completeness, HistoryStore


def month_doc(config: Path, month: str) -> dict[str, Any]:
    """The `reportgen kpis --format json` document of one month (history not written)."""
    return kpis_document(compute_month(load_config(config), month, save=False))


def cli_json(config: Path, month: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", month, "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def write_config(root: Path, tickets: str = "data/tickets.csv", surveys: str | None = None,
                 business: str | None = None, extra: str = "", tickets_tz: str | None = None) -> Path:
    zone = "" if tickets_tz is None else f', timezone: "{tickets_tz}"'
    lines = ['report: {title: "T", timezone: "Europe/Rome", currency: "EUR"}', "sources:",
             f'  tickets: {{path: "{tickets}", preset: generic{zone}}}']
    if surveys:
        lines.append(f'  surveys: {{path: "{surveys}", preset: generic}}')
    if business:
        lines.append(f'  business: {{path: "{business}"}}')
    config = root / "config.yaml"
    config.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return config


def ticket(ticket_id: str, created: str, first_response: str = "", resolved: str = "", category: str = "",
           channel: str = "", agent: str = "", replies: str = "", reopens: str = "") -> tuple[str, ...]:
    return (ticket_id, created, first_response, resolved, category, channel, agent, replies, reopens)


# A tickets export with no row at all stops every run (``gates.no_rows_failure``): the survey and
# business checks below get one ticket in January 2026, created and resolved there, so the
# months they check have no ticket (volume 0, backlog 0) as before.
ELSEWHERE = [ticket("jan", "2026-01-15T10:00:00Z", resolved="2026-01-15T11:00:00Z")]


# ---- surveys: NPS, CSAT, CES ----------------------------------------------------

def test_nps_worked_example_80_percent_promoters_15_percent_detractors_is_65(
        make_project: ProjectFactory) -> None:
    # 20 responses: 16 promoters (80 %), 1 passive, 3 detractors (15 %)
    scores = [9, 10] * 8 + [7] + [0, 6, 3]
    surveys = [(f"r{i}", "2026-10-10T12:00:00+02:00", "nps", s) for i, s in enumerate(scores)]
    doc = month_doc(make_project(ELSEWHERE, surveys=surveys), "2026-10")
    kpis = doc["kpis"]
    assert kpis["nps"] == approx(65.0)  # (16 − 3) / 20 × 100 = 65
    assert (kpis["promoters"], kpis["passives"], kpis["detractors"]) == (16, 1, 3)
    assert kpis["nps_responses"] == 20
    assert kpis["csat"] is None and kpis["ces"] is None  # no CSAT/CES responses: no value


def test_nps_class_edges_and_bounds(make_project: ProjectFactory) -> None:
    # 6 → detractor, 7 and 8 → passive, 9 → promoter; all-detractor month → −100
    surveys = [("a", "2026-10-01T12:00:00Z", "nps", 6), ("b", "2026-10-01T12:00:00Z", "nps", 7),
               ("c", "2026-10-01T12:00:00Z", "NPS", 8), ("d", "2026-10-01T12:00:00Z", "Nps", 9),
               ("e", "2026-11-02T12:00:00Z", "nps", 0), ("f", "2026-11-02T12:00:00Z", "nps", 6)]
    config = make_project(ELSEWHERE, surveys=surveys)
    october = month_doc(config, "2026-10")["kpis"]
    assert october["nps"] == approx(0.0)  # (1 − 1) / 4 × 100 = 0
    assert (october["promoters"], october["passives"], october["detractors"]) == (1, 2, 1)
    assert month_doc(config, "2026-11")["kpis"]["nps"] == approx(-100.0)  # (0 − 2) / 2 × 100


def test_csat_ces_and_negative_feedback_with_default_thresholds(make_project: ProjectFactory) -> None:
    at = "2026-10-15T09:00:00+02:00"
    surveys = [("c1", at, "csat", 5), ("c2", at, "csat", 4), ("c3", at, "CSAT", 4.5), ("c4", at, "csat", 3),
               ("c5", at, "csat", 2), ("c6", at, "csat", 1),
               ("e1", at, "ces", 4), ("e2", at, "ces", 5), ("e3", at, "ces", 2)]
    kpis = month_doc(make_project(ELSEWHERE, surveys=surveys), "2026-10")["kpis"]
    assert kpis["csat"] == approx(0.5)  # ≥ 4: 5, 4, 4.5 → 3 / 6
    assert kpis["negative_feedback_rate"] == approx(1 / 3)  # ≤ 2: 2, 1 → 2 / 6
    assert kpis["ces"] == approx(2 / 3)  # ≥ 4: 4, 5 → 2 / 3
    assert (kpis["csat_responses"], kpis["ces_responses"], kpis["nps_responses"]) == (6, 3, 0)
    assert kpis["nps"] is None  # no NPS responses


def test_csat_ces_thresholds_and_scales_from_config(make_project: ProjectFactory) -> None:
    at = "2026-10-15T09:00:00Z"
    surveys = [("c1", at, "csat", 3), ("c2", at, "csat", 2.5), ("c3", at, "csat", 1), ("c4", at, "csat", 5),
               ("e1", at, "ces", 7), ("e2", at, "ces", 6), ("e3", at, "ces", 5.5), ("e4", at, "ces", 1)]
    extra = ("kpis:\n  csat: {satisfied_min: 3, negative_max: 1}\n"
             "  ces: {scale: [1, 7], low_effort_min: 6}\n")
    doc = month_doc(make_project(ELSEWHERE, surveys=surveys, extra=extra), "2026-10")
    kpis = doc["kpis"]
    assert kpis["csat"] == approx(0.5)  # ≥ 3: 3, 5 → 2 / 4
    assert kpis["negative_feedback_rate"] == approx(0.25)  # ≤ 1: 1 → 1 / 4
    assert kpis["ces"] == approx(0.5)  # 7 is inside [1, 7]; ≥ 6: 7, 6 → 2 / 4
    assert doc["data_quality"]["surveys"]["excluded"] == {}


# ---- business: retention, churn, CAC, CLV ---------------------------------------

BUSINESS_WORKED = [
    # month, S, E, N, spend, revenue
    ("2026-10", 100, 90, 15, 1500, 9500),
    ("2026-11", 50000, 60000, 20000, 10000, ""),
]


def test_retention_churn_cac_worked_examples(make_project: ProjectFactory) -> None:
    config = make_project(ELSEWHERE, business=BUSINESS_WORKED)
    october = month_doc(config, "2026-10")["kpis"]
    assert october["retention_rate"] == approx(0.75)  # (90 − 15) / 100
    assert october["churn_rate"] == approx(0.25)  # lost = 100 + 15 − 90 = 25; 25 / 100
    assert october["cac"] == approx(100.0)  # 1500 / 15
    november = month_doc(config, "2026-11")["kpis"]
    assert november["cac"] == approx(0.5)  # 10,000 / 20,000 new customers
    assert november["retention_rate"] == approx(0.8)  # (60000 − 20000) / 50000
    assert november["churn_rate"] == approx(0.2)  # (50000 + 20000 − 60000) / 50000
    assert november["clv"] is None  # no revenue → no CLV


def test_clv_with_lifespan_from_churn(make_project: ProjectFactory) -> None:
    october = month_doc(make_project(ELSEWHERE, business=BUSINESS_WORKED), "2026-10")["kpis"]
    # annual revenue per customer = 9500 × 12 / ((100 + 90) / 2) = 114000 / 95 = 1200
    # lifespan = 1 / (12 × 0.25) = 1/3 year; CLV = 1200 × 1/3 − CAC 100 = 300
    assert october["clv"] == approx(300.0)


def test_clv_lifespan_from_config_then_business_row(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = make_project(ELSEWHERE, business=BUSINESS_WORKED, extra="kpis:\n  clv: {customer_lifespan_years: 2}\n")
    assert month_doc(config, "2026-10")["kpis"]["clv"] == approx(2300.0)  # 1200 × 2 − 100
    # a lifespan in the business row beats the config: 1200 × 0.5 − 100 = 500
    write_rows(config.parent / "data" / "business.csv", (*BUSINESS_HEADER, "customer_lifespan_years"),
               [(*BUSINESS_WORKED[0], 0.5)])
    assert month_doc(config, "2026-10")["kpis"]["clv"] == approx(500.0)


def test_explicit_customers_lost_beats_the_default(make_project: ProjectFactory) -> None:
    config = make_project(ELSEWHERE)
    write_rows(config.parent / "data" / "business.csv", (*BUSINESS_HEADER, "customers_lost"),
               [("2026-10", 200, 190, 30, 600, 3800, 10)])
    kpis = month_doc(config, "2026-10")["kpis"]
    assert kpis["churn_rate"] == approx(0.05)  # 10 / 200 (not the default 200 + 30 − 190 = 40)
    assert kpis["retention_rate"] == approx(0.8)  # (190 − 30) / 200
    # lifespan = 1 / (12 × 0.05) = 5/3 y; annual rev/customer = 3800 × 12 / 195 = 233.846…; CAC = 600 / 30 = 20
    assert kpis["clv"] == approx(3800 * 12 / 195 * (5 / 3) - 20)


def test_business_zero_denominators_are_null_in_cli_json(make_project: ProjectFactory) -> None:
    # S = 0 → retention, churn null; N = 0 → CAC null → CLV null; S + E = 0 → CLV null
    config = make_project(ELSEWHERE, business=[("2026-10", 0, 0, 0, 500, 1000), ("2026-11", 0, 0, 5, 100, 10)],
                          extra="kpis:\n  clv: {customer_lifespan_years: 2}\n")
    october = cli_json(config, "2026-10")["kpis"]
    for kpi in ("retention_rate", "churn_rate", "cac", "clv"):
        assert october[kpi] is None, kpi
    november = cli_json(config, "2026-11")["kpis"]
    assert november["cac"] == approx(20.0)  # 100 / 5
    assert november["clv"] is None  # S + E = 0: annual revenue per customer undefined
    assert november["retention_rate"] is None and november["churn_rate"] is None  # S = 0


def test_a_month_with_only_business_data_has_zero_counts_and_null_ratios(make_project: ProjectFactory) -> None:
    document = cli_json(make_project(ELSEWHERE, business=[("2026-10", 100, 90, 15, 1500, 9500)]), "2026-10")
    kpis = document["kpis"]
    for kpi in ("ticket_volume", "backlog_open", "nps_responses", "csat_responses", "ces_responses",
                "promoters", "passives", "detractors"):
        assert kpis[kpi] == 0, kpi
    for kpi in ("nps", "csat", "ces", "avg_first_response_hours", "avg_resolution_hours", "fcr_rate",
                "resolution_rate", "median_first_response_hours", "p90_first_response_hours",
                "median_resolution_hours", "p90_resolution_hours", "sla_first_response_rate",
                "reopen_rate", "tickets_per_agent", "negative_feedback_rate"):
        assert kpis[kpi] is None, kpi
    assert document["breakdowns"]["tickets_by_category"] == {}
    assert document["breakdowns"]["agent_tickets"] == {}


# ---- tickets ---------------------------------------------------------------------

OCTOBER_TICKETS = [
    # T1: response 2 h, resolved 24 h after creation; 1 reply, no reopen → FCR
    ticket("T1", "2026-10-05T10:00:00+02:00", "2026-10-05T12:00:00+02:00", "2026-10-06T10:00:00+02:00",
           "Shipping", "email", "Ann", "1", "0"),
    # T2: response 4 h, resolved 6 h; 3 replies → not FCR
    ticket("T2", "2026-10-07T09:00:00+02:00", "2026-10-07T13:00:00+02:00", "2026-10-07T15:00:00+02:00",
           "Billing", "chat", "Bob", "3", "0"),
    # T3: response after 30 h (SLA 24 h breached), never resolved; replies and reopens empty
    ticket("T3", "2026-10-10T08:00:00+02:00", "2026-10-11T14:00:00+02:00", "", "Shipping", "email", "Ann"),
    # T4: never answered, resolved 36 h after creation, reopened once → not FCR, reopened
    ticket("T4", "2026-10-12T10:00:00+02:00", "", "2026-10-13T22:00:00+02:00", "", "", "", "0", "1"),
    # T5: created in SEPTEMBER, resolved in October after 48 h; 1 reply → FCR
    ticket("T5", "2026-09-30T10:00:00+02:00", "", "2026-10-02T10:00:00+02:00", "Billing", "phone", "Bob",
           "1", "0"),
]


def test_ticket_kpis_of_a_month(make_project: ProjectFactory) -> None:
    doc = month_doc(make_project(tickets=OCTOBER_TICKETS), "2026-10")
    kpis = doc["kpis"]
    assert kpis["ticket_volume"] == 4  # T1–T4 created in October
    assert kpis["resolution_rate"] == approx(0.75)  # T1, T2, T4 resolved / 4 created
    assert kpis["avg_first_response_hours"] == approx(12.0)  # (2 + 4 + 30) / 3 answered
    assert kpis["median_first_response_hours"] == approx(4.0)  # middle of [2, 4, 30]
    assert kpis["p90_first_response_hours"] == approx(24.8)  # pos 0.9 × 2 = 1.8: 4 + 0.8 × (30 − 4)
    assert kpis["sla_first_response_rate"] == approx(0.5)  # ≤ 24 h: T1, T2 / 4 created (T4 never answered)
    # resolved in October: T1 24 h, T2 6 h, T4 36 h, T5 48 h
    assert kpis["avg_resolution_hours"] == approx(28.5)  # (24 + 6 + 36 + 48) / 4
    assert kpis["median_resolution_hours"] == approx(30.0)  # [6, 24, 36, 48] pos 1.5: 24 + 0.5 × 12
    assert kpis["p90_resolution_hours"] == approx(44.4)  # pos 2.7: 36 + 0.7 × 12
    assert kpis["fcr_rate"] == approx(0.5)  # T1, T5 (≤ 1 reply, no reopen) / 4 resolved
    assert kpis["reopen_rate"] == approx(0.25)  # T4 / 4 resolved
    assert kpis["backlog_open"] == 1  # T3 open at 2026-11-01 00:00
    assert kpis["tickets_per_agent"] == approx(1.5)  # T1 Ann, T2 Bob, T3 Ann: 3 tickets / 2 agents
    breakdowns = doc["breakdowns"]
    assert breakdowns["tickets_by_category"] == {"Shipping": 2, "Billing": 1, "Uncategorized": 1}
    assert breakdowns["tickets_by_channel"] == {"email": 2, "chat": 1, "Unknown": 1}
    assert breakdowns["category_share"] == {"Shipping": approx(0.5), "Billing": approx(0.25),
                                            "Uncategorized": approx(0.25)}
    assert breakdowns["channel_share"] == {"email": approx(0.5), "chat": approx(0.25), "Unknown": approx(0.25)}
    assert breakdowns["agent_tickets"] == {"Ann": 2, "Bob": 1}  # T4 unassigned; T5 is September's
    assert breakdowns["agent_resolution_rate"] == {"Ann": approx(0.5), "Bob": approx(1.0)}  # Ann: T1 of T1, T3
    assert breakdowns["agent_avg_first_response_hours"] == {"Ann": approx(16.0), "Bob": approx(4.0)}  # (2+30)/2


def test_ticket_kpis_of_the_previous_month(make_project: ProjectFactory) -> None:
    kpis = month_doc(make_project(tickets=OCTOBER_TICKETS), "2026-09")["kpis"]
    assert kpis["ticket_volume"] == 1  # T5
    assert kpis["resolution_rate"] == approx(1.0)  # T5 is resolved (in October) / 1 created
    assert kpis["sla_first_response_rate"] == approx(0.0)  # T5 never answered: breached, 0 / 1
    assert kpis["avg_first_response_hours"] is None  # no answered ticket
    assert kpis["avg_resolution_hours"] is None  # nothing resolved in September
    assert kpis["fcr_rate"] is None and kpis["reopen_rate"] is None  # 0 resolved
    assert kpis["backlog_open"] == 1  # T5 open at 2026-10-01 00:00 local
    assert kpis["tickets_per_agent"] == approx(1.0)  # T5 Bob: 1 / 1


def test_tickets_without_responses(make_project: ProjectFactory) -> None:
    tickets = [ticket("a", "2026-10-05T10:00:00Z", agent="Ann"), ticket("b", "2026-10-06T10:00:00Z"),
               ticket("c", "2026-10-07T10:00:00Z", resolved="2026-10-07T16:00:00Z", agent="Ann")]
    doc = month_doc(make_project(tickets=tickets), "2026-10")
    kpis = doc["kpis"]
    assert kpis["avg_first_response_hours"] is None  # nobody answered: no value, not 0
    assert kpis["median_first_response_hours"] is None and kpis["p90_first_response_hours"] is None
    assert kpis["sla_first_response_rate"] == approx(0.0)  # never answered = breached: 0 / 3
    assert kpis["avg_resolution_hours"] == approx(6.0)  # c: 10:00 → 16:00
    assert kpis["resolution_rate"] == approx(1 / 3)  # c / 3
    assert kpis["backlog_open"] == 2  # a, b
    assert doc["breakdowns"]["agent_avg_first_response_hours"] == {}  # Ann has no answered ticket
    assert doc["breakdowns"]["agent_resolution_rate"] == {"Ann": approx(0.5)}  # c of a, c


def test_fcr_and_sla_options_from_config(make_project: ProjectFactory) -> None:
    tickets = [ticket("a", "2026-10-05T10:00:00Z", "2026-10-05T14:00:00Z", "2026-10-05T20:00:00Z", replies="2"),
               ticket("b", "2026-10-05T10:00:00Z", "2026-10-05T14:00:01Z", "2026-10-05T20:00:00Z", replies="3"),
               ticket("c", "2026-10-05T10:00:00Z", "2026-10-05T10:00:00Z", "2026-10-05T10:00:00Z",
                      replies="0")]
    extra = "kpis:\n  fcr: {max_replies: 2}\n  sla: {first_response_hours: 4}\n"
    kpis = month_doc(make_project(tickets=tickets, extra=extra), "2026-10")["kpis"]
    assert kpis["fcr_rate"] == approx(2 / 3)  # replies ≤ 2: a, c / 3 resolved
    assert kpis["sla_first_response_rate"] == approx(2 / 3)  # ≤ 4 h: a (exactly 4 h), c (0 h); b 4h00m01s
    assert kpis["avg_resolution_hours"] == approx((10 + 10 + 0) / 3)  # response/resolution at creation is 0 h


def test_empty_replies_is_in_the_fcr_denominator_only(make_project: ProjectFactory) -> None:
    tickets = [ticket("a", "2026-10-05T10:00:00Z", resolved="2026-10-05T11:00:00Z", replies="1"),
               ticket("b", "2026-10-05T10:00:00Z", resolved="2026-10-05T11:00:00Z", replies=""),
               ticket("c", "2026-10-05T10:00:00Z", resolved="2026-10-05T11:00:00Z", replies="3.0"),
               ticket("d", "2026-10-05T10:00:00Z", resolved="2026-10-05T11:00:00Z", replies="1.0")]
    kpis = month_doc(make_project(tickets=tickets), "2026-10")["kpis"]
    assert kpis["fcr_rate"] == approx(0.5)  # a, d (1.0 is 1) / 4; b empty fails, c has 3 replies


def test_fcr_is_null_when_the_replies_column_is_absent(make_project: ProjectFactory) -> None:
    config = make_project()
    header = tuple(h for h in TICKET_HEADER if h != "replies")
    write_rows(config.parent / "data" / "tickets.csv", header, [
        ("a", "2026-10-05T10:00:00Z", "", "2026-10-05T11:00:00Z", "", "", "", "0"),
        ("b", "2026-10-05T10:00:00Z", "", "2026-10-05T12:00:00Z", "", "", "", "2"),
    ])
    document = cli_json(config, "2026-10")
    assert document["kpis"]["fcr_rate"] is None  # replies absent: FCR cannot be computed
    assert document["kpis"]["reopen_rate"] == approx(0.5)  # b / 2: the rest of the row is used
    assert document["kpis"]["avg_resolution_hours"] == approx(1.5)  # (1 + 2) / 2


@pytest.mark.slow
def test_backlog_counts_open_tickets_across_months(make_project: ProjectFactory) -> None:
    tickets = [ticket("a", "2026-08-10T10:00:00Z"),  # open forever
               ticket("b", "2026-08-20T10:00:00Z", resolved="2026-10-03T10:00:00Z"),
               ticket("c", "2026-09-05T10:00:00Z", resolved="2026-09-06T10:00:00Z"),
               # created 2026-10-31 23:30 local, resolved 2026-11-01 00:30 local: open at end of October
               ticket("d", "2026-10-31T22:30:00Z", resolved="2026-10-31T23:30:00Z")]
    config = make_project(tickets=tickets)
    assert month_doc(config, "2026-08")["kpis"]["backlog_open"] == 2  # a, b
    assert month_doc(config, "2026-09")["kpis"]["backlog_open"] == 2  # a, b (c resolved)
    assert month_doc(config, "2026-10")["kpis"]["backlog_open"] == 2  # a, d (b resolved)
    assert month_doc(config, "2026-11")["kpis"]["backlog_open"] == 1  # a


def test_backlog_of_a_month_without_ticket_activity(make_project: ProjectFactory) -> None:
    # November has only a survey: ticket "a" (created in October, never resolved) is still open at its end
    config = make_project(tickets=[ticket("a", "2026-10-10T10:00:00Z")],
                          surveys=[("r", "2026-11-10T10:00:00Z", "nps", 10)],
                          business=[("2026-12", 10, 10, 0, 0, 0)])
    assert month_doc(config, "2026-11")["kpis"]["backlog_open"] == 1  # a: created < Dec 1, unresolved
    assert month_doc(config, "2026-12")["kpis"]["backlog_open"] == 1  # a: created < Jan 1, unresolved


# ---- time zones, DST, timestamp forms -------------------------------------------

def test_zone_abbreviations_are_not_guessed(make_project: ProjectFactory) -> None:
    """'BST' is British Summer Time to a London team and Bangladesh to DuckDB: an abbreviation is
    not read (the value is discarded and counted); UTC, GMT and IANA names are unambiguous."""
    created = "2026-07-01T09:00:00Z"
    tickets = [ticket("a", created, first_response="2026-07-01 16:00:00 BST"),  # discarded, not 1 h (+6)
               ticket("b", created, first_response="2026-07-01 11:00:00 UTC"),  # 2 h
               ticket("c", created, first_response="2026-07-01 12:00:00 Europe/London"),  # 11:00Z: 2 h
               ticket("d", created, first_response="2026-07-01t13:00:00z"),  # RFC 3339 lower case: 4 h
               ticket("e", created, first_response="2026-07-01 10:00:00 -0100")]  # Ruby's form: 11:00Z, 2 h
    doc = month_doc(make_project(tickets=tickets), "2026-07")
    assert doc["kpis"]["avg_first_response_hours"] == approx((2 + 2 + 4 + 2) / 4)
    assert doc["data_quality"]["tickets"]["values_discarded"] == {"invalid_first_response_at": 1}


def test_an_abbreviation_can_be_read_through_date_format_and_the_source_zone(
        make_project: ProjectFactory) -> None:
    tickets = [ticket("a", "2026-07-01 10:00:00 BST", first_response="2026-07-01 12:30:00 BST")]
    config = make_project(tickets=tickets, folder="bst")
    text = config.read_text(encoding="utf-8").replace(
        '  tickets: {path: "data/tickets.csv", preset: generic}',
        '  tickets: {path: "data/tickets.csv", preset: generic, timezone: "Europe/London", '
        'date_format: "%Y-%m-%d %H:%M:%S BST"}')
    config.write_text(text, encoding="utf-8")
    doc = month_doc(config, "2026-07")
    assert doc["kpis"]["ticket_volume"] == 1 and doc["kpis"]["avg_first_response_hours"] == approx(2.5)
    # 10:00 London summer time is 11:00 in Rome: July either way, and nothing discarded
    assert doc["data_quality"]["tickets"]["values_discarded"] == {}


def test_month_boundaries_in_the_report_timezone(make_project: ProjectFactory) -> None:
    tickets = [
        ticket("a", "2026-10-31T23:30:00Z"),  # 2026-11-01 00:30 CET → November
        ticket("b", "2026-10-31T22:59:59Z"),  # 2026-10-31 23:59:59 CET → October
        ticket("c", "2026-09-30T22:00:00Z"),  # 2026-10-01 00:00 CEST → October (start is inclusive)
        ticket("d", "2026-09-30T21:59:59Z"),  # 2026-09-30 23:59:59 CEST → September
        ticket("e", "2026-11-01 00:00:00"),  # naive local midnight → November
    ]
    config = make_project(tickets=tickets)
    assert month_doc(config, "2026-09")["kpis"]["ticket_volume"] == 1  # d
    assert month_doc(config, "2026-10")["kpis"]["ticket_volume"] == 2  # b, c
    assert month_doc(config, "2026-11")["kpis"]["ticket_volume"] == 2  # a, e


def test_naive_times_across_dst_changes_use_real_elapsed_time(make_project: ProjectFactory) -> None:
    tickets = [
        # 12:00 CET (11:00Z) → next day 12:00 CEST (10:00Z): 23 real hours
        ticket("spring", "2026-03-28 12:00:00", resolved="2026-03-29 12:00:00"),
        # 12:00 CEST (10:00Z) → next day 12:00 CET (11:00Z): 25 real hours
        ticket("autumn", "2026-10-24 12:00:00", resolved="2026-10-25 12:00:00"),
    ]
    config = make_project(tickets=tickets)
    assert month_doc(config, "2026-03")["kpis"]["avg_resolution_hours"] == approx(23.0)
    assert month_doc(config, "2026-10")["kpis"]["avg_resolution_hours"] == approx(25.0)


def test_naive_time_in_the_spring_gap_moves_forward(make_project: ProjectFactory) -> None:
    # 02:30 does not exist on 2026-03-29 in Rome; shifted forward by the 1 h gap: 03:30 CEST = 01:30Z.
    # (read as 01:30 CET = 00:30Z it would give 1.5 h)
    tickets = [ticket("gap", "2026-03-29 02:30:00", "2026-03-29T02:00:00Z")]
    kpis = month_doc(make_project(tickets=tickets), "2026-03")["kpis"]
    assert kpis["avg_first_response_hours"] == approx(0.5)  # 01:30Z → 02:00Z


def test_naive_ambiguous_time_takes_the_later_standard_time_instant(make_project: ProjectFactory) -> None:
    # 02:30 happens twice on 2026-10-25 in Rome; the later one is 02:30 CET = 01:30Z
    # (the earlier, 02:30 CEST = 00:30Z, would give 2 h)
    tickets = [ticket("fold", "2026-10-25 02:30:00", "2026-10-25T03:30:00+01:00")]
    kpis = month_doc(make_project(tickets=tickets), "2026-10")["kpis"]
    assert kpis["avg_first_response_hours"] == approx(1.0)  # 01:30Z → 02:30Z


def test_offset_z_and_naive_timestamps_mixed_in_one_column(make_project: ProjectFactory) -> None:
    # every created_at is the same instant, 2026-10-05 08:00Z; every first response is 10:00Z
    tickets = [
        ticket("a", "2026-10-05T10:00:00+02:00", "2026-10-05T10:00:00Z"),
        ticket("b", "2026-10-05T08:00:00Z", "2026-10-05 12:00:00"),  # naive = Rome CEST
        ticket("c", "2026-10-05 10:00:00", "2026-10-05T05:00:00-05:00"),
        ticket("d", "2026-10-05T08:00:00.000Z", "2026-10-05T12:00:00+02:00",
               resolved="2026-10-06"),  # a date alone is local midnight: 2026-10-05 22:00Z → 14 h
    ]
    kpis = month_doc(make_project(tickets=tickets), "2026-10")["kpis"]
    assert kpis["avg_first_response_hours"] == approx(2.0)  # 4 × 2 h / 4
    assert kpis["p90_first_response_hours"] == approx(2.0)
    assert kpis["avg_resolution_hours"] == approx(14.0)


def test_source_timezone_applies_to_naive_values_months_use_the_report_timezone(tmp_path: Path) -> None:
    write_rows(tmp_path / "data" / "tickets.csv", TICKET_HEADER, [
        ticket("utc-naive", "2026-10-31 23:30:00"),  # UTC wall time → 2026-11-01 00:30 Rome → November
        ticket("offset", "2026-10-31T23:30:00+01:00"),  # an offset ignores the source zone → October
    ])
    config = write_config(tmp_path, tickets_tz="UTC")
    assert month_doc(config, "2026-11")["kpis"]["ticket_volume"] == 1
    assert month_doc(config, "2026-10")["kpis"]["ticket_volume"] == 1


# ---- duplicates ------------------------------------------------------------------

def test_duplicates_last_occurrence_wins_and_is_counted(make_project: ProjectFactory) -> None:
    tickets = [ticket("1", "2026-10-05T10:00:00Z", category="Old", agent="Ann"),
               ticket("2", "2026-10-05T10:00:00Z", category="Other"),
               ticket(" 1 ", "2026-11-06T10:00:00Z", category="New", agent="Bob"),  # same id once trimmed
               ticket("3", "2026-10-05T10:00:00Z", category="Kept"),
               ticket("3", "garbage")]  # the last row of "3" is invalid: ticket 3 is gone
    surveys = [("a", "2026-10-01T12:00:00Z", "nps", 0), ("b", "2026-10-01T12:00:00Z", "nps", 9),
               ("a", "2026-10-02T12:00:00Z", "nps", 10)]
    config = make_project(tickets=tickets, surveys=surveys)
    doc = month_doc(config, "2026-10")
    assert doc["kpis"]["ticket_volume"] == 1  # only "2": "1" moved to November, "3" excluded
    assert doc["breakdowns"]["tickets_by_category"] == {"Other": 1}
    assert doc["kpis"]["nps"] == approx(100.0)  # a → 10 (the 0 is replaced), b 9: (2 − 0) / 2 × 100
    assert doc["kpis"]["nps_responses"] == 2
    november = month_doc(config, "2026-11")
    assert november["breakdowns"]["tickets_by_category"] == {"New": 1}
    assert november["breakdowns"]["agent_tickets"] == {"Bob": 1}
    quality = doc["data_quality"]
    assert quality["tickets"]["duplicates"] == 2  # first "1", first "3"
    assert quality["tickets"]["excluded"] == {"invalid_created_at": 1}
    assert (quality["tickets"]["rows_read"], quality["tickets"]["rows_used"]) == (5, 2)  # 5 − 2 − 1
    assert quality["surveys"]["duplicates"] == 1
    assert (quality["surveys"]["rows_read"], quality["surveys"]["rows_used"]) == (3, 2)


def test_duplicates_across_files_in_sorted_name_order(tmp_path: Path) -> None:
    # written b before a; read a then b: b's row wins
    write_rows(tmp_path / "data" / "tickets-b.csv", TICKET_HEADER,
               [ticket("9", "2026-10-05T10:00:00Z", category="from b")])
    write_rows(tmp_path / "data" / "tickets-a.csv", TICKET_HEADER,
               [ticket("9", "2026-10-05T10:00:00Z", category="from a"), ticket("8", "2026-10-05T10:00:00Z")])
    doc = month_doc(write_config(tmp_path, tickets="data/tickets-*.csv"), "2026-10")
    assert doc["breakdowns"]["tickets_by_category"] == {"from b": 1, "Uncategorized": 1}
    assert doc["data_quality"]["tickets"]["duplicates"] == 1
    assert doc["data_quality"]["tickets"]["rows_read"] == 3


# ---- invalid values ------------------------------------------------------------

def test_every_ticket_exclusion_and_discard_reason_is_counted(make_project: ProjectFactory) -> None:
    created = "2026-10-05T10:00:00Z"
    tickets = [
        ticket("", created),  # missing_ticket_id
        ticket("  ", created),  # missing_ticket_id (whitespace only)
        ticket("m", ""),  # missing_created_at
        ticket("m2", "   "),  # missing_created_at
        ticket("i", "2026-13-01 10:00:00"),  # invalid_created_at
        ticket("i2", "not a date"),  # invalid_created_at
        ticket("f", created, "soon"),  # invalid_first_response_at
        ticket("fb", created, "2026-10-05T09:00:00Z"),  # first_response_before_created
        ticket("r", created, resolved="2026-02-30"),  # invalid_resolved_at
        ticket("rb", created, resolved="2026-10-04T10:00:00Z"),  # resolved_before_created
        ticket("p1", created, replies="-1"),  # invalid_replies
        ticket("p2", created, replies="1.5"),  # invalid_replies
        ticket("p3", created, replies="two"),  # invalid_replies
        ticket("o1", created, reopens="-2"),  # invalid_reopens
        ticket("o2", created, reopens="0.5"),  # invalid_reopens
        ticket("ok", created, "2026-10-05T10:00:00Z", "2026-10-05T10:00:00Z", replies="3.0", reopens="0"),
    ]
    doc = month_doc(make_project(tickets=tickets), "2026-10")
    quality = doc["data_quality"]["tickets"]
    assert quality["excluded"] == {"missing_ticket_id": 2, "missing_created_at": 2, "invalid_created_at": 2}
    assert quality["values_discarded"] == {
        "invalid_first_response_at": 1, "first_response_before_created": 1, "invalid_resolved_at": 1,
        "resolved_before_created": 1, "invalid_replies": 3, "invalid_reopens": 2,
    }
    assert quality["duplicates"] == 0
    assert (quality["rows_read"], quality["rows_used"]) == (16, 10)  # 16 − 6 excluded
    kpis = doc["kpis"]
    assert kpis["ticket_volume"] == 10  # rows with discarded values still count
    assert kpis["resolution_rate"] == approx(0.1)  # only "ok" is resolved (r, rb lost their resolution)
    assert kpis["backlog_open"] == 9  # the other 9 are open
    assert kpis["sla_first_response_rate"] == approx(0.1)  # only "ok" answered (0 h); f, fb count as never
    assert kpis["avg_first_response_hours"] == approx(0.0)


def test_every_survey_exclusion_reason_is_counted(make_project: ProjectFactory) -> None:
    at = "2026-10-05T10:00:00Z"
    surveys = [
        ("", at, "nps", 9),  # missing_response_id
        ("s1", "", "nps", 9),  # missing_submitted_at
        ("s2", "", "bogus", ""),  # missing_submitted_at (first failing check only)
        ("s3", "05/10/2026", "nps", 9),  # invalid_submitted_at
        ("s4", at, "", 9),  # missing_survey
        ("s5", at, "nsp", 9),  # unknown_survey_kind
        ("s6", at, "nps", ""),  # missing_score
        ("s7", at, "csat", "great"),  # invalid_score
        ("s8", at, "nps", 11),  # score_out_of_scale
        ("s9", at, "nps", 7.5),  # score_out_of_scale (NPS must be whole)
        ("s10", at, "nps", -1),  # score_out_of_scale
        ("s11", at, "csat", 6),  # score_out_of_scale
        ("s12", at, "csat", 0.5),  # score_out_of_scale
        ("s13", at, "ces", 0),  # score_out_of_scale
        ("ok1", at, "csat", 4.5),  # valid: decimals allowed for CSAT
        ("ok2", at, "nps", "10.0"),  # valid: a whole number
        ("ok3", at, "ces", 1),  # valid: scale minimum
    ]
    config = make_project(ELSEWHERE, surveys=surveys)
    # 11 of 17 rows excluded on purpose: above the default quality gate (0.5)
    config.write_text(config.read_text(encoding="utf-8") + "quality: {max_excluded_share: 1}\n",
                      encoding="utf-8")
    doc = month_doc(config, "2026-10")
    quality = doc["data_quality"]["surveys"]
    assert quality["excluded"] == {
        "missing_response_id": 1, "missing_submitted_at": 2, "invalid_submitted_at": 1, "missing_survey": 1,
        "unknown_survey_kind": 1, "missing_score": 1, "invalid_score": 1, "score_out_of_scale": 6,
    }
    assert (quality["rows_read"], quality["rows_used"], quality["duplicates"]) == (17, 3, 0)  # 17 − 14
    kpis = doc["kpis"]
    assert (kpis["nps_responses"], kpis["csat_responses"], kpis["ces_responses"]) == (1, 1, 1)
    assert kpis["nps"] == approx(100.0)  # 10.0 → promoter: 1 / 1 × 100
    assert kpis["csat"] == approx(1.0) and kpis["ces"] == approx(0.0)  # 4.5 ≥ 4; 1 < 4


def test_headers_and_cells_are_trimmed_and_case_insensitive(make_project: ProjectFactory) -> None:
    config = make_project()
    header = (" Ticket_ID ", "CREATED_AT", "First_Response_At", "resolved_at ", "Category", "CHANNEL",
              "Agent", "Replies", "Reopens")
    write_rows(config.parent / "data" / "tickets.csv", header, [
        (" a ", " 2026-10-05T10:00:00Z ", "2026-10-05T11:00:00Z", "", " Shipping ", "   ", " Ann", " 1 ", ""),
        ("b", "2026-10-05T10:00:00Z", "", "", "Shipping", "chat", "Ann ", "", " 0 "),
        ("c", "2026-10-05T10:00:00Z", "", "", "   ", "chat", "   ", "", ""),
    ])
    doc = month_doc(config, "2026-10")
    assert doc["kpis"]["ticket_volume"] == 3
    assert doc["kpis"]["avg_first_response_hours"] == approx(1.0)  # a: 10:00 → 11:00
    assert doc["breakdowns"]["tickets_by_category"] == {"Shipping": 2, "Uncategorized": 1}
    assert doc["breakdowns"]["tickets_by_channel"] == {"chat": 2, "Unknown": 1}
    assert doc["breakdowns"]["agent_tickets"] == {"Ann": 2}  # " Ann" and "Ann " are one agent; c unassigned
    assert doc["data_quality"]["tickets"]["values_discarded"] == {}


# ---- months ----------------------------------------------------------------------

def test_a_month_is_present_through_resolutions_alone(make_project: ProjectFactory) -> None:
    config = make_project(tickets=[ticket("a", "2026-09-05T10:00:00Z", resolved="2026-11-05T10:00:00Z")])
    november = month_doc(config, "2026-11")["kpis"]
    assert november["ticket_volume"] == 0  # a count of a present month is 0, not null
    assert november["avg_resolution_hours"] == approx(61 * 24.0)  # Sep 5 → Nov 5 = 25 + 31 + 5 = 61 days
    assert november["resolution_rate"] is None  # 0 created
    with pytest.raises(NoDataError):
        month_doc(config, "2026-10")  # nothing created, resolved or submitted in October


def test_a_month_of_resolutions_alone_is_reported_and_stored(make_project: ProjectFactory) -> None:
    """The command itself (history written), not only the computation: a month whose only data is
    the resolution of an earlier ticket is stored and reported, not "no data"."""
    config = make_project(tickets=[ticket("a", "2026-09-05T10:00:00Z", resolved="2026-11-05T10:00:00Z")])
    november = cli_json(config, "2026-11")["kpis"]
    assert november["ticket_volume"] == 0 and november["avg_resolution_hours"] == approx(61 * 24.0)
    stored = {m.month: m.completeness for m in HistoryStore(config.parent / "reportgen-history.duckdb"
                                                             ).list_months()}
    assert stored["2026-11"] == Completeness(0, 1)  # no day of the tickets' span; one resolution


def test_an_export_without_resolution_or_response_times_leaves_those_kpis_empty(tmp_path: Path) -> None:
    """No resolved_at column in any file is not "nothing resolved" (0 %, every ticket in the backlog)."""
    (tmp_path / "tickets.csv").write_text("ticket_id,created_at,category\nT1,2026-10-05T10:00:00Z,Billing\n"
                                          "T2,2026-10-06T10:00:00Z,Billing\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "UTC"}\nsources:\n  tickets: {path: tickets.csv}\n', encoding="utf-8")
    kpis = cli_json(config, "2026-10")["kpis"]
    assert kpis["ticket_volume"] == 2
    for kpi in ("resolution_rate", "backlog_open", "fcr_rate", "reopen_rate", "sla_first_response_rate",
                "avg_resolution_hours", "avg_first_response_hours"):
        assert kpis[kpi] is None, kpi
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert "note: tickets: no source has a resolved_at column — the KPIs computed from it (" in result.output
    resolved_note = next(line for line in result.output.splitlines() if "a resolved_at column" in line)
    for kpi in ("avg_resolution_hours", "fcr_rate", "resolution_rate", "reopen_rate"):  # named, by hand
        assert kpi in resolved_note, resolved_note
    assert resolved_note.endswith("have no value (not 0)")
    assert "note: tickets: no source has a first_response_at column" in result.output


def test_json_nulls_for_every_ratio_with_a_zero_denominator(make_project: ProjectFactory) -> None:
    # one unanswered, unresolved, unassigned ticket; no surveys; no business row
    document = cli_json(make_project(tickets=[ticket("a", "2026-10-05T10:00:00Z")]), "2026-10")
    kpis = document["kpis"]
    assert kpis["ticket_volume"] == 1 and kpis["backlog_open"] == 1
    assert kpis["resolution_rate"] == 0.0 and kpis["sla_first_response_rate"] == 0.0  # 0 / 1, a value
    nulls = [kpi for kpi, value in kpis.items() if value is None]
    assert sorted(nulls) == sorted([
        "nps", "csat", "ces", "retention_rate", "churn_rate", "cac", "clv", "avg_first_response_hours",
        "avg_resolution_hours", "fcr_rate", "median_first_response_hours", "p90_first_response_hours",
        "median_resolution_hours", "p90_resolution_hours", "reopen_rate", "tickets_per_agent",
        "negative_feedback_rate",
    ])
    assert not any(isinstance(v, float) and math.isnan(v) for v in kpis.values())



def test_fcr_uses_replies_when_any_ticket_file_has_the_column(tmp_path: Path) -> None:
    # a.csv lacks `replies`, b.csv has it: FCR has a value; a's ticket has empty replies (denominator only)
    write_rows(tmp_path / "data" / "t-a.csv", tuple(h for h in TICKET_HEADER if h != "replies"),
               [("x", "2026-10-05T10:00:00Z", "", "2026-10-05T11:00:00Z", "", "", "", "0")])
    write_rows(tmp_path / "data" / "t-b.csv", TICKET_HEADER,
               [ticket("y", "2026-10-05T10:00:00Z", resolved="2026-10-05T11:00:00Z", replies="1")])
    kpis = month_doc(write_config(tmp_path, tickets="data/t-*.csv"), "2026-10")["kpis"]
    assert kpis["fcr_rate"] == approx(0.5)  # y / (x, y)
