"""Source files → DuckDB relations of text columns, one row per record.

Every value is read as text (``VARCHAR``) so that validation and error messages
see exactly what the file holds; typing happens in the engine, row by row.
CSV and Parquet go straight through DuckDB's readers (fast on millions of rows);
XLSX is streamed through openpyxl into a temporary CSV; JSON is read as objects.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import glob
import io
import os
import re
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.config import Config, FileSource, SourceConfig
from reportgen.errors import DataError, Location, ReportgenError
from reportgen.sources.compressed import data_suffix, is_archive, unpack
from reportgen.sources.encoding import FALLBACK, detect_encoding

if TYPE_CHECKING:  # imported where a file is read: finding a source's files (the result cache) needs none
    import duckdb

SUPPORTED = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
             ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}
_SNIFF_BYTES = 256 * 1024
_MAX_LINE = 20_000_000  # bytes: a longer line is an error, not a memory blow-up
# the reader's buffer; DuckDB's default (16 × max_line_size) would be one 305 MiB block, and a
# block larger than engine.memory_limit fails a big file outright instead of spilling
_BUFFER = 32_000_000  # must exceed _MAX_LINE


@dataclass
class StagedFile:
    """One source file readable as SQL: ``columns`` holds its header in order.

    ``sql`` selects text columns named ``c0, c1, …`` (positionally matching
    ``header``), one row per record in file order. No row number is computed
    while reading (a window over every row would serialise the scan): the
    ``n``-th record (from 0) is row ``first_row + n`` as a person sees it.
    """

    path: Path
    header: list[str]
    sql: str
    first_row: int = 2
    encoding: str | None = None  # a text file's encoding (None: binary formats)
    encoding_detected: bool = False  # True when no encoding: was set and it was detected
    member: str | None = None  # the file read inside ``path`` when that is a .zip/.gz
    # the same read by the serial reader, when ``sql`` reads in parallel (see ``parallel_refused``)
    serial_sql: str | None = None
    # a CSV: the UTF-8 file ``sql`` reads and its delimiter (for :class:`BlankLines`)
    text_path: Path | None = None
    delimiter: str | None = None

    def serial(self) -> StagedFile:
        """This file read by the serial reader (which pads short rows), after checking that no
        quoted value runs to the end of the file: the serial reader would drop that record
        silently, so it is an error naming the row where the quote opens."""
        if not self.serial_sql:
            return self
        if self.text_path is not None and self.delimiter is not None:
            unclosed = find_unclosed_quote(self.text_path, self.delimiter)
            if unclosed is not None:
                where = f"{self.path} ({self.member})" if self.member else self.path  # as Unpacked.label
                raise DataError("a quoted value opens here and is never closed",
                                Location(file=where, row=unclosed),
                                hint="close the quote (or double a quote inside a quoted value: \"\")")
        return replace(self, sql=self.serial_sql, serial_sql=None)


def parallel_refused(error: BaseException) -> bool:
    """True when the parallel read of a CSV stopped where the serial reader may go on: a short
    row (the parallel reader runs without null padding, which DuckDB cannot combine with
    quoted line breaks), a quote never closed, or another layout DuckDB's message tells to read
    with ``parallel=false``. Read again with ``serial()``; bytes that are not UTF-8 are not
    that (``not_utf8``), and a row the serial reader refuses as well is explained by it."""
    text = str(error)
    if not_utf8(error):
        return False
    return ("CSV Error" in text or "quoted new lines" in text
            or re.search(r"parallel\s*=\s*false", text) is not None)


def not_utf8(error: BaseException) -> bool:
    """True when DuckDB stopped on bytes that are not UTF-8 (the CSV reader's message)."""
    text = str(error).lower()
    return "not utf-8" in text or "invalid unicode" in text


def restage_as_fallback(con: duckdb.DuckDBPyConnection, staged: StagedFile, readable: Path,
                        source: SourceConfig, workdir: Path) -> StagedFile | None:
    """``staged`` read again as Windows-1252, when its UTF-8 was only detected from the sample and
    DuckDB found bytes further on that are not UTF-8; None when that does not apply.

    ``readable``: the file ``staged`` was staged from (an archive is unpacked again). A file
    that is not valid Windows-1252 either gives None: the caller reports the UTF-8 error.
    """
    if not (staged.encoding_detected and staged.encoding and _is_utf8(staged.encoding)):
        return None
    try:
        again = stage_file(con, readable, source.model_copy(update={"encoding": FALLBACK}), workdir)
    except DataError:
        return None
    return replace(again, encoding_detected=True)


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def resolve_files(config: Config, source: FileSource, dataset: str,
                  skip: Collection[str] = ()) -> list[Path]:
    """The files a source names, sorted by name; a clear error when there are none.

    ``skip``: files already reported as unusable (``reportgen validate`` goes on without them).
    """
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
    files = [path for path in files if str(path) not in skip]
    for path in files:
        if data_suffix(path) not in SUPPORTED and not is_archive(path):
            raise DataError(
                f"unsupported file type '{path.suffix or '(none)'}'",
                Location(file=path),
                hint="use .csv, .xlsx, .json, .jsonl or .parquet (or one of them in a .zip or .gz)",
            )
        if not os.access(path, os.R_OK):
            raise DataError("cannot read the file (permission denied)", Location(file=path),
                            hint="check the file's permissions")
    return files


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, source: SourceConfig,
               workdir: Path) -> StagedFile:
    import duckdb

    if is_archive(path):  # read the one data file inside; errors name the archive and the member
        inner = unpack(path, workdir)
        try:
            staged = stage_file(con, inner.path, source, workdir)
        except ReportgenError as exc:
            if exc.location is None or Path(str(exc.location.file)) != inner.path:
                raise
            raise type(exc)(exc.problem, replace(exc.location, file=inner.label), exc.hint) from None
        return replace(staged, path=path, member=inner.member)
    kind = SUPPORTED.get(path.suffix.lower(), "csv")
    try:
        if kind == "csv":
            return _stage_csv(path, source, workdir)
        if kind == "xlsx":
            return _stage_xlsx(path, source, workdir)
        if kind == "json":
            return _stage_json(con, path)
        return _stage_parquet(con, path)
    except (OSError, duckdb.Error, csv.Error, UnicodeError, LookupError) as exc:
        # whatever else a damaged file makes a reader raise: still one line naming the file
        raise DataError(f"cannot read the file ({type(exc).__name__}: {_first_line(exc)})",
                        Location(file=path), hint="check that it is a valid, complete export") from None


