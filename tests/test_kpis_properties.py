"""Property tests: the DuckDB engine against the independent reference (tests/reference.py).

Generated inputs are small and deliberately messy (mixed timestamp forms, DST edges,
month boundaries, duplicates, invalid values of every kind). Each engine run costs
~50–100 ms, so example counts are modest.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import reference as ref
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from reportgen.config import load_config
from reportgen.engine import Engine
from reportgen.kpis import breakdown_values, scalar_values

# Shrinking a failure can take minutes (every step is an engine run), so it is off unless
# KPI_PROPERTIES_SHRINK=1 is set; the small generated examples are readable unshrunk.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
if os.environ.get("KPI_PROPERTIES_SHRINK"):
    PHASES += [Phase.shrink, Phase.explain]
SETTINGS = settings(max_examples=examples(50), deadline=None, database=None, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow])
FEW = settings(SETTINGS, max_examples=examples(30))

ZONES = ("Europe/Rome", "UTC", "America/New_York")
# instants the generator gravitates to: month ends and both 2026 DST changes (EU and US)
ANCHORS = (
    datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC),
    datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 9, 30, 22, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC),
)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Human-readable differences between two {month: {kpis, breakdowns}} maps."""
    problems = []
    if sorted(got) != sorted(want):
        problems.append(f"months: engine {sorted(got)} reference {sorted(want)}")
    for month in sorted(set(got) & set(want)):
        for kpi, value in want[month]["kpis"].items():
            if not close(got[month]["kpis"][kpi], value):
                problems.append(f"{month} {kpi}: engine {got[month]['kpis'][kpi]!r} reference {value!r}")
        for kpi, values in want[month]["breakdowns"].items():
            mine = got[month]["breakdowns"][kpi]
            if set(mine) != set(values) or not all(close(mine[k], values[k]) for k in values):
                problems.append(f"{month} {kpi}: engine {mine!r} reference {values!r}")
    return problems


# ---- strategies -----------------------------------------------------------------

@st.composite
def instants(draw: st.DrawFn) -> datetime:
    anchor = draw(st.sampled_from(ANCHORS))
    minutes = draw(st.integers(-36 * 60, 36 * 60))
    return anchor + timedelta(minutes=minutes)


@st.composite
def timestamp_text(draw: st.DrawFn, instant: datetime, zone: str) -> str:
    """One spelling of an instant: Z, an offset, naive local wall time (T or space), or a date."""
    form = draw(st.sampled_from(("Z", "offset", "offset", "naive", "naive_space", "date", "seconds_off")))
    if form == "Z":
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "offset":
        hours = draw(st.sampled_from((2, 1, -5, 0, 9)))
        shifted = instant.astimezone(ZoneInfo("UTC")) + timedelta(hours=hours)
        sign = "+" if hours >= 0 else "-"
        return shifted.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(hours):02d}:00"
    local = instant.astimezone(ZoneInfo(zone))
    if form == "naive":
        return local.strftime("%Y-%m-%dT%H:%M:%S")
    if form == "naive_space":
        return local.strftime("%Y-%m-%d %H:%M")
    if form == "date":
        return local.strftime("%Y-%m-%d")
    return instant.strftime("%Y-%m-%dT%H:%M:%S.250+00:00")


# never local-style numeric dates: a column of those has its day/month order inferred (tested by hand
# in test_sources_dates.py), which the reference does not model
BAD_TIMESTAMPS = ("yesterday", "2026-13-01", "2026-02-30 10:00", "Oct 31st 2026", "  ")


@st.composite
def optional_after(draw: st.DrawFn, created: datetime, zone: str) -> str:
    kind = draw(st.sampled_from(("empty", "after", "after", "after", "before", "same", "bad")))
    if kind == "empty":
        return ""
    if kind == "bad":
        return draw(st.sampled_from(BAD_TIMESTAMPS[:4]))
    if kind == "same":
        return draw(timestamp_text(created, zone))
    minutes = draw(st.integers(1, 60 * 24 * 40))
    moment = created + timedelta(minutes=minutes if kind == "after" else -minutes)
    return draw(timestamp_text(moment, zone))


COUNT_TEXT = ("", "0", "0", "1", "1", "2", "3.0", "5", "-1", "1.5", "many")


