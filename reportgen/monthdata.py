"""One month's data: the engine result, the history window and the KPI values derived from it.

``compute_month`` runs the engine once and updates the history store;
``MonthData`` holds the outcome and derives the KPI values of each window
month once (cached), for every view (report model, email, terminal, JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reportgen.config import Config
from reportgen.coverage import coverage_span, lacks_tickets, month_bounds, stored_partial_months
from reportgen.drivers import KpiDrivers, month_drivers
from reportgen.engine.result import EngineResult
from reportgen.errors import NoDataError
from reportgen.history import Completeness, HistoryStore, replaces
from reportgen.kpis import breakdown_values, scalar_values
from reportgen.measures import BUSINESS_MEASURES, MonthMeasures
from reportgen.months import shift, window
from reportgen.sources.kinds import kind_of


@dataclass
class MonthData:
    """Everything a report of one month needs: its window's measures and the run's data quality."""

    config: Config
    month: str
    window: list[str]
    measures: dict[str, MonthMeasures]  # window months with data; absent months have no entry
    engine: EngineResult
    # window months the data covers only in part → why (``reportgen.coverage``); set by MonthRun
    partial: dict[str, str] = field(default_factory=dict)
    # window months shown as this run's sources cover them (computed and written, or stored as
    # completely); the others are read from history
    from_run: set[str] = field(default_factory=set)
    # window months read from history: how complete each was when stored
    stored_completeness: dict[str, Completeness] = field(default_factory=dict)

    @property
    def current(self) -> MonthMeasures:
        return self.measures[self.month]

    @cached_property
    def scalars(self) -> dict[str, dict[str, float | None]]:
        """Scalar KPI values per window month with data (computed once)."""
        return {m: scalar_values(self.measures[m]) for m in self.window if m in self.measures}

    @cached_property
    def breakdowns(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per-dimension KPI values per window month with data (computed once)."""
        return {m: breakdown_values(self.measures[m]) for m in self.window if m in self.measures}

    @cached_property
    def drivers(self) -> dict[str, KpiDrivers]:
        """Why each driver KPI changed since the month before (``reportgen.drivers``; computed once)."""
        return month_drivers(self.month, shift(self.month, -1), self.measures, self.scalars, self.partial)


def kpis_document(data: MonthData) -> dict[str, Any]:
    """The JSON document of ``reportgen kpis``: KPIs, breakdowns and data quality."""
    return {
        "month": data.month,
        # covered only in part (reportgen.coverage): marked, no verdicts
        **({"partial": True, "partial_reason": data.partial[data.month]}
           if data.month in data.partial else {}),
        "kpis": data.scalars[data.month],
        "breakdowns": data.breakdowns[data.month],
        "drivers": {kpi_id: found.as_dict() for kpi_id, found in data.drivers.items()},
        "data_quality": data.engine.quality_dict(),
    }


def completeness(month: str, measures: MonthMeasures, result: EngineResult) -> Completeness:
    """How completely this run's sources cover ``month``, to compare with the stored copy.

    Days: the days of the month inside the span of the dataset that decides whether a month is
    whole (``coverage.coverage_span``: the tickets, the surveys only when there are no tickets),
    first to last day with a usable row. Surveys spanning a month the tickets no longer reach (a
    rolling ticket export, a survey export kept whole) do not make it covered, nor does the
    tickets' span when the month has no ticket created (its own export came back empty): such a
    copy has no tickets, and must not replace the stored month that has them. Rows: tickets created plus
    survey responses in the month (without any: the tickets resolved in it), plus one when the
    month has business figures (a business-only month is data too).
    """
    first_day, last_day = month_bounds(month)
    span = coverage_span(result.coverage)
    covered = 0
    if span is not None and not lacks_tickets(result.coverage, {month: measures}, month):
        start, end = max(span[1][0], first_day), min(span[1][1], last_day)
        covered = max(0, (end - start).days + 1)
    scalars = measures.scalars
    rows = sum(int(scalars.get(name) or 0)
               for name in ("tickets_created", "nps_responses", "csat_responses", "ces_responses"))
    # a month whose only data is the resolution of earlier tickets is data too (its resolution times)
    rows = rows or int(scalars.get("tickets_resolved") or 0)
    # the lifespan may come from the config alone; the other business figures only from data
    has_business = any(scalars.get(name) is not None for name in BUSINESS_MEASURES
                       if name != "customer_lifespan_years")
    return Completeness(covered, rows + int(has_business))