# ---- CSV -----------------------------------------------------------------

def _read_sample(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", Location(file=path),
                        hint="check that the file exists and that you may read it") from None


def _looks_binary(head: bytes) -> bool:
    """True for a file that is not text: NULs throughout (UTF-16 without a BOM), or a NUL in
    bytes that are not UTF-8 (a workbook or PDF renamed .csv). A stray NUL in a UTF-8 export
    is a control character in a value, dropped like any other (``sources.text``)."""
    nuls = head.count(b"\x00")
    if not nuls:
        return False
    if nuls * 100 > len(head):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3  # not just a character cut by the sample's end
    return False


def _decode_sample(sample: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Decoded sample and the encoding the whole file is in."""
    if encoding:
        return sample.decode(encoding, errors="replace"), encoding
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return sample.decode("utf-16", errors="replace"), "utf-16"
    if _looks_binary(sample[:4096]):
        raise DataError("this is not a text file (it contains binary data)", Location(file=path),
                        hint="export the data as CSV, XLSX, JSON or Parquet")
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = detect_encoding(sample, truncated=len(sample) == _SNIFF_BYTES)
        if guess is not None and guess != "utf-8":
            return sample.decode(guess), guess
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


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig", "u8")


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """The file re-encoded as UTF-8 in ``workdir`` (DuckDB reads UTF-8 best; rows keep their numbers)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    handle, name = tempfile.mkstemp(prefix=f"{path.stem[:40]}-", suffix=".csv", dir=workdir)
    line, first = 1, True
    try:
        with path.open("rb") as source, os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            while True:
                chunk = source.read(1 << 20)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeError as exc:  # a decode error, or a UTF-16 stream without its BOM
                    start = exc.start if isinstance(exc, UnicodeDecodeError) else 0
                    done = chunk[:start].decode(encoding, errors="ignore")
                    raise DataError(
                        f"the file is not valid {encoding}",
                        Location(file=path, row=line + done.count("\n")),
                        hint="set encoding: to the file's real encoding for this source "
                             "(for example utf-8, latin-1 or cp1252)",
                    ) from None
                if first and text:  # a BOM is not data
                    text, first = text.removeprefix("\ufeff"), False
                out.write(text)
                line += text.count("\n")
                if not chunk:
                    break
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", Location(file=path)) from None
    return Path(name)


def _first_record(text: str, delimiter: str, path: Path) -> list[str]:
    """The header: the first record of the sample, parsed as the reader will parse it."""
    if csv.field_size_limit() < 2 * _SNIFF_BYTES:
        csv.field_size_limit(2 * _SNIFF_BYTES)
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                               doublequote=True, strict=False), [])
    except csv.Error as exc:
        raise DataError(f"cannot read the header ({exc})", Location(file=path, row=1),
                        hint="the first row must hold the column names, separated by the delimiter") from None


