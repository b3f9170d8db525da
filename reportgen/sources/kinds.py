"""The one interface every kind of source meets: what the engine reads from it.

A source is a ``path:`` file (or glob), an ``api:`` pull, a ``google_sheet:`` or a
``warehouse:`` table or query (``reportgen.config``'s four settings models). Each kind
says here, once, everything the rest of reportgen asks of a source:

* :meth:`SourceKind.readables` — the files the load stage reads, each a
  :class:`Readable` (the file, the settings to read it with, the zone of its naive
  times, and how messages name it). A file source is its files; a pull is the canonical
  CSV written from its store; a sheet is one values request written to a scratch CSV.
  After this the pipeline is the same for all of them (``engine.load``).
* :attr:`SourceKind.in_warehouse` — the pipeline runs inside the warehouse instead
  (push-down, ``engine.warehouse``): its rows are never copied out.
* :attr:`SourceKind.local` — its files are on this machine already (read side by side).
* :meth:`SourceKind.identity` — what tells whether its rows changed (``result_cache``).
* :meth:`SourceKind.covered_until` — the time its data is complete up to, when the
  source knows it (a pull: when it finished).

Adding a kind of source is one class here and its settings model in ``config``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from reportgen.config import ApiSource, Config, FileSource, SheetSource, SourceConfig, WarehouseSource
from reportgen.errors import ConfigError, ReportgenError

__all__ = ["Readable", "SourceKind", "kind_of"]


@dataclass(frozen=True)
class Readable:
    """One file the load stage reads for a source."""

    path: Path  # the file DuckDB reads
    settings: SourceConfig  # how to read it (preset, encoding, date format, …)
    timezone: str  # naive date-times in it are wall-clock time here
    label: str | None = None  # how messages name it when not by ``path`` (a worksheet)
    rows: Mapping[int, int] | None = None  # file row → the row a person sees, when they differ
    # an error about ``path`` told about what the user knows instead (a worksheet's cells)
    relabel: Callable[[ReportgenError], ReportgenError] | None = None


class SourceKind:
    """What reportgen asks of one kind of source (subclasses below; :func:`kind_of` picks one)."""

    in_warehouse: ClassVar[bool] = False
    local: ClassVar[bool] = False

    def readables(self, config: Config, dataset: str, source: SourceConfig, key: str,
                  workdir: Path) -> list[Readable]:
        """The files to read, in order; raises :class:`ReportgenError` when the source cannot be read."""
        raise ConfigError(f"sources.{key}: {source.kind}: sources are computed in the warehouse, not read",
                          hint="this is a bug in reportgen: please report it")

    def identity(self, config: Config, dataset: str, source: SourceConfig, started: float | None,
                 racy_seconds: float) -> Any:
        """A JSON-able value that changes whenever the source's rows may have; None: nothing tells."""
        return None

    def covered_until(self, config: Config, dataset: str, source: SourceConfig) -> dt.datetime | None:
        return None


def _scratch(source: SourceConfig) -> SourceConfig:
    """A source whose file reportgen wrote itself (pulled records, a sheet's values): UTF-8 text
    whatever its cells hold, so a NUL pulled in a field is a control character in a value
    (``sources.text``), never "not a text file"."""
    return source.model_copy(update={"encoding": "utf-8"})


class Files(SourceKind):
    """``path:`` — exported files, a glob of them, archives."""

    local = True

    def readables(self, config: Config, dataset: str, source: SourceConfig, key: str,
                  workdir: Path) -> list[Readable]:
        from reportgen.sources.files import resolve_files

        assert isinstance(source, FileSource)
        zone = config.source_timezone(source)
        return [Readable(path, source, zone) for path in resolve_files(config, source, key)]

    def identity(self, config: Config, dataset: str, source: SourceConfig, started: float | None,
                 racy_seconds: float) -> Any:
        from reportgen.sources.files import resolve_files

        assert isinstance(source, FileSource)
        try:
            files = resolve_files(config, source, dataset)
        except ReportgenError:
            return None  # the engine says what is wrong
        found = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                return None
            if started is not None and stat.st_mtime > started - racy_seconds:
                return None  # written in the same second as the run: a later write may share its mtime
            found.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev])
        return found


class Pull(SourceKind):
    """``api:`` — the records pulled into the local store, written as canonical rows."""

    def readables(self, config: Config, dataset: str, source: SourceConfig, key: str,
                  workdir: Path) -> list[Readable]:
        from reportgen.sources.api import materialize

        assert isinstance(source, ApiSource)
        pulled = materialize(config, dataset, source)
        return [Readable(pulled, _scratch(source), config.source_timezone(source))]

    def identity(self, config: Config, dataset: str, source: SourceConfig, started: float | None,
                 racy_seconds: float) -> Any:
        from reportgen.sources.api.pull import store_version

        assert isinstance(source, ApiSource)
        try:
            return store_version(config, dataset, source)
        except ReportgenError:
            return None

    def covered_until(self, config: Config, dataset: str, source: SourceConfig) -> dt.datetime | None:
        from reportgen.sources.api import pulled_until

        assert isinstance(source, ApiSource)
        return pulled_until(config, dataset, source)


class Sheet(SourceKind):
    """``google_sheet:`` — one values request, written to a scratch CSV; messages name the cells."""

    def readables(self, config: Config, dataset: str, source: SourceConfig, key: str,
                  workdir: Path) -> list[Readable]:
        from reportgen.sources.google_sheet import stage_google_sheet

        assert isinstance(source, SheetSource)
        sheet = stage_google_sheet(config, dataset, source, workdir)
        # date-times are wall-clock time in the sheet's zone unless the source says otherwise
        return [Readable(sheet.path, _scratch(sheet.source), config.source_timezone(sheet.source),
                         label=sheet.label, rows=dict(sheet.rows), relabel=sheet.relabel)]


class Warehouse(SourceKind):
    """``warehouse:`` — a table or query; the engine's statement runs there (``engine.warehouse``)."""

    in_warehouse = True


_KINDS: dict[type[SourceConfig], SourceKind] = {
    FileSource: Files(), ApiSource: Pull(), SheetSource: Sheet(), WarehouseSource: Warehouse(),
}


def kind_of(source: SourceConfig) -> SourceKind:
    """The kind of ``source`` (by its settings model)."""
    for model, kind in _KINDS.items():
        if isinstance(source, model):
            return kind
    raise TypeError(f"no source kind for {type(source).__name__}")
