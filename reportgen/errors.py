"""Every error reportgen raises on purpose, rooted at ReportgenError.

The CLI prints ``str(error)`` as one line and exits non-zero, so each message
names where the problem is (file, row, column) and how to fix it.

    ReportgenError
    ├── ConfigError        config.yaml is missing, malformed or invalid
    ├── DataError          a source file cannot be read or lacks what is needed
    │   └── MissingColumnError
    ├── NoDataError        the requested month has no data
    ├── HistoryError       the history store cannot be opened or written
    └── OutputError        a report cannot be written / published / sent
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        text = f"{self.location}: {self.problem}" if self.location and str(self.location) else self.problem
        if self.hint:
            text = f"{text} — {self.hint}"
        return text

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
