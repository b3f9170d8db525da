"""A local Google: OAuth token endpoint, Sheets v4 (get, batchUpdate, values.get,
values.batchGet) and Drive v3 (files, permissions).

Runs ``http.server`` in a thread on 127.0.0.1. The token endpoint verifies the
service account's signed JWT with its public key; every other endpoint wants
the issued bearer token. ``batchUpdate`` bodies are validated against the
official discovery document (a problem → 400, and recorded in ``problems``) and
applied atomically to an in-memory model, so tests assert on the resulting
cells, formats, merges, charts and tab list. ``values.get`` / ``values.batchGet``
check their query parameters against the same document and answer as the
reference says: the ``range`` in A1 notation (sheet title quoted when it needs
it), trailing empty rows and cells left out, ``FORMATTED_VALUE`` (the text
shown, set with ``put_rows``), ``UNFORMATTED_VALUE`` or ``FORMULA``.

Faults are queued with ``fail(method, path_fragment, status, ...)``: answer
with a status (and Retry-After), or apply the request first and then answer
with the status (a write that went through but whose answer was lost), or
stall longer than the client's timeout.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from google.auth import jwt

from .discovery import drive_validator, sheets_validator

POLL_INTERVAL = 0.01  # seconds between the serving loop's checks for shutdown()

MIME = "application/vnd.google-apps.spreadsheet"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth's assertion audience


class Refusal(Exception):
    """An error answer: HTTP status + Google's JSON error body."""

    def __init__(self, code: int, message: str, status: str):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def bad(message: str) -> Refusal:
    return Refusal(400, message, "INVALID_ARGUMENT")


@dataclass
class Fault:
    method: str
    fragment: str
    status: int | None = None
    retry_after: str | None = None
    apply_first: bool = False
    stall: float = 0.0
    message: str = "injected"


@dataclass
class FakeSheet:
    properties: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, int]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    column_px: dict[int, int] = field(default_factory=dict)
    row_px: dict[int, int] = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def grid(self) -> dict[str, Any]:
        grid: dict[str, Any] = self.properties.setdefault("gridProperties", {})
        return grid


@dataclass
class FakeSpreadsheet:
    key: str
    title: str
    sheets: list[FakeSheet] = field(default_factory=list)
    next_id: int = 1000
    app_properties: dict[str, str] = field(default_factory=dict)
    permissions: list[dict[str, str]] = field(default_factory=list)
    created_time: str = "2026-11-01T00:00:00Z"
    locale: str = "en_US"
    time_zone: str = "America/New_York"

    def sheet(self, title: str) -> FakeSheet:
        return next(s for s in self.sheets if s.title == title)

    def by_id(self, sheet_id: int) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise bad(f"No grid with id: {sheet_id}")

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def add_sheet(self, properties: dict[str, Any]) -> FakeSheet:
        props = copy.deepcopy(properties)
        if "title" in props and any(s.title == props["title"] for s in self.sheets):
            raise bad(f'Invalid requests[0].addSheet: A sheet with the name "{props["title"]}" '
                      "already exists. Please enter another name.")
        if "sheetId" in props and any(s.sheet_id == props["sheetId"] for s in self.sheets):
            raise bad(f"Invalid requests[0].addSheet: Sheet with id {props['sheetId']} already exists.")
        props.setdefault("sheetId", self._new_id())
        props.setdefault("title", f"Sheet{len(self.sheets) + 1}")
        props.setdefault("sheetType", "GRID")
        grid = props.setdefault("gridProperties", {})
        grid.setdefault("rowCount", 1000)
        grid.setdefault("columnCount", 26)
        sheet = FakeSheet(props)
        index = props.pop("index", None)
        self.sheets.insert(len(self.sheets) if index is None else index, sheet)
        self.reindex()
        return sheet

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def chart_ids(self) -> set[int]:
        return {c["chartId"] for s in self.sheets for c in s.charts}

    def document(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.key,
            "properties": {"title": self.title, "locale": self.locale, "timeZone": self.time_zone},
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit",
            "sheets": [{"properties": copy.deepcopy(s.properties), "charts": copy.deepcopy(s.charts),
                        "merges": copy.deepcopy(s.merges)} for s in self.sheets],
        }

    def put_rows(self, title: str, rows: list[list[Any]], top: int = 0, left: int = 0) -> None:
        """Cells as a person sees them: ``"text"`` (shown and stored as typed), ``(shown, number)``
        for a formatted number or date (its serial number), ``None`` for an empty cell."""
        sheet = self.sheet(title)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, tuple):
                    shown, number = value
                    cell = {"formattedValue": shown, "effectiveValue": {"numberValue": number},
                            "userEnteredValue": {"numberValue": number}}
                else:
                    cell = {"formattedValue": str(value), "effectiveValue": {"stringValue": str(value)},
                            "userEnteredValue": {"stringValue": str(value)}}
                sheet.cells[(top + i, left + j)] = cell
        grid = sheet.grid
        grid["rowCount"] = max(grid["rowCount"], top + len(rows))
        grid["columnCount"] = max(grid["columnCount"], left + max((len(r) for r in rows), default=0))

    # ---- reading back, for tests -----------------------------------------------------------
    def cell(self, title: str, row: int, col: int) -> dict[str, Any]:
        return self.sheet(title).cells.get((row, col), {})

    def value(self, title: str, row: int, col: int) -> Any:
        entered = self.cell(title, row, col).get("userEnteredValue", {})
        return next(iter(entered.values()), None) if entered else None