def count_quotes(path: Path) -> int:
    """How many ``"`` characters the file holds (a cheap pass; 0 means no quoted value at all)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b'"')
    return count


def find_unclosed_quote(path: Path, delimiter: str, quotes: int | None = None) -> int | None:
    """The row where a quoted value opens and is never closed, else None.

    DuckDB silently drops a record whose quote runs to the end of the file, so
    this is checked first. A quote opens a value only at the start of a field
    (elsewhere it is a literal character); ``""`` inside quotes is one quote.
    Cheap for well-formed files: an even number of quote characters passes
    without parsing (a literal quote can only make the count odd).
    """
    count = count_quotes(path) if quotes is None else quotes
    if count % 2 == 0:
        return None
    data = path.read_bytes()
    delim = re.escape(delimiter.encode("utf-8"))
    opening = re.compile(rb'(?:^|(?<=[\r\n])|(?<=' + delim + rb'))"', re.MULTILINE)
    quoted = re.compile(rb'"[^"]*(?:""[^"]*)*"')
    position = 0
    newlines_inside = 0  # line breaks inside quoted values do not start a row
    while (found := opening.search(data, position)) is not None:
        start = found.end() - 1
        closed = quoted.match(data, start)
        if closed is None:
            before = data.count(b"\n", 0, start) - newlines_inside
            return before + 1
        newlines_inside += data.count(b"\n", start, closed.end())
        position = closed.end()
    return None


def _stage_csv(path: Path, source: SourceConfig, workdir: Path) -> StagedFile:
    sample = _read_sample(path)
    if not sample.strip():
        raise DataError("the file is empty", Location(file=path),
                        hint="export again; the first row must hold the column names")
    text, encoding = _decode_sample(sample, path, source.encoding)
    readable = path if _is_utf8(encoding) else _transcode(path, encoding, workdir)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first_line = lines[0] if lines else ""
    if len(sample) == _SNIFF_BYTES and len(first_line) == len(text):
        raise DataError(f"the first row is longer than {_SNIFF_BYTES // 1024} KB", Location(file=path, row=1),
                        hint="the first row must hold the column names: is this a CSV export?")
    delimiter = source.delimiter or _sniff_delimiter(first_line)
    header = [h.strip() for h in _first_record(text, delimiter, path)]
    if not any(header):
        raise DataError("the first row (the header) is empty", Location(file=path, row=1),
                        hint="the first row must hold the column names")
    if len(header) == 1 and not source.delimiter and len(first_line) > 40:
        raise DataError(
            "found a single column; the delimiter could not be detected", Location(file=path, row=1),
            hint="set delimiter: for this source (for example ';' or ',')",
        )
    # The parallel reader first, without null padding (with it, DuckDB refuses quoted line
    # breaks): any file whose rows all have their fields reads in one pass on every core. A
    # short row (or a quote never closed) stops it, and ``StagedFile.serial`` reads the file
    # again serially, with padding, after the whole-file quote check that reader needs.
    return StagedFile(path, header, csv_sql(readable, len(header), delimiter, parallel=True),
                      encoding=encoding, encoding_detected=source.encoding is None,
                      serial_sql=csv_sql(readable, len(header), delimiter),
                      text_path=readable, delimiter=delimiter)


class BlankLines:
    """Where a CSV's empty lines are, to name its records by spreadsheet row.

    DuckDB's reader skips empty lines, so the ``n``-th record is not always row ``n + 2``;
    a spreadsheet shows each empty line as a row (and a record with a quoted line break on
    one row). Looked at only when a row is named: a byte search settles a file without an
    empty line; a file with one is parsed once to count the empty lines before each record.
    """

    def __init__(self, path: Path, delimiter: str):
        self.path = path
        self.delimiter = delimiter
        self._after: list[int] | None = None  # per empty line: the records before it

    def before(self, record: int) -> int:
        """How many empty lines come before record ``record`` (0: the first after the header)."""
        if self._after is None:
            self._after = self._find()
        return bisect.bisect_right(self._after, record)

    def _find(self) -> list[int]:
        if not _has_empty_line(self.path):
            return []
        after: list[int] = []
        records = -1  # the header is not a record
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            for fields in csv.reader(handle, delimiter=self.delimiter, quotechar='"', doublequote=True,
                                     strict=False):
                if fields:
                    records += 1
                elif records >= 0:
                    after.append(records)  # it comes before record number `records`
        return after


def _has_empty_line(path: Path) -> bool:
    """True when the file holds an empty line (or a blank line inside a quoted value)."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            block = tail + chunk
            if b"\n\n" in block or b"\n\r\n" in block:
                return True
            tail = block[-2:]
    return False


