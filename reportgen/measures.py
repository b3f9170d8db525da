"""Measures declared as data, monthly measure values, and the KPI values derived from them.

Every monthly input a KPI reads is declared once in :data:`MEASURES` (in the
style of dbt MetricFlow): its name, label, unit, how it is aggregated, over
which column or expression of the cleaned relation, with which filter, on
which time column (the month it lands in) and per which dimension.
``reportgen.engine.sqlgen`` turns the ``tickets``/``surveys`` declarations into
SQL; ``business`` measures come from the business file and ``derived`` ones are
computed from other measures by the engine (running backlog, agents).

Filters and expressions may name KPI options in braces (``{sla_hours}``); see
``reportgen.engine.sqlgen.option_values`` for the names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["score", "percent", "count", "hours", "money", "years"]
Dimension = Literal["category", "channel", "agent"]
Aggregation = Literal["count", "count_where", "sum", "mean", "median", "p90", "business", "derived"]
Dataset = Literal["tickets", "surveys", "business"]
TimeColumn = Literal["created", "resolved", "submitted"]

# NPS bands (inclusive score ranges), declared once: the promoter/passive/detractor measures use them
NPS_BANDS: dict[str, tuple[int, int]] = {"promoters": (9, 10), "passives": (7, 8), "detractors": (0, 6)}
SURVEY_KINDS = ("nps", "csat", "ces")


@dataclass(frozen=True)
class MeasureInfo:
    """One named monthly input to KPIs.

    ``column``: the column (or SQL expression) of the cleaned relation aggregated
    (None: rows are counted); ``filter``: a SQL predicate on that relation;
    ``time``: the timestamp whose month the row counts in.
    """

    name: str
    label: str
    unit: Unit
    dimension: Dimension | None = None
    aggregation: Aggregation = "count"
    dataset: Dataset = "tickets"
    column: str | None = None
    filter: str | None = None
    time: TimeColumn | None = "created"

    @property
    def computed_in_sql(self) -> bool:
        return self.aggregation not in ("business", "derived")

    @property
    def zero_when_absent(self) -> bool:
        """Counts and sums are 0 in a month where nothing happened; medians have no value."""
        return self.aggregation in ("count", "count_where", "sum", "derived")


def _nps_band(name: str) -> str:
    low, high = NPS_BANDS[name]
    return f"kind = 'nps' AND score >= {low} AND score <= {high}"


def _business(name: str, label: str, unit: Unit) -> MeasureInfo:
    return MeasureInfo(name, label, unit, aggregation="business", dataset="business", time=None)


def _survey(name: str, label: str, aggregation: Aggregation, filter: str) -> MeasureInfo:
    return MeasureInfo(name, label, "count", aggregation=aggregation, dataset="surveys",
                       filter=filter, time="submitted")


_DECLARED: list[MeasureInfo] = [
    # ---- tickets, by the month they were created in ------------------------------------
    MeasureInfo("tickets_created", "Tickets created", "count"),
    MeasureInfo("tickets_created_resolved", "Created tickets now resolved", "count", column="resolved"),
    MeasureInfo("first_response_count", "Tickets with a first response", "count",
                column="first_response_hours"),
    MeasureInfo("first_response_hours_sum", "Total first-response time (h)", "hours",
                aggregation="sum", column="first_response_hours"),
    MeasureInfo("first_response_median_hours", "Median first-response time (h)", "hours",
                aggregation="median", column="first_response_hours"),
    MeasureInfo("first_response_p90_hours", "90th percentile first-response time (h)", "hours",
                aggregation="p90", column="first_response_hours"),
    MeasureInfo("sla_met", "First responses within SLA", "count", aggregation="count_where",
                filter="first_response_hours <= {sla_hours}"),
    # ---- tickets, by the month they were resolved in -----------------------------------
    MeasureInfo("tickets_resolved", "Tickets resolved", "count", time="resolved"),
    MeasureInfo("resolution_hours_sum", "Total resolution time (h)", "hours", aggregation="sum",
                column="resolution_hours", time="resolved"),
    MeasureInfo("resolution_median_hours", "Median resolution time (h)", "hours",
                aggregation="median", column="resolution_hours", time="resolved"),
    MeasureInfo("resolution_p90_hours", "90th percentile resolution time (h)", "hours",
                aggregation="p90", column="resolution_hours", time="resolved"),
    MeasureInfo("fcr_resolved", "Resolved on first contact", "count", aggregation="count_where",
                filter="replies <= {max_replies} AND reopens = 0", time="resolved"),
    MeasureInfo("reopened_resolved", "Resolved tickets reopened", "count", aggregation="count_where",
                filter="reopens > 0", time="resolved"),
    # ---- derived from other measures by the engine -------------------------------------
    MeasureInfo("backlog_open", "Open tickets at month end", "count", aggregation="derived", time=None),
    MeasureInfo("assigned_tickets", "Tickets with an agent", "count", aggregation="derived"),
    MeasureInfo("distinct_agents", "Agents", "count", aggregation="derived"),
    # ---- surveys, by the month they were submitted in ----------------------------------
    _survey("nps_responses", "NPS responses", "count_where", "kind = 'nps'"),
    _survey("promoters", "Promoters (9–10)", "count_where", _nps_band("promoters")),
    _survey("passives", "Passives (7–8)", "count_where", _nps_band("passives")),
    _survey("detractors", "Detractors (0–6)", "count_where", _nps_band("detractors")),
    _survey("csat_responses", "CSAT responses", "count_where", "kind = 'csat'"),
    _survey("csat_satisfied", "Satisfied CSAT responses", "count_where",
            "kind = 'csat' AND score >= {csat_satisfied_min}"),
    _survey("csat_negative", "Negative CSAT responses", "count_where",
            "kind = 'csat' AND score <= {csat_negative_max}"),
    _survey("ces_responses", "CES responses", "count_where", "kind = 'ces'"),
    _survey("ces_low_effort", "Low-effort CES responses", "count_where",
            "kind = 'ces' AND score >= {ces_low_effort_min}"),
    # ---- the business file -----------------------------------------------------------------
    _business("customers_start", "Customers at start (S)", "count"),
    _business("customers_end", "Customers at end (E)", "count"),
    _business("customers_new", "New customers (N)", "count"),
    _business("customers_lost", "Customers lost", "count"),
    _business("sales_marketing_spend", "Sales & marketing spend", "money"),
    _business("revenue", "Revenue", "money"),
    _business("customer_lifespan_years", "Customer lifespan (years)", "years"),
    # ---- per dimension value ------------------------------------------------------------------
    MeasureInfo("category_tickets", "Tickets in category", "count", "category"),
    MeasureInfo("channel_tickets", "Tickets in channel", "count", "channel"),
    MeasureInfo("agent_tickets", "Agent's tickets", "count", "agent"),
    MeasureInfo("agent_resolved", "Agent's tickets resolved", "count", "agent", column="resolved"),
    MeasureInfo("agent_first_response_count", "Agent's tickets answered", "count", "agent",
                column="first_response_hours"),
    MeasureInfo("agent_first_response_hours_sum", "Agent's total first-response time (h)", "hours",
                "agent", aggregation="sum", column="first_response_hours"),
]

MEASURES: dict[str, MeasureInfo] = {info.name: info for info in _DECLARED}
BUSINESS_MEASURES: tuple[str, ...] = tuple(n for n, i in MEASURES.items() if i.aggregation == "business")
# what an empty dimension value is shown as (None: rows without a value are left out)
DIMENSION_DEFAULTS: dict[Dimension, str | None] = {"category": "Uncategorized", "channel": "Unknown",
                                                   "agent": None}


@dataclass
class MonthMeasures:
    """The measures of one month: scalars and per-dimension values (category → count, …)."""

    scalars: dict[str, float | None] = field(default_factory=dict)
    dims: dict[str, dict[str, float]] = field(default_factory=dict)
