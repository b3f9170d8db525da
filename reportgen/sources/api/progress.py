"""Pull progress on stderr: a live line on a terminal, one summary line otherwise (cron, CI).

A first pull of a large account takes many minutes (Zendesk allows ten export
requests a minute), so on a terminal the line shows pages, records and the
rate as they come, redrawn at most ten times a second. When stderr is not a
terminal nothing is printed until the source is done, then one line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Counts one source's pages and records; ``finish`` prints the summary line."""

    def __init__(self, label: str, stream: TextIO | None = None, *, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.stream = stream
        self.tty = tty if tty is not None else bool(stream is not None and stream.isatty())
        self.clock = clock
        self.started = clock()
        self.pages = 0
        self.records = 0
        self._drawn = 0.0
        self._width = 0

    @property
    def seconds(self) -> float:
        return max(self.clock() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def page(self, records: int) -> None:
        self.pages += 1
        self.records += records
        now = self.clock()
        if self.tty and self.stream is not None and now - self._drawn >= 0.1:
            self._drawn = now
            self._draw(f"{self.label}: {self.pages:,} pages, {self.records:,} records, "
                       f"{self.rate:,.0f} records/s")

    def note(self, text: str) -> None:
        """A transient remark on a terminal (e.g. waiting for a rate limit); nothing otherwise."""
        if self.tty and self.stream is not None:
            self._draw(f"{self.label}: {text}")

    def _draw(self, text: str) -> None:
        assert self.stream is not None
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def summary(self, outcome: str = "") -> str:
        extra = f"; {outcome}" if outcome else ""
        return (f"{self.label}: {self.pages:,} pages, {self.records:,} records in {self.seconds:.1f} s "
                f"({self.rate:,.0f} records/s){extra}")

    def finish(self, outcome: str = "") -> str:
        line = self.summary(outcome)
        if self.stream is not None:
            if self.tty:
                self._draw(line)
                self.stream.write("\n")
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
        return line


def stderr_progress(label: str) -> Progress:
    return Progress(label, sys.stderr)


def silent_progress(label: str) -> Progress:
    return Progress(label, None)
