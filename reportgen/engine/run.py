"""The engine facade: load → clean → quality → aggregate, once per dataset."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from reportgen.config import Config
from reportgen.engine.aggregate import aggregate, coverage, finish
from reportgen.engine.clean import clean_surveys, clean_tickets
from reportgen.engine.load import Loaded, load_dataset
from reportgen.engine.quality import DatasetQuality, RowProblem, count_quality, row_problems
from reportgen.engine.warehouse import pushed_down
from reportgen.errors import ReportgenError
from reportgen.measures import MonthMeasures
from reportgen.sources.business import parse_business_rows
from reportgen.sources.files import sql_string
from reportgen.sources.schema import COLUMNS


@dataclass
class EngineResult:
    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    problems: list[RowProblem]
    fatal: list[ReportgenError] = field(default_factory=list)  # only when collecting (validate)
    # per dataset with usable rows: first and last local day (report zone) of its main timestamp
    coverage: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    # how files were read where it was inferred (detected encoding, date order), for `validate`
    notes: list[str] = field(default_factory=list)

    def quality_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, quality in self.quality.items():
            out[name] = quality.as_dict(with_rows_only=name == "business")
        return out


_MAIN_TIMESTAMP = {"tickets": "created", "surveys": "submitted"}


class Engine:
    """Computes measures for every month present in a config's sources."""

    def __init__(self, config: Config, max_problems: int | None = 0, collect: bool = False):
        """``max_problems``: how many offending rows to list per dataset (None: all; for `validate`).

        ``collect``: return fatal problems in ``EngineResult.fatal`` and go on without the
        file, source or row at fault instead of raising the first one (for `validate`).
        """
        self.config = config
        self.max_problems = max_problems
        self.collect = collect

    def run(self) -> EngineResult:
        config = self.config
        tz = config.report.timezone
        months: dict[str, MonthMeasures] = {}
        result = EngineResult(months, {}, [])
        with tempfile.TemporaryDirectory(prefix="reportgen-") as workdir, _connect(config, workdir) as con:
            has_replies = False
            for dataset in ("tickets", "surveys"):
                pushed = pushed_down(config, dataset, result, self.collect)  # computed in its warehouse
                if pushed is not None:
                    has_replies = has_replies or pushed.has_replies
                    continue
                loaded = load_dataset(con, config, dataset, Path(workdir), self.collect)
                result.fatal += loaded.fatal
                result.notes += loaded.notes
                listed = self.max_problems is None or self.max_problems > 0  # rows named only if listed
                if dataset == "tickets":
                    clean_tickets(con, tz, row_ids=listed)
                    has_replies = loaded.has_replies
                else:
                    clean_surveys(con, tz, config.kpis, row_ids=listed)
                result.quality[dataset] = count_quality(con, loaded)
                result.problems += row_problems(con, loaded, self.max_problems)
                # the raw rows were for row numbers and texts: their memory goes to the aggregates
                con.execute(f"DROP TABLE {dataset}_raw")
                aggregate(con, config, dataset, months)
                covered = coverage(con, dataset, _MAIN_TIMESTAMP[dataset], tz)
                if covered is not None:
                    result.coverage[dataset] = covered
                con.execute(f"DROP VIEW {dataset}")
                con.execute(f"DROP TABLE {dataset}_all")
            business, quality = self._business(con, Path(workdir), result.fatal)
            result.quality["business"] = quality
            finish(months, config, business, has_replies)
        result.months = dict(sorted(months.items()))
        return result

    def _business(self, con: duckdb.DuckDBPyConnection, workdir: Path, fatal: list[ReportgenError]
                  ) -> tuple[dict[str, dict[str, float | None]], DatasetQuality]:
        pushed = pushed_down(self.config, "business", EngineResult({}, {}, [], fatal), self.collect)
        if pushed is not None:
            return pushed.business, pushed.quality
        loaded = load_dataset(con, self.config, "business", workdir, self.collect)
        fatal += loaded.fatal
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


@contextmanager
def _connect(config: Config, workdir: str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    try:
        options = config.engine
        con.execute(f"SET memory_limit = {sql_string(options.memory_limit)}")
        con.execute(f"SET temp_directory = {sql_string(workdir)}")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        # rowid then follows the order of reading: "last occurrence wins" and row numbers rely on it
        con.execute("SET preserve_insertion_order = true")
        yield con
    finally:
        con.close()
