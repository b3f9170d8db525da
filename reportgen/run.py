"""``MonthRun``: one report month, computed once, shared by every output.

    run = MonthRun(config, "2026-10")
    run.check()            # everything that must hold before anything is written, stored or sent
    run.data               # engine result + history window (history updated once)
    run.data.scalars       # KPI values per window month (computed once)
    run.report             # the neutral report model (built once)

Every output (``reportgen.outputs``: workbook, Google Sheets, email) takes the
run; none of them computes anything again. The order of the stages is the one
place to add gates: ``check()`` runs the engine and its checks before the
history store is touched or any output runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.config import Config
from reportgen.coverage import partial_months, stored_partial_months
from reportgen.engine.result import EngineResult
from reportgen.errors import ReportgenError
from reportgen.gates import check_quality, check_whole_month, exclusion_summary, gate_failures
from reportgen.i18n import translator
from reportgen.monthdata import MonthData, gather_month, kpis_document, months_needed, run_engine
from reportgen.months import parse_month_option
from reportgen.ticker import ticking

if TYPE_CHECKING:
    from reportgen.model import Report
    from reportgen.result_cache import ResultCache


def report_path(config: Config, month: str, out: str | Path | None = None) -> Path:
    """Where the month's workbook goes: --out, else report.output from config."""
    if out is not None:
        return Path(out)
    return config.resolve(config.report.output.replace("{month}", month))


def from_first_month(months: list[str], with_data: Container[str]) -> list[str]:
    """The tracker window from its first month with data: a new team sees no empty months before it."""
    first = next((index for index, month in enumerate(months) if month in with_data), len(months) - 1)
    return months[first:]


def engine_summary(result: EngineResult) -> str:
    """One line on what the engine read: rows per dataset and the months computed."""
    singular = {"tickets": "ticket", "surveys": "survey", "business": "business"}
    read = [f"{q.rows_read:,} {singular.get(dataset, dataset)} {'row' if q.rows_read == 1 else 'rows'}"
            for dataset, q in result.quality.items() if q.rows_read]
    return f"read {translator().join(read) if read else 'no rows'}; computed {len(result.months)} months"


