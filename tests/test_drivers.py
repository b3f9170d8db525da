"""Drivers (KPI_SPEC "Drivers"): a KPI's change split by segment into mix and within, by hand.

Every expected number is worked out in the comments from the spec's formulas:
mix_i = (w2 − w1)(r1 + r2)/2, within_i = (r2 − r1)(w1 + w2)/2; counts: n2 − n1.
The projects use the UTC zone and put rows on the first and last day of each
month so that no month is partial.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import TICKET_HEADER, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import reportgen.engine.run as engine_run
from reportgen.api import compute_month, kpis_document
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.drivers import DIMENSIONS, DRIVER_KPIS, denominator, kpi_drivers, segment_key
from reportgen.drivers_text import sentence
from reportgen.i18n import translator
from reportgen.kpis import KPI_BY_ID
from reportgen.measures import MEASURES, MonthMeasures

SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score", "ticket_id")
SEP, OCT = "2026-09", "2026-10"


def day(month: str, index: int) -> str:
    """Rows alternate between the month's first and last day (whole months)."""
    return f"{month}-01T08:00:00Z" if index % 2 == 0 else f"{month}-30T08:00:00Z"


def project(root: Path, tickets: Sequence[Sequence[str]], surveys: Sequence[Sequence[str]] = ()) -> Path:
    write_rows(root / "data" / "tickets.csv", TICKET_HEADER, tickets)
    write_rows(root / "data" / "surveys.csv", SURVEY_HEADER, surveys)
    config = root / "config.yaml"
    config.write_text('report: {title: "T", timezone: "UTC", currency: "EUR"}\nsources:\n'
                      '  tickets: {path: "data/tickets.csv", preset: generic}\n'
                      '  surveys: {path: "data/surveys.csv", preset: generic}\n', encoding="utf-8")
    return config


def tickets_of(month: str, prefix: str, count: int, hours: float, category: str = "", channel: str = "",
               agent: str = "") -> list[tuple[str, ...]]:
    """``count`` tickets answered after ``hours`` hours, of one category/channel/agent."""
    rows = []
    for i in range(count):
        created = day(month, i)
        first = f"{created[:11]}{8 + int(hours):02d}:{int(hours % 1 * 60):02d}:00Z"
        rows.append((f"{prefix}{i}", created, first, "", category, channel, agent, "", ""))
    return rows


def responses(month: str, prefix: str, survey: str, scores: list[int], ticket: str = ""
              ) -> list[tuple[str, ...]]:
    return [(f"{prefix}{i}", day(month, i), survey, str(score), ticket) for i, score in enumerate(scores)]


def drivers_of(config: Path, month: str = OCT) -> dict[str, Any]:
    document: dict[str, Any] = kpis_document(compute_month(load_config(config), month, save=False))
    return document["drivers"]  # type: ignore[no-any-return]


def by_segment(found: dict[str, Any], dimension: str) -> dict[str | None, dict[str, Any]]:
    return {s["segment"]: s for s in found["by"][dimension]}


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def sums_to_change(found: dict[str, Any]) -> None:
    for dimension, segments in found["by"].items():
        total = math.fsum(s["contribution"] for s in segments)
        assert math.isclose(total, found["change"], rel_tol=1e-9, abs_tol=1e-12), dimension


# ---- hand-computed cases ---------------------------------------------------------