@st.composite
def ticket_rows(draw: st.DrawFn, zone: str, ids: st.SearchStrategy[str]) -> tuple[str, ...]:
    ticket_id = draw(ids)
    created_kind = draw(st.sampled_from(("ok",) * 8 + ("missing", "bad")))
    created = draw(instants())
    if created_kind == "missing":
        created_text = ""
    elif created_kind == "bad":
        created_text = draw(st.sampled_from(BAD_TIMESTAMPS[:4]))
    else:
        created_text = draw(timestamp_text(created, zone))
    # a date-only or naive spelling can move the instant; "after" values are relative to the drawn one
    return (
        ticket_id, created_text,
        draw(optional_after(created, zone)), draw(optional_after(created, zone)),
        draw(st.sampled_from(("", "Shipping", "Billing", " Billing ", "Bill\x07ing"))),
        draw(st.sampled_from(("", "email", "chat", "phone "))),
        draw(st.sampled_from(("", "", "Ann", "Bob", " Ann", "Cy", "\x1b]0;x\x07Ann"))),
        draw(st.sampled_from(COUNT_TEXT)), draw(st.sampled_from(COUNT_TEXT)),
    )


SCORES = (*(str(i) for i in range(11)), "", "4.5", "2.0", "11", "-1", "0.5", "abc", " 9 ")


@st.composite
def survey_rows(draw: st.DrawFn, zone: str, ids: st.SearchStrategy[str]) -> tuple[str, ...]:
    submitted_kind = draw(st.sampled_from(("ok",) * 10 + ("missing", "bad")))
    if submitted_kind == "missing":
        submitted = ""
    elif submitted_kind == "bad":
        submitted = draw(st.sampled_from(BAD_TIMESTAMPS[:4]))
    else:
        submitted = draw(timestamp_text(draw(instants()), zone))
    kind = draw(st.sampled_from(("nps", "nps", "NPS", "csat", "csat", "Csat", "ces", "ces", "", "xyz")))
    return (draw(ids), submitted, kind, draw(st.sampled_from(SCORES)))


@st.composite
def business_rows(draw: st.DrawFn, consistent: bool = False) -> list[tuple[Any, ...]]:
    """One row per month; ``consistent``: lost ≤ S and E = S − lost + N (retention, churn ∈ [0, 1])."""
    months = draw(st.lists(st.sampled_from(("2026-02", "2026-03", "2026-04", "2026-10", "2026-11")),
                           unique=True, max_size=3))
    rows = []
    for month in months:
        start = draw(st.sampled_from((0, 10, 100, 250)))
        new = draw(st.sampled_from((0, 5, 15, 40)))
        # never more customers kept (E − N) than there were (S): such a row is refused (test_bad_inputs)
        end: Any = min(draw(st.sampled_from((0, 8, 90, 260))), start + new)
        spend = draw(st.sampled_from(("", 0, 1000, 2500.5)))
        revenue = draw(st.sampled_from(("", 0, 5000, 12345.6)))
        lost: Any = draw(st.sampled_from(("", "", 0, 3, 20)))
        lifespan = draw(st.sampled_from(("", "", 2, 0.5)))
        if consistent:
            lost = draw(st.integers(0, start))
            end = start - lost + new
            lost = draw(st.sampled_from((lost, "")))  # "" → the default S + N − E, the same number
        rows.append((month, start, end, new, spend, revenue, lost, lifespan))
    return rows


BUSINESS_FULL = (*ref.BUSINESS_HEADER, "customers_lost", "customer_lifespan_years")


@st.composite
def option_sets(draw: st.DrawFn) -> ref.Options:
    return ref.Options(
        timezone=draw(st.sampled_from(ZONES)),
        source_timezone=draw(st.sampled_from((None, None, None, "UTC", "Asia/Tokyo"))),
        csat_satisfied_min=draw(st.sampled_from((4, 3.5, 5))),
        csat_negative_max=draw(st.sampled_from((2, 1))),
        ces_scale=draw(st.sampled_from(((1, 5), (1, 7)))),
        ces_low_effort_min=draw(st.sampled_from((4, 5))),
        fcr_max_replies=draw(st.sampled_from((1, 0, 2))),
        sla_hours=draw(st.sampled_from((24, 4, 0.5))),
        clv_lifespan_years=draw(st.sampled_from((None, None, 3))),
    )


