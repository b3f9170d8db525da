"""Measures declared as data, monthly measure values, and the KPI values derived from them.

Every monthly input a KPI reads is declared once in :data:`MEASURES` (in the
style of dbt MetricFlow): its name (its label is the catalogues' ``measure.<name>``),
unit, how it is aggregated, over which column or expression of the cleaned
relation, with which filter, on which time column (the month it lands in) and
per which dimension.
``reportgen.engine.sqlgen`` turns the ``tickets``/``surveys`` declarations into
SQL; ``business`` measures come from the business file and ``derived`` ones are
computed from other measures by the engine (running backlog, agents).

Filters and expressions may name KPI options in braces (``{sla_hours}``); see
``reportgen.engine.sqlgen.option_values`` for the names. An ``inbound`` measure
counts only the tickets customers started: rows on an outbound channel
(``reportgen.sources.outbound``) are left out of its aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reportgen.i18n import LANGUAGES, Translator, translator

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
    unit: Unit
    dimension: Dimension | None = None
    aggregation: Aggregation = "count"
    dataset: Dataset = "tickets"
    column: str | None = None
    filter: str | None = None
    time: TimeColumn | None = "created"
    # optional source columns it is computed from: when no file of the dataset has one of them,
    # the measure has no value (a missing input is not 0 — an export without resolved_at is not
    # "nothing resolved")
    needs: tuple[str, ...] = ()
    # a business-hours measure (KPI_SPEC "Business hours"): it exists only when business_hours: is
    # configured; without it no query computes it and no KPI reads it
    business_hours: bool = False
    # with business_hours: {from: helpdesk}: the source column giving it (instead of ``needs``)
    given_by: str | None = None
    # over the tickets customers started only: a ticket on an outbound channel (one the team started,
    # ``reportgen.sources.outbound``) is not a channel a customer chose nor a customer waiting
    inbound: bool = False

    @property
    def label_id(self) -> str:
        """Its name's message id in the catalogues (reportgen/locales)."""
        return f"measure.{self.name}"

    @property
    def label(self) -> str:
        """The English name; ``label_in`` for another language."""
        return self.label_in(translator("en"))

    def label_in(self, tr: Translator) -> str:
        return tr.t(self.label_id)

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


def _business(name: str, unit: Unit) -> MeasureInfo:
    return MeasureInfo(name, unit, aggregation="business", dataset="business", time=None)


def _survey(name: str, aggregation: Aggregation, filter: str) -> MeasureInfo:
    return MeasureInfo(name, "count", aggregation=aggregation, dataset="surveys",
                       filter=filter, time="submitted")


def _business_hours(stem: str, time: TimeColumn, needs: str, inbound: bool = False) -> list[MeasureInfo]:
    """Count, sum, median and p90 of the business durations ``<stem>_business_hours``."""
    column = f"{stem}_business_hours"

    def declared(name: str, unit: Unit, aggregation: Aggregation) -> MeasureInfo:
        return MeasureInfo(name, unit, aggregation=aggregation, column=column, time=time, needs=(needs,),
                           business_hours=True, given_by=f"{stem}_business_minutes", inbound=inbound)

    return [declared(f"{stem}_business_count", "count", "count"),
            declared(f"{stem}_business_hours_sum", "hours", "sum"),
            declared(f"{stem}_business_median_hours", "hours", "median"),
            declared(f"{stem}_business_p90_hours", "hours", "p90")]


