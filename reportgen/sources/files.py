"""Source files → DuckDB relations of text columns, one row per record.

Every value is read as text (``VARCHAR``) so that validation and error messages
see exactly what the file holds; typing happens in the engine, row by row.
CSV and Parquet go straight through DuckDB's readers (fast on millions of rows);
XLSX is streamed through openpyxl into a temporary CSV; JSON is read as objects.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import duckdb

from reportgen.config import Config, SourceConfig
from reportgen.errors import DataError, Location

SUPPORTED = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
             ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}
_SNIFF_BYTES = 256 * 1024


@dataclass
class StagedFile:
    """One source file readable as SQL: ``columns`` holds its header in order.

    ``sql`` selects text columns named ``c0, c1, …`` (positionally matching
    ``header``) plus ``_row``, the row number a person sees in the file.
    """

    path: Path
    header: list[str]
    sql: str


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def resolve_files(config: Config, source: SourceConfig, dataset: str) -> list[Path]:
    """The files a source names, sorted by name; a clear error when there are none."""
    pattern = str(config.resolve(source.path))
    key = f"sources.{dataset}.path"
    if glob.has_magic(pattern):
        files = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if not files:
            raise DataError(
                f"{key}: no file matches '{pattern}'",
                hint="check the folder and the pattern (relative paths start at the config file)",
            )
    else:
        path = Path(pattern)
        if path.is_dir():
            raise DataError(f"{key}: '{path}' is a folder", hint="name a file or a glob like data/*.csv")
        if not path.exists():
            raise DataError(
                f"{key}: file '{path}' does not exist",
                hint="check the path (relative paths start at the config file)",
            )
        files = [path]
    for path in files:
        if path.suffix.lower() not in SUPPORTED:
            raise DataError(
                f"unsupported file type '{path.suffix or '(none)'}'",
                Location(file=path),
                hint="use .csv, .xlsx, .json, .jsonl or .parquet",
            )
        if not os.access(path, os.R_OK):
            raise DataError("cannot read the file (permission denied)", Location(file=path),
                            hint="check the file's permissions")
    return files


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, source: SourceConfig,
               workdir: Path) -> StagedFile:
    kind = SUPPORTED[path.suffix.lower()]
    if kind == "csv":
        return _stage_csv(path, source)
    if kind == "xlsx":
        return _stage_xlsx(path, source, workdir)
    if kind == "json":
        return _stage_json(con, path)
    return _stage_parquet(con, path)


# ---- CSV -----------------------------------------------------------------

def _read_sample(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", Location(file=path)) from None


def _decode_sample(sample: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Decoded sample and the encoding DuckDB should use."""
    if encoding:
        return sample.decode(encoding, errors="replace"), encoding
    if b"\x00" in sample[:4096]:
        if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
            return sample.decode("utf-16", errors="replace"), "utf-16"
        raise DataError("this is not a text file (it contains binary data)", Location(file=path),
                        hint="export the data as CSV, XLSX, JSON or Parquet")
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            row = sample[: exc.start].count(b"\n") + 1
            raise DataError(
                f"the file is not UTF-8 (byte 0x{sample[exc.start]:02x})",
                Location(file=path, row=row),
                hint="re-export it as UTF-8, or set encoding: latin-1 (or the file's encoding) "
                     "for this source",
            ) from None
        text = sample[: exc.start].decode("utf-8-sig")
    return text, "utf-8"


