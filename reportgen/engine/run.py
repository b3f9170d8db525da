"""The engine facade: load → clean → quality → aggregate, once per dataset."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb

from reportgen.config import Config
from reportgen.engine.aggregate import absent_inputs, aggregate, coverage, finish
from reportgen.engine.clean import clean_surveys, clean_tickets, drop_cleaned, row_cleaning
from reportgen.engine.drivers import survey_drivers, ticket_drivers
from reportgen.engine.load import Loaded, load_dataset
from reportgen.engine.quality import count_quality, row_problems
from reportgen.engine.result import DatasetQuality, EngineResult, RowProblem
from reportgen.engine.segments import link_surveys
from reportgen.engine.warehouse import pushed_down
from reportgen.errors import ReportgenError
from reportgen.measures import MonthMeasures
from reportgen.sources.business import parse_business_rows
from reportgen.sources.files import sql_string
from reportgen.sources.kinds import kind_of
from reportgen.sources.outbound import outbound_notes
from reportgen.sources.schema import COLUMNS

_DATASETS = ("tickets", "surveys")  # the row datasets; business figures are read after them
_MAIN_TIMESTAMP = {"tickets": "created", "surveys": "submitted"}


@dataclass
class _Part:
    """What one dataset's pipeline found, merged into the run's result in dataset order."""

    months: dict[str, MonthMeasures] = field(default_factory=dict)
    quality: dict[str, DatasetQuality] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    fatal: list[ReportgenError] = field(default_factory=list)
    coverage: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)  # canonical columns its sources have
    opening_backlog: int = 0


def _concurrent(config: Config) -> bool:
    """Tickets and surveys side by side, each on its own connection: the surveys (a serial read
    when comments hold line breaks) use the core the tickets leave idle between their parallel
    steps. Only when both read files: API stores, sheets and warehouses are read one at a time."""
    sources = [source for dataset in _DATASETS for source in config.sources.of(dataset)]
    return all(kind_of(source).local for source in sources)


T = TypeVar("T")


def side_by_side(con: duckdb.DuckDBPyConnection,
                 tasks: Sequence[Callable[[duckdb.DuckDBPyConnection], T]]) -> list[T]:
    """Run each task on a connection of its own to ``con``'s database, side by side; their results
    in task order.

    Settings such as the time zone are per connection; memory limit and threads are shared.
    Failures are those of a serial run: the first task's failure in task order is raised,
    and the tasks after a failed one are interrupted at once rather than waited for. A
    Ctrl-C interrupts every task's query and is raised once they have stopped.
    """
    cursors = [con.cursor() for _ in tasks]
    try:
        with ThreadPoolExecutor(len(tasks), thread_name_prefix="reportgen-engine") as pool:
            futures = [pool.submit(task, cursor) for task, cursor in zip(tasks, cursors, strict=True)]
            results = []
            for index, future in enumerate(futures):
                try:
                    results.append(future.result())
                except KeyboardInterrupt:
                    _stop(futures, cursors)
                    raise
                except BaseException:
                    _stop(futures[index + 1:], cursors[index + 1:])  # not needed any more
                    raise
            return results
    finally:
        for cursor in cursors:
            with suppress(duckdb.Error):
                cursor.close()


def _stop(futures: Sequence[Future[Any]], cursors: Sequence[duckdb.DuckDBPyConnection]) -> None:
    """Interrupt every cursor until every task has ended (a task between two queries is caught at
    its next one); a second Ctrl-C meanwhile does not leave them running."""
    while not all(future.done() for future in futures):
        try:
            for cursor in cursors:
                cursor.interrupt()
            wait(futures, timeout=0.05)
        except KeyboardInterrupt:
            continue


class Engine:
    """Computes measures for every month present in a config's sources."""

    def __init__(self, config: Config, max_problems: int | None = 0, collect: bool = False,
                 months: tuple[str, str] | None = None):
        """``max_problems``: how many offending rows to list per dataset (None: all; for `validate`).

        ``collect``: return fatal problems in ``EngineResult.fatal`` and go on without the
        file, source or row at fault instead of raising the first one (for `validate`).
        ``months``: (first, last) — compute only those months; for sources that are all
        warehouses (``monthdata.months_needed``), whose statements then cover only them.
        """
        self.config = config
        self.max_problems = max_problems
        self.collect = collect
        self.months = months

    def run(self) -> EngineResult:
        config = self.config
        months: dict[str, MonthMeasures] = {}
        result = EngineResult(months, {}, [])
        with tempfile.TemporaryDirectory(prefix="reportgen-") as workdir, _connect(config, workdir) as con:
            if _concurrent(config):
                parts = side_by_side(con, [partial(self._dataset, dataset=name, workdir=Path(workdir))
                                           for name in _DATASETS])
            else:
                parts = [self._dataset(con, dataset=name, workdir=Path(workdir)) for name in _DATASETS]
            columns: set[str] = set()
            for part in parts:
                result.fatal += part.fatal
                result.notes += part.notes
                result.problems += part.problems
                result.quality.update(part.quality)
                result.coverage.update(part.coverage)
                result.opening_backlog += part.opening_backlog
                columns |= part.columns
                for month, measures in part.months.items():
                    merged = months.setdefault(month, MonthMeasures())
                    merged.scalars.update(measures.scalars)
                    merged.dims.update(measures.dims)
            # responses by the segments of their tickets: over the cleaned tables both stages left
            survey_drivers(con, config, months)
            result.comments = link_surveys(con, config)
            drop_cleaned(con)
            business, quality = self._business(con, Path(workdir), result.fatal, result.notes)
            result.quality["business"] = quality
            if self.months is not None:  # business figures of other months too: not this run's
                first, last = self.months
                for month in [m for m in months if not first <= m <= last]:
                    del months[month]
                business = {m: v for m, v in business.items() if first <= m <= last}
            finish(months, config, business, columns, result.opening_backlog)
            tickets_read = not parts[_DATASETS.index("tickets")].fatal  # else its error is the message
            result.notes += absent_inputs(config, columns, read=tickets_read) + outbound_notes(config)
        result.months = dict(sorted(months.items()))
        return result

    def _dataset(self, con: duckdb.DuckDBPyConnection, *, dataset: str, workdir: Path) -> _Part:
        """Load, clean, check and aggregate one dataset on ``con`` (its cleaned table and view stay for
        the survey drivers and comments; ``clean.drop_cleaned`` drops them)."""
        config = self.config
        tz = config.report.timezone
        part = _Part()
        # in its warehouse
        pushed = pushed_down(config, dataset, part, self.collect, self.max_problems, self.months)
        if pushed is not None:
            part.columns = pushed.columns
            if pushed.cube is not None:  # the drivers' cube the warehouse computed: the same second step
                ticket_drivers(con, config, part.months, pushed.cube)
            if pushed.survey_cube is not None:  # the surveys' too, when both are in that warehouse
                survey_drivers(con, config, part.months, pushed.survey_cube)
            return part
        listed = self.max_problems is None or self.max_problems > 0  # rows named only if listed
        # each row cleaned as it is read, into {dataset}_all (engine.clean)
        loaded = load_dataset(con, config, dataset, workdir, self.collect,
                              into=row_cleaning(config, dataset, row_ids=listed))
        con.execute(f"DROP TABLE {dataset}_raw")  # empty: only its columns were read
        part.fatal += loaded.fatal
        part.notes += loaded.notes
        if dataset == "tickets":
            clean_tickets(con, tz, business_hours=config.business_hours,
                          business_tz=config.business_timezone())
            part.columns = loaded.columns
        else:
            clean_surveys(con, tz, config)
        part.quality[dataset] = count_quality(con, loaded)
        part.problems += row_problems(con, loaded, self.max_problems)
        aggregate(con, config, dataset, part.months)
        if dataset == "tickets":  # the drivers' segments (reportgen.engine.drivers)
            ticket_drivers(con, config, part.months)
        covered = coverage(con, dataset, _MAIN_TIMESTAMP[dataset], tz)
        if covered is not None and loaded.pulled_until:  # an API pull covers up to the (oldest) pull
            pulled = min(loaded.pulled_until).astimezone(ZoneInfo(tz)).date()
            covered = (covered[0], max(covered[1], pulled))
        if covered is not None:
            part.coverage[dataset] = covered
        return part  # {dataset}_all and its view stay for the survey drivers and comments

    def _business(self, con: duckdb.DuckDBPyConnection, workdir: Path, fatal: list[ReportgenError],
                  notes: list[str]) -> tuple[dict[str, dict[str, float | None]], DatasetQuality]:
        pushed = pushed_down(self.config, "business", EngineResult({}, {}, [], fatal), self.collect)
        if pushed is not None:
            return pushed.business, pushed.quality
        loaded = load_dataset(con, self.config, "business", workdir, self.collect)
        fatal += loaded.fatal
        notes += loaded.notes  # how the files were read (encoding, decimal commas)
        parsed = parse_business_rows(business_rows(con, loaded), fatal if self.collect else None)
        quality = DatasetQuality(files=loaded.files, rows_read=loaded.rows_read, rows_used=len(parsed))
        return {month: figures.values for month, figures in parsed.items()}, quality


