"""Atomic file writes: a report is either the old file or the complete new one."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from reportgen.errors import OutputError


@contextlib.contextmanager
def atomic_output(target: Path, *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any error the temporary file is removed and ``target`` is untouched. ``private``: the
    file is the owner's only (0600), whatever the umask (a message with its recipients).
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write here ({exc.strerror})",
                          hint="check the folder exists and is writable, or pass --out") from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o600 if private else _mode_for(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` whole or not at all: a temporary file beside it (named as
    :func:`atomic_output` names them; the owner's only, 0600), moved over ``target``. An
    ``OSError`` (a folder that cannot be written, a full disk) leaves ``target`` as it was and
    no temporary file behind."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


LEFTOVER_AGE = 3600.0  # seconds: a temporary file this old is no write in progress but a killed run's


def remove_leftovers(target: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files a killed run left beside ``target`` (``.2026-10.xlsx.k3j_x9a1.tmp``).

    Only files named the way ``atomic_output`` names them, with ``target``'s extension, and older
    than ``LEFTOVER_AGE`` (a run writing now is left alone); returns the removed paths.
    """
    pattern = re.compile(r"\..+" + re.escape(target.suffix) + r"\.[a-z0-9_]{8}\.tmp")
    limit = (time.time() if now is None else now) - LEFTOVER_AGE
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for path in target.parent.iterdir():
            if not pattern.fullmatch(path.name):
                continue
            with contextlib.suppress(OSError):
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
                    path.unlink()
                    removed.append(path)
    return removed


def _mode_for(target: Path) -> int:
    """Keep an existing report's permissions; a new one gets the usual umask-based mode."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
