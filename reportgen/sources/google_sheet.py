"""A Google Sheet as a source (``google_sheet:`` in config.yaml), read with the publishing service account.

    sources:
      business:
        google_sheet: "https://docs.google.com/spreadsheets/d/1AbC…/edit"   # or the bare key
        worksheet: "Business"          # default: the first worksheet
        credentials: keys/sa.json      # default: outputs.google_sheets.credentials, else
                                       # application default credentials

One metadata request (title, locale, time zone, worksheet titles) and ONE
``values.get`` per worksheet with ``valueRenderOption=FORMATTED_VALUE``: each
cell as people see it on screen. The worksheet's first non-empty row is the
header; the rows below it are written, with that header, to a scratch CSV that
the source's preset and the engine then read exactly like a file. Fully empty
rows are left out; :class:`StagedSheet` keeps, for every scratch row, the
worksheet row it came from, so every problem names the spreadsheet, the
worksheet and the cell in A1 notation (``Business!C5``).

How shown values are read (only in the columns that feed a timestamp, a
number or the business month; text columns pass through untouched):

* **numbers** in the spreadsheet's locale (File › Settings › Locale): ``1,234.50``
  (en_US) and ``1.234,50`` (de_DE) are both 1234.5; a grouping separator must
  group by three, so ``1,5`` in an en_US sheet stays text and is reported
  rather than guessed; currency symbols (``€ 1.234,50``, ``$1,200``) and a
  minus in parentheses ``(300)`` are understood;
* **percent cells** are their value: ``12%`` is 0.12, ``12,5 %`` is 0.125;
* **dates and date-times** in the order of the locale's short date (month
  first for en_US, day first for en_GB/de/fr/it…, year first for ja/sv/en_CA),
  with ``/``, ``.`` or ``-`` between the parts, 24-hour or AM/PM times, and
  ISO 8601 (``2026-03-05 14:02:11``) in every locale; a month written as
  ``Oct 2026``, ``October 2026`` or ``10/2026`` (in English or the locale's
  language) is that month's first day;
* date-times carry no offset: they are wall-clock time in the source's
  ``timezone:``, by default the spreadsheet's own time zone (File › Settings),
  which is the zone Google Forms writes its ``Timestamp`` in.

A value that matches none of these is passed on as shown, so the engine
reports it with its cell. A spreadsheet the service account may not open
(403/404) is one line naming the account's e-mail to share it with.

The engine calls :func:`stage_google_sheet` for a ``google_sheet:`` source,
reads ``staged.path`` with ``staged.source`` (the source with its effective
time zone), and passes every error through ``staged.relabel`` and every row
problem through ``staged.cell`` so messages name the sheet, not the scratch file.
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportgen.a1 import column_letter
from reportgen.config import Config, SheetSource, SourceConfig
from reportgen.errors import ConfigError, DataError, Location, ReportgenError, one_line

Warn = Callable[[str], None]

RENDER = "FORMATTED_VALUE"
TIMESTAMP_COLUMNS = frozenset({"created_at", "first_response_at", "resolved_at", "submitted_at"})
NUMBER_COLUMNS = frozenset({
    "score", "replies", "reopens", "customers_start", "customers_end", "customers_new", "customers_lost",
    "sales_marketing_spend", "revenue", "customer_lifespan_years",
})
MONTH_COLUMNS = frozenset({"month"})
_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_COLUMN_REF = re.compile(r"\bc([0-9]+)\b")
_RANGE_START = re.compile(r"!\$?([A-Za-z]+)\$?([0-9]+)")


def spreadsheet_key(text: str) -> str | None:
    """The key of a spreadsheet URL (``…/spreadsheets/d/<key>/edit``) or of a bare key; None otherwise."""
    text = text.strip()
    found = _URL_KEY.search(text)
    if found:
        return found.group(1)
    return text if _BARE_KEY.match(text) else None


def _column_index(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


def quote_title(title: str) -> str:
    """A worksheet title for an A1 range: always quoted, quotes doubled (``'It''s'``)."""
    return "'" + title.replace("'", "''") + "'"


# ---- where a problem is ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetLocation(Location):
    """A place in a worksheet: ``spreadsheet 'Team numbers' (1AbC…), worksheet 'Business', cell C5``."""

    spreadsheet: str = ""
    key: str = ""
    worksheet: str = ""
    letters: str | None = None

    def __str__(self) -> str:
        text = f"Google Sheet '{self.spreadsheet}' ({self.key}), worksheet '{self.worksheet}'"
        name = f" (column '{self.column}')" if self.column else ""
        if self.row is not None and self.letters is not None:
            return f"{text}, cell {self.letters}{self.row}{name}"
        if self.row is not None:
            return f"{text}, row {self.row}" + (f", column '{self.column}'" if self.column else "")
        if self.letters is not None:
            return f"{text}, column {self.letters}{name}"
        return text + (f", column '{self.column}'" if self.column else "")


# ---- what was read ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetValues:
    """One worksheet as shown: its header and its non-empty rows, each with its A1 row number."""

    key: str
    title: str
    worksheet: str
    locale: str
    time_zone: str | None
    header: list[str]
    header_row: int  # A1 row of the header
    first_column: int  # 0-based column of the header's first cell
    rows: list[tuple[int, list[str]]]  # (A1 row, cells padded to the header's width)

    def location(self, row: int | None = None, index: int | None = None,
                 column: str | None = None) -> SheetLocation:
        letters = None if index is None else column_letter(self.first_column + index)
        if column is None and index is not None and index < len(self.header):
            column = self.header[index] or None
        return SheetLocation(file=f"{self.title} › {self.worksheet}", row=row, column=column,
                             spreadsheet=self.title, key=self.key, worksheet=self.worksheet, letters=letters)


@dataclass(frozen=True)
class StagedSheet:
    """A worksheet written as a scratch CSV, with the way back from scratch rows to sheet cells."""

    path: Path
    values: SheetValues
    source: SourceConfig  # the source to read ``path`` with (its time zone made explicit)
    rows: Mapping[int, int]  # scratch-file row (header = 1) → A1 row
    columns: Mapping[str, int] = field(default_factory=dict)  # canonical column → header index

    @property
    def label(self) -> str:
        return str(self.values.location())

    def index_of(self, column: str | None) -> int | None:
        """The header index of a canonical column or a header name."""
        if column is None:
            return None
        if column in self.columns:
            return self.columns[column]
        wanted = " ".join(column.split()).casefold()
        for index, name in enumerate(self.values.header):
            if " ".join(name.split()).casefold() == wanted:
                return index
        return None

    def cell(self, row: int | None, column: str | None) -> SheetLocation:
        """The sheet location of a scratch-file row and a (canonical or header) column."""
        sheet_row = None
        if row is not None:
            sheet_row = self.values.header_row if row == 1 else self.rows.get(row, row)
        index = self.index_of(column)
        name = self.values.header[index] if index is not None and self.values.header[index] else column
        return self.values.location(sheet_row, index, name)

    def relabel(self, error: ReportgenError) -> ReportgenError:
        """An error about the scratch file, told about the worksheet's cell instead."""
        location = error.location
        if location is None or location.file is None or Path(str(location.file)) != self.path:
            return error
        problem = error.problem.replace(str(self.path), self.label)
        return type(error)(problem, self.cell(location.row, location.column), error.hint)


