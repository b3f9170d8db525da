"""The KPI registry: one declaration per KPI, the single source of every view.

Values, Calculator formulas, Definitions text and number formats all derive
from these declarations (see ``reportgen.expr``). Ids are stable: they appear
in the Data tab, the JSON output and the history store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from reportgen.expr import Expr, Measure, m
from reportgen.measures import MEASURES, Dimension, MeasureInfo, MonthMeasures, Unit

Direction = Literal["higher", "lower"]
Group = Literal["primary", "secondary"]

__all__ = ["KPIS", "KPI_BY_ID", "MEASURES", "Dimension", "Kpi", "MeasureInfo", "Unit"]


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it means, how it is computed, how it is shown."""

    id: str
    label: str
    group: Group
    unit: Unit
    direction: Direction | None
    definition: str
    expression: Expr
    breakdown: Dimension | None = None

    @property
    def inputs(self) -> list[str]:
        return self.expression.measures()

    @property
    def formula_text(self) -> str:
        return self.expression.text(lambda name: MEASURES[name].label)

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
    Kpi("nps", "Net Promoter Score", "primary", "score", "higher",
        "How likely customers are to recommend us: the share of promoters (9–10) minus "
        "the share of detractors (0–6) among NPS responses submitted in the month, from −100 to 100.",
        (m("promoters") - m("detractors")) / m("nps_responses") * 100),
    Kpi("csat", "Customer Satisfaction (CSAT)", "primary", "percent", "higher",
        "Share of CSAT responses in the month that were satisfied (score at or above the "
        "satisfied threshold).",
        m("csat_satisfied") / m("csat_responses")),
    Kpi("ces", "Customer Effort Score (CES)", "primary", "percent", "higher",
        "Share of CES responses in the month saying the issue was easy to handle (score at "
        "or above the low-effort threshold).",
        m("ces_low_effort") / m("ces_responses")),
    Kpi("tickets_by_category", "Tickets by category", "primary", "count", None,
        "Tickets created in the month, grouped by category (empty category: Uncategorized).",
        m("category_tickets"), breakdown="category"),
    Kpi("ticket_volume", "Ticket volume", "primary", "count", None,
        "Tickets created in the month.",
        m("tickets_created")),
    Kpi("retention_rate", "Customer retention rate", "primary", "percent", "higher",
        "Share of the customers we had at the start of the month that we still have at its "
        "end, not counting customers won during the month: (E − N) ÷ S.",
        (m("customers_end") - m("customers_new")) / m("customers_start")),
    Kpi("churn_rate", "Customer churn rate", "primary", "percent", "lower",
        "Share of the customers at the start of the month that left during it.",
        m("customers_lost") / m("customers_start")),
    Kpi("cac", "Customer acquisition cost (CAC)", "primary", "money", "lower",
        "Sales and marketing spend of the month divided by the new customers it won.",
        m("sales_marketing_spend") / m("customers_new")),
    Kpi("clv", "Customer lifetime value (CLV)", "primary", "money", "higher",
        "What an average customer is worth over their lifetime: annual revenue per customer "
        "× lifespan in years, minus what it cost to acquire them (CAC).",
        m("revenue") * 12 / ((m("customers_start") + m("customers_end")) / 2)
        * m("customer_lifespan_years")
        - m("sales_marketing_spend") / m("customers_new")),
    Kpi("avg_first_response_hours", "Average first response time", "primary", "hours", "lower",
        "Average time from a ticket's creation to the first agent response, over tickets "
        "created in the month that were answered.",
        _mean("first_response_hours_sum", "first_response_count")),
    Kpi("avg_resolution_hours", "Average resolution time", "primary", "hours", "lower",
        "Average time from creation to resolution, over tickets resolved in the month.",
        _mean("resolution_hours_sum", "tickets_resolved")),
    Kpi("fcr_rate", "First contact resolution (FCR)", "primary", "percent", "higher",
        "Share of tickets resolved in the month with at most the allowed number of agent "
        "replies and never reopened.",
        m("fcr_resolved") / m("tickets_resolved")),
    Kpi("resolution_rate", "Overall resolution rate", "primary", "percent", "higher",
        "Share of the tickets created in the month that have been resolved (resolved ÷ received).",
        m("tickets_created_resolved") / m("tickets_created")),
    Kpi("tickets_by_channel", "Tickets by channel (preferred channels)", "primary", "count", None,
        "Tickets created in the month, grouped by the channel customers chose.",
        m("channel_tickets"), breakdown="channel"),
    # ---- secondary ----------------------------------------------------
    Kpi("median_first_response_hours", "Median first response time", "secondary", "hours",
        "lower", "Middle value of the first-response times of the month's answered tickets.",
        m("first_response_median_hours")),
    Kpi("p90_first_response_hours", "90th percentile first response time", "secondary", "hours",
        "lower", "First-response time that 90 % of the month's answered tickets beat.",
        m("first_response_p90_hours")),
    Kpi("median_resolution_hours", "Median resolution time", "secondary", "hours", "lower",
        "Middle value of the resolution times of tickets resolved in the month.",
        m("resolution_median_hours")),
    Kpi("p90_resolution_hours", "90th percentile resolution time", "secondary", "hours", "lower",
        "Resolution time that 90 % of the tickets resolved in the month beat.",
        m("resolution_p90_hours")),
    Kpi("sla_first_response_rate", "First responses within SLA", "secondary", "percent", "higher",
        "Share of tickets created in the month answered within the SLA (never answered "
        "counts as breached).",
        m("sla_met") / m("tickets_created")),
    Kpi("reopen_rate", "Reopen rate", "secondary", "percent", "lower",
        "Share of tickets resolved in the month that had been reopened.",
        m("reopened_resolved") / m("tickets_resolved")),
    Kpi("backlog_open", "Open backlog at month end", "secondary", "count", "lower",
        "Tickets created before the end of the month and not resolved by then.",
        m("backlog_open")),
    Kpi("tickets_per_agent", "Tickets per agent", "secondary", "count", None,
        "Tickets created in the month with an agent, divided by the number of those agents.",
        m("assigned_tickets") / m("distinct_agents")),
    Kpi("negative_feedback_rate", "Negative feedback rate", "secondary", "percent", "lower",
        "Share of CSAT responses in the month at or below the negative threshold (default 2).",
        m("csat_negative") / m("csat_responses")),
    Kpi("nps_responses", "NPS responses", "secondary", "count", None,
        "NPS survey responses submitted in the month.", m("nps_responses")),
    Kpi("csat_responses", "CSAT responses", "secondary", "count", None,
        "CSAT survey responses submitted in the month.", m("csat_responses")),
    Kpi("ces_responses", "CES responses", "secondary", "count", None,
        "CES survey responses submitted in the month.", m("ces_responses")),
    Kpi("promoters", "Promoters", "secondary", "count", None,
        "NPS responses of 9 or 10.", m("promoters")),
    Kpi("passives", "Passives", "secondary", "count", None,
        "NPS responses of 7 or 8.", m("passives")),
    Kpi("detractors", "Detractors", "secondary", "count", None,
        "NPS responses from 0 to 6.", m("detractors")),
    Kpi("category_share", "Category share", "secondary", "percent", None,
        "Each category's share of the tickets created in the month.",
        m("category_tickets") / m("tickets_created"), breakdown="category"),
    Kpi("channel_share", "Channel share", "secondary", "percent", None,
        "Each channel's share of the tickets created in the month.",
        m("channel_tickets") / m("tickets_created"), breakdown="channel"),
    Kpi("agent_tickets", "Tickets per agent (each)", "secondary", "count", None,
        "Tickets created in the month assigned to each agent.",
        m("agent_tickets"), breakdown="agent"),
    Kpi("agent_resolution_rate", "Agent resolution rate", "secondary", "percent", "higher",
        "Share of each agent's tickets created in the month that have been resolved.",
        m("agent_resolved") / m("agent_tickets"), breakdown="agent"),
    Kpi("agent_avg_first_response_hours", "Agent average first response", "secondary", "hours",
        "lower", "Average first-response time of each agent's answered tickets created in the month.",
        _mean("agent_first_response_hours_sum", "agent_first_response_count"), breakdown="agent"),
)

