"""Every error reportgen raises, rooted at ReportgenError.

The CLI prints ``str(error)`` as one line and exits non-zero, so each message
names where the problem is (file, row, column) and how to fix it. The tree (where
a class is defined elsewhere, its module in brackets):

    ReportgenError
    ├── ConfigError          config.yaml is missing, malformed or invalid
    ├── DataError            a source cannot be read or lacks what is needed
    │   ├── MissingColumnError   a required column is absent
    │   ├── QualityGateError     too many rows excluded to trust the report [gates]
    │   ├── PartialMonthError    the report month's data covers it only in part [gates]
    │   ├── _Undecided           no value of a date column settles day-first or month-first; the
    │   │                        load tries the file's other date columns first [sources.dates]
    │   └── ApiError             a vendor API did not give what a pull needs [sources.api.http]
    │       ├── AuthError        401/403: wrong credentials or a missing permission
    │       ├── VendorTrouble    the vendor kept failing through every try
    │       ├── TimeBudgetSpent  the pull's time bound was reached
    │       └── PullIncomplete   a pull stopped after storing some pages [sources.api.pull]
    ├── NoDataError          the requested month has no data
    ├── HistoryError         the history store cannot be opened or written
    ├── OutputError          a report cannot be written / published / sent
    ├── TransportError       an HTTP request gave no answer to use; each caller words it as
    │   │                    one of the errors above [transport]
    │   ├── GaveUp           still failing after the tries the policy allows
    │   ├── OutOfTime        the time budget ran out
    │   │   └── AsksToWait   the server asked for a longer wait than the time left
    │   ├── BodyTooLarge     an answer larger than allowed
    │   ├── RedirectRefused  a redirect to another host
    │   ├── BrokenOff        the connection failed while the answer was read
    │   └── UncertainWrite   a write failed so that the server may or may not have applied it
    │                        (the Sheets publisher re-reads and re-plans) [transport]
    ├── UnknownMessageError  a message id missing from the English catalogue: a bug; also a
    │                        LookupError [i18n]
    └── _Temporary           an SMTP failure worth another attempt, never leaves the sender
                             [mail.transport]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_MESSAGE = 2000  # characters; a message quoting a 10 MB value stays readable

# C0, DEL and C1 (U+0080–U+009F: 0x9b is a terminal's CSI): nothing from the data reaches a terminal raw
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(32), *range(127, 160))}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line (control characters escaped), cut to ``limit`` characters with '…'."""
    flat = text.translate(_CONTROL)
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def shown(value: str, limit: int = 60) -> str:
    """A value from a file as a message quotes it: one line, at most ``limit`` characters."""
    return one_line(value, limit)


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, optionally a spreadsheet-style row and a column."""

    file: str | Path | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class ReportgenError(Exception):
    """Base of every expected failure; its text is meant for the person running reportgen."""

    def __init__(self, problem: str, location: Location | None = None, hint: str | None = None):
        self.problem = problem
        self.location = location
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line: control characters (a line break in a value, binary junk) are escaped."""
        text = f"{self.location}: {self.problem}" if self.location and str(self.location) else self.problem
        if self.hint:
            text = f"{text} — {self.hint}"
        return one_line(text, MAX_MESSAGE)

    def __str__(self) -> str:
        return self.message


class ConfigError(ReportgenError):
    """The configuration file is missing, unreadable or invalid."""


class DataError(ReportgenError):
    """A data source cannot be read or does not hold what the report needs."""


class MissingColumnError(DataError):
    """A required column is absent from a source file."""


class NoDataError(ReportgenError):
    """The requested month has neither data nor history."""


class HistoryError(ReportgenError):
    """The history store cannot be opened or updated."""


class OutputError(ReportgenError):
    """A report could not be written, published or sent."""
