"""The KPI registry: one declaration per KPI, the single source of every view.

Values, Calculator formulas, Definitions text and number formats all derive
from these declarations (see ``reportgen.expr``). Ids are stable: they appear
in the Data tab, the JSON output and the history store. Names and definitions
are not here: they are messages ``kpi.<id>.label`` / ``kpi.<id>.definition`` and
``measure.<name>`` of the catalogues (``reportgen.i18n``), in every language;
``label``, ``definition`` and ``formula_text`` are English (``*_in(translator)``
for another language).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from reportgen.expr import BinOp, Expr, Measure, m
from reportgen.i18n import Translator, translator
from reportgen.measures import (
    MEASURES,
    SEGMENT_DIMENSIONS,
    Dimension,
    MeasureInfo,
    MonthMeasures,
    Unit,
    segment_measure_name,
)

Direction = Literal["higher", "lower"]
Group = Literal["primary", "secondary"]

__all__ = ["KPIS", "KPI_BY_ID", "MEASURES", "Dimension", "Kpi", "MeasureInfo", "Unit"]


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it means, how it is computed, how it is shown."""

    id: str
    group: Group
    unit: Unit
    direction: Direction | None
    expression: Expr
    breakdown: Dimension | None = None
    # a survey KPI: the measure counting the responses it is computed from (``report.min_responses``)
    responses: str | None = None

    @property
    def label_id(self) -> str:
        """Message id of its name; the text of every language is in the catalogues."""
        return f"kpi.{self.id}.label"

    @property
    def definition_id(self) -> str:
        return f"kpi.{self.id}.definition"

    @property
    def label(self) -> str:
        """The English name (terminal, JSON); ``label_in`` for the report's language."""
        return self.label_in(translator("en"))

    @property
    def definition(self) -> str:
        return self.definition_in(translator("en"))

    @property
    def formula_text(self) -> str:
        return self.formula_text_in(translator("en"))

    def label_in(self, tr: Translator) -> str:
        return tr.t(self.label_id)

    def definition_in(self, tr: Translator) -> str:
        return tr.t(self.definition_id)

    def formula_text_in(self, tr: Translator) -> str:
        """The formula in words, e.g. '(Promoters (9–10) − Detractors (0–6)) ÷ NPS responses × 100'."""
        return self.expression.text(lambda name: MEASURES[name].label_in(tr))

    def unit_text_in(self, tr: Translator) -> str:
        """'count per category', 'percent', … in ``tr``'s language."""
        unit = tr.t(f"unit.{self.unit}")
        if self.breakdown:
            return tr.t("unit.per_dimension", unit=unit, dimension=tr.t(f"dimension.{self.breakdown}"))
        return unit

    @property
    def inputs(self) -> list[str]:
        return self.expression.measures()

    @property
    def business_hours(self) -> bool:
        """A business-hours KPI (from its measures): it exists only when business_hours: is configured."""
        return any(MEASURES[name].business_hours for name in self.inputs)

    @property
    def has_calculator(self) -> bool:
        """Worth a Calculator row: a real formula, not a copied measure."""
        return self.breakdown is None and not isinstance(self.expression, Measure)

    def value(self, measures: Mapping[str, float | None]) -> float | None:
        return self.expression.evaluate(measures)

    def sheet_formula(self, cell_of: Mapping[str, str]) -> str:
        return self.expression.formula(lambda name: cell_of[name])


def _mean(total: str, count: str) -> Expr:
    return m(total) / m(count)


