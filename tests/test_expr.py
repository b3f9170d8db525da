"""KPI expressions: one declaration gives the value, the guarded formula and the text."""

from __future__ import annotations

import pytest

from reportgen.expr import m
from reportgen.kpis import KPI_BY_ID, KPIS, MEASURES
from reportgen.model import a1, column_letter


def test_value_is_none_on_zero_denominator_or_missing_input() -> None:
    nps = (m("p") - m("d")) / m("n") * 100
    assert nps.evaluate({"p": 80, "d": 15, "n": 100}) == pytest.approx(65.0)  # the spec's example
    assert nps.evaluate({"p": 0, "d": 0, "n": 0}) is None
    assert nps.evaluate({"p": 1, "d": None, "n": 2}) is None


def test_formula_guards_blank_inputs_and_every_denominator() -> None:
    expr = m("a") * 12 / ((m("s") + m("e")) / 2) - m("x") / m("n")
    cells = {"a": "B2", "s": "B3", "e": "B4", "x": "B5", "n": "B6"}
    assert expr.formula(cells.__getitem__) == (
        '=IF(OR(COUNT(B2,B3,B4,B5,B6)<5,(B3+B4)/2=0,B6=0),"",B2*12/((B3+B4)/2)-B5/B6)'
    )


def test_brackets_keep_the_meaning_of_subtraction_and_division() -> None:
    expr = m("a") - (m("b") - m("c"))
    assert expr.evaluate({"a": 10, "b": 4, "c": 1}) == 7
    assert expr.formula({"a": "A1", "b": "A2", "c": "A3"}.__getitem__).endswith(',"",A1-(A2-A3))')
    ratio = m("a") / (m("b") / m("c"))
    assert ratio.evaluate({"a": 8, "b": 4, "c": 2}) == 4


def test_spec_worked_examples_through_the_registry() -> None:
    retention, churn, cac = KPI_BY_ID["retention_rate"], KPI_BY_ID["churn_rate"], KPI_BY_ID["cac"]
    business = {"customers_start": 100, "customers_end": 90, "customers_new": 15, "customers_lost": 25}
    assert retention.value(business) == pytest.approx(0.75)  # (90 − 15) / 100
    assert churn.value(business) == pytest.approx(0.25)  # (100 + 15 − 90) / 100
    assert cac.value({"sales_marketing_spend": 10_000, "customers_new": 20_000}) == pytest.approx(0.5)


def test_every_kpi_uses_known_measures_and_reads_as_text() -> None:
    for kpi in KPIS:
        assert kpi.inputs and all(name in MEASURES for name in kpi.inputs), kpi.id
        assert kpi.formula_text and kpi.definition.endswith((".", ")")), kpi.id


def test_a1_notation() -> None:
    assert column_letter(0) == "A" and column_letter(25) == "Z" and column_letter(26) == "AA"
    assert column_letter(701) == "ZZ" and column_letter(702) == "AAA"
    assert a1(0, 0) == "A1" and a1(4, 27, absolute=True) == "$AB$5"