def test_pure_mix_change_a_category_grows_while_its_response_time_stays(tmp_path: Path) -> None:
    # September: Shipping 1 ticket at 5 h, Billing 9 at 1 h → (5 + 9) / 10 = 1.4 h
    # October:   Shipping 4 tickets at 5 h, Billing 6 at 1 h → (20 + 6) / 10 = 2.6 h; change +1.2 h
    tickets = (tickets_of(SEP, "s", 1, 5, "Shipping") + tickets_of(SEP, "b", 9, 1, "Billing")
               + tickets_of(OCT, "S", 4, 5, "Shipping") + tickets_of(OCT, "B", 6, 1, "Billing"))
    found = drivers_of(project(tmp_path, tickets))["avg_first_response_hours"]
    assert found["previous"] == SEP
    assert found["change"] == approx(1.2)
    segments = by_segment(found, "category")
    # Shipping: w 0.1 → 0.4, r 5 → 5: mix = 0.3 × 5 = 1.5, within = 0
    assert segments["Shipping"]["mix"] == approx(1.5) and segments["Shipping"]["within"] == approx(0)
    assert (segments["Shipping"]["share_previous"], segments["Shipping"]["share"]) == (approx(0.1), approx(0.4))
    assert (segments["Shipping"]["value_previous"], segments["Shipping"]["value"]) == (approx(5), approx(5))
    # Billing: w 0.9 → 0.6, r 1 → 1: mix = −0.3 × 1 = −0.3
    assert segments["Billing"]["contribution"] == approx(-0.3) and segments["Billing"]["within"] == approx(0)
    assert [s["segment"] for s in found["by"]["category"]] == ["Shipping", "Billing"]  # by |contribution|
    sums_to_change(found)
    # ticket volume: 10 → 10; Shipping +3, Billing −3 (counts: n2 − n1, no mix/within)
    volume = by_segment(drivers_of(project(tmp_path, tickets))["ticket_volume"], "category")
    assert volume["Shipping"]["contribution"] == 3 and volume["Billing"]["contribution"] == -3
    assert volume["Shipping"]["mix"] is None and volume["Shipping"]["value"] == 4


def test_pure_within_change_one_agents_customers_turn_unhappy(tmp_path: Path) -> None:
    # each agent has one ticket per month; CSAT responses name them
    tickets = [("ann9", day(SEP, 0), "", "", "A", "Email", "Ann", "", ""),
               ("bob9", day(SEP, 1), "", "", "A", "Email", "Bob", "", ""),
               ("ann10", day(OCT, 0), "", "", "A", "Email", "Ann", "", ""),
               ("bob10", day(OCT, 1), "", "", "A", "Email", "Bob", "", "")]
    # September: Ann 5, 5; Bob 5, 5 → CSAT 100 %. October: Ann 5, 5; Bob 1, 1 → 50 %; change −0.5
    surveys = (responses(SEP, "a9-", "csat", [5, 5], "ann9") + responses(SEP, "b9-", "csat", [5, 5], "bob9")
               + responses(OCT, "a10-", "csat", [5, 5], "ann10")
               + responses(OCT, "b10-", "csat", [1, 1], "bob10"))
    found = drivers_of(project(tmp_path, tickets, surveys))
    csat = found["csat"]
    assert csat["change"] == approx(-0.5)
    agents = by_segment(csat, "agent")
    # Bob: w 0.5 → 0.5, r 1 → 0: mix 0, within = −1 × 0.5 = −0.5; Ann: nothing moved
    assert agents["Bob"]["within"] == approx(-0.5) and agents["Bob"]["mix"] == approx(0)
    assert agents["Ann"]["contribution"] == approx(0)
    assert csat["by"]["agent"][0]["segment"] == "Bob"
    # one category and one channel: the whole change is within them
    assert by_segment(csat, "category")["A"]["within"] == approx(-0.5)
    # negative feedback (scores ≤ 2): 0 → 0.5, all Bob's
    assert by_segment(found["negative_feedback_rate"], "agent")["Bob"]["contribution"] == approx(0.5)
    for kpi in found.values():
        sums_to_change(kpi)


def test_a_segment_present_in_one_month_only_takes_its_value_in_the_other(tmp_path: Path) -> None:
    # September: Billing 2 at 1 h → 1 h. October: Billing 2 at 1 h, new Returns 2 at 3 h → 2 h; change +1
    tickets = (tickets_of(SEP, "b", 2, 1, "Billing") + tickets_of(OCT, "B", 2, 1, "Billing")
               + tickets_of(OCT, "R", 2, 3, "Returns"))
    found = drivers_of(project(tmp_path, tickets))["avg_first_response_hours"]
    returns = by_segment(found, "category")["Returns"]
    # Returns: w 0 → 0.5, r1 := r2 = 3: mix = 0.5 × 3 = 1.5, within = 0
    assert returns == {"segment": "Returns", "contribution": approx(1.5), "mix": approx(1.5),
                       "within": approx(0), "share_previous": 0, "share": approx(0.5),
                       "value_previous": approx(3), "value": approx(3)}
    # Billing: w 1 → 0.5, r 1: mix = −0.5
    assert by_segment(found, "category")["Billing"]["contribution"] == approx(-0.5)
    sums_to_change(found)


