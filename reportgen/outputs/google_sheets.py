"""outputs.google_sheets: the report model published to a Google Sheet (``reportgen.sheets``)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reportgen.config import Config
from reportgen.errors import ReportgenError
from reportgen.outputs.base import Delivered, Output
from reportgen.run import MonthRun

if TYPE_CHECKING:
    from reportgen.sheets.publish import PublishResult


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _publisher() -> Any:
    try:
        return importlib.import_module("reportgen.sheets.publish")
    except ImportError as exc:  # gspread / google-auth missing from a broken install
        raise ReportgenError(f"publishing is not available in this install ({exc})") from None


class GoogleSheetsOutput(Output):
    """Publishes ``run.report`` to the spreadsheet of outputs.google_sheets (creating it from ``title``)."""

    step = "publish"
    key = "google_sheets"

    def __init__(self, warn: Callable[[str], None] = _stderr) -> None:
        self.warn = warn

    def publish(self, run: MonthRun) -> PublishResult:
        publish = _publisher()
        from reportgen.sheets.settings import credentials_path, load_settings

        settings = load_settings(run.config)
        run.config.require_env(self.key)
        result: PublishResult = publish.publish_report(
            run.report, settings, run.config.report.currency,
            credentials_path=credentials_path(run.config, settings), warn=self.warn)
        return result

    def dry_run(self, run: MonthRun) -> dict[str, Any]:
        """Every request a publish would send, planned without credentials or network."""
        publish = _publisher()
        from reportgen.sheets.settings import load_settings

        calls: dict[str, Any] = publish.dry_run_calls(run.report, load_settings(run.config),
                                                      run.config.report.currency)
        return calls

    def deliver(self, run: MonthRun, done: Delivered) -> str:
        result = self.publish(run)
        done.sheet_url = result.url
        return result.url


def publish_month(config: Config, month: str) -> PublishResult:
    """Compute the month and publish its report (the Python form of ``reportgen publish``)."""
    return GoogleSheetsOutput().publish(MonthRun(config, month))