class MonthRun:
    """One month's run: engine → checks → history → KPI values → report model, each step once.

    A step that fails fails the same way every time it is asked for again
    (``reportgen run`` asks once per output) without computing anything twice.
    ``save=False`` leaves the history store untouched (dry runs). ``notify`` receives
    the one-line notices of a run that passed its gates (rows excluded per dataset,
    and a summary when reading the sources took long); the command line prints them on
    stderr, where a terminal also sees the seconds count while the engine runs.
    """

    def __init__(self, config: Config, month: str, *, save: bool = True,
                 notify: Callable[[str], None] | None = None, allow_partial: bool = True,
                 cache: bool = False) -> None:
        self.config = config
        # False: a partial report month stops the run (``gates.check_whole_month``) — what every
        # command that writes or sends a report asks for unless --allow-partial
        self.allow_partial = allow_partial
        # ``cache``: reuse the engine result of an earlier run on the same inputs, and keep
        # this run's once it passed its checks (``reportgen.result_cache``; the command line's)
        self._cache: ResultCache | None = None
        if cache:
            from reportgen.result_cache import ResultCache

            self._cache = ResultCache(config)
        self._started = time.time()
        self.from_cache = False
        self.notify = notify
        self.month = parse_month_option(month, config.report.timezone)
        self.save = save
        self._engine: EngineResult | None = None
        self._data: MonthData | None = None
        self._report: Report | None = None
        self._failure: ReportgenError | None = None
        self._checked = False

    def _once(self) -> None:
        if self._failure is not None:
            raise self._failure

    @property
    def engine(self) -> EngineResult:
        """The engine's result for every month in the sources (run once); warehouses compute only
        the months the run needs (``monthdata.months_needed``)."""
        self._once()
        if self._engine is None and self._cache is not None:
            self._engine = self._cache.load()
            self.from_cache = self._engine is not None
        if self._engine is None:
            try:
                with ticking("reading the sources and computing every month", self.notify) as ticker:
                    months = months_needed(self.config, self.month)
                    result = self._engine = run_engine(self.config, months)
                    ticker.done = lambda: engine_summary(result)  # formatted only when shown
            except ReportgenError as exc:
                self._failure = exc
                raise
        return self._engine

    def check(self) -> None:
        """Everything that must hold before anything is written, stored or sent; raises ReportgenError.

        Every source loads (the engine raises its fatal problems), then ``_gates``:
        the quality gate (``reportgen.gates``). ``data`` calls this before it
        updates the history store and every output reads ``data``, so nothing is
        written, stored or sent when a gate fails.
        """
        self._once()
        if self._checked:
            return
        result = self.engine
        try:
            self._gates(result)
        except ReportgenError as exc:
            self._failure = exc
            raise
        self._checked = True
        if self._cache is not None and not self.from_cache:  # only a result that passed its checks
            self._cache.store(result, self._started)
        if self.notify is not None:
            for line in exclusion_summary(result, self.config.report.language):
                self.notify(line)

    def _gates(self, result: EngineResult) -> None:
        """The run's own checks of a loaded month; raise ReportgenError (one line: what, where, fix)."""
        check_quality(result, self.config)
        self.check_whole_month()

    def check_whole_month(self) -> None:
        """Unless partial months are allowed: stop (one line, ``PartialMonthError``) when the report
        month's data covers it only in part. ``reportgen run`` asks before its first step."""
        if self.allow_partial:
            return
        try:
            result = self.engine
        except ReportgenError:
            return  # what could not be read is told by the first step that needs it
        # a run whose rows fail the quality gate stops on that first (``check``)
        if not gate_failures(result, self.config):
            try:
                check_whole_month(self.engine, self.config, self.month)
            except ReportgenError as exc:
                self._failure = exc
                raise

    @property
    def data(self) -> MonthData:
        """The report month's window from history, updated with this run (once)."""
        self._once()
        if self._data is None:
            self.check()
            # served from the cache, with history as the run that stored it left it: that window
            found = (self._cache.load_window(self.month, self.engine)
                     if self._cache is not None and self.from_cache and self.save else None)
            try:
                data = found or gather_month(self.config, self.month, self.engine, save=self.save)
            except ReportgenError as exc:
                self._failure = exc
                raise
            if self._cache is not None and self.save and found is None:
                self._cache.store_window(self.month, data)
            if self.month not in data.from_run and self.month in self.engine.months and self.notify:
                stored = data.stored_completeness.get(self.month)
                days = f" ({stored.days_with_data} days with data)" if stored else ""
                self.notify(f"{self.month}: history holds it more completely{days} than these sources: "
                            f"the stored copy is used — `reportgen history drop {self.month}` to replace it")
            data.window = from_first_month(data.window, data.measures)
            tr = translator(self.config.report.language)
            # months this run computed: by the sources' first and last days
            gap = self.config.quality.month_gap_days
            data.partial = partial_months(self.engine.coverage,
                                          [m for m in data.window if m in data.from_run],
                                          self.config.report.timezone, tr=tr, gap_days=gap,
                                          measures=data.measures)
            # months read from history (all in the window: each has measures): as they were stored
            for month, why in stored_partial_months(data.stored_completeness, tr, gap).items():
                data.partial.setdefault(month, why)
            self._data = data
        return self._data

    @property
    def scalars(self) -> dict[str, float | None]:
        """The report month's scalar KPI values, keyed by KPI id."""
        return self.data.scalars[self.month]

    @property
    def report(self) -> Report:
        """The neutral report model every renderer draws (built once)."""
        if self._report is None:
            from reportgen.report import build_report  # the blocks and their texts: not for `kpis`

            self._report = build_report(self.data)
        return self._report

    def write_workbook(self, target: Path) -> Path:
        """The report rendered to an .xlsx at ``target`` (atomically: an existing file is replaced
        only on success). A ``target`` reportgen may not write (``reportgen.output_guard``: not an
        .xlsx, or a file it reads or keeps) is refused before the report is built."""
        from reportgen.output_guard import WORKBOOK, check_file
        from reportgen.render.xlsx import write_xlsx

        check_file(self.config, target, WORKBOOK, "the workbook", self.month)
        return write_xlsx(self.report, target, self.config.report.currency)

    def kpis_document(self) -> dict[str, Any]:
        """The JSON document of ``reportgen kpis``: KPIs, breakdowns and data quality."""
        return kpis_document(self.data)