def _bounds(rng: dict[str, Any], sheet: FakeSheet) -> tuple[int, int, int, int]:
    return (int(rng.get("startRowIndex", 0)), int(rng.get("endRowIndex", sheet.grid["rowCount"])),
            int(rng.get("startColumnIndex", 0)), int(rng.get("endColumnIndex", sheet.grid["columnCount"])))


def _crosses(start: int, end: int, frozen: int) -> bool:
    return frozen > 0 and start < frozen < end


def _check_freeze_vs_merges(sheet: FakeSheet) -> None:
    rows, cols = sheet.grid.get("frozenRowCount", 0), sheet.grid.get("frozenColumnCount", 0)
    for merge in sheet.merges:
        r1, r2, c1, c2 = _bounds(merge, sheet)
        if _crosses(c1, c2, cols):
            raise bad("You can't merge frozen and non-frozen columns.")
        if _crosses(r1, r2, rows):
            raise bad("You can't merge frozen and non-frozen rows.")


def _set_path(target: dict[str, Any], source: dict[str, Any], path: list[str]) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in source:
            target[head] = copy.deepcopy(source[head])
        else:
            target.pop(head, None)
        return
    _set_path(target.setdefault(head, {}), source.get(head, {}), rest)


def _mask_paths(mask: str, all_fields: list[str]) -> list[list[str]]:
    from .discovery import parse_mask

    if mask.strip() == "*":
        return [[name] for name in all_fields]
    return parse_mask(mask)


CELL_FIELDS = ["userEnteredValue", "userEnteredFormat", "note", "textFormatRuns", "dataValidation",
               "hyperlink", "pivotTable"]