@st.composite
def datasets(draw: st.DrawFn, unique_ids: bool = False, consistent: bool = False) -> dict[str, Any]:
    options = draw(option_sets())
    zone = options.timezone
    if unique_ids:
        ticket_ids: st.SearchStrategy[str] = st.just("")
        survey_ids: st.SearchStrategy[str] = st.just("")
    else:
        ticket_ids = st.sampled_from(("", "t1", "t2", "t3", "t4", "t5", "t6", "t7", " t1 "))
        survey_ids = st.sampled_from(("", "r1", "r2", "r3", "r4", "r5", "r6", "r7"))
    tickets = draw(st.lists(ticket_rows(zone, ticket_ids), max_size=12))
    surveys = draw(st.lists(survey_rows(zone, survey_ids), max_size=10))
    if unique_ids:
        tickets = [(f"t{i}", *row[1:]) for i, row in enumerate(tickets)]
        surveys = [(f"r{i}", *row[1:]) for i, row in enumerate(surveys)]
    return {"tickets": tickets, "surveys": surveys, "business": draw(business_rows(consistent)), "options": options}


def reference_of(data: dict[str, Any], ticket_header: tuple[str, ...] = ref.TICKET_HEADER) -> ref.Result:
    return ref.compute(data["tickets"], data["surveys"], data["business"], data["options"],
                       ticket_header=ticket_header, business_header=BUSINESS_FULL)