def test_nps_splits_in_points(tmp_path: Path) -> None:
    tickets = [("a9", day(SEP, 0), "", "", "A", "", "", "", ""), ("b9", day(SEP, 1), "", "", "B", "", "", "", ""),
               ("a10", day(OCT, 0), "", "", "A", "", "", "", ""), ("b10", day(OCT, 1), "", "", "B", "", "", "", "")]
    # September: A 10, 10 (NPS 100); B 0, 10 (0) → (3 − 1)/4 × 100 = 50
    # October:   A 10 (100);  B 0, 0, 10 (−33.3) → (2 − 2)/4 × 100 = 0; change −50 points
    surveys = (responses(SEP, "a", "nps", [10, 10], "a9") + responses(SEP, "b", "nps", [0, 10], "b9")
               + responses(OCT, "A", "nps", [10], "a10") + responses(OCT, "B", "nps", [0, 0, 10], "b10"))
    found = drivers_of(project(tmp_path, tickets, surveys))["nps"]
    assert found["change"] == approx(-50)
    segments = by_segment(found, "category")
    # A: w 0.5 → 0.25, r 100 → 100: mix = −0.25 × 100 = −25, within 0
    assert segments["A"]["mix"] == approx(-25) and segments["A"]["within"] == approx(0)
    # B: w 0.5 → 0.75, r 0 → −100/3: mix = 0.25 × (−50/3) = −25/6; within = (−100/3) × 0.625 = −125/6
    assert segments["B"]["mix"] == approx(-25 / 6) and segments["B"]["within"] == approx(-125 / 6)
    assert segments["B"]["value"] == approx(-100 / 3)
    sums_to_change(found)


def test_blank_values_are_segments_of_their_own_as_in_the_breakdowns(tmp_path: Path) -> None:
    # September: 2 tickets of Shipping/Email/Ann; October: 1 of them and 2 with no category,
    # channel or agent. A response names no ticket, another a ticket that is not in the data.
    tickets = (tickets_of(SEP, "s", 2, 1, "Shipping", "Email", "Ann") + tickets_of(OCT, "S", 1, 1, "Shipping",
                                                                                 "Email", "Ann")
               + tickets_of(OCT, "x", 2, 4))
    surveys = (responses(SEP, "r", "csat", [5], "s0") + responses(OCT, "q", "csat", [1], "")
               + responses(OCT, "u", "csat", [1], "nowhere"))
    config = project(tmp_path, tickets, surveys)
    document = kpis_document(compute_month(load_config(config), OCT, save=False))
    volume = document["drivers"]["ticket_volume"]
    assert set(by_segment(volume, "category")) == {"Shipping", "Uncategorized"}
    assert set(document["breakdowns"]["tickets_by_category"]) == {"Shipping", "Uncategorized"}
    assert set(by_segment(volume, "channel")) == {"Email", "Unknown"}
    assert by_segment(volume, "agent")[""]["contribution"] == 2  # tickets without agent: "" (0 → 2)
    # first response: September 1 h; October (1 + 4 + 4)/3 = 3 h, change +2 h
    first = by_segment(document["drivers"]["avg_first_response_hours"], "category")
    # Uncategorized: w 0 → 2/3, r 4: mix = 8/3; Shipping: w 1 → 1/3, r 1: mix = −2/3; change 2
    assert first["Uncategorized"]["contribution"] == approx(8 / 3)
    assert first["Shipping"]["contribution"] == approx(-2 / 3)
    # CSAT: September 1 (a response naming Ann's ticket s0), October 0 (two unhappy responses naming no
    # ticket of the data); change −1
    csat = by_segment(document["drivers"]["csat"], "agent")
    assert set(csat) == {"Ann", None}
    # Ann: w 1 → 0, r 1: mix −1; no ticket: w 0 → 1, r 0: mix 0
    assert csat["Ann"]["contribution"] == approx(-1.0) and csat[None]["contribution"] == approx(0.0)
    assert csat[None]["share"] == approx(1.0) and csat[None]["value"] == approx(0.0)