KPIS: tuple[Kpi, ...] = (
    # ---- the fourteen primary KPIs ------------------------------------
    Kpi("nps", "primary", "score", "higher",
        (m("promoters") - m("detractors")) / m("nps_responses") * 100, responses="nps_responses"),
    Kpi("csat", "primary", "percent", "higher",
        m("csat_satisfied") / m("csat_responses"), responses="csat_responses"),
    Kpi("ces", "primary", "percent", "higher",
        m("ces_low_effort") / m("ces_responses"), responses="ces_responses"),
    Kpi("tickets_by_category", "primary", "count", None,
        m("category_tickets"), breakdown="category"),
    Kpi("ticket_volume", "primary", "count", None,
        m("tickets_created")),
    Kpi("retention_rate", "primary", "percent", "higher",
        (m("customers_end") - m("customers_new")) / m("customers_start")),
    Kpi("churn_rate", "primary", "percent", "lower",
        m("customers_lost") / m("customers_start")),
    Kpi("cac", "primary", "money", "lower",
        m("sales_marketing_spend") / m("customers_new")),
    Kpi("clv", "primary", "money", "higher",
        m("revenue") * 12 / ((m("customers_start") + m("customers_end")) / 2)
        * m("customer_lifespan_years")
        - m("sales_marketing_spend") / m("customers_new")),
    Kpi("avg_first_response_hours", "primary", "hours", "lower",
        _mean("first_response_hours_sum", "first_response_count")),
    Kpi("avg_first_response_business_hours", "primary", "hours", "lower",
        _mean("first_response_business_hours_sum", "first_response_business_count")),
    Kpi("avg_resolution_hours", "primary", "hours", "lower",
        _mean("resolution_hours_sum", "tickets_resolved")),
    Kpi("avg_resolution_business_hours", "primary", "hours", "lower",
        _mean("resolution_business_hours_sum", "resolution_business_count")),
    Kpi("fcr_rate", "primary", "percent", "higher",
        m("fcr_resolved") / m("tickets_resolved")),
    Kpi("resolution_rate", "primary", "percent", "higher",
        m("tickets_created_resolved") / m("tickets_created")),
    Kpi("tickets_by_channel", "primary", "count", None,
        m("channel_tickets"), breakdown="channel"),
    # ---- secondary ----------------------------------------------------
    Kpi("median_first_response_hours", "secondary", "hours", "lower",
        m("first_response_median_hours")),
    Kpi("p90_first_response_hours", "secondary", "hours", "lower",
        m("first_response_p90_hours")),
    Kpi("median_resolution_hours", "secondary", "hours", "lower",
        m("resolution_median_hours")),
    Kpi("p90_resolution_hours", "secondary", "hours", "lower",
        m("resolution_p90_hours")),
    Kpi("median_first_response_business_hours", "secondary", "hours", "lower",
        m("first_response_business_median_hours")),
    Kpi("p90_first_response_business_hours", "secondary", "hours", "lower",
        m("first_response_business_p90_hours")),
    Kpi("median_resolution_business_hours", "secondary", "hours", "lower",
        m("resolution_business_median_hours")),
    Kpi("p90_resolution_business_hours", "secondary", "hours", "lower",
        m("resolution_business_p90_hours")),
    Kpi("sla_first_response_rate", "secondary", "percent", "higher",
        m("sla_met") / m("inbound_tickets")),
    Kpi("reopen_rate", "secondary", "percent", "lower",
        m("reopened_resolved") / m("tickets_resolved")),
    Kpi("outbound_tickets", "secondary", "count", None,
        m("outbound_tickets")),
    Kpi("backlog_open", "secondary", "count", "lower",
        m("backlog_open")),
    Kpi("tickets_per_agent", "secondary", "count", None,
        m("assigned_tickets") / m("distinct_agents")),
    Kpi("negative_feedback_rate", "secondary", "percent", "lower",
        m("csat_negative") / m("csat_responses")),
    Kpi("nps_responses", "secondary", "count", None,
        m("nps_responses")),
    Kpi("csat_responses", "secondary", "count", None,
        m("csat_responses")),
    Kpi("ces_responses", "secondary", "count", None,
        m("ces_responses")),
    Kpi("promoters", "secondary", "count", None,
        m("promoters")),
    Kpi("passives", "secondary", "count", None,
        m("passives")),
    Kpi("detractors", "secondary", "count", None,
        m("detractors")),
    Kpi("category_share", "secondary", "percent", None,
        m("category_tickets") / m("tickets_created"), breakdown="category"),
    Kpi("channel_share", "secondary", "percent", None,
        m("channel_tickets") / m("inbound_tickets"), breakdown="channel"),
    Kpi("agent_tickets", "secondary", "count", None,
        m("agent_tickets"), breakdown="agent"),
    Kpi("agent_resolution_rate", "secondary", "percent", "higher",
        m("agent_resolved") / m("agent_tickets"), breakdown="agent"),
    Kpi("agent_avg_first_response_hours", "secondary", "hours", "lower",
        _mean("agent_first_response_hours_sum", "agent_first_response_count"), breakdown="agent"),
)