def business_rows(con: duckdb.DuckDBPyConnection, loaded: Loaded
                  ) -> list[tuple[Path, int, dict[str, str | None]]]:
    """(file, row, canonical text values) of every business row, in reading order."""
    columns = [c.name for c in COLUMNS["business"]]
    rows = []
    for *values, file_index, rowid in con.execute(
        f"SELECT {', '.join(columns)}, _file, rowid FROM business_raw ORDER BY rowid"
    ).fetchall():
        span = loaded.spans[file_index]
        rows.append((Path(span.path), span.row_of(int(rowid)), dict(zip(columns, values, strict=True))))
    return rows


_MIN_MEMORY = 256 * 1024 * 1024


def machine_memory_limit(total: int | None = None) -> str:
    """The engine's memory limit when the config sets none: a quarter of ``total`` bytes (the
    machine's memory, or its container's limit when lower), at least 256 MB."""
    if total is None:
        total = _machine_memory()
    limit = max(_MIN_MEMORY, total // 4) if total else _MIN_MEMORY
    return f"{limit // (1024 * 1024)}MiB"


def _machine_memory() -> int | None:
    """Bytes of memory this process may use: physical memory, or the cgroup's limit when lower."""
    try:
        total: int | None = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not available on this system
        total = None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and (total is None or 0 < int(text) < total):
            total = int(text)
        break
    return total


@contextmanager
def _connect(config: Config, workdir: str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        options = config.engine
        limit = options.memory_limit or machine_memory_limit()
        con.execute(f"SET memory_limit = {sql_string(limit)}")
        con.execute(f"SET temp_directory = {sql_string(workdir)}")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        # rowid then follows the order of reading: "last occurrence wins" and row numbers rely on it
        con.execute("SET preserve_insertion_order = true")
        yield con
    finally:
        con.close()
