"""What every output is: something that takes a ``MonthRun`` and delivers it somewhere."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from reportgen.run import MonthRun


@dataclass
class Delivered:
    """What the outputs of one ``reportgen run`` produced so far, for the ones after them."""

    workbook: Path | None = None  # the .xlsx written (the email attaches it)
    sheet_url: str | None = None  # the Google Sheet published (the email links it)


class Output(ABC):
    """One destination of a month's report. It reads the run; it never computes anything again."""

    step: ClassVar[str]  # the word `reportgen run` prints: build, publish, email
    key: ClassVar[str]  # its section under `outputs:` in the config ("" = always on)

    @abstractmethod
    def deliver(self, run: MonthRun, done: Delivered) -> str:
        """Deliver the run; record what others need in ``done``; return a one-line detail."""