KPI_BY_ID: dict[str, Kpi] = {kpi.id: kpi for kpi in KPIS}
KPI_IDS: list[str] = list(KPI_BY_ID)
SCALAR_KPIS: tuple[Kpi, ...] = tuple(k for k in KPIS if k.breakdown is None)
BREAKDOWN_KPIS: tuple[Kpi, ...] = tuple(k for k in KPIS if k.breakdown is not None)

RESOLUTION_RATE_NOTE = (
    "One widely copied article defines the overall resolution rate as resolved cases ÷ "
    "unresolved cases. That ratio exceeds 100 % and is not a rate; this report uses "
    "resolved ÷ received (tickets created in the month that are resolved ÷ tickets created "
    "in the month)."
)


# ---- KPI values of one month, from its measures -------------------------
def scalar_values(measures: MonthMeasures) -> dict[str, float | None]:
    """Every scalar KPI of the month, keyed by id (None when it has no value)."""
    return {kpi.id: _tidy(kpi.unit, kpi.value(measures.scalars)) for kpi in SCALAR_KPIS}


def breakdown_values(measures: MonthMeasures) -> dict[str, dict[str, float]]:
    """Every per-dimension KPI of the month: id → {dimension value: KPI value}."""
    out: dict[str, dict[str, float]] = {}
    for kpi in BREAKDOWN_KPIS:
        driver = kpi.inputs[0]
        values: dict[str, float] = {}
        for key in sorted(measures.dims.get(driver, {})):
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
