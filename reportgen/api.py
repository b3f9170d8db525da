"""The library API: what the CLI does, callable from Python.

    from reportgen.api import month_kpis
    result = month_kpis("config.yaml", "2026-10")
    result["kpis"]["nps"]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.config import Config, load_config
from reportgen.engine import Engine, EngineResult
from reportgen.errors import NoDataError
from reportgen.history import HistoryStore
from reportgen.measures import MonthMeasures, breakdown_values, scalar_values
from reportgen.months import parse_month_option, window


@dataclass
class MonthData:
    """Everything a report of one month needs: its window's measures and the run's data quality."""

    config: Config
    month: str
    window: list[str]
    measures: dict[str, MonthMeasures]  # window months with data; absent months have no entry
    engine: EngineResult

    @property
    def current(self) -> MonthMeasures:
        return self.measures[self.month]


def compute_month(config: Config, month: str, *, save: bool = True) -> MonthData:
    """Run the engine, update the history store and gather the report month's window.

    The report month is always replaced in history; earlier months are written
    only when history lacks them, so a partial export never overwrites a good
    past month. Later months are left alone.
    """
    month = parse_month_option(month, config.report.timezone)
    result = Engine(config).run()
    months_window = window(month, config.report.window_months)
    store = HistoryStore(config.resolve(config.history.path))
    computed = {m: v for m, v in result.months.items() if m <= month}
    if save:
        store.save(computed, replace={month} & computed.keys(), data_quality=result.quality_dict())
        measures = store.load(months_window)
    else:
        measures = store.load(months_window)
        measures.update({m: v for m, v in computed.items() if m in months_window and
                         (m == month or m not in measures)})
    if month not in measures:
        present = ", ".join(sorted(result.months)) or "none"
        raise NoDataError(
            f"no data for {month} (months in the data: {present})",
            hint="check --month and the sources' paths",
        )
    return MonthData(config, month, months_window, measures, result)


def kpis_document(data: MonthData) -> dict[str, Any]:
    """The JSON document of `reportgen kpis`: KPIs, breakdowns and data quality."""
    return {
        "month": data.month,
        "kpis": scalar_values(data.current),
        "breakdowns": breakdown_values(data.current),
        "data_quality": data.engine.quality_dict(),
    }


def month_kpis(config_path: str | Path, month: str) -> dict[str, Any]:
    """Compute (and remember) one month's KPIs from a config file."""
    config = load_config(config_path)
    return kpis_document(compute_month(config, month))


def report_path(config: Config, month: str, out: str | Path | None = None) -> Path:
    """Where the month's workbook goes: --out, else report.output from config."""
    if out is not None:
        return Path(out)
    return config.resolve(config.report.output.replace("{month}", month))


def build_workbook(config: Config, month: str, out: str | Path | None = None) -> tuple[Path, MonthData]:
    """Compute the month, lay out the report and write the .xlsx atomically."""
    from reportgen.render.xlsx import write_xlsx
    from reportgen.report import build_report

    data = compute_month(config, month)
    target = report_path(config, data.month, out)
    write_xlsx(build_report(data), target, config.report.currency)
    return target, data
