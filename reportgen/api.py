"""The library API: what the CLI does, callable from Python.

    from reportgen.api import month_kpis
    result = month_kpis("config.yaml", "2026-10")
    result["kpis"]["nps"]

Everything goes through ``reportgen.run.MonthRun`` (one month, computed once).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportgen.config import Config, load_config
from reportgen.history import HistoryStore
from reportgen.monthdata import MonthData, kpis_document
from reportgen.outputs.xlsx import XlsxOutput, report_path
from reportgen.run import MonthRun

__all__ = ["MonthData", "MonthRun", "build_workbook", "compute_month", "kpis_document", "month_kpis",
           "report_path", "stored_months"]


def compute_month(config: Config, month: str, *, save: bool = True) -> MonthData:
    """Run the engine, update the history store (unless ``save=False``) and gather the month's window."""
    return MonthRun(config, month, save=save).data


def month_kpis(config_path: str | Path, month: str) -> dict[str, Any]:
    """Compute (and remember) one month's KPIs from a config file."""
    return MonthRun(load_config(config_path), month).kpis_document()


def build_workbook(config: Config, month: str, out: str | Path | None = None) -> tuple[Path, MonthData]:
    """Compute the month, lay out the report and write the .xlsx atomically."""
    run = MonthRun(config, month)
    target = XlsxOutput(out).write(run)
    return target, run.data


def stored_months(config: Config | str | Path) -> list[dict[str, Any]]:
    """Every month in the history store, oldest first, with the KPI values stored with it.

    Read from history, not recomputed: ``[{"month": "2026-10", "saved_at": "2026-11-02T07:00:00",
    "days_with_data": 31, "kpis": {"nps": 42.0, ...}, "breakdowns": {...}, "data_quality": {...}}, ...]``.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    return [{"month": m.month, "saved_at": m.saved_at.isoformat(),
             "days_with_data": m.completeness.days_with_data if m.completeness else None,
             "kpis": m.kpis, "breakdowns": m.breakdowns, "data_quality": m.data_quality}
            for m in HistoryStore(config.resolve(config.history.path)).stored_kpis()]