def engine_of(data: dict[str, Any], ticket_header: tuple[str, ...] = ref.TICKET_HEADER,
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    options = data["options"]
    with tempfile.TemporaryDirectory(prefix="kpiprop-") as folder:
        config = ref.write_project(Path(folder), data["tickets"], data["surveys"], data["business"], options,
                                   ticket_header=ticket_header, business_header=BUSINESS_FULL)
        result = Engine(load_config(config)).run()
        quality = result.quality_dict()
    for dataset in quality.values():
        dataset.pop("files", None)
    months = {month: {"kpis": scalar_values(m), "breakdowns": breakdown_values(m)}
              for month, m in result.months.items()}
    return months, quality


# ---- properties -----------------------------------------------------------------

@pytest.mark.slow
@SETTINGS
@given(datasets())
def test_engine_matches_reference(data: dict[str, Any]) -> None:
    months, quality = engine_of(data)
    want = reference_of(data)
    assert differences(months, want.months) == []
    assert quality == want.quality


@pytest.mark.slow
@FEW
@given(datasets())
def test_engine_matches_reference_without_replies_column(data: dict[str, Any]) -> None:
    header = tuple(h for h in ref.TICKET_HEADER if h != "replies")
    data = {**data, "tickets": [row[:7] + row[8:] for row in data["tickets"]]}
    months, quality = engine_of(data, header)
    want = reference_of(data, header)
    assert differences(months, want.months) == []
    assert quality == want.quality
    assert all(m["kpis"]["fcr_rate"] is None for m in months.values())


@pytest.mark.slow
@FEW
@given(datasets(), st.sampled_from(("resolved_at", "first_response_at")))
def test_engine_matches_reference_without_a_timestamp_column(data: dict[str, Any], dropped: str) -> None:
    """An export without resolved_at is not 'nothing resolved': those KPIs have no value."""
    index = ref.TICKET_HEADER.index(dropped)
    header = tuple(h for h in ref.TICKET_HEADER if h != dropped)
    data = {**data, "tickets": [row[:index] + row[index + 1:] for row in data["tickets"]]}
    months, quality = engine_of(data, header)
    want = reference_of(data, header)
    assert differences(months, want.months) == []
    assert quality == want.quality
    gone = ("resolution_rate", "backlog_open", "reopen_rate") if dropped == "resolved_at" else (
        "sla_first_response_rate",)
    assert all(m["kpis"][kpi] is None for m in months.values() for kpi in gone)


@pytest.mark.slow
@FEW
@given(datasets(consistent=True))
def test_scores_and_rates_stay_in_range(data: dict[str, Any]) -> None:
    months, _ = engine_of(data)
    for month in months.values():
        kpis, breakdowns = month["kpis"], month["breakdowns"]
        assert kpis["nps"] is None or -100 <= kpis["nps"] <= 100
        for kpi in ref.RATE_IDS:
            assert kpis[kpi] is None or 0 <= kpis[kpi] <= 1, kpi
        for kpi in ("category_share", "channel_share", "agent_resolution_rate"):
            assert all(0 <= v <= 1 for v in breakdowns[kpi].values()), kpi
        for kpi in ("avg_first_response_hours", "avg_resolution_hours", "median_resolution_hours",
                    "p90_first_response_hours", "backlog_open", "ticket_volume"):
            assert kpis[kpi] is None or kpis[kpi] >= 0, kpi
        assert kpis["promoters"] + kpis["passives"] + kpis["detractors"] == kpis["nps_responses"]
        assert sum(breakdowns["tickets_by_category"].values()) == kpis["ticket_volume"]
        assert sum(breakdowns["tickets_by_channel"].values()) == kpis["ticket_volume"]


@pytest.mark.slow
@FEW
@given(datasets(unique_ids=True), st.randoms(use_true_random=False))
def test_row_order_does_not_matter_with_unique_ids(data: dict[str, Any], rnd: random.Random) -> None:
    shuffled = {**data, "tickets": rnd.sample(data["tickets"], len(data["tickets"])),
                "surveys": rnd.sample(data["surveys"], len(data["surveys"])),
                "business": rnd.sample(data["business"], len(data["business"]))}
    months, quality = engine_of(data)
    months_shuffled, quality_shuffled = engine_of(shuffled)
    assert differences(months_shuffled, months) == []
    assert quality_shuffled == quality
    assert differences(months, reference_of(data).months) == []


SCALE_FREE = ("nps", "csat", "ces", "retention_rate", "churn_rate", "cac", "clv", "avg_first_response_hours",
              "avg_resolution_hours", "fcr_rate", "resolution_rate", "sla_first_response_rate", "reopen_rate",
              "negative_feedback_rate")
SCALED = ("ticket_volume", "backlog_open", "tickets_per_agent", "nps_responses", "csat_responses",
          "ces_responses", "promoters", "passives", "detractors")


@pytest.mark.slow
@FEW
@given(datasets(unique_ids=True), st.integers(2, 3))
def test_repeating_every_row_scales_counts_not_ratios(data: dict[str, Any], k: int) -> None:
    def repeat(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [(f"{row[0]}-{copy}", *row[1:]) for row in rows for copy in range(k)]

    bigger = {**data, "tickets": repeat(data["tickets"]), "surveys": repeat(data["surveys"])}
    months, _ = engine_of(data)
    months_big, quality_big = engine_of(bigger)
    assert sorted(months_big) == sorted(months)
    for month in months:
        small, big = months[month], months_big[month]
        for kpi in SCALE_FREE:
            assert close(big["kpis"][kpi], small["kpis"][kpi]), (month, kpi)
        for kpi in SCALED:
            value = small["kpis"][kpi]
            assert close(big["kpis"][kpi], None if value is None else value * k), (month, kpi)
        for kpi in ("category_share", "channel_share", "agent_resolution_rate",
                    "agent_avg_first_response_hours"):
            assert big["breakdowns"][kpi].keys() == small["breakdowns"][kpi].keys(), (month, kpi)
            assert all(close(big["breakdowns"][kpi][key], v) for key, v in small["breakdowns"][kpi].items())
        for kpi in ("tickets_by_category", "tickets_by_channel", "agent_tickets"):
            assert big["breakdowns"][kpi] == {key: v * k for key, v in small["breakdowns"][kpi].items()}
    assert quality_big["tickets"]["rows_read"] == k * len(data["tickets"])


# ---- the reference itself, on hand-computed values ------------------------------

def test_reference_reproduces_the_hand_computed_month() -> None:
    from test_kpis_handmade import OCTOBER_TICKETS  # the data of test_ticket_kpis_of_a_month

    october = ref.compute(OCTOBER_TICKETS).months["2026-10"]
    kpis = october["kpis"]
    assert kpis["ticket_volume"] == 4
    assert close(kpis["avg_first_response_hours"], 12.0)  # (2 + 4 + 30) / 3
    assert close(kpis["p90_first_response_hours"], 24.8)  # 4 + 0.8 × 26
    assert close(kpis["median_resolution_hours"], 30.0)  # [6, 24, 36, 48]
    assert close(kpis["p90_resolution_hours"], 44.4)  # 36 + 0.7 × 12
    assert close(kpis["fcr_rate"], 0.5) and close(kpis["reopen_rate"], 0.25)
    assert kpis["backlog_open"] == 1
    assert october["breakdowns"]["agent_avg_first_response_hours"] == {"Ann": 16.0, "Bob": 4.0}


def test_reference_timestamp_rules() -> None:
    rome = "Europe/Rome"
    assert ref.parse_instant("2026-03-29 02:30:00", rome) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # gap
    assert ref.parse_instant("2026-10-25 02:30:00", rome) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # fold
    assert ref.parse_instant("2026-10-05", rome) == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)
    assert ref.parse_instant("2026-10-05T10:00:00+0200", rome) == datetime(2026, 10, 5, 8, tzinfo=UTC)
    assert ref.parse_instant(" ", rome) == ref.MISSING
    assert ref.parse_instant("2026-02-30", rome) == ref.INVALID
    assert ref.month_of(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), rome) == "2026-11"
    assert ref.quantile([2, 4, 30], 0.9) == 4 + 0.8 * 26
