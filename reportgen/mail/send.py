"""A month's workbook + its summary → message → SMTP (or an .eml file)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from reportgen.errors import ConfigError, OutputError
from reportgen.fileio import atomic_output
from reportgen.monthdata import MonthData

from .message import compose_message
from .settings import EmailSettings, resolve_ca_file, split_addresses
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
    summary.chart_alt = chart_alt_text(summary.trend, summary.tr)
    return volume_chart_png(summary.trend, summary.tr)


def email_report(data: MonthData, settings: EmailSettings, workbook: Path, *, built: bool = False,
                 to: Sequence[str] | None = None, dry_run: bool = False, eml: Path | None = None,
                 sheet_url: str | None = None, sleep: Callable[[float], None] = time.sleep) -> EmailOutcome:
    """Email ``workbook`` with the summary of ``data``, or write the message to ``eml`` (dry run).

    ``data`` is the run's month (``MonthRun.data``): its KPI values are the ones
    the workbook shows. ``sheet_url`` is the address a publish just reported
    (else ``outputs.google_sheets.spreadsheet``). ``to`` replaces every
    configured recipient (to, cc and bcc): handy to send yourself a test.
    ``built`` only travels to the outcome (the workbook was built for this email).
    """
    config = data.config
    if dry_run and eml is None:
        raise OutputError("--dry-run needs --eml FILE: where to write the message")
    try:
        attachment = workbook.read_bytes()
    except OSError as exc:
        raise OutputError(f"{workbook}: cannot read the workbook to attach ({exc.strerror})") from None

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
    outcome = EmailOutcome(data.month, workbook, built, message, recipients_to, cc, bcc, summary=summary)
    if dry_run:
        assert eml is not None
        with atomic_output(eml, private=True) as temporary:
            temporary.write_bytes(message_bytes(message))
        outcome.eml = eml
        return outcome
    SmtpSender(settings, resolve_ca_file(config, settings), sleep=sleep).send(message, outcome.recipients)
    return outcome
