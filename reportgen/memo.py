"""Results of a slow, pure computation kept between runs, in the user's cache folder.

The cleaning rules (``engine.rules``) are compiled into DuckDB SQL with sqlglot: the
same few declarations with the same terms, run after run. Importing sqlglot and
transpiling costs a fixed ~0.3 CPU-s a run, more than reading a small month's files, so
the compiled text is kept here and a run that finds it never imports sqlglot. The
message catalogues (``reportgen.i18n``) are kept the same way, compiled from their
``.po`` files.

An entry is found by its whole input (the key, JSON text), in a file named by a
fingerprint of everything else the result depends on: the code that computes it (the
bytes of its modules), reportgen's version and each library it uses (where it is
installed, its size and modification time: an upgrade writes it anew). Nothing else is
trusted: a file that does not read as such a table is ignored and written afresh.

The folder is ``$XDG_CACHE_HOME/reportgen`` (else ``~/.cache/reportgen``), the owner's
only (0700, files 0600); a folder that cannot be written costs only the time to
compute again. It holds SQL text over column names and the catalogues' texts — never
data, never a secret.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from reportgen import __version__
from reportgen.fileio import replace_atomically

KEPT = 8  # files kept per memo name: other versions, other checkouts of the code


def cache_folder() -> Path | None:
    """The user's cache folder of reportgen (``$XDG_CACHE_HOME/reportgen``, else ``~/.cache/reportgen``);
    None without a home to put it in (then every run computes)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (which the XDG specification says to ignore)
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reportgen" if os.path.isabs(base) else None


def library_identity(name: str) -> str:
    """An installed package as it is now, without importing it: where its module is, its size and
    modification time (an upgrade or reinstall writes it anew); "absent" when not installed."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return "absent"
    stat = os.stat(spec.origin)
    return f"{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


class Memo:
    """``value(key, compute)``: ``compute()`` once per ``key`` across runs, while ``code`` (the
    modules whose code computes it) and ``libraries`` (the packages it imports) are unchanged.
    ``compute`` must return JSON-serialisable data that depends on ``key`` alone."""

    def __init__(self, name: str, code: Sequence[Path], libraries: Sequence[str] = ()) -> None:
        self.name = name
        self.code = tuple(code)
        self.libraries = tuple(libraries)
        self._entries: dict[str, Any] | None = None
        self._path: Path | bool | None = False  # False: not looked up yet
        # the engine's datasets run side by side on threads: one loads, computes and writes at a time
        self._lock = threading.Lock()

    def value(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            entries = self._load()
            if key in entries:
                return entries[key]
            found = entries[key] = compute()
            self._store()
            return found

    @property
    def path(self) -> Path | None:
        """The file of the entries; None when there is none to use (no home, unreadable code)."""
        if self._path is False:
            folder = cache_folder()
            try:
                self._path = folder / f"{self.name}-{self._fingerprint()}.json" if folder else None
            except OSError:
                self._path = None
        return self._path if isinstance(self._path, Path) else None

    def _fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.name}\0{__version__}".encode())
        for module in (Path(__file__), *self.code):  # how entries are written is code they depend on
            digest.update(b"\0" + module.read_bytes())
        for library in self.libraries:
            digest.update(f"\0{library}\0{library_identity(library)}".encode())
        return digest.hexdigest()[:32]

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            path = self.path
            try:
                found = json.loads(path.read_bytes()) if path else None
            except (OSError, ValueError):
                found = None  # absent or damaged: computed again, and written again
            if isinstance(found, dict):
                self._entries = found
        return self._entries

    def _store(self) -> None:
        """Write every entry (atomically); a folder that cannot be written is left alone."""
        path = self.path
        if path is None:
            return
        folder = path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # in order: a catalogue keeps its messages in file order
            replace_atomically(path, json.dumps(self._entries).encode("utf-8"))
        except OSError:
            return
        with suppress(OSError):
            older = sorted(folder.glob(f"{self.name}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for stale in older[KEPT:]:
                stale.unlink(missing_ok=True)
