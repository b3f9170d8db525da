"""Load stage: every source of a dataset → one table ``{dataset}_raw``.

Timestamps and numbers are parsed while reading (one streaming pass); their text
is kept only where parsing failed (when rows are listed, also the cells a listed problem
quotes, as written: ``Into.written``). Blank-like cells (``-``,
``n/a``, …; see ``BLANK_LIKE`` and ``Preset.extra_blank_values``) become NULL
here, per source, and ids are stored trimmed (the text rules of ``engine.rules``).
The raw table holds no row numbers: ``rowid`` follows the order of reading, and
:class:`FileSpan` turns a rowid back into the file and row a person sees.

Every kind of source reaches this stage as files to read (``sources.kinds``): from here
the pipeline is the same for exports, pulled records and Google Sheets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from reportgen.config import Config, SourceConfig
from reportgen.engine.rules import TRIMMED
from reportgen.errors import Location, ReportgenError
from reportgen.sources.compressed import is_archive, unpack
from reportgen.sources.dates import DateOrder, UndecidedOrders, infer_date_format_sql
from reportgen.sources.decimals import DECIMAL_COMMA_NOTE, as_decimal_point, decimal_comma_columns
from reportgen.sources.files import (
    BlankLines,
    explain_read_error,
    not_utf8,
    parallel_refused,
    restage_as_fallback,
    sql_string,
    stage_file,
)
from reportgen.sources.kinds import kind_of
from reportgen.sources.presets import get_preset
from reportgen.sources.presets.base import INSTANT_MACRO
from reportgen.sources.schema import COLUMNS
from reportgen.sources.text import drop_controls_sql, has_controls_sql

# canonical columns read and validated but not needed by any KPI yet
_NOT_USED = {"tickets": frozenset({"customer_id"})}
TIMESTAMPS = frozenset({"created_at", "first_response_at", "resolved_at", "submitted_at"})
NUMBERS = frozenset({"replies", "reopens", "score", "first_response_business_minutes",
                     "resolution_business_minutes"})
PARSED = {"created_at": "created_c", "first_response_at": "first_response_c", "resolved_at": "resolved_c",
          "submitted_at": "submitted_c", "replies": "replies_d", "reopens": "reopens_d", "score": "score_d",
          "first_response_business_minutes": "first_response_business_minutes_d",
          "resolution_business_minutes": "resolution_business_minutes_d"}
# canonical column → the stored text: the whole cell for text columns, the unparsed text otherwise
TEXT_OF = {
    "ticket_id": "ticket_id", "created_at": "created_s", "first_response_at": "first_response_s",
    "resolved_at": "resolved_s", "replies": "replies_s", "reopens": "reopens_s",
    "response_id": "response_id", "submitted_at": "submitted_s", "survey": "survey", "score": "score_s",
    "category": "category", "channel": "channel", "agent": "agent",
    "first_response_business_minutes": "first_response_business_minutes_s",
    "resolution_business_minutes": "resolution_business_minutes_s",
}


def written(canonical: str) -> str:
    """The column holding a cell of ``canonical`` as the file wrote it (before any parsing, decimal
    commas or blank-like values): read only when rows are listed (``Into.written``), so a listed
    problem quotes what a person finds in the file, not the parsed value cast back to text."""
    return f"{canonical}_w"


@dataclass(frozen=True)
class FileSpan:
    """One file read into a raw table: its rows are rowids ``start …`` (in file order).

    For a Google Sheet, ``path`` names the spreadsheet and worksheet, and ``rows`` maps the
    scratch file's rows to the worksheet's (blank rows are not read).
    """

    path: str
    start: int
    first_row: int
    rows: Mapping[int, int] | None = None
    # a CSV's empty lines (DuckDB skips them; a spreadsheet shows them) and the records before
    # ``start`` that are not rows of the raw table (a preset's sub-header rows)
    blank_lines: BlankLines | None = None
    skipped: int = 0

    def row_of(self, rowid: int) -> int:
        record = rowid - self.start
        row = record + self.first_row
        if self.blank_lines is not None:
            row += self.blank_lines.before(record + self.skipped)
        return self.rows.get(row, row) if self.rows is not None else row


@dataclass(frozen=True)
class Into:
    """Where a dataset's rows go instead of ``{dataset}_raw``: ``table``, each row written as
    ``select`` (SQL reading the rows named ``ROWS``: the columns of ``{dataset}_raw``) gives it —
    the rows are cleaned as they are read (``engine.clean.row_cleaning``)."""

    table: str
    select: str
    # canonical columns whose cells the rows also hold as written (``written(column)``, text): the
    # cells a listed problem quotes; empty (nothing more read) when no row is listed
    written: tuple[str, ...] = ()
    ROWS = "__loaded_rows__"

    def insert(self, rows: str) -> str:
        return f"INSERT INTO {self.table} {self.select.replace(self.ROWS, rows)}"


@dataclass
class Loaded:
    """What the load stage read for one dataset."""

    dataset: str
    spans: list[FileSpan] = field(default_factory=list)
    rows_read: int = 0
    columns: set[str] = field(default_factory=set)  # canonical columns found in at least one file
    fatal: list[ReportgenError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # inferred reading choices, for `validate`
    # api: sources: when each one's last pull finished (the data covers time up to then)
    pulled_until: list[dt.datetime] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [span.path for span in self.spans]


def source_key(config: Config, dataset: str, index: int) -> str:
    """How a source is named in messages: ``tickets``, or ``tickets[1]`` when the dataset has several."""
    return dataset if len(config.sources.of(dataset)) == 1 else f"{dataset}[{index}]"


def blank_like(text: str, blanks: frozenset[str]) -> str:
    """SQL: true when the text cell means "no value" (NULL, empty, or one of ``blanks``).

    The exact test, ``lower(trim(text)) IN blanks``, costs two string copies per cell; it
    only runs on cells whose first character could begin a blank-like value (see
    :func:`blank_first_codes`), which ids and names almost never do. Written as a ``CASE``:
    DuckDB evaluates each branch on the rows still undecided, where ``AND``/``OR`` in a
    select list evaluate every operand on every row (half the cost, the same answer).
    """
    longest = max((len(v.encode()) for v in blanks), default=0) + 16  # room for surrounding spaces
    listed = ", ".join(sql_string(v) for v in sorted(blanks))
    firsts = ", ".join(map(str, sorted(blank_first_codes(blanks))))
    return (f"(CASE WHEN {text} IS NULL THEN TRUE "
            f"WHEN NOT (ascii({text}) >= 128 OR ascii({text}) IN ({firsts})) THEN FALSE "
            f"WHEN strlen({text}) > {longest} THEN FALSE ELSE lower(trim({text})) IN ({listed}) END)")


def blank_first_codes(blanks: frozenset[str]) -> set[int]:
    """The ASCII code points a cell matching ``lower(trim(cell)) IN blanks`` can start with.

    ``ascii('')`` is 0; DuckDB's ``trim`` removes the ASCII space (and Unicode spaces,
    which are not ASCII); ``lower`` maps an ASCII character to an ASCII one, and no other
    character to an ASCII one but the Kelvin sign (not ASCII either). So a cell starting
    with any other ASCII character is not blank-like; a non-ASCII start is checked in full.
    """
    codes = {0, ord(" ")}
    for value in blanks:
        if value:
            codes.update(ord(c) for c in value[0] + value[0].upper() if ord(c) < 128)
    return codes


def stored_columns(dataset: str) -> list[tuple[str, str, str]]:
    """(stored name, SQL type, canonical column) of ``{dataset}_raw`` (before ``_file``)."""
    if dataset == "business":
        return [(c.name, "VARCHAR", c.name) for c in COLUMNS["business"]]
    stored: list[tuple[str, str, str]] = []
    for column in COLUMNS[dataset]:
        name = column.name
        if name in _NOT_USED.get(dataset, ()):
            continue
        if name in TIMESTAMPS or name in NUMBERS:
            stored.append((PARSED[name], "TIMESTAMPTZ" if name in TIMESTAMPS else "DOUBLE", name))
            stored.append((TEXT_OF[name], "VARCHAR", name))
        else:
            stored.append((name, "VARCHAR", name))
    return stored


def _select(dataset: str, expressions: dict[str, str], date_format: str | None,
            blanks: frozenset[str]) -> tuple[str, str, str, str]:
    """The SELECT lists turning a staged file's text columns into the stored columns.

    Levels so each cell is parsed and checked once: the inner list names every cell's text
    (``__t_…``) and parsed value (``__p_…``); the next one, ``__ctl``: whether the row's ids
    and names hold a control character (``sources.text``: one regular expression over them
    joined, cheaper than one per cell); the next applies the rule to those that do (``__x_…``);
    the outer one keeps the text of a parsed column only where parsing failed, and ``__ctl``.
    """
    inner: dict[str, str] = {}
    middle: list[str] = []
    outer = []
    checked: list[str] = []
    for stored, kind, canonical in stored_columns(dataset):
        text = expressions.get(canonical, "NULL::VARCHAR")
        inner[f"__t_{canonical}"] = text
        t, p = f"__t_{canonical}", f"__p_{canonical}"
        if canonical in PARSED:
            inner[p] = (_timestamp(t, date_format) if PARSED[canonical].endswith("_c")
                        else f"try_cast({t} AS DOUBLE)")
        if kind in ("TIMESTAMPTZ", "DOUBLE"):
            outer.append(f"{p} AS {stored}")
        elif stored == canonical:  # an id is stored trimmed: the key duplicates are found by
            if canonical in expressions:
                x = f"__x_{canonical}"
                middle.append(f"CASE WHEN __ctl THEN {drop_controls_sql(t)} ELSE {t} END AS {x}")
                checked.append(t)
            else:
                x = t
            kept = f"trim({x})" if canonical in TRIMMED else x
            outer.append(f"CASE WHEN {blank_like(x, blanks)} THEN NULL ELSE {kept} END AS {stored}")
        else:  # the text of a parsed column, kept only when it did not parse
            outer.append(f"CASE WHEN {p} IS NOT NULL OR {t} IS NULL THEN NULL WHEN {blank_like(t, blanks)} "
                         f"THEN NULL ELSE {t} END AS {stored}")
    joined = f"concat_ws('', {', '.join(checked)})" if checked else "''"
    outer.append("__ctl AS _ctl")
    texts = ", ".join(f"{expr} AS {name}" for name, expr in inner.items() if name.startswith("__t_"))
    parsed = ", ".join(f"{expr} AS {name}" for name, expr in inner.items() if name.startswith("__p_"))
    return (", ".join(outer), ", ".join(["*", *middle]), f"*, {has_controls_sql(joined)} AS __ctl",
            texts + (f", {parsed}" if parsed else ""))


# a zone written as a name at the end of a cell: read only when unambiguous (UTC, GMT, an IANA
# Area/Location); an abbreviation is not (DuckDB reads 'BST' as Bangladesh, 'IST' as India)
_NAMED_ZONE = r"[A-Ya-y]\s*$"
_CLEAR_ZONE = r"(?i)(\butc|\bgmt|/[a-z0-9_+-]+)\s*$"
# an offset after a space, as Ruby writes times ('2026-10-01 10:00:00 +0000')
_SPACED_OFFSET = r"\s+([+-][0-9]{2}(:?[0-9]{2})?)$"


def _timestamp(text: str, date_format: str | None) -> str:
    """Parse an instant: naive text is wall-clock time in the session's zone (the source's).

    ISO 8601 (RFC 3339's lower-case ``t``/``z`` and an offset after a space too, tried only
    where the cast failed); a value ending in a zone abbreviation does not parse
    (``_NAMED_ZONE``). With a ``date_format``, a literal abbreviation in it is read as the
    source's ``timezone:``.
    """
    spaced = f"regexp_replace({text}, {sql_string(_SPACED_OFFSET)}, '\\1')"
    # DuckDB reads a zone name only after a space: a cell without one needs no regular expression
    # nested CASEs: each test runs only where the one before held (AND would run all three on every cell)
    named = (f"CASE WHEN contains({text}, ' ') THEN "
             f"CASE WHEN regexp_matches({text}, {sql_string(_NAMED_ZONE)}) "
             f"THEN NOT regexp_matches({text}, {sql_string(_CLEAR_ZONE)}) ELSE FALSE END ELSE FALSE END")
    iso = (f"CASE WHEN {named} THEN NULL "
           f"ELSE coalesce(try_cast({text} AS TIMESTAMPTZ), try_cast(upper({text}) AS TIMESTAMPTZ), "
           f"try_cast({spaced} AS TIMESTAMPTZ)) END")
    if not date_format:
        return iso
    return f"coalesce(CAST(try_strptime({text}, {sql_string(date_format)}) AS TIMESTAMPTZ), {iso})"


def _define_instant(con: duckdb.DuckDBPyConnection, date_format: str | None) -> None:
    """The macro a preset's derived instant (created + a duration) reads its start with
    (``INSTANT_MACRO``): the same parse as the file's timestamp columns."""
    con.execute(f"CREATE OR REPLACE TEMP MACRO {INSTANT_MACRO}(t) AS {_timestamp('t', date_format)}")