def _sniff_delimiter(first_line: str) -> str:
    """The delimiter of a header line: the most frequent of , ; tab | outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _stage_csv(path: Path, source: SourceConfig) -> StagedFile:
    sample = _read_sample(path)
    if not sample.strip():
        raise DataError("the file is empty", Location(file=path),
                        hint="export again; the first row must hold the column names")
    text, encoding = _decode_sample(sample, path, source.encoding)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = source.delimiter or _sniff_delimiter(first_line)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if not any(header):
        raise DataError("the first row (the header) is empty", Location(file=path, row=1),
                        hint="the first row must hold the column names")
    if len(header) == 1 and not source.delimiter and len(first_line) > 40:
        raise DataError(
            "found a single column; the delimiter could not be detected", Location(file=path, row=1),
            hint="set delimiter: for this source (for example ';' or ',')",
        )
    names = ", ".join(sql_string(f"c{i}") for i in range(len(header)))
    sql = (
        f"SELECT *, (row_number() OVER ()) + 1 AS _row FROM read_csv({sql_string(str(path))}, "
        f"header=true, all_varchar=true, names=[{names}], delim={sql_string(delimiter)}, "
        f"quote='\"', escape='\"', encoding={sql_string(_duckdb_encoding(encoding))}, "
        f"max_line_size=20000000, null_padding=true)"
    )
    return StagedFile(path, header, sql)


def _duckdb_encoding(encoding: str) -> str:
    name = encoding.lower().replace("_", "-")
    if name in ("utf-8", "utf8", "utf-8-sig"):
        return "utf-8"
    if name in ("latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252", "windows-1252"):
        return "latin-1"
    if name.startswith("utf-16"):
        return "utf-16"
    return name


# ---- XLSX ----------------------------------------------------------------

def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise DataError(f"cannot open the workbook ({type(exc).__name__}: {exc})",
                        Location(file=path), hint="save it again as .xlsx") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataError(f"no sheet named '{sheet}' (sheets: {', '.join(book.sheetnames)})",
                            Location(file=path), hint="fix sheet: for this source")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        for row in worksheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
    finally:
        book.close()


def _stage_xlsx(path: Path, source: SourceConfig, workdir: Path) -> StagedFile:
    rows = _xlsx_rows(path, source.sheet)
    header = [h.strip() for h in next(rows, [])]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise DataError("the first row (the header) is empty", Location(file=path, row=1),
                        hint="the first row of the sheet must hold the column names")
    handle, name = tempfile.mkstemp(suffix=".csv", dir=workdir)
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f"c{i}" for i in range(len(header))])
        for row in rows:
            cells = (row + [""] * len(header))[: len(header)]
            writer.writerow(cells)
    names = ", ".join(sql_string(f"c{i}") for i in range(len(header)))
    sql = (
        f"SELECT *, (row_number() OVER ()) + 1 AS _row FROM read_csv({sql_string(name)}, "
        f"header=true, all_varchar=true, names=[{names}], delim=',', quote='\"', escape='\"', "
        f"max_line_size=20000000)"
    )
    return StagedFile(path, header, sql)


# ---- JSON / Parquet --------------------------------------------------------

def _stage_json(con: duckdb.DuckDBPyConnection, path: Path) -> StagedFile:
    objects = f"read_json_objects({sql_string(str(path))}, format='auto')"
    try:
        keys = con.execute(
            f"SELECT k FROM (SELECT unnest(json_keys(json)) AS k, row_number() OVER () AS i "
            f"FROM {objects} WHERE json_type(json) = 'OBJECT') GROUP BY k ORDER BY min(i)"
        ).fetchall()
    except duckdb.Error as exc:
        raise DataError(f"not valid JSON ({_first_line(exc)})", Location(file=path),
                        hint="expect an array of objects or one object per line (JSONL)") from None
    header = [str(k[0]) for k in keys]
    if not header:
        raise DataError("no records found", Location(file=path),
                        hint="expect an array of objects or one object per line (JSONL)")
    columns = ", ".join(
        f"json_extract_string(json, {sql_string('$.' + _json_key(k))}) AS c{i}"
        for i, k in enumerate(header)
    )
    sql = f"SELECT {columns}, row_number() OVER () AS _row FROM {objects}"
    return StagedFile(path, header, sql)


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> StagedFile:
    relation = f"read_parquet({sql_string(str(path))}, file_row_number=true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise DataError(f"not a readable Parquet file ({_first_line(exc)})", Location(file=path),
                        hint="export it again") from None
    header = [str(row[0]) for row in described if row[0] != "file_row_number"]
    columns = ", ".join(f"CAST({_ident(h)} AS VARCHAR) AS c{i}" for i, h in enumerate(header))
    sql = f"SELECT {columns}, file_row_number + 1 AS _row FROM {relation}"
    return StagedFile(path, header, sql)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def explain_read_error(exc: duckdb.Error, staged: StagedFile) -> DataError:
    """Turn a DuckDB reader error into one line naming the file and row."""
    message = str(exc)
    row: int | None = None
    line = re.search(r"CSV Error on Line: (\d+)", message)
    if line:
        row = int(line.group(1))
    if "not utf-8" in message.lower() or "invalid unicode" in message.lower():
        return DataError("the file is not UTF-8", Location(file=staged.path, row=row),
                         hint="re-export it as UTF-8, or set encoding: latin-1 (or the file's "
                              "encoding) for this source")
    expected = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if expected:
        return DataError(
            f"this row has {expected.group(2)} fields but the header has {expected.group(1)}",
            Location(file=staged.path, row=row),
            hint="check the delimiter and quoting of that row (set delimiter: if it is not detected)",
        )
    if "maximum line size" in message.lower():
        return DataError("a line is longer than 20 MB", Location(file=staged.path, row=row),
                         hint="check the file's quoting: an unclosed quote swallows the rest")
    if "unterminated quote" in message.lower() or "quote" in message.lower():
        return DataError("a quoted value is never closed", Location(file=staged.path, row=row),
                         hint="check the quoting near that row")
    return DataError(f"cannot read the file: {_first_line(exc)}", Location(file=staged.path, row=row),
                     hint="check that it is a valid export")
