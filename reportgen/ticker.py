"""Progress of one long step whose work happens inside a single call (the engine's queries).

On a terminal a line on stderr counts the seconds while the step runs (redrawn
twice a second by a background thread) and is cleared when it ends. Wherever
it runs, a step that took ``summary_after`` seconds or more leaves one summary
line (``notify``), so a cron log shows what a long run did; a quick one says
nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

SUMMARY_AFTER = 5.0  # seconds


class Ticker:
    """What a step reports: ``done`` (its summary, set by the caller before the step ends; a
    callable is asked only when the summary is shown)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.done: str | Callable[[], str] | None = None

    def summary(self, label: str) -> str:
        done = self.done() if callable(self.done) else self.done
        return done or label

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@contextmanager
def ticking(label: str, notify: Callable[[str], None] | None, stream: TextIO | None = None,
            *, tty: bool | None = None, interval: float = 0.5,
            summary_after: float = SUMMARY_AFTER) -> Iterator[Ticker]:
    """Show ``label … 12 s`` on a terminal while the block runs; then the summary if it was long.

    The summary is ``ticker.done`` (or ``label``) followed by the seconds, given to
    ``notify``. Nothing is shown when ``notify`` is None (a library call).
    """
    stream = stream if stream is not None else sys.stderr
    live = notify is not None and (tty if tty is not None else stream.isatty())
    ticker = Ticker()
    stop = threading.Event()
    width = 0

    def draw() -> None:
        nonlocal width
        while not stop.wait(interval):
            text = f"{label} … {ticker.seconds:.0f} s"
            stream.write("\r" + text + " " * max(0, width - len(text)))
            stream.flush()
            width = len(text)

    thread = threading.Thread(target=draw, name="reportgen-ticker", daemon=True) if live else None
    if thread is not None:
        thread.start()
    try:
        yield ticker
    finally:
        stop.set()
        if thread is not None:
            thread.join()
            if width:
                stream.write("\r" + " " * width + "\r")
                stream.flush()
    if notify is not None and ticker.seconds >= summary_after:
        notify(f"{ticker.summary(label)} in {ticker.seconds:.1f} s")