# ---- reading --------------------------------------------------------------------------------------------

def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def credentials_file(config: Config, source: SheetSource) -> tuple[Path | None, str]:
    """The key file (None: application default credentials) and the config key that named it."""
    if source.credentials is not None:
        return config.resolve(source.credentials), "credentials"
    publishing = config.outputs.get("google_sheets")
    if isinstance(publishing, dict) and isinstance(publishing.get("credentials"), str) \
            and publishing["credentials"].strip():
        return config.resolve(publishing["credentials"]), "outputs.google_sheets.credentials"
    return None, "credentials"


def read_sheet(config: Config, dataset: str, source: SheetSource, *,
               adapters: Mapping[str, Any] | None = None, warn: Warn = _stderr,
               timeout: float = 60.0, max_retry_seconds: float = 120.0) -> SheetValues:
    """One worksheet's shown values: a metadata request, then one values.get."""
    from gspread.exceptions import APIError

    from reportgen.errors import OutputError
    from reportgen.sheets.auth import load_credentials
    from reportgen.sheets.client import GoogleApi, RetryPolicy
    from reportgen.transport import AsksToWait, TransportError

    where = f"sources.{dataset}.google_sheet"
    key = spreadsheet_key(source.google_sheet or "")
    if key is None:
        raise ConfigError(f"{where}: '{one_line(source.google_sheet or '', 80)}' is neither a Google Sheets "
                          "URL nor a spreadsheet key (the part of the URL between /d/ and /edit)")
    path, setting = credentials_file(config, source)
    named = setting if setting != "credentials" else f"sources.{dataset}.credentials"
    try:
        credentials, email = load_credentials(path, warn, setting=named)
    except OutputError as exc:
        raise DataError(f"{where}: {exc.problem}", hint=f"set {named} to a service-account key file, or run "
                                                          "`gcloud auth application-default login`") from None
    account = email or "the service account"
    api = GoogleApi(credentials, timeout=timeout, budget=RetryPolicy(total_seconds=max_retry_seconds).start(),
                    adapters=adapters)
    fields = "properties(title,locale,timeZone),sheets.properties(title,index,sheetType)"
    stage = "open the spreadsheet"
    try:
        meta = dict(api.http.fetch_sheet_metadata(key, params={"fields": fields}))
        properties = meta.get("properties", {})
        title = str(properties.get("title") or key)
        tabs = [s.get("properties", {}) for s in meta.get("sheets", [])]
        grids = [t for t in sorted(tabs, key=lambda t: int(t.get("index", 0)))
                 if t.get("sheetType", "GRID") == "GRID"]
        worksheet = _pick_worksheet(dataset, source, title, key, [str(t.get("title")) for t in grids])
        stage = "read the worksheet"
        body = dict(api.http.values_get(key, quote_title(worksheet),
                                        params={"valueRenderOption": RENDER, "majorDimension": "ROWS"}))
    except APIError as exc:
        raise _refused(exc, where, key, account, stage) from None
    except TransportError as exc:
        hint = ("Google asks to wait; nothing was read — run again later" if isinstance(exc, AsksToWait)
                else "Google is busy or unreachable; nothing was read — run again in a few minutes"
                if exc.later else "nothing was read; check the network's proxy settings")
        raise DataError(f"{where}: {exc.what} for spreadsheet {key}", hint=hint) from None
    except (OSError, ValueError) as exc:  # requests' connection errors are OSErrors
        raise DataError(f"{where}: cannot reach Google Sheets ({type(exc).__name__})",
                        hint="check the network connection and run again") from None
    return _values(key, title, worksheet, str(properties.get("locale") or "en_US"),
                   properties.get("timeZone"), body)