def csv_sql(path: Path, width: int, delimiter: str, parallel: bool = False) -> str:
    """SQL reading a UTF-8 CSV with a header row as text columns ``c0…``.

    Every option is explicit: DuckDB's sniffer would otherwise guess (widen the
    table for one long row, skip rows it takes for a preamble). A row with more
    fields than the header is an error. Serially, short rows are padded with NULLs;
    ``parallel`` reads without padding (DuckDB's parallel reader cannot pad and take
    quoted line breaks at once): a short row is an error there.
    """
    columns = ", ".join(f"{sql_string(f'c{i}')}: 'VARCHAR'" for i in range(width))
    return (
        f"SELECT * FROM read_csv({sql_string(str(path))}, "
        f"auto_detect=false, header=true, columns={{{columns}}}, delim={sql_string(delimiter)}, "
        f"quote='\"', escape='\"', comment='', skip=0, encoding='utf-8', "
        f"max_line_size={_MAX_LINE}, buffer_size={_BUFFER}, "
        f"null_padding={'false' if parallel else 'true'}, "
        f"parallel={'true' if parallel else 'false'})"
    )


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
        number = 0
        try:
            for row in worksheet.iter_rows(values_only=True):
                number += 1
                yield [_cell_text(v) for v in row]
        except Exception as exc:  # a damaged sheet fails while streaming, with any exception type
            raise DataError(f"cannot read the sheet ({type(exc).__name__}: {_first_line(exc)})",
                            Location(file=path, row=number + 1),
                            hint="save it again as .xlsx") from None
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
    return StagedFile(path, header, csv_sql(Path(name), len(header), ","))


# ---- JSON / Parquet --------------------------------------------------------

def _stage_json(con: duckdb.DuckDBPyConnection, path: Path) -> StagedFile:
    import duckdb

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
        (f"json_extract_string(json, {sql_string('$.' + _json_key(k))})" if k else "NULL::VARCHAR")
        + f" AS c{i}" for i, k in enumerate(header)
    )
    return StagedFile(path, header, f"SELECT {columns} FROM {objects}", first_row=1)


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> StagedFile:
    import duckdb

    relation = f"read_parquet({sql_string(str(path))})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise DataError(f"not a readable Parquet file ({_first_line(exc)})", Location(file=path),
                        hint="export it again") from None
    header = [str(row[0]) for row in described]
    columns = ", ".join(f"CAST({_ident(h)} AS VARCHAR) AS c{i}" for i, h in enumerate(header))
    return StagedFile(path, header, f"SELECT {columns} FROM {relation}", first_row=1)


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
    if not_utf8(exc):
        return DataError("the file is not UTF-8", Location(file=staged.path, row=row),
                         hint="re-export it as UTF-8, or set encoding: latin-1 (or the file's "
                              "encoding) for this source")
    expected = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if expected:
        return DataError(
            f"this row has more fields than the header ({expected.group(1)})",
            Location(file=staged.path, row=row),
            hint="check the delimiter and quoting of that row (set delimiter: if it is not detected)",
        )
    if "maximum line size" in message.lower():
        return DataError(f"a line is longer than {_MAX_LINE // 1_000_000} MB",
                         Location(file=staged.path, row=row),
                         hint="check the file's quoting: an unclosed quote swallows the rest")
    if "unterminated quote" in message.lower() or "quote" in message.lower():
        return DataError("a quoted value is never closed", Location(file=staged.path, row=row),
                         hint="check the quoting near that row")
    return DataError(f"cannot read the file: {_first_line(exc)}", Location(file=staged.path, row=row),
                     hint="check that it is a valid export")
