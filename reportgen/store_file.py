"""The DuckDB file reportgen keeps between runs (history and pulled records), opened with a bounded wait.

DuckDB lets one process write a file at a time. A monthly cron run that overlaps the
previous one (a pull still paging, a build still storing) waits for the file instead of
failing: one line says so (once a run, however often the run opens the file), and after
``$REPORTGEN_HISTORY_LOCK_TIMEOUT`` seconds (10 minutes by default) the run stops with one
line naming the file and the setting.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from reportgen.errors import HistoryError

if TYPE_CHECKING:  # DuckDB is imported by what opens a store, not by what only reads its types
    import duckdb

LOCK_TIMEOUT_ENV = "REPORTGEN_HISTORY_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 600.0  # seconds: a cron run that overlaps the previous one waits this long


P = ParamSpec("P")
T = TypeVar("T")
PRIVATE = 0o077  # the permission bits a file reportgen keeps between runs never gives to others


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files created meanwhile (a DuckDB file, its WAL, a cache) are the owner's only (0600),
    whatever the umask: they hold customer ids and pulled records."""
    previous = os.umask(PRIVATE)
    os.umask(previous | PRIVATE)
    try:
        yield
    finally:
        os.umask(previous)


def private(body: Callable[P, Iterator[T]]) -> Callable[P, Iterator[T]]:
    """Decorate the generator of a ``@contextmanager`` that opens a store: every file created
    while its connection is open is private (``private_files``)."""
    @functools.wraps(body)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        with private_files():
            yield from body(*args, **kwargs)
    return wrapper


def make_private(path: Path) -> None:
    """Take the group's and others' permissions off an existing store file (and its WAL)."""
    for file in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(OSError):
            mode = file.stat().st_mode & 0o777
            if mode & PRIVATE:
                os.chmod(file, mode & ~PRIVATE)



def pulled_store_path(history: Path) -> Path:
    """The store of pulled records of a project whose history is ``history``: beside it, named after
    it (``reportgen-history.duckdb`` → ``reportgen-history-pulled.duckdb``)."""
    return history.with_name(f"{history.stem}-pulled{history.suffix}")

def lock_timeout() -> float:
    """Seconds to wait for the file: ``$REPORTGEN_HISTORY_LOCK_TIMEOUT``, else the default."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        return max(0.0, float(text)) if text.strip() else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def duration(seconds: float) -> str:
    """``10 minutes``, ``1 second``, ``2.5 seconds``."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


# what DuckDB says about a file whose blocks were overwritten or cut short (a crash of the disk,
# a copy that stopped half-way): not a bug of reportgen, and not a foreign file
# (an empty file, or one whose header was overwritten, is "not a valid DuckDB database file")
_DAMAGE_SIGNS = ("corrupt database file", "could not read enough bytes", "checksum",
                 "not a valid duckdb database file")


def is_damaged(error: BaseException) -> bool:
    """True when a DuckDB error says the file itself is damaged."""
    import duckdb

    text = str(error).lower()
    return isinstance(error, duckdb.Error) and any(sign in text for sign in _DAMAGE_SIGNS)


def damaged_error(path: Path, what: str, error: BaseException, fix: str) -> HistoryError:
    """One line: ``<path>: <what> is damaged (DuckDB's words) — move it aside …, <fix>``."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return HistoryError(f"{path}: {what} is damaged ({first[:200]})",
                        hint=f"move it aside (mv {path} {path}.damaged), then {fix}")


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


_TOLD: set[str] = set()  # files this process already said it waits for: one line a run, not one a connection


def connect_waiting(path: Path, *, read_only: bool = False, timeout: float | None = None,
                    on_wait: Callable[[str], None] | None = None,
                    what: str = "the history store") -> duckdb.DuckDBPyConnection:
    """Connect to ``path``, waiting (bounded) while another process holds its lock.

    ``what`` names the file in the two lines a user may see (``waiting for the history
    store …``). Any other error is DuckDB's, for the caller to word.
    """
    import duckdb

    timeout = lock_timeout() if timeout is None else timeout
    on_wait = on_wait or to_stderr
    deadline = time.monotonic() + timeout
    while True:
        try:
            with private_files():
                con = duckdb.connect(str(path), read_only=read_only)
            if not read_only:
                make_private(path)
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise HistoryError(
                    f"{path}: {what} is still in use by another process after {duration(timeout)}",
                    hint="check for a stuck reportgen run; the wait is set by "
                         f"${LOCK_TIMEOUT_ENV} (seconds)") from None
            if str(path) not in _TOLD:
                on_wait(f"waiting for {what} {path}: another reportgen run is using it "
                        f"(up to {duration(timeout)})")
                _TOLD.add(str(path))
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
