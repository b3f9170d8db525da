"""Where reportgen may write: never over a file it reads or keeps.

Every file a command writes (the workbook at ``--out`` or report.output, the message of
``email --dry-run --eml``, the request bodies of ``publish --dry-run --requests-out``, the
site's pages and workbooks) is checked here first, before anything is computed, stored or
sent. Refused, in one line naming the file and the fix (``OutputError``):

* a workbook not named ``.xlsx``, a message not named ``.eml``;
* the config file; every file a source reads now (a glob: every file it matches, and any
  path it would match, so the next run does not read the report as data); a source's Google
  key file, a local DuckDB warehouse; the manager's notes (report.notes);
* the history file and its write-ahead log, the store of pulled records and its log;
* anything inside the result cache folder (beside the history) or reportgen's cache folder.

Paths are compared as the file system resolves them (symlinks, ``..``; an existing file by
its identity, which also tells a case-insensitive file system's spellings of one name).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from reportgen.config import Config, FileSource, SheetSource, WarehouseSource
from reportgen.errors import OutputError
from reportgen.memo import cache_folder
from reportgen.months import MONTH_FOLDER, parse_month_option
from reportgen.store_file import pulled_store_path


@dataclass(frozen=True)
class Written:
    """What a command writes: how messages name it, the file name it must end in, an example."""

    noun: str  # "the report"
    suffix: str | None  # ".xlsx"; None: any name
    example: str  # for an option: "reports/{month}.xlsx" ({month}: the report month)
    folder: bool = False
    kind: str = ""  # what a file of ``suffix`` is: "an Excel workbook"


WORKBOOK = Written("the report", ".xlsx", "reports/{month}.xlsx", kind="an Excel workbook")
MESSAGE = Written("the message", ".eml", "reports/{month}.eml", kind="an email file")
REQUESTS = Written("the request bodies", None, "reports/{month}-requests.json")
SITE = Written("the site", None, "site", folder=True)


@dataclass(frozen=True)
class Kept:
    """A file reportgen reads or keeps (``path``), a pattern of such files, or a folder of them."""

    what: str  # "the business source's file (sources.business.path)"
    path: str  # resolved; a pattern's non-magic part resolved
    kind: str = "file"  # "file", "pattern" or "folder"


def check_file(config: Config, target: Path, written: Written, option: str, month: str,
               shown: str | None = None) -> Path:
    """``target`` (a file ``written`` is written to, named by ``option``) when it may be written;
    else ``OutputError`` in one line: which file it is and the fix. ``month``: the report month,
    ``YYYY-MM`` or ``last``; ``shown``: the path as the user wrote it (a config value), when not
    ``target``."""
    month = parse_month_option(month, config.report.timezone)
    named = f"{option} {shown or target}"
    clash = _clash(target, kept_files(config, month))
    if clash is not None:
        if clash.kind == "pattern":
            problem = f"{clash.what} matches it: the next run would read {written.noun} as data"
        elif clash.kind == "folder":
            problem = f"this is inside {clash.what}"
        else:
            problem = f"this is {clash.what}"
        raise OutputError(f"{named}: {problem}", hint=_fix(written, option, month))
    _check_suffix(PurePath(shown or target), written, option, month)
    return target


def _check_suffix(name: PurePath, written: Written, option: str, month: str) -> None:
    """``OutputError`` when ``name`` does not end in ``written``'s suffix (in any case)."""
    if not written.suffix or name.suffix.lower() == written.suffix:
        return
    stem = name.name[: -len(name.suffix)] if name.suffix else name.name
    suggestion = str(name.with_name(stem + written.suffix)) if stem else _example(written, month)
    given = f"a '{name.suffix}' file" if name.suffix else "a file without an extension"
    raise OutputError(f"{option} {name}: the name must end in {written.suffix}: {written.noun} is "
                      f"{written.kind}, not {given}", hint=f"e.g. {_setting(option, suggestion)}")


def check_site(config: Config, folder: Path, option: str, month: str, workbook: str) -> Path:
    """The site's ``folder`` (named by ``option``) when it may be written; else ``OutputError``: a page
    or workbook (named ``workbook``) it writes, or one it removes (a month's ``index.html`` and
    ``*.xlsx``), is a file reportgen reads or keeps (report.output ends in .xlsx: ``config``)."""
    month = parse_month_option(month, config.report.timezone)
    kept = kept_files(config, month)
    named = f"{option} {folder}"
    for written in (folder, folder / "index.html", folder / month / "index.html", folder / month / workbook):
        clash = _clash(written, kept)
        if clash is None:
            continue
        which = f"{clash.what} matches it" if clash.kind == "pattern" else (
            f"it is inside {clash.what}" if clash.kind == "folder" else f"it is {clash.what}")
        raise OutputError(f"{named}: the site writes {written}, and {which}", hint=_fix(SITE, option, month))
    real = os.path.realpath(folder)
    for item in kept:  # months no longer in history lose their pages and workbooks
        place = PurePath(item.path)
        if item.kind == "file" and ((str(place.parent) == real and place.name == "index.html") or (
                str(place.parent.parent) == real and MONTH_FOLDER.match(place.parent.name)
                and (place.name == "index.html" or place.suffix.lower() == ".xlsx"))):
            raise OutputError(f"{named}: the site replaces or removes {place}, and it is {item.what}",
                              hint=_fix(SITE, option, month))
    return folder