def apply_request(book: FakeSpreadsheet, request: dict[str, Any]) -> dict[str, Any]:
    (kind, spec), = request.items()
    if kind == "addSheet":
        sheet = book.add_sheet(spec.get("properties", {}))
        return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}
    if kind == "deleteSheet":
        sheet = book.by_id(spec["sheetId"])
        if len(book.sheets) == 1:
            raise bad("You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        book.reindex()
        return {}
    if kind == "updateSheetProperties":
        props = spec["properties"]
        sheet = book.by_id(props["sheetId"])
        if "fields" not in spec:
            raise bad("'fields' is required")
        for path in _mask_paths(spec["fields"], list(props)):
            if path[0] == "title" and any(s.title == props.get("title") and s is not sheet for s in book.sheets):
                raise bad("A sheet with that name already exists.")
            _set_path(sheet.properties, props, path)
        grid = sheet.grid
        sheet.cells = {k: v for k, v in sheet.cells.items()
                       if k[0] < grid["rowCount"] and k[1] < grid["columnCount"]}
        _check_freeze_vs_merges(sheet)
        return {}
    if kind == "updateDimensionProperties":
        rng = spec["range"]
        sheet = book.by_id(rng["sheetId"])
        limit = sheet.grid["rowCount" if rng["dimension"] == "ROWS" else "columnCount"]
        if rng.get("endIndex", limit) > limit:
            raise bad(f"Range ({rng}) exceeds grid limits.")
        store = sheet.row_px if rng["dimension"] == "ROWS" else sheet.column_px
        for index in range(rng.get("startIndex", 0), rng.get("endIndex", limit)):
            if "pixelSize" in spec.get("fields", ""):
                store[index] = spec["properties"]["pixelSize"]
        return {}
    if kind == "unmergeCells":
        sheet = book.by_id(spec["range"]["sheetId"])
        r1, r2, c1, c2 = _bounds(spec["range"], sheet)
        sheet.merges = [m for m in sheet.merges if not (
            m["startRowIndex"] < r2 and r1 < m["endRowIndex"] and m["startColumnIndex"] < c2
            and c1 < m["endColumnIndex"])]
        return {}
    if kind == "mergeCells":
        rng = spec["range"]
        sheet = book.by_id(rng["sheetId"])
        r1, r2, c1, c2 = _bounds(rng, sheet)
        if r2 > sheet.grid["rowCount"] or c2 > sheet.grid["columnCount"]:
            raise bad("Range exceeds grid limits.")
        for m in sheet.merges:
            if m["startRowIndex"] < r2 and r1 < m["endRowIndex"] and m["startColumnIndex"] < c2 \
                    and c1 < m["endColumnIndex"]:
                raise bad("You can't merge cells that overlap another merge.")
        sheet.merges.append({"sheetId": sheet.sheet_id, "startRowIndex": r1, "endRowIndex": r2,
                             "startColumnIndex": c1, "endColumnIndex": c2})
        _check_freeze_vs_merges(sheet)
        return {}
    if kind in ("updateCells", "repeatCell"):
        rng = spec.get("range") or {**spec.get("start", {})}
        sheet = book.by_id(rng["sheetId"])
        r1, r2, c1, c2 = _bounds(rng, sheet)
        if r2 > sheet.grid["rowCount"] or c2 > sheet.grid["columnCount"]:
            raise bad("Range exceeds grid limits.")
        paths = _mask_paths(spec["fields"], CELL_FIELDS)
        if kind == "repeatCell":
            for row in range(r1, r2):
                for col in range(c1, c2):
                    cell = sheet.cells.setdefault((row, col), {})
                    for path in paths:
                        _set_path(cell, spec["cell"], path)
            return {}
        if "range" in spec:  # the whole range: fields not given by rows are cleared
            for (row, col), cell in list(sheet.cells.items()):
                if r1 <= row < r2 and c1 <= col < c2:
                    for path in paths:
                        _set_path(cell, {}, path)
        for i, row_data in enumerate(spec.get("rows", [])):
            for j, data in enumerate(row_data.get("values", [])):
                row, col = r1 + i, c1 + j
                if row >= r2 or col >= c2:
                    raise bad("rows exceed the range / grid limits")
                cell = sheet.cells.setdefault((row, col), {})
                for path in paths:
                    _set_path(cell, data, path)
        sheet.cells = {k: v for k, v in sheet.cells.items() if v}
        return {}
    if kind == "addChart":
        chart = copy.deepcopy(spec["chart"])
        anchor = chart["position"]["overlayPosition"]["anchorCell"]
        sheet = book.by_id(anchor["sheetId"])
        for source in _chart_sources(chart):
            book.by_id(source["sheetId"])
        if "chartId" in chart and chart["chartId"] in book.chart_ids():
            raise bad(f"An object with id {chart['chartId']} already exists.")
        chart.setdefault("chartId", book._new_id())
        sheet.charts.append(chart)
        return {"addChart": {"chart": copy.deepcopy(chart)}}
    if kind == "deleteEmbeddedObject":
        for sheet in book.sheets:
            for chart in sheet.charts:
                if chart["chartId"] == spec["objectId"]:
                    sheet.charts.remove(chart)
                    return {}
        raise bad(f"Invalid requests.deleteEmbeddedObject: No embedded object with id {spec['objectId']}")
    raise bad(f"the fake server does not implement {kind}")


def _chart_sources(chart: dict[str, Any]) -> list[dict[str, Any]]:
    basic = chart["spec"].get("basicChart", {})
    parts = [d["domain"] for d in basic.get("domains", [])] + [s["series"] for s in basic.get("series", [])]
    return [src for part in parts for src in part.get("sourceRange", {}).get("sources", [])]


# ---- values.get / values.batchGet ---------------------------------------------------------------

_CELL = re.compile(r"^([A-Za-z]*)([0-9]*)$")


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


def quote_title(title: str) -> str:
    """A sheet title as Google writes it in a range: quoted unless it is plain letters/digits."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def parse_range(text: str, book: FakeSpreadsheet) -> tuple[FakeSheet, int, int, int, int]:
    """An A1 range (``'Form Responses 1'!A1:D``, ``Sheet1``, ``Data!2:5``) → sheet and 0-based bounds."""
    title, cells = text, ""
    if text.startswith("'"):
        end, chars = 1, []
        while end < len(text):
            if text[end] == "'":
                if text[end + 1:end + 2] == "'":
                    chars.append("'")
                    end += 2
                    continue
                break
            chars.append(text[end])
            end += 1
        title, rest = "".join(chars), text[end + 1:]
        if rest and not rest.startswith("!"):
            raise bad(f"Unable to parse range: {text}")
        cells = rest[1:]
    elif "!" in text:
        title, cells = text.rsplit("!", 1)
    sheet = next((s for s in book.sheets if s.title == title), None)
    if sheet is None:
        raise bad(f"Unable to parse range: {text}")
    grid = sheet.grid
    r1, c1, r2, c2 = 0, 0, grid["rowCount"], grid["columnCount"]
    if cells:
        first, _, last = cells.partition(":")
        a, b = _CELL.match(first), _CELL.match(last or first)
        if a is None or b is None or not (a.group(1) or a.group(2)):
            raise bad(f"Unable to parse range: {text}")
        if a.group(1):
            c1 = _column_index(a.group(1))
        if a.group(2):
            r1 = int(a.group(2)) - 1
        c2 = _column_index(b.group(1)) + 1 if b.group(1) else grid["columnCount"]
        r2 = int(b.group(2)) if b.group(2) else grid["rowCount"]
        if not last and a.group(1) and a.group(2):  # a single cell
            r2, c2 = r1 + 1, c1 + 1
    return sheet, r1, min(r2, grid["rowCount"]), c1, min(c2, grid["columnCount"])


def _shown(cell: dict[str, Any], render: str) -> Any:
    effective = cell.get("effectiveValue") or cell.get("userEnteredValue") or {}
    if render == "FORMULA" and "formulaValue" in cell.get("userEnteredValue", {}):
        return cell["userEnteredValue"]["formulaValue"]
    if render == "FORMATTED_VALUE":
        if "formattedValue" in cell:
            return cell["formattedValue"]
        value = next(iter(effective.values()), "") if effective else ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if isinstance(value, dict) else str(value)
    value = next(iter(effective.values()), "") if effective else ""
    return "" if isinstance(value, dict) else value


def value_range(book: FakeSpreadsheet, text: str, query: dict[str, str]) -> dict[str, Any]:
    """The ValueRange of one A1 range, as values.get answers it."""
    sheet, r1, r2, c1, c2 = parse_range(text, book)
    render = query.get("valueRenderOption", "FORMATTED_VALUE")
    rows: list[list[Any]] = []
    for row in range(r1, r2):
        values = [_shown(sheet.cells.get((row, col), {}), render) for col in range(c1, c2)]
        while values and values[-1] == "":
            values.pop()  # trailing empty cells are left out
        rows.append(values)
    while rows and not rows[-1]:
        rows.pop()  # and so are trailing empty rows
    major = query.get("majorDimension", "ROWS")
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
        for column in rows:
            while column and column[-1] == "":
                column.pop()
    result: dict[str, Any] = {
        "range": f"{quote_title(sheet.title)}!{column_letters(c1)}{r1 + 1}:{column_letters(c2 - 1)}{r2}",
        "majorDimension": "COLUMNS" if major == "COLUMNS" else "ROWS",
    }
    if rows:
        result["values"] = rows
    return result


class FakeGoogle:
    """State + request log of the local Google, shared with the handler threads."""

    def __init__(self, accounts: dict[str, bytes]):
        self.accounts = accounts  # service-account e-mail → public key PEM
        self.tokens: dict[str, str] = {}  # token → account
        self.books: dict[str, FakeSpreadsheet] = {}
        self.denied: set[str] = set()
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str]] = []
        self.bodies: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.lock = threading.RLock()
        self.base_url = ""

    # ---- set-up helpers for tests ------------------------------------------------------
    def new_spreadsheet(self, title: str = "Team sheet", key: str | None = None,
                        first_tab: str = "Sheet1") -> FakeSpreadsheet:
        key = key or "1" + secrets.token_hex(16)
        book = FakeSpreadsheet(key, title)
        book.add_sheet({"sheetId": 0, "title": first_tab})
        self.books[key] = book
        return book

    def fail(self, method: str, fragment: str, status: int | None = None, *, retry_after: str | None = None,
             apply_first: bool = False, stall: float = 0.0, message: str = "injected") -> None:
        self.faults.append(Fault(method, fragment, status, retry_after, apply_first, stall, message))

    def count(self, method: str, fragment: str = "") -> int:
        return sum(1 for m, p in self.log if m == method and fragment in p)

    def api_requests(self) -> list[tuple[str, str]]:
        """Requests to Sheets and Drive (not google-auth's token exchange and boundary lookup)."""
        return [(m, p) for m, p in self.log if p.startswith(("/v4/", "/drive/"))]

    # ---- dispatch ------------------------------------------------------------------------
    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.fragment in path:
                    self.faults.remove(fault)
                    return fault
        return None

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               body: bytes, lists: dict[str, list[str]] | None = None) -> tuple[int, dict[str, Any]]:
        if path == "/token" and method == "POST":
            return 200, self.token(body)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            raise Refusal(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        account = self.tokens[auth[7:]]
        payload = json.loads(body) if body else None
        if re.fullmatch(r"/v1/projects/-/serviceAccounts/[^/]+/allowedLocations", path):
            return 200, {"locations": [], "encodedLocations": "0x0"}  # google-auth's own lookup
        values = re.fullmatch(r"/v4/spreadsheets/([^/:]+)/values(?::batchGet|/(.+))", path)
        if values and method == "GET":
            method_id = "get" if values.group(2) is not None else "batchGet"
            self._check_query(lists or {k: [v] for k, v in query.items()}, method_id)
            book = self._book(values.group(1))
            if values.group(2) is not None:
                return 200, value_range(book, values.group(2), query)
            ranges = (lists or {}).get("ranges", [])
            return 200, {"spreadsheetId": book.key,
                         "valueRanges": [value_range(book, text, query) for text in ranges]}
        sheets = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(:batchUpdate)?", path)
        if sheets:
            book = self._book(sheets.group(1))
            if sheets.group(2) and method == "POST":
                return 200, self.batch_update(book, payload)
            if method == "GET":
                if "fields" in query:
                    problems = sheets_validator().mask_problems(query["fields"], "Spreadsheet", "fields")
                    if problems:
                        self.problems.extend(problems)
                        raise bad("; ".join(problems))
                return 200, book.document()
        if path == "/drive/v3/files" and method == "GET":
            return 200, {"files": self.find(query.get("q", ""))}
        if path == "/drive/v3/files" and method == "POST":
            problems = drive_validator().problems(payload, "File")
            if problems:
                self.problems.extend(problems)
                raise bad("; ".join(problems))
            book = self.new_spreadsheet(payload["name"])
            book.app_properties = dict(payload.get("appProperties", {}))
            book.permissions.append({"id": "owner", "type": "user", "role": "owner", "emailAddress": account})
            return 200, {"id": book.key, "name": book.title}
        permissions = re.fullmatch(r"/drive/v3/files/([^/]+)/permissions", path)
        if permissions:
            book = self._book(permissions.group(1))
            if method == "GET":
                return 200, {"permissions": copy.deepcopy(book.permissions)}
            problems = drive_validator().problems(payload, "Permission")
            if problems:
                raise bad("; ".join(problems))
            for existing in book.permissions:
                if existing.get("emailAddress", "").lower() == payload["emailAddress"].lower():
                    existing["role"] = payload["role"]
                    return 200, existing
            permission = {"id": f"p{len(book.permissions)}", **payload}
            book.permissions.append(permission)
            return 200, permission
        raise Refusal(404, f"no route {method} {path}", "NOT_FOUND")

    def _check_query(self, lists: dict[str, list[str]], method_id: str) -> None:
        problems = sheets_validator().query_problems(lists, "spreadsheets.values", method_id)
        if problems:
            self.problems.extend(problems)
            raise bad("; ".join(problems))

    def _book(self, key: str) -> FakeSpreadsheet:
        if key in self.denied:
            raise Refusal(403, "The caller does not have permission", "PERMISSION_DENIED")
        if key not in self.books:
            raise Refusal(404, "Requested entity was not found.", "NOT_FOUND")
        return self.books[key]

    def token(self, body: bytes) -> dict[str, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            raise Refusal(400, "unsupported_grant_type", "INVALID_ARGUMENT")
        assertion = form.get("assertion", "")
        claims = jwt.decode(assertion, verify=False)
        issuer = claims.get("iss")
        if issuer not in self.accounts:
            raise Refusal(400, "invalid_grant: unknown account", "INVALID_ARGUMENT")
        try:  # the real check: the signature against the account's public key, audience, expiry
            jwt.decode(assertion, certs=self.accounts[issuer], audience=GOOGLE_TOKEN_AUDIENCE)
        except ValueError as exc:
            raise Refusal(400, f"invalid_grant: {exc}", "INVALID_ARGUMENT") from None
        token = secrets.token_urlsafe(24)
        self.tokens[token] = issuer
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def find(self, query: str) -> list[dict[str, str]]:
        name = re.search(r"name = '((?:[^'\\]|\\.)*)'", query)
        wanted = re.sub(r"\\(.)", r"\1", name.group(1)) if name else None
        app = re.search(r"appProperties has \{ key='([^']*)' and value='([^']*)' \}", query)
        found = []
        for book in self.books.values():
            if wanted is not None and book.title != wanted:
                continue
            if app and book.app_properties.get(app.group(1)) != app.group(2):
                continue
            found.append({"id": book.key, "name": book.title, "createdTime": book.created_time})
        return found

    def batch_update(self, book: FakeSpreadsheet, body: Any) -> dict[str, Any]:
        self.bodies.append(copy.deepcopy(body))
        problems = sheets_validator().problems(body, "BatchUpdateSpreadsheetRequest")
        if problems:
            self.problems.extend(problems)
            raise bad("; ".join(problems[:5]))
        draft = copy.deepcopy(book)  # all or nothing, like Google
        replies = []
        for index, request in enumerate(body.get("requests", [])):
            try:
                replies.append(apply_request(draft, request))
            except Refusal as exc:
                raise bad(f"Invalid requests[{index}].{next(iter(request))}: {exc.message}") from None
            except (KeyError, TypeError) as exc:
                raise bad(f"Invalid requests[{index}].{next(iter(request))}: missing {exc}") from None
        self.books[book.key] = draft
        return {"spreadsheetId": book.key, "replies": replies}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        google = self.server.google
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        lists = parse_qs(parts.query, keep_blank_values=True)
        query = {k: v[0] for k, v in lists.items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with google.lock:
            google.log.append((method, path))
        fault = google.take_fault(method, path)
        if fault and fault.stall:
            time.sleep(fault.stall)
        status, payload, extra = 200, {}, {}
        if fault and fault.status and not fault.apply_first:
            status = fault.status
            payload = {"error": {"code": status, "message": fault.message, "status": {
                400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}.get(
                    status, "UNAVAILABLE")}}
        else:
            try:
                with google.lock:
                    status, payload = google.handle(method, path, query, {k.lower(): v for k, v in
                                                                          self.headers.items()}, body, lists)
            except Refusal as exc:
                status, payload = exc.code, {"error": {"code": exc.code, "message": exc.message,
                                                       "status": exc.status}}
                if path == "/token":  # OAuth 2 error format
                    error, _, description = exc.message.partition(": ")
                    payload = {"error": error, "error_description": description}
            if fault and fault.status:  # applied, but the answer says otherwise
                status = fault.status
                payload = {"error": {"code": status, "message": "injected after applying",
                                     "status": "UNAVAILABLE"}}
        if fault and fault.retry_after is not None:
            extra["Retry-After"] = fault.retry_after
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    google: FakeGoogle


def start(google: FakeGoogle) -> tuple[_Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.google = google
    google.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # a short poll: shutdown() waits for the serving loop's next poll, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), name="fake-google",
                              daemon=True)
    thread.start()
    return server, thread
