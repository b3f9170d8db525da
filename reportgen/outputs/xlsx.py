"""The local workbook: the report model rendered to .xlsx at report.output (or --out)."""

from __future__ import annotations

from pathlib import Path

from reportgen.config import Config
from reportgen.outputs.base import Delivered, Output
from reportgen.render.xlsx import write_xlsx
from reportgen.run import MonthRun


def report_path(config: Config, month: str, out: str | Path | None = None) -> Path:
    """Where the month's workbook goes: --out, else report.output from config."""
    if out is not None:
        return Path(out)
    return config.resolve(config.report.output.replace("{month}", month))


class XlsxOutput(Output):
    """Writes the workbook atomically (an existing file is replaced only on success)."""

    step = "build"
    key = ""

    def __init__(self, out: str | Path | None = None) -> None:
        self.out = out

    def write(self, run: MonthRun) -> Path:
        report = run.report
        target = report_path(run.config, run.month, self.out)
        return write_xlsx(report, target, run.config.report.currency)

    def deliver(self, run: MonthRun, done: Delivered) -> str:
        done.workbook = self.write(run)
        return str(done.workbook)
