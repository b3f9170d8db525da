"""The engine's result, kept for the next command on the same inputs.

A monthly cron runs ``build``, then ``email``, then ``publish`` on the same files: the
second and third reuse the first one's engine result instead of reading every row again.
An entry is keyed by everything the result depends on:

- the config, without its outputs and without any credential (``_config_part``);
- each input's identity: a file by its path, size, modification time and inode (a glob
  by every file it matches); pulled records by their store's version (``store_version``);
- reportgen's version and its code (an upgrade, or an edited checkout, computes afresh),
  DuckDB's installation, and the holidays package's when the business hours follow a country's.

Beside an entry, the report month's window as the run gathered it from history
(``monthdata.gather_month``), with a digest of the history file as that run left it: a
later run finding the file unchanged has nothing to store (the month is stored as it
would store it) and reads the same window, so it opens neither the history nor DuckDB.

A Google Sheet or warehouse source has no identity to compare: such a config is never
cached. An entry is written only by a run that passed its checks (``MonthRun.check``),
never from rejected data, and only when no input changed during the run or was modified
within the last seconds (a file rewritten within the file system's time resolution
could keep its identity: the next run then computes afresh). The folder sits beside
the history file and, like it, is the owner's only (0700, files 0600); an entry holds the
measures, data-quality counts, notes and the month's survey comments (customer text, as
the report shows them) — never a secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import msgspec

from reportgen import __version__
from reportgen.config import Config, SourceConfig
from reportgen.engine.result import DatasetQuality, EngineResult, RowProblem, SurveyComment
from reportgen.fileio import LEFTOVER_AGE, replace_atomically
from reportgen.history import Completeness
from reportgen.measures import MonthMeasures
from reportgen.memo import library_identity
from reportgen.monthdata import MonthData

KEPT = 8  # entries kept per project: the newest (a cron's months, a config being edited)
_RACY_SECONDS = 2.0  # an input modified this recently may change again within its mtime's resolution
# a pulled source's credentials; its account is in its store version's key
_CREDENTIALS = ("token", "email", "credentials", "url")
_CODE = Path(__file__).resolve().parent


class _Entry(msgspec.Struct, frozen=True):
    """What is stored: the engine result of a run that passed its checks."""

    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    problems: list[RowProblem]
    coverage: dict[str, tuple[dt.date, dt.date]]
    notes: list[str]
    comments: dict[str, list[SurveyComment]]
    opening_backlog: int = 0  # tickets open when the first computed month starts


class _Window(msgspec.Struct, frozen=True):
    """The report month's window as a run gathered it from history, and the history as that run
    left it (``_history_state``): a later run on the same inputs, finding the same history,
    would write the same month and read the same window."""

    history: str
    window: list[str]
    measures: dict[str, MonthMeasures]
    from_run: list[str]
    stored_completeness: dict[str, Completeness]


class ResultCache:
    """The cache entry of one config as its inputs are now (``key`` None: not cacheable)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.folder = _folder(config)
        self.key = cache_key(config)

    @property
    def path(self) -> Path | None:
        return self.folder / f"{self.key}.json" if self.key else None

    def load(self) -> EngineResult | None:
        """The stored result for these inputs, or None (none stored, or unreadable)."""
        path = self.path
        if path is None:
            return None
        try:
            entry = msgspec.json.decode(path.read_bytes(), type=_Entry)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return None  # absent, or damaged: computed again (and written again)
        with suppress(OSError):
            os.utime(path)  # the newest entries are the ones kept
        return EngineResult(dict(entry.months), dict(entry.quality), list(entry.problems),
                            coverage=dict(entry.coverage), notes=list(entry.notes),
                            opening_backlog=entry.opening_backlog, comments=dict(entry.comments))

    def store(self, result: EngineResult, started: float) -> bool:
        """Keep ``result`` for the next run; False when it must not be kept: the inputs are not
        the ones this cache was keyed on (changed since, or too recently to tell: ``started``
        is the run's start, ``time.time()``), or the result holds fatal problems."""
        if self.key is None or result.fatal or cache_key(self.config, started) != self.key:
            return False
        entry = _Entry(result.months, result.quality, result.problems, result.coverage, result.notes,
                       result.comments, result.opening_backlog)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            replace_atomically(self.folder / f"{self.key}.json", msgspec.json.encode(entry))
        except OSError:
            return False  # a cache is an optimisation: a read-only folder only costs time
        _prune(self.folder)
        return True


    def _window_path(self, month: str) -> Path | None:
        return self.folder / f"{self.key}-{month}.window" if self.key else None

    def load_window(self, month: str, result: EngineResult) -> MonthData | None:
        """The window a run of these inputs gathered for ``month`` (``monthdata.gather_month``),
        when the history file is still as that run left it: the month is stored as this run
        would store it, and the window reads the same. None otherwise (the caller gathers it)."""
        path = self._window_path(month)
        if path is None:
            return None
        try:
            window = msgspec.json.decode(path.read_bytes(), type=_Window)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return None
        if window.history != _history_state(self.config):
            return None  # history changed since (another month stored, a month dropped, …)
        return MonthData(self.config, month, list(window.window), dict(window.measures), result,
                         from_run=set(window.from_run), stored_completeness=dict(window.stored_completeness))

    def store_window(self, month: str, data: MonthData) -> None:
        """Keep ``data``'s window (just gathered, history just written) for the next run of
        these inputs; only beside a stored result."""
        path = self._window_path(month)
        if path is None or not (self.folder / f"{self.key}.json").exists():
            return
        state = _history_state(self.config)
        if state is None:
            return
        window = _Window(state, data.window, data.measures, sorted(data.from_run), data.stored_completeness)
        with suppress(OSError):
            replace_atomically(path, msgspec.json.encode(window))


