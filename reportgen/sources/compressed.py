"""Compressed exports (``.zip``, ``.gz``) → the one data file inside, unpacked to a scratch file.

Zendesk delivers account exports as ``.csv.zip``; a ``.gz`` holds one file by
construction. A zip must hold exactly one data file (folders, ``__MACOSX/`` and
hidden files are ignored): several are an error naming them, since which one
is the dataset is the user's decision. Every error names the user's archive
(and the member), never the scratch file.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reportgen.errors import DataError, Location

ARCHIVES = (".zip", ".gz")
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson", ".parquet")
_HINT = "check that the archive is a complete export, or unpack it and point path: at the file"


@dataclass(frozen=True)
class Unpacked:
    """The data file of an archive: ``path`` is a scratch copy, ``member`` its name in the archive."""

    archive: Path
    member: str
    path: Path

    @property
    def label(self) -> str:
        """How messages name it: ``tickets.csv.zip (tickets.csv)``."""
        return f"{self.archive} ({self.member})"


def is_archive(path: Path) -> bool:
    return path.suffix.lower() in ARCHIVES


def data_suffix(path: Path) -> str:
    """The suffix that says how to read a file: ``.csv`` for ``x.csv.gz``, ``.zip`` for any zip."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        inner = Path(path.stem).suffix.lower()
        return inner if inner in DATA_SUFFIXES else ".csv"
    return suffix


def unpack(path: Path, workdir: Path) -> Unpacked:
    """The archive's one data file, written to a scratch file in ``workdir``."""
    if path.suffix.lower() == ".gz":
        return _gunzip(path, workdir)
    return _unzip(path, workdir)


def _scratch(workdir: Path, member: str) -> Path:
    """A fresh path in its own scratch folder, keeping the member's name (its suffix says how to read it)."""
    name = PurePosixPath(member).name[-120:] or "data.csv"
    return Path(tempfile.mkdtemp(prefix="unpacked-", dir=workdir)) / name


def _gunzip(path: Path, workdir: Path) -> Unpacked:
    member = path.stem if Path(path.stem).suffix.lower() in DATA_SUFFIXES else f"{path.stem}.csv"
    target = _scratch(workdir, member)
    try:
        with gzip.open(path, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot unpack the gzip file ({_first_line(exc)})", Location(file=path),
                        hint=_HINT) from None
    return Unpacked(path, member, target)


def _is_data_member(info: zipfile.ZipInfo) -> bool:
    name = PurePosixPath(info.filename)
    if info.is_dir() or "__MACOSX" in name.parts or name.name.startswith("."):
        return False
    return name.suffix.lower() in DATA_SUFFIXES


def _unzip(path: Path, workdir: Path) -> Unpacked:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if _is_data_member(info)]
            if not members:
                inside = ", ".join(i.filename for i in archive.infolist() if not i.is_dir()) or "nothing"
                raise DataError(f"the zip archive holds no data file (it holds: {inside})",
                                Location(file=path),
                                hint="expect one .csv, .xlsx, .json or .parquet file inside")
            if len(members) > 1:
                names = ", ".join(i.filename for i in members)
                raise DataError(f"the zip archive holds {len(members)} data files ({names})",
                                Location(file=path),
                                hint="keep one file per archive, or unpack it and point path: at a glob")
            info = members[0]
            target = _scratch(workdir, info.filename)
            try:
                with archive.open(info) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
            except (OSError, EOFError, RuntimeError, zipfile.BadZipFile, zlib.error,
                    NotImplementedError) as exc:
                raise DataError(f"cannot unpack '{info.filename}' ({_first_line(exc)})",
                                Location(file=path), hint=_HINT) from None
            return Unpacked(path, info.filename, target)
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a readable zip archive ({_first_line(exc)})", Location(file=path),
                        hint=_HINT) from None
    except OSError as exc:
        raise DataError(f"cannot read the archive ({exc.strerror or exc})", Location(file=path),
                        hint="check that the file exists and that you may read it") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