KPI_BY_ID: dict[str, Kpi] = {kpi.id: kpi for kpi in KPIS}
KPI_IDS: list[str] = list(KPI_BY_ID)
SCALAR_KPIS: tuple[Kpi, ...] = tuple(k for k in KPIS if k.breakdown is None)
BREAKDOWN_KPIS: tuple[Kpi, ...] = tuple(k for k in KPIS if k.breakdown is not None)


# ---- survey scores per segment (agent_csat, category_nps, …) ------------------------------
@dataclass(frozen=True)
class SegmentKpi(Kpi):
    """A survey KPI per agent, category or channel of the ticket a response names: the headline
    KPI's expression over the segment's measures (``measures.segment_measure_name``: the
    drivers stage counts them). Named from the
    headline KPI and the dimension, so it needs no messages of its own."""

    base: str = ""

    def label_in(self, tr: Translator) -> str:
        assert self.breakdown is not None
        return tr.t("segment.kpi_label", kpi=KPI_BY_ID[self.base].label_in(tr),
                    dimension=tr.t(f"dimension.{self.breakdown}"))

    def definition_in(self, tr: Translator) -> str:
        assert self.breakdown is not None
        return tr.t("segment.kpi_definition", definition=KPI_BY_ID[self.base].definition_in(tr),
                    dimension=tr.t(f"dimension.{self.breakdown}"))


def _per_segment(expression: Expr, dimension: str) -> Expr:
    """``expression`` with every measure replaced by its per-``dimension`` measure."""
    if isinstance(expression, Measure):
        return m(segment_measure_name(dimension, expression.name))
    if isinstance(expression, BinOp):
        return BinOp(expression.op, _per_segment(expression.left, dimension),
                     _per_segment(expression.right, dimension))
    return expression


SURVEY_KPI_IDS: tuple[str, ...] = ("csat", "nps", "ces")  # the order segment tables show them in
SEGMENT_KPIS: tuple[SegmentKpi, ...] = tuple(
    SegmentKpi(f"{dimension}_{base.id}", "secondary", base.unit, base.direction,
               _per_segment(base.expression, dimension), breakdown=dimension,
               responses=segment_measure_name(dimension, base.responses or ""), base=base.id)
    for dimension in SEGMENT_DIMENSIONS for base in (KPI_BY_ID[i] for i in SURVEY_KPI_IDS))
SEGMENT_KPI_BY_ID: dict[str, SegmentKpi] = {kpi.id: kpi for kpi in SEGMENT_KPIS}



def shown_kpis(business_hours: bool) -> tuple[Kpi, ...]:
    """The KPIs a report shows: the business-hours ones only when business_hours: is configured."""
    return KPIS if business_hours else tuple(k for k in KPIS if not k.business_hours)


# Why the overall resolution rate is resolved ÷ received (shown on the Definitions tab)
RESOLUTION_RATE_NOTE_ID = "kpi.resolution_rate.note"


# ---- KPI values of one month, from its measures -------------------------
def scalar_values(measures: MonthMeasures) -> dict[str, float | None]:
    """Every scalar KPI of the month, keyed by id (None when it has no value).

    A business-hours KPI is there only when its measures are (business_hours: configured)."""
    return {kpi.id: _tidy(kpi.unit, kpi.value(measures.scalars)) for kpi in SCALAR_KPIS
            if not kpi.business_hours or all(name in measures.scalars for name in kpi.inputs)}


def breakdown_values(measures: MonthMeasures) -> dict[str, dict[str, float]]:
    """Every per-dimension KPI of the month: id → {dimension value: KPI value}."""
    out: dict[str, dict[str, float]] = {}
    for kpi in (*BREAKDOWN_KPIS, *SEGMENT_KPIS):
        driver = kpi.inputs[0]
        values: dict[str, float] = {}
        for key in sorted(measures.dims.get(driver, {})):
            if key.startswith(" "):  # the drivers' segments that are no name (no agent, no ticket)
                continue
            inputs: dict[str, float | None] = dict(measures.scalars)
            for name in kpi.inputs:
                if name in measures.dims:
                    inputs[name] = measures.dims[name].get(key)
            value = _tidy(kpi.unit, kpi.value(inputs))
            if value is not None:
                values[key] = value
        out[kpi.id] = values
    return out


def _tidy(unit: Unit, value: float | None) -> float | None:
    """Counts as ints in output; everything else as float."""
    if value is None:
        return None
    if unit == "count" and float(value).is_integer():
        return int(value)
    return float(value)
