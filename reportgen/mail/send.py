"""``reportgen email`` as a function: workbook + summary → message → SMTP (or an .eml file)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from reportgen.api import MonthData, build_workbook, compute_month, report_path
from reportgen.config import Config
from reportgen.errors import ConfigError, OutputError
from reportgen.fileio import atomic_output
from reportgen.months import parse_month_option

from .message import compose_message
from .settings import EmailSettings, load_email_settings, resolve_ca_file, split_addresses
from .summary import EmailSummary, summarize
from .transport import SmtpSender


@dataclass
class EmailOutcome:
    """What happened: the workbook used, whether it was built now, who it went (or would go) to."""

    month: str
    workbook: Path
    built: bool
    message: EmailMessage
    to: list[str]
    cc: list[str]
    bcc: list[str]
    eml: Path | None = None
    summary: EmailSummary | None = field(default=None, repr=False)

    @property
    def recipients(self) -> list[str]:
        return unique([*self.to, *self.cc, *self.bcc])

    def describe(self) -> str:
        shown = ", ".join(self.to + self.cc) or "no visible recipient"
        hidden = f" and {len(self.bcc)} bcc" if self.bcc else ""
        return f"{shown}{hidden}"


def unique(addresses: Sequence[str]) -> list[str]:
    """Bare addresses, each once, in order (the SMTP envelope)."""
    from email.utils import parseaddr

    seen: dict[str, None] = {}
    for item in addresses:
        seen.setdefault(parseaddr(item)[1], None)
    return list(seen)


def message_bytes(message: EmailMessage) -> bytes:
    """The message exactly as SMTP carries it (CRLF line ends)."""
    return message.as_bytes(policy=policy.SMTP)


def _chart(summary: EmailSummary) -> bytes | None:
    try:
        from .chart import chart_alt_text, volume_chart_png
    except ImportError:  # Pillow missing from a broken install: send without the chart
        return None
    summary.chart_alt = chart_alt_text(summary.trend)
    return volume_chart_png(summary.trend)


def email_report(config: Config, month: str, *, to: Sequence[str] | None = None, dry_run: bool = False,
                 eml: Path | None = None, data: MonthData | None = None, workbook: Path | None = None,
                 sheet_url: str | None = None, sleep: Callable[[float], None] = time.sleep) -> EmailOutcome:
    """Email the month's workbook with its summary, or write the message to ``eml`` (dry run).

    The workbook is ``report.output`` for the month, built first when it is not
    there. ``data`` and ``workbook`` let a caller that just built the report
    (``reportgen run``) skip computing the month twice; ``sheet_url`` is the
    address the publish step just reported (else ``outputs.google_sheets.spreadsheet``). ``to`` replaces every
    configured recipient (to, cc and bcc): handy to send yourself a test.
    """
    if dry_run and eml is None:
        raise OutputError("--dry-run needs --eml FILE: where to write the message")
    settings: EmailSettings = load_email_settings(config, require_server=not dry_run)
    month = parse_month_option(month, config.report.timezone)
    built = False
    if data is None or workbook is None:
        path = report_path(config, month)
        if path.is_file():
            data = compute_month(config, month)
        else:
            path, data = build_workbook(config, month)
            built = True
    else:
        path = workbook
    try:
        attachment = path.read_bytes()
    except OSError as exc:
        raise OutputError(f"{path}: cannot read the workbook to attach ({exc.strerror})") from None

    if to:
        try:
            recipients_to, cc, bcc = split_addresses(list(to)), [], []
        except ValueError as exc:
            raise ConfigError(f"--to: {exc}") from None
    else:
        recipients_to, cc, bcc = list(settings.to), list(settings.cc), list(settings.bcc)
    if not dry_run and not (recipients_to or cc or bcc):
        raise ConfigError("outputs.email.to: no recipients",
                          hint="list them in outputs.email.to (or cc/bcc), or pass --to")

    summary = summarize(data)
    if sheet_url:
        summary.sheet_url = sheet_url
    chart = _chart(summary)
    message = compose_message(config, settings, summary, attachment, recipients_to, cc, chart)
    outcome = EmailOutcome(data.month, path, built, message, recipients_to, cc, bcc, summary=summary)
    if dry_run:
        assert eml is not None
        with atomic_output(eml) as temporary:
            temporary.write_bytes(message_bytes(message))
        outcome.eml = eml
        return outcome
    SmtpSender(settings, resolve_ca_file(config, settings), sleep=sleep).send(message, outcome.recipients)
    return outcome