def _pick_worksheet(dataset: str, source: SheetSource, title: str, key: str, names: list[str]) -> str:
    if not names:
        raise DataError(f"sources.{dataset}.google_sheet: spreadsheet '{title}' ({key}) has no worksheet "
                        "with cells")
    if source.worksheet is None:
        return names[0]
    if source.worksheet in names:
        return source.worksheet
    folded = {n.strip().casefold(): n for n in names}
    if source.worksheet.strip().casefold() in folded:
        return folded[source.worksheet.strip().casefold()]
    close = difflib.get_close_matches(source.worksheet, names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise DataError(f"sources.{dataset}.worksheet: spreadsheet '{title}' ({key}) has no worksheet "
                    f"'{one_line(source.worksheet, 80)}'",
                    hint=f"{hint}worksheets: {', '.join(names[:12])}")


def _refused(exc: Any, where: str, key: str, account: str, stage: str) -> DataError:
    status = int(getattr(exc, "code", 0) or 0)
    if status == 403:
        return DataError(f"{where}: {account} may not open spreadsheet {key} (403 permission denied)",
                         hint=f"share the spreadsheet with {account} (Viewer is enough)")
    if status == 404:
        return DataError(f"{where}: spreadsheet {key} not found (404)",
                         hint=f"check the key or URL; if it is right, share the spreadsheet with {account} "
                              "(Viewer is enough)")
    if status == 401:
        return DataError(f"{where}: Google refused the credentials of {account} (401)",
                         hint="check the service-account key (it may have been deleted or disabled)")
    from reportgen.redact import Redactor, excerpt

    message = excerpt(str(getattr(exc, "error", {}).get("message", "")), Redactor(()), 160)
    return DataError(f"{where}: cannot {stage} {key} (HTTP {status}: {message})",
                     hint="check the spreadsheet key and the worksheet name")


def _values(key: str, title: str, worksheet: str, locale: str, time_zone: Any,
            body: Mapping[str, Any]) -> SheetValues:
    start_row, start_col = 1, 0
    found = _RANGE_START.search(str(body.get("range", "")))
    if found:
        start_col, start_row = _column_index(found.group(1)), int(found.group(2))
    raw = body.get("values") or []
    rows = [[("" if v is None else str(v)) for v in (r if isinstance(r, list) else [])] for r in raw]
    header_at = next((i for i, r in enumerate(rows) if any(v.strip() for v in r)), None)
    zone = str(time_zone) if isinstance(time_zone, str) and time_zone else None
    if header_at is None:
        where = SheetLocation(file=f"{title} › {worksheet}", spreadsheet=title, key=key, worksheet=worksheet)
        raise DataError("the worksheet is empty", where, hint="the first row must hold the column names")
    left = next(j for j, v in enumerate(rows[header_at]) if v.strip())  # empty columns before the header
    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 1):
        stray = next((j for j in range(min(left, len(row))) if row[j].strip()), None)
        if stray is not None:
            where = SheetLocation(file=f"{title} › {worksheet}", row=start_row + offset, spreadsheet=title,
                                  key=key, worksheet=worksheet, letters=column_letter(start_col + stray))
            raise DataError(f"'{one_line(row[stray], 40)}' is left of the header's first column", where,
                            hint=f"move the header to column {column_letter(start_col + stray)} or clear "
                                 "the cell")
    rows = [r[left:] for r in rows]
    start_col += left
    header = [h.strip() for h in rows[header_at]]
    width = len(header)
    data: list[tuple[int, list[str]]] = []
    values = SheetValues(key, title, worksheet, locale, zone, header, start_row + header_at, start_col, data)
    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 1):
        if not any(v.strip() for v in row):
            continue
        a1 = start_row + offset
        extra = next((j for j in range(width, len(row)) if row[j].strip()), None)
        if extra is not None:
            raise DataError(f"'{one_line(row[extra], 40)}' is in a column without a name in the header row",
                            values.location(a1, extra),
                            hint=f"name the column in row {values.header_row}, or clear the cell")
        data.append((a1, row[:width] + [""] * (width - len(row))))
    return values