def create_raw_table(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """An empty ``{dataset}_raw``: the stored columns, ``_ctl`` (control characters were dropped
    from the row: ``sources.text``) and the index of the file each row came from."""
    col_defs = ", ".join(f"{name} {kind}" for name, kind, _ in stored_columns(dataset))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {dataset}_raw ({col_defs}, _ctl BOOLEAN, _file INTEGER)")


def load_dataset(con: duckdb.DuckDBPyConnection, config: Config, dataset: str, workdir: Path,
                 collect: bool = False, into: Into | None = None) -> Loaded:
    """Every source of ``dataset`` into ``{dataset}_raw``, in list order (later sources win duplicates);
    ``into``: into that table instead, each row cleaned as it is read.

    Each source, whatever its kind, is the files :meth:`SourceKind.readables` gives
    (``sources.kinds``); from there the reading is the same.
    ``collect`` (for `validate`): a fatal problem with a file or a source is returned in
    ``Loaded.fatal`` and that file or source is left out, instead of raised.
    """
    create_raw_table(con, dataset)
    if into is not None:  # empty, with the columns the cleaned rows have
        cells = "".join(f", NULL::VARCHAR AS {written(column)}" for column in into.written)
        con.execute(f"CREATE OR REPLACE TABLE {into.table} AS "
                    f"{into.select.replace(Into.ROWS, f'SELECT *{cells} FROM {dataset}_raw')} LIMIT 0")
    loaded = Loaded(dataset)
    for index, source in enumerate(config.sources.of(dataset)):
        kind = kind_of(source)
        try:
            readables = kind.readables(config, dataset, source, source_key(config, dataset, index), workdir)
        except ReportgenError as exc:
            if not collect:
                raise
            loaded.fatal.append(exc)
            continue
        until = kind.covered_until(config, dataset, source)
        if until is not None:
            loaded.pulled_until.append(until)
        for readable in readables:
            con.execute(f"SET TimeZone = {sql_string(readable.timezone)}")
            try:
                span, columns, rows = _load_file(con, dataset, readable.settings, readable.path, workdir,
                                                 file_index=len(loaded.spans), start=loaded.rows_read,
                                                 notes=loaded.notes, into=into)
            except ReportgenError as exc:
                if readable.relabel is not None:
                    exc = readable.relabel(exc)
                if not collect:
                    raise exc from None
                loaded.fatal.append(exc)  # a failed INSERT adds no row: go on without the file
                continue
            if readable.label is not None:
                span = replace(span, path=readable.label, rows=readable.rows)
            loaded.spans.append(span)
            loaded.columns |= columns
            loaded.rows_read += rows
    return loaded


def _load_file(con: duckdb.DuckDBPyConnection, dataset: str, source: SourceConfig, path: Path,
               workdir: Path, file_index: int, start: int, notes: list[str], into: Into | None = None
               ) -> tuple[FileSpan, set[str], int]:
    """One file into ``{dataset}_raw`` (or ``into``): its span, the canonical columns it has, the rows
    it added."""
    preset = get_preset(source.preset)
    # a preset that rewrites the export reads the file inside a .zip/.gz, not the archive
    inner = unpack(path, workdir) if preset.prepare and is_archive(path) else None
    export = inner.path if inner else path
    readable = preset.prepare(export, source, workdir) if preset.prepare else path
    try:
        staged = stage_file(con, readable, source, workdir)
        skip = max(0, int(preset.header_rows) - 1)  # sub-header rows (SurveyMonkey, Qualtrics)
        sql, first_row = _skip_rows(staged.sql, skip), staged.first_row + skip
        mapped = preset.columns(dataset, staged.header, source, path)
        # in parallel, then serially when a quote holds a line break; and again as Windows-1252
        # when bytes past the sample the encoding was detected on are not UTF-8
        while True:
            inferred: list[str] = []
            try:
                expressions = _decimal_commas(con, dataset, source, staged.delimiter, sql, mapped, path,
                                              inferred)
                _define_instant(con, source.date_format)  # derived instants of the inference: ISO
                date_format = source.date_format or _infer_date_format(con, dataset, sql, expressions,
                                                                       path, inferred)
                _define_instant(con, date_format)  # derived instants read as created_at is
                select, cleaned, checked, cells = _select(dataset, expressions, date_format,
                                                          preset.blank_values)
                as_written = [(mapped.get(column, "NULL::VARCHAR"), written(column))
                              for column in (into.written if into else ())]
                cells += "".join(f", CAST({text} AS VARCHAR) AS {name}" for text, name in as_written)
                read = f"SELECT {cleaned} FROM (SELECT {checked} FROM (SELECT {cells} FROM ({sql})))"
                kept = "".join(f", {name}" for _, name in as_written)
                rows_sql = f"SELECT {select}{kept}, {file_index} AS _file FROM ({read})"
                insert = into.insert(rows_sql) if into else f"INSERT INTO {dataset}_raw {rows_sql}"
                rows = _count(con, insert)  # an INSERT returns its row count
                break
            except duckdb.Error as exc:
                if staged.serial_sql and parallel_refused(exc):  # a failed statement added no row
                    staged = staged.serial()
                    sql = _skip_rows(staged.sql, skip)
                    continue
                fallback = restage_as_fallback(con, staged, readable, source, workdir) \
                    if not_utf8(exc) else None
                if fallback is not None and fallback.header == staged.header:
                    staged = fallback
                    sql = _skip_rows(staged.sql, skip)
                    continue
                raise explain_read_error(exc, staged) from None
        if staged.encoding_detected and staged.encoding and staged.encoding != "utf-8":
            notes.append(f"{path.name}: read as {staged.encoding} (detected; set encoding: to override)")
        notes += inferred
    except ReportgenError as exc:
        if readable != path:
            raise about_original(exc, readable, Path(inner.label) if inner else path, preset.name) from None
        raise
    # rows of a file a preset rewrote are the rewritten file's, not the user's
    blank_lines = BlankLines(staged.text_path, staged.delimiter) \
        if staged.text_path is not None and staged.delimiter is not None and readable == path else None
    span = FileSpan(str(path), start, first_row, blank_lines=blank_lines, skipped=skip)
    return span, set(mapped), rows


def _skip_rows(sql: str, skip: int) -> str:
    """The records of ``sql`` after the first ``skip`` (sub-header rows are not records)."""
    return f"SELECT * FROM ({sql}) OFFSET {skip}" if skip else sql


def _decimal_commas(con: duckdb.DuckDBPyConnection, dataset: str, source: SourceConfig,
                    delimiter: str | None, sql: str, expressions: dict[str, str], path: Path,
                    notes: list[str]) -> dict[str, str]:
    """``expressions`` with the number columns written with decimal commas read as numbers.

    ``decimal: ","`` on the source: every number column; ``"."``: none; unset: the columns of
    a ``;`` file the whole column shows to use decimal commas (``reportgen.sources.decimals``).
    """
    names = ([c.name for c in COLUMNS["business"] if c.name != "month"] if dataset == "business"
             else sorted(NUMBERS))
    numbers = {name: expressions[name] for name in names if name in expressions}
    if source.kind != "path" or source.decimal == "." or not numbers:
        return expressions
    if source.decimal == ",":
        chosen = list(numbers)
    elif delimiter == ";":
        chosen = decimal_comma_columns(con, sql, numbers)
        notes += [DECIMAL_COMMA_NOTE.format(file=path.name, column=name) for name in chosen]
    else:
        return expressions
    return {**expressions, **{name: as_decimal_point(numbers[name]) for name in chosen}}


_DATE_SAMPLE = 1000  # rows looked at before deciding a file's timestamps need the whole-column check


def _infer_date_format(con: duckdb.DuckDBPyConnection, dataset: str, sql: str,
                       expressions: dict[str, str], path: Path, notes: list[str]) -> str | None:
    """The strptime format of a file's local-style timestamps (``04-11-2026 11:53``), or None for ISO.

    A sample decides whether to look: when its timestamps all start ISO-style (or are
    blank) nothing more is read. Otherwise the whole of each timestamp column tells the
    order (``sources.dates``); an order no value settles stops the run with the line to add.
    """
    columns = [(name, expressions[name]) for name in sorted(TIMESTAMPS) if name in expressions]
    if not columns:
        return None
    local = " OR ".join(f"regexp_matches(trim(CAST({text} AS VARCHAR)), '^[0-9]{{1,2}}[-/.]')"
                        for _, text in columns)
    sample = _count(con, f"SELECT count(*) FROM (SELECT * FROM ({sql}) LIMIT {_DATE_SAMPLE}) WHERE {local}")
    if not sample:
        return None
    found: DateOrder | None = None
    undecided: UndecidedOrders = []  # a column of days ≤ 12 only: another column of the file may settle it
    for name, text in columns:
        order = infer_date_format_sql(con, sql, text, file=path, column=name, dataset=dataset,
                                      undecided=undecided)
        if order is not None and order.format is not None and found is None:
            found = order
            notes.append(f"{path.name}: {name} read as {order.describe()} (inferred from the whole column)")
    if found is None and undecided:
        raise undecided[0]  # no column settles it: the line to add
    return found.format if found else None


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def about_original(error: ReportgenError, readable: Path, original: Path,
                   preset: str) -> ReportgenError:
    """An error about a preset's rewritten scratch file, told about the user's own file instead."""
    location = error.location
    if location is None or Path(str(location.file)) != readable:
        return error
    row = f"record {location.row - 1} of " if location.row is not None else ""
    problem = f"{row}the {preset} export: {error.problem}" if row else error.problem
    return type(error)(problem, Location(file=original, column=location.column), error.hint)