def _fix(written: Written, option: str, month: str) -> str:
    where = "folder" if written.folder else "file"
    if option.startswith("--"):
        return f"write {written.noun} elsewhere, e.g. {option} {_example(written, month)}"
    return f"set {option} to another {where}, e.g. {written.example}"


def _example(written: Written, month: str) -> str:
    return written.example.replace("{month}", month)


def _setting(option: str, value: str) -> str:
    """``value`` as the user gives it: after the option (``--out x.xlsx``), as the config key's value
    (``report.output: x.xlsx``), else alone."""
    if option.startswith("--"):
        return f"{option} {value}"
    return f"{option}: {value}" if "." in option and " " not in option else str(value)


def kept_files(config: Config, month: str) -> list[Kept]:
    """Every file (pattern, folder) reportgen reads or keeps for ``config``; ``month``: the report
    month (the manager's notes are one file a month)."""
    kept: list[Kept] = []

    def add(what: str, path: str | Path, kind: str = "file") -> None:
        kept.append(Kept(what, os.path.realpath(path) if kind != "pattern" else _real_pattern(str(path)),
                         kind))

    if config.config_path is not None:
        add("the config file", config.config_path)
    for dataset in ("tickets", "surveys", "business"):
        sources = config.sources.of(dataset)
        for index, source in enumerate(sources):
            key = f"sources.{dataset}" + (f"[{index}]" if len(sources) > 1 else "")
            if isinstance(source, FileSource):
                pattern = str(config.resolve(source.path))
                if glob.has_magic(pattern):
                    for found in glob.glob(pattern):
                        add(f"a file of the {dataset} source ({key}.path)", found)
                    add(f"the {dataset} source's pattern '{source.path}' ({key}.path)", pattern, "pattern")
                else:
                    add(f"the {dataset} source's file ({key}.path)", pattern)
            elif isinstance(source, SheetSource) and source.credentials:
                add(f"the Google key of the {dataset} source ({key}.credentials)",
                    config.resolve(source.credentials))
            elif isinstance(source, WarehouseSource) and source.warehouse.startswith("duckdb:///"):
                database = source.warehouse.removeprefix("duckdb:///").split("?", 1)[0]
                if database and database != ":memory:":
                    add(f"the {dataset} source's warehouse ({key}.warehouse)", config.resolve(database))
    publishing = config.outputs.get("google_sheets") or {}
    key_file = publishing.get("credentials") if isinstance(publishing, dict) else None
    if isinstance(key_file, str) and key_file.strip():
        add("the Google key (outputs.google_sheets.credentials)", config.resolve(key_file))
    history = config.resolve(config.history.path)
    add("the history file (history.path)", history)
    add("the history file's write-ahead log (history.path)", history.with_name(history.name + ".wal"))
    pulled = pulled_store_path(history)
    add("the store of pulled records (beside history.path)", pulled)
    add("the write-ahead log of the store of pulled records (beside history.path)",
        pulled.with_name(pulled.name + ".wal"))
    add("the result cache folder (beside history.path)", history.parent / f"{history.name}.cache", "folder")
    cache = cache_folder()
    if cache is not None:
        add("reportgen's cache folder", cache, "folder")
    notes = config.report.notes
    add(f"the pattern of the manager's notes '{notes}' (report.notes)",
        glob.escape(str(config.resolve(notes.replace("{month}", "\0")))).replace("\0", "*"), "pattern")
    return kept


def _real_pattern(pattern: str) -> str:
    """``pattern`` with its folders up to the first one with a wildcard resolved (symlinks, ``..``)."""
    parts = Path(pattern).parts
    first = next((index for index, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    fixed = os.path.realpath(Path(*parts[:first])) if first else os.getcwd()
    return os.path.join(glob.escape(fixed), *parts[first:])


def _clash(target: Path, kept: list[Kept]) -> Kept | None:
    """The first of ``kept`` that writing ``target`` would overwrite (or make a source read)."""
    real = os.path.realpath(target)
    for item in kept:
        if item.kind == "pattern":
            if PurePath(real).match(item.path):
                return item
        elif item.kind == "folder":
            if PurePath(real).is_relative_to(item.path):
                return item
        elif real == item.path or _same(real, item.path):
            return item
    return None


def _same(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # either does not exist (yet)
        return False