def _history_state(config: Config) -> str | None:
    """The history file's content as it is now (a digest of it and its write-ahead log), None
    when there is none to compare."""
    path = config.resolve(config.history.path)
    digest = hashlib.sha256()
    for index, file in enumerate((path, path.with_name(path.name + ".wal"))):
        try:
            with file.open("rb") as handle:
                digest.update(f"{index}\0".encode())
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except FileNotFoundError:
            if index == 0:
                return None
        except OSError:
            return None
    return digest.hexdigest()


def _folder(config: Config) -> Path:
    history = config.resolve(config.history.path)
    return history.parent / f"{history.name}.cache"


def cache_key(config: Config, started: float | None = None) -> str | None:
    """The key of the config's engine result as its inputs are now; None when it cannot be
    cached (a source without an identity, an input missing or modified after ``started``
    minus a couple of seconds)."""
    inputs: list[Any] = []
    for dataset in ("tickets", "surveys", "business"):
        for source in config.sources.of(dataset):
            identity = _identity(config, dataset, source, started)
            if identity is None:
                return None
            inputs.append(identity)
    material = json.dumps({
        "config": _config_part(config), "inputs": inputs, "version": __version__, "code": _code(),
        "libraries": _libraries(config),
    }, sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def _identity(config: Config, dataset: str, source: SourceConfig, started: float | None) -> Any:
    from reportgen.sources.kinds import kind_of

    return kind_of(source).identity(config, dataset, source, started, _RACY_SECONDS)


def _config_part(config: Config) -> dict[str, Any]:
    """The config as the engine sees it: without outputs, scratch fields or credentials."""
    part = config.model_dump(mode="json", exclude={"outputs", "config_path", "missing_env", "warnings"})
    for dataset in ("tickets", "surveys", "business"):
        value = part["sources"].get(dataset)
        for source in value if isinstance(value, list) else [value] if value else []:
            if source.get("api"):
                for name in _CREDENTIALS:
                    source.pop(name, None)
    return part


def _libraries(config: Config) -> list[str]:
    """The installations of the libraries whose upgrade may change a result: DuckDB (reading and
    parsing), and the public holidays of ``business_hours.country`` — told without importing
    them (``memo.library_identity``), so a cached run loads neither."""
    found = [library_identity("duckdb")]
    if config.business_hours is not None and config.business_hours.country:
        found.append(library_identity("holidays"))
    return found


def _code() -> list[Any]:
    """reportgen's own code as installed: the newest modification among its modules (and
    their count), so an edited checkout of the same version is not served an older result."""
    newest, count = 0, 0
    for root, _, names in os.walk(_CODE):
        for name in names:
            if name.endswith((".py", ".so")):
                with suppress(OSError):
                    newest = max(newest, os.stat(os.path.join(root, name)).st_mtime_ns)
                    count += 1
    return [newest, count]


def _prune(folder: Path) -> None:
    """Keep the ``KEPT`` most recently used entries (and no scratch file of a killed run)."""
    try:
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[KEPT:]:
            stale.unlink(missing_ok=True)
        kept = {entry.stem for entry in entries[:KEPT]}
        for window in folder.glob("*.window"):  # a month's window lives as long as its entry
            if window.stem.rpartition("-")[0].rpartition("-")[0] not in kept:
                window.unlink(missing_ok=True)
        for scratch in folder.glob(".*.tmp"):  # replace_atomically's, left by a killed run
            if scratch.stat().st_mtime < time.time() - LEFTOVER_AGE:
                scratch.unlink(missing_ok=True)
    except OSError:
        pass