def run_engine(config: Config, months: tuple[str, str] | None = None) -> EngineResult:
    """Load, clean and aggregate every source (the engine), writing nothing; ``months``: only
    those (``months_needed``)."""
    from reportgen.engine.run import Engine  # DuckDB and the stages: not for a result read from the cache

    return Engine(config, months=months).run()


def months_needed(config: Config, month: str) -> tuple[str, str] | None:
    """The months (first, last) a run of ``month`` computes when its tickets and surveys are read in
    warehouses (each statement then covers only them); None: every month in the sources.

    From the first month of the report's window that history lacks or holds in part (marked
    partial: the sources may cover it better) through the report month,
    which is always computed. The earlier months of the window, and the trailing months the
    spike check compares with (inside the window), are read from history; so are months before
    the first stored one (a run stores every month its sources hold). Without history
    (a first run) every month is computed, and stored, as with files. Files and pulled data are
    read whole anyway: None.
    """
    sources = [source for dataset in ("tickets", "surveys") for source in config.sources.of(dataset)]
    if not sources or not all(kind_of(source).in_warehouse for source in sources):
        return None
    store = HistoryStore(config.resolve(config.history.path))
    if not store.path.exists():
        return None
    held = {stored.month: stored.completeness for stored in store.list_months()}
    if not held:
        return None

    # held in part: fewer days than the month less the tolerance at both ends (as the report marks
    # it, ``coverage.stored_partial_months``); the first stored month is where the data begins
    gap = config.quality.month_gap_days
    partial = {held_month for held_month, stored in held.items() if stored is not None
               and held_month > min(held) and stored_partial_months({held_month: stored}, gap_days=gap)}
    # before the first stored month the sources had no data when it was stored (a run stores them all)
    needed = [earlier for earlier in window(month, config.report.window_months)[:-1]
              if earlier >= min(held) and (earlier not in held or earlier in partial)]
    return (needed[0] if needed else month, month)


def gather_month(config: Config, month: str, result: EngineResult, *, save: bool = True) -> MonthData:
    """Update the history store with ``result`` and gather the report month's window.

    The report month is always replaced in history; earlier months are written
    only when history lacks them, so a partial export never overwrites a good
    past month. Later months are left alone. ``save=False`` reads history but
    writes nothing (dry runs). ``month`` is a parsed YYYY-MM.
    """
    months_window = window(month, config.report.window_months)
    store = HistoryStore(config.resolve(config.history.path))
    computed = {m: v for m, v in result.months.items() if m <= month}
    covered = {m: completeness(m, v, result) for m, v in computed.items()}
    if save:
        stored = store.save_and_load(computed, replace={month} & computed.keys(), window=months_window,
                                     data_quality=result.quality_dict(), completeness=covered)
        measures, from_run = stored.measures, set(stored.written)
    else:  # what a real run would write is shown, nothing is
        stored = store.load_stored(months_window)
        measures = stored.measures
        from_run = {m for m in computed if m in months_window and
                    replaces(covered[m], m in measures, stored.completeness.get(m), forced=m == month)}
        measures.update({m: computed[m] for m in from_run})
    if month not in measures:
        present = ", ".join(sorted(result.months)) or "none"
        raise NoDataError(
            f"no data for {month} (months in the data: {present})",
            hint="check --month and the sources' paths",
        )
    # a month history holds as completely as this run's sources is the same month: judged by them too
    from_run |= {m for m, c in stored.completeness.items() if covered.get(m) == c}
    data = MonthData(config, month, months_window, measures, result, from_run=from_run & measures.keys())
    # the other months are read from history (which may hold a month more completely than this
    # run's sources): how complete they were when stored
    data.stored_completeness = {m: c for m, c in stored.completeness.items() if m not in from_run}
    return data
