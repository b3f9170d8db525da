"""outputs.email: the workbook and an HTML summary of the run, sent by SMTP (``reportgen.mail``)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from reportgen.errors import OutputError, ReportgenError
from reportgen.mail.send import EmailOutcome, email_report
from reportgen.mail.settings import load_email_settings
from reportgen.outputs.base import Delivered, Output
from reportgen.outputs.xlsx import XlsxOutput, report_path
from reportgen.run import MonthRun


class EmailOutput(Output):
    """Emails the month's workbook with a summary of the run's KPI values.

    ``to`` replaces every configured recipient (to, cc and bcc); ``dry_run``
    writes the exact message to ``eml`` instead of sending it.
    """

    step = "email"
    key = "email"

    def __init__(self, *, to: Sequence[str] = (), dry_run: bool = False, eml: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.to = list(to)
        self.dry_run = dry_run
        self.eml = eml
        self.sleep = sleep

    def send(self, run: MonthRun, workbook: Path | None = None, sheet_url: str | None = None) -> EmailOutcome:
        """Send (or write) the message; without ``workbook``, report.output is used: built when
        missing, and rebuilt when it is not what this run builds (the sources or history changed
        since it was written), so the attachment never contradicts the message's numbers."""
        if self.dry_run and self.eml is None:
            raise OutputError("--dry-run needs --eml FILE: where to write the message")
        settings = load_email_settings(run.config, require_server=not self.dry_run)
        if not self.dry_run:
            run.config.require_env(self.key)
        built = False
        if workbook is None:
            workbook = report_path(run.config, run.month)
            if not workbook.is_file() or not _is_current(workbook, run):
                workbook = XlsxOutput().write(run)
                built = True
        return email_report(run.data, settings, workbook, built=built, to=self.to, dry_run=self.dry_run,
                            eml=self.eml, sheet_url=sheet_url, sleep=self.sleep)

    def deliver(self, run: MonthRun, done: Delivered) -> str:
        if done.workbook is None:
            raise ReportgenError("not sent: the workbook could not be built")
        outcome = self.send(run, done.workbook, done.sheet_url)
        return f"sent to {outcome.describe()}"


def _is_current(workbook: Path, run: MonthRun) -> bool:
    """Whether ``workbook`` is byte for byte what this run builds (the rendering is deterministic)."""
    with tempfile.TemporaryDirectory(prefix="reportgen-") as folder:
        fresh = XlsxOutput(Path(folder) / workbook.name).write(run)
        return fresh.read_bytes() == workbook.read_bytes()