_DECLARED: list[MeasureInfo] = [
    # ---- tickets, by the month they were created in ------------------------------------
    MeasureInfo("tickets_created", "count"),
    MeasureInfo("tickets_created_resolved", "count", column="resolved", needs=("resolved_at",)),
    # {outbound}: the row's channel is an outbound one (the team started the ticket)
    MeasureInfo("outbound_tickets", "count", aggregation="count_where", filter="{outbound}"),
    # ---- tickets customers started (inbound), by the month they were created in -------------
    MeasureInfo("inbound_tickets", "count", inbound=True),
    MeasureInfo("first_response_count", "count",
                column="first_response_hours", needs=("first_response_at",), inbound=True),
    MeasureInfo("first_response_hours_sum", "hours", aggregation="sum", column="first_response_hours",
                needs=("first_response_at",), inbound=True),
    MeasureInfo("first_response_median_hours", "hours", aggregation="median", column="first_response_hours",
                needs=("first_response_at",), inbound=True),
    MeasureInfo("first_response_p90_hours", "hours", aggregation="p90", column="first_response_hours",
                needs=("first_response_at",), inbound=True),
    MeasureInfo("sla_met", "count", aggregation="count_where",  # {sla_column}: kpis.sla.clock's durations
                filter="{sla_column} <= {sla_hours}", needs=("first_response_at",), inbound=True),
    *_business_hours("first_response", "created", "first_response_at", inbound=True),
    # ---- tickets, by the month they were resolved in -----------------------------------
    MeasureInfo("tickets_resolved", "count", time="resolved", needs=("resolved_at",)),
    MeasureInfo("resolution_hours_sum", "hours", aggregation="sum",
                column="resolution_hours", time="resolved", needs=("resolved_at",)),
    MeasureInfo("resolution_median_hours", "hours",
                aggregation="median", column="resolution_hours", time="resolved", needs=("resolved_at",)),
    MeasureInfo("resolution_p90_hours", "hours",
                aggregation="p90", column="resolution_hours", time="resolved", needs=("resolved_at",)),
    *_business_hours("resolution", "resolved", "resolved_at"),
    MeasureInfo("fcr_resolved", "count", aggregation="count_where",
                filter="replies <= {max_replies} AND reopens = 0", time="resolved",
                needs=("resolved_at", "replies")),
    MeasureInfo("reopened_resolved", "count", aggregation="count_where",
                filter="reopens > 0", time="resolved", needs=("resolved_at", "reopens")),
    # ---- derived from other measures by the engine -------------------------------------
    MeasureInfo("backlog_open", "count", aggregation="derived", time=None, needs=("resolved_at",)),
    MeasureInfo("assigned_tickets", "count", aggregation="derived"),
    MeasureInfo("distinct_agents", "count", aggregation="derived"),
    # ---- surveys, by the month they were submitted in ----------------------------------
    _survey("nps_responses", "count_where", "kind = 'nps'"),
    _survey("promoters", "count_where", _nps_band("promoters")),
    _survey("passives", "count_where", _nps_band("passives")),
    _survey("detractors", "count_where", _nps_band("detractors")),
    _survey("csat_responses", "count_where", "kind = 'csat'"),
    _survey("csat_satisfied", "count_where",
            "kind = 'csat' AND score >= {csat_satisfied_min}"),
    _survey("csat_negative", "count_where",
            "kind = 'csat' AND score <= {csat_negative_max}"),
    _survey("ces_responses", "count_where", "kind = 'ces'"),
    _survey("ces_low_effort", "count_where",
            "kind = 'ces' AND score >= {ces_low_effort_min}"),
    # ---- the business file -----------------------------------------------------------------
    _business("customers_start", "count"),
    _business("customers_end", "count"),
    _business("customers_new", "count"),
    _business("customers_lost", "count"),
    _business("sales_marketing_spend", "money"),
    _business("revenue", "money"),
    _business("customer_lifespan_years", "years"),
    # ---- per dimension value ------------------------------------------------------------------
    MeasureInfo("category_tickets", "count", "category"),
    MeasureInfo("channel_tickets", "count", "channel", inbound=True),  # the customers' preferred channels
    MeasureInfo("agent_tickets", "count", "agent"),
    MeasureInfo("agent_resolved", "count", "agent", column="resolved", needs=("resolved_at",)),
    MeasureInfo("agent_first_response_count", "count", "agent",
                column="first_response_hours", needs=("first_response_at",), inbound=True),
    MeasureInfo("agent_first_response_hours_sum", "hours", "agent", aggregation="sum",
                column="first_response_hours", needs=("first_response_at",), inbound=True),
]

MEASURES: dict[str, MeasureInfo] = {info.name: info for info in _DECLARED}


# the business first-response minutes a business-clock SLA reads with business_hours: {from: helpdesk}
_SLA_GIVEN_BY = "first_response_business_minutes"


def needed_columns(info: MeasureInfo, from_helpdesk: bool, business_clock: bool = False) -> tuple[str, ...]:
    """The optional source columns ``info`` is computed from (the helpdesk's own business minutes
    with ``business_hours: {from: helpdesk}``; for the SLA too when its clock is business)."""
    if from_helpdesk and info.given_by:
        return (info.given_by,)
    if from_helpdesk and business_clock and "{sla_column}" in (info.filter or ""):
        return (*info.needs, _SLA_GIVEN_BY)
    return info.needs


def active_measures(business_hours: bool) -> list[MeasureInfo]:
    """The measures a run computes: the business-hours ones only when business_hours: is configured."""
    return [info for info in MEASURES.values() if business_hours or not info.business_hours]


BUSINESS_MEASURES: tuple[str, ...] = tuple(n for n, i in MEASURES.items() if i.aggregation == "business")
# what an empty dimension value is shown as (None: rows without a value are left out)
DIMENSION_DEFAULTS: dict[Dimension, str | None] = {"category": "Uncategorized", "channel": "Unknown",
                                                   "agent": None}


def dimension_value_in(dimension: str, name: str, tr: Translator) -> str:
    """A category/channel as a reader sees it: the default (``Uncategorized``, the engine's key for an
    empty value) in the report's language (``dimension_default.*``); names from the data as written."""
    default = DIMENSION_DEFAULTS.get(dimension)  # type: ignore[call-overload]
    return tr.t(f"dimension_default.{dimension}") if default is not None and name == default else name


def default_spellings(dimension: str) -> frozenset[str]:
    """The default's text in every language, casefolded: a data value written so ("senza categoria")
    is the default itself, so a translated report never shows two columns of the same name."""
    if DIMENSION_DEFAULTS.get(dimension) is None:  # type: ignore[call-overload]
        return frozenset()
    return frozenset(translator(language).t(f"dimension_default.{dimension}").casefold()
                     for language in LANGUAGES)


@dataclass
class MonthMeasures:
    """The measures of one month: scalars and per-dimension values (category → count, …)."""

    scalars: dict[str, float | None] = field(default_factory=dict)
    dims: dict[str, dict[str, float]] = field(default_factory=dict)


# ---- measures per segment --------------------------------------------------------------------------
# The drivers stage (``reportgen.engine.drivers``) counts the driver KPIs' measures per category,
# channel and agent (survey measures through the ticket a response names) and files them here:
SEGMENT_DIMENSIONS: tuple[Dimension, ...] = ("agent", "category", "channel")


def segment_measure_name(dimension: str, measure: str) -> str:
    """Where a measure per segment of a dimension is kept in ``MonthMeasures.dims``."""
    return f"drivers.{dimension}.{measure}"