def test_cli_json_has_the_drivers_and_none_against_a_partial_or_missing_month(tmp_path: Path) -> None:
    tickets = tickets_of(SEP, "s", 2, 1, "Shipping") + tickets_of(OCT, "S", 2, 2, "Shipping")
    config = project(tmp_path / "a", tickets)
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", OCT, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["drivers"]["avg_first_response_hours"]["change"] == approx(1.0)
    assert "nps" not in document["drivers"]  # no value in either month: no drivers
    # September with data only from the 20th: partial → no drivers
    late = [(f"p{i}", "2026-09-20T08:00:00Z", "2026-09-20T09:00:00Z", "", "X", "", "", "", "") for i in range(2)]
    partial = project(tmp_path / "b", late + tickets_of(OCT, "S", 2, 2, "Shipping"))
    assert drivers_of(partial) == {}
    # no September at all
    assert drivers_of(project(tmp_path / "c", tickets_of(OCT, "S", 2, 2, "Shipping"))) == {}


# ---- property: the contributions of a dimension add up to the change ------------------

def _month(segments: dict[str, dict[str, dict[str, float]]]) -> MonthMeasures:
    """MonthMeasures with per-segment measures (dimension → segment → measure → value) and scalars."""
    out = MonthMeasures()
    for dimension, by_segment_ in segments.items():
        for segment, values in by_segment_.items():
            for name, value in values.items():
                out.dims.setdefault(segment_key(dimension, name), {})[segment] = value
    first = next(iter(segments.values()))
    names = {name for values in first.values() for name in values}
    out.scalars = {name: math.fsum(v[name] for v in first.values()) for name in names}
    return out


@st.composite
def segment_values(draw: st.DrawFn, kpi_id: str) -> dict[str, float]:
    """One group of rows' measures of a KPI: a population and what is counted or summed within it."""
    kpi = KPI_BY_ID[kpi_id]
    population = denominator(kpi)
    size = draw(st.integers(0, 50))
    values: dict[str, float] = {population: size}
    left = size
    for name in kpi.inputs:
        if name == population:
            continue
        if MEASURES[name].unit == "hours":  # a sum of durations of the population's rows
            values[name] = draw(st.floats(0, 1000, allow_subnormal=False)) * size
        else:  # a count of some of its rows (promoters and detractors do not overlap)
            values[name] = draw(st.integers(0, left))
            left -= int(values[name]) if kpi_id == "nps" else 0
    return values


@st.composite
def month_segments(draw: st.DrawFn, kpi_id: str) -> dict[str, dict[str, dict[str, float]]]:
    """Per dimension, segments whose measures partition the same rows (each row group has a value
    of every dimension)."""
    rows = draw(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("xyz"), st.sampled_from("pq"),
                                   segment_values(kpi_id)), min_size=1, max_size=12))
    out: dict[str, dict[str, dict[str, float]]] = {d: {} for d in DIMENSIONS}
    for *keys, values in rows:
        for dimension, key in zip(DIMENSIONS, keys, strict=True):
            seg = out[dimension].setdefault(key, dict.fromkeys(values, 0.0))
            for name, value in values.items():
                seg[name] += value
    return out


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_contributions_sum_to_the_change_for_every_kpi_and_dimension(data: st.DataObject) -> None:
    for kpi_id in DRIVER_KPIS:
        kpi = KPI_BY_ID[kpi_id]
        before = _month(data.draw(month_segments(kpi_id)))
        after = _month(data.draw(month_segments(kpi_id)))
        values = (kpi.value(before.scalars), kpi.value(after.scalars))
        found = kpi_drivers(kpi, SEP, before, after, values)
        if values[0] is None or values[1] is None:
            assert found is None
            continue
        assert found is not None
        assert found.change == values[1] - values[0]
        for dimension, segments in found.by.items():
            total = math.fsum(s.contribution for s in segments)
            assert math.isclose(total, found.change, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, abs(values[0]))), \
                (kpi_id, dimension)
            if kpi.unit != "count":
                assert all(s.mix is not None and s.within is not None
                           and math.isclose(s.mix + s.within, s.contribution, abs_tol=1e-12) for s in segments)
            centred = math.fsum(found.centred(s) for s in segments)  # what sentences rank by adds up too
            assert math.isclose(centred, found.change, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, abs(values[0])))
            contributions = [abs(s.contribution) for s in segments]
            assert contributions == sorted(contributions, reverse=True)