# ---- shown values → canonical text -----------------------------------------------------------------

@dataclass(frozen=True)
class LocaleRules:
    decimal: str
    group: str
    order: str  # "mdy", "dmy" or "ymd": the locale's short-date order
    months: Mapping[str, int]


@lru_cache(maxsize=16)
def locale_rules(locale: str) -> LocaleRules:
    """Separators, date order and month names of a spreadsheet locale (CLDR data through Babel)."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_date_format, get_month_names
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = Locale.parse("en_US")
    pattern = get_date_format("short", locale=parsed).pattern
    positions = {part: pattern.find(part) for part in "yMd"}
    order = "".join(sorted("ymd", key=lambda p: positions["M" if p == "m" else p]))
    months: dict[str, int] = {}
    for source in (parsed, Locale.parse("en_US")):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=source).items():
                months.setdefault(str(name).casefold().rstrip("."), int(number))
    return LocaleRules(get_decimal_symbol(parsed), get_group_symbol(parsed), order, months)


_SPACES = {"\u00a0", "\u202f", "\u2009", " "}


def shown_number(text: str, rules: LocaleRules) -> str | None:
    """A number as a locale shows it → plain text (``'1.234,5 %'`` in de → ``'12.345'``); None if not one."""
    value = text.strip()
    if not value:
        return None
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Sc").strip()
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    if value[:1] in ("-", "−", "+"):
        negative, value = value[0] != "+", value[1:].strip()
    percent = value.endswith("%")
    if percent:
        value = value[:-1].rstrip()
    group = rules.group
    if group in _SPACES:
        value = "".join(" " if ch in _SPACES else ch for ch in value)
        group = " "
    dec, grp = re.escape(rules.decimal), re.escape(group)
    pattern = rf"(?:[0-9]{{1,3}}(?:{grp}[0-9]{{3}})+|[0-9]+)?(?:{dec}[0-9]+)?(?:[eE][+-]?[0-9]+)?"
    if not value or not re.fullmatch(pattern, value) or not re.search(r"[0-9]", value):
        return None
    plain = value.replace(group, "").replace(rules.decimal, ".")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None
    if percent:
        number = number / 100
    if negative:
        number = -number
    out = format(number.normalize(), "f")
    return out if out != "-0" else "0"


_DATE = re.compile(
    r"^(?P<a>[0-9]{1,4})(?P<s>[./-])\s?(?P<b>[0-9]{1,2})(?P=s)\s?(?P<c>[0-9]{1,4})\.?"
    r"(?:(?:\s+|T|,\s*)(?P<H>[0-9]{1,2})[:.](?P<M>[0-9]{2})(?:[:.](?P<S>[0-9]{2})(?:[.,](?P<f>[0-9]{1,6}))?)?"
    r"\s*(?P<p>[AaPp]\.?\s?[Mm]\.?)?)?$")
_MONTH_YEAR = re.compile(r"^(?P<m>[0-9]{1,2})[./-](?P<y>[0-9]{4})$|^(?P<y2>[0-9]{4})[./-](?P<m2>[0-9]{1,2})$")
_NAMED_MONTH = re.compile(r"^(?P<name>[^\W\d_][^\d,]*?)\.?,?\s+(?P<y>[0-9]{4})$"
                          r"|^(?P<y2>[0-9]{4})\s+(?P<name2>[^\W\d_]+)\.?$")


def shown_date(text: str, rules: LocaleRules) -> str | None:
    """A date or date-time as the locale shows it → ISO text (naive); None if not one."""
    value = " ".join(text.split())
    if not value:
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4) and rules.order in ("mdy", "dmy"):
        year = int(c) + (2000 if len(c) == 2 else 0)
        month, day = (int(a), int(b)) if rules.order == "mdy" else (int(b), int(a))
    else:
        return None
    try:
        day_value = date(year, month, day)
    except ValueError:
        return None
    if match.group("H") is None:
        return day_value.isoformat()
    hour, minute = int(match.group("H")), int(match.group("M"))
    second = int(match.group("S") or 0)
    meridiem = (match.group("p") or "").replace(".", "").replace(" ", "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    fraction = (match.group("f") or "").ljust(6, "0")
    try:
        moment = datetime(year, month, day, hour, minute, second, int(fraction or 0))
    except ValueError:
        return None
    return moment.isoformat(sep=" ", timespec="microseconds" if match.group("f") else "seconds")


def shown_month(text: str, rules: LocaleRules) -> str | None:
    """A month (``Oct 2026``, ``10/2026``, a date) → ``YYYY-MM`` or an ISO date; None if not one."""
    value = " ".join(text.split())
    found = _MONTH_YEAR.match(value)
    if found:
        month = int(found.group("m") or found.group("m2"))
        year = int(found.group("y") or found.group("y2"))
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    named = _NAMED_MONTH.match(value)
    if named:
        name = (named.group("name") or named.group("name2") or "").casefold().rstrip(".")
        number = rules.months.get(name)
        year = int(named.group("y") or named.group("y2"))
        return f"{year:04d}-{number:02d}" if number else None
    return shown_date(value, rules)


def canonical_text(kind: str, text: str, rules: LocaleRules) -> str:
    """A shown cell of a ``kind`` column (timestamp, number, month) → the text the engine parses."""
    reader = {"timestamp": shown_date, "number": shown_number, "month": shown_month}[kind]
    return reader(text, rules) or text


# ---- staging ----------------------------------------------------------------------------------------------

def column_kinds(mapping: Mapping[str, str]) -> tuple[dict[str, int], dict[int, str]]:
    """From a preset's canonical → SQL mapping: canonical → header index (expressions over one column),
    and header index → how its shown values are read."""
    columns: dict[str, int] = {}
    kinds: dict[int, str] = {}
    for canonical, expression in mapping.items():
        refs = {int(n) for n in _COLUMN_REF.findall(expression)}
        if len(refs) != 1:
            continue
        index = refs.pop()
        columns[canonical] = index
        if canonical in TIMESTAMP_COLUMNS:
            kinds[index] = "timestamp"
        elif canonical in NUMBER_COLUMNS:
            kinds[index] = "number"
        elif canonical in MONTH_COLUMNS:
            kinds[index] = "month"
    return columns, kinds


def stage_values(values: SheetValues, dataset: str, source: SourceConfig, workdir: Path) -> StagedSheet:
    """Write a worksheet's rows to a scratch CSV (shown values normalised per column) for the engine."""
    from reportgen.sources.presets import get_preset

    handle, name = tempfile.mkstemp(prefix=f"sheet-{dataset}-", suffix=".csv", dir=workdir)
    path = Path(name)
    effective = source if source.timezone or not values.time_zone else \
        source.model_copy(update={"timezone": values.time_zone})
    preset = get_preset(source.preset, dataset)
    staged = StagedSheet(path, values, effective, {})
    try:
        mapping = preset.columns(dataset, values.header, effective, path)
    except ReportgenError as exc:
        raise staged.relabel(exc) from None
    columns, kinds = column_kinds(mapping)
    rules = locale_rules(values.locale)
    rows: dict[int, int] = {}
    with open(handle, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(values.header)
        for number, (a1, cells) in enumerate(values.rows, start=2):
            rows[number] = a1
            writer.writerow([canonical_text(kinds[i], cell, rules) if i in kinds and cell.strip() else cell
                             for i, cell in enumerate(cells)])
    return StagedSheet(path, values, effective, rows, columns)


def stage_google_sheet(config: Config, dataset: str, source: SheetSource, workdir: Path, *,
                       adapters: Mapping[str, Any] | None = None, warn: Warn = _stderr) -> StagedSheet:
    """Read a ``google_sheet:`` source and write it as a scratch CSV in ``workdir`` (see the module doc)."""
    values = read_sheet(config, dataset, source, adapters=adapters, warn=warn)
    if values.time_zone and source.timezone and values.time_zone != source.timezone and dataset != "business":
        warn(f"note: sources.{dataset}: the spreadsheet's time zone is {values.time_zone}, "
             f"timezone: says {source.timezone}; its dates are read in {source.timezone}")
    return stage_values(values, dataset, source, workdir)


def check_google_sheet(config: Config, dataset: str, source: SheetSource, *,
                       adapters: Mapping[str, Any] | None = None, warn: Warn = _stderr) -> SheetValues:
    """For `reportgen validate`: open the worksheet and read it once (raises DataError when it cannot)."""
    return read_sheet(config, dataset, source, adapters=adapters, warn=warn)


def sheet_rows(values: SheetValues) -> list[list[str]]:
    """The header and the rows, as read (for tests and `reportgen validate --verbose`)."""
    return [values.header, *[cells for _, cells in values.rows]]


def describe(values: SheetValues) -> str:
    return f"{values.location()}: {len(values.rows)} rows ({', '.join(h for h in values.header if h)[:120]})"


__all__ = [
    "SheetLocation", "SheetValues", "StagedSheet", "canonical_text", "check_google_sheet",
    "describe", "locale_rules", "read_sheet", "sheet_rows", "shown_date", "shown_month", "shown_number",
    "spreadsheet_key", "stage_google_sheet", "stage_values",
]
