"""The local workbook: the report model rendered to .xlsx at report.output (or --out)."""

from __future__ import annotations

from pathlib import Path

from reportgen.outputs.base import Delivered, Output
from reportgen.run import MonthRun, report_path

__all__ = ["XlsxOutput", "report_path"]


class XlsxOutput(Output):
    """Writes the workbook atomically (an existing file is replaced only on success)."""

    step = "build"
    key = ""

    def __init__(self, out: str | Path | None = None) -> None:
        self.out = out

    def write(self, run: MonthRun) -> Path:
        return run.write_workbook(report_path(run.config, run.month, self.out))

    def deliver(self, run: MonthRun, done: Delivered) -> str:
        done.workbook = self.write(run)
        return str(done.workbook)