def test_the_surveys_segments_are_the_same_whichever_stage_ends_last(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Tickets and surveys run side by side: the responses are joined to their tickets once both
    stages are done, over the cleaned tables they leave. Both orders, run one after the other, give
    the same drivers."""
    tickets = (tickets_of(SEP, "s", 2, 1, "Shipping", "Email", "Ann") + tickets_of(OCT, "S", 2, 1, "Billing",
                                                                                 "Chat", "Bob"))
    surveys = (responses(SEP, "r", "nps", [10, 3], "s0") + responses(OCT, "q", "nps", [9, 9], "S1")
               + responses(OCT, "u", "nps", [0], "nowhere"))
    config = project(tmp_path, tickets, surveys)
    monkeypatch.setattr(engine_run, "_concurrent", lambda config: False)
    found = []
    for order in (("tickets", "surveys"), ("surveys", "tickets")):
        monkeypatch.setattr(engine_run, "_DATASETS", order)
        found.append(drivers_of(config)["nps"])
    assert found[0] == found[1]
    # September: Ann's ticket s0: 10 and 3 → 0; October: Bob's S1: 9, 9 (100), no ticket: 0 (−100)
    # → (2 − 1)/3 × 100 = 33.3; the no-ticket segment: w 0 → 1/3, r −100: mix = −100/3
    agents = by_segment(found[0], "agent")
    assert agents[None]["contribution"] == approx(-100 / 3) and agents["Bob"]["share"] == approx(2 / 3)


def test_the_sentence_names_what_moved_the_kpi_not_a_growing_segment_below_its_level() -> None:
    # CSAT: September A 50 responses all satisfied, B 50 with 40 satisfied → 90 %;
    # October A 40 (100 %), B 60 with 51 satisfied (85 %) → 91 %; change +1 pp.
    # The spec's split: B mix = 0.1 × 0.825 = +0.0825 > its within 0.05 × 0.55 = +0.0275 — yet B's
    # growth at a CSAT below the KPI's pulled it down; what raised it is B's own CSAT (80 → 85 %).
    # Against the level (90.5 %): B = 0.1 × (0.825 − 0.905) + 0.0275 = +0.0195 (within-led), A −0.0095.
    def month(a: tuple[int, int], b: tuple[int, int]) -> MonthMeasures:
        segments = {"A": {"csat_responses": a[0], "csat_satisfied": a[1]},
                    "B": {"csat_responses": b[0], "csat_satisfied": b[1]}}
        return _month({d: segments for d in DIMENSIONS})

    kpi = KPI_BY_ID["csat"]
    found = kpi_drivers(kpi, SEP, month((50, 50), (50, 40)), month((40, 40), (60, 51)), (0.9, 0.91))
    assert found is not None
    b = next(s for s in found.by["category"] if s.segment == "B")
    assert b.mix == approx(0.0825) and b.within == approx(0.0275)
    assert found.centred(b) == approx(0.0195)
    text = sentence(found, 0.9, translator("en"))
    assert text == ("Customer Satisfaction (CSAT) rose 1.0\xa0pp, mostly because of the B category, whose own "
                    "value went from 80.0% to 85.0%.")
