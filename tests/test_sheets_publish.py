"""Real gspread + google-auth over real HTTP against the local Google (tests/sheets_fake)."""
# ruff: noqa: F811  (pytest fixtures imported from sheets_fake.fixtures are parameters here)

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sheets_fake.fixtures import ACCOUNT, Google, google, no_network, rsa_key  # noqa: F401
from sheets_fake.server import FakeSpreadsheet
from workbook_support import INJECTION, write_three_month_project

from reportgen.api import compute_month
from reportgen.config import load_config
from reportgen.errors import ConfigError, OutputError
from reportgen.model import Report
from reportgen.render.sheets import stable_sheet_id
from reportgen.report import CALCULATOR, TAB_ORDER, TRACKER, VOLUME, build_report
from reportgen.sheets.client import RetryPolicy
from reportgen.sheets.publish import PublishResult, publish_report
from reportgen.sheets.settings import SheetsSettings


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    config = load_config(write_three_month_project(Path(tmp_path_factory.mktemp("sheets_publish"))))
    return build_report(compute_month(config, "2026-10", save=False))


class Clock:
    """A fake clock + sleep: retries are instant, waits are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def policy(self, **kwargs: Any) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, clock=lambda: self.now, jitter=lambda: 0.5, **kwargs)


def publish(google: Google, report: Report, settings: SheetsSettings, *, policy: RetryPolicy | None = None,
            warnings: list[str] | None = None, key_file: Path | None = None) -> PublishResult:
    return publish_report(report, settings, "EUR", credentials_path=key_file or google.key_file,
                          warn=(warnings if warnings is not None else []).append,
                          policy=policy or Clock().policy(), adapters=google.adapters)


def team_book(google: Google) -> FakeSpreadsheet:
    book = google.fake.new_spreadsheet("Support team", first_tab="Team notes")
    notes = book.sheet("Team notes")
    notes.cells[(0, 0)] = {"userEnteredValue": {"stringValue": "our own notes"}}
    notes.cells[(1, 0)] = {"userEnteredValue": {"formulaValue": "='KPI Tracker'!B5"}}
    return book


def snapshot(book: FakeSpreadsheet) -> list[Any]:
    """Everything of the book but chart ids (new ones each publish)."""
    out = []
    for sheet in book.sheets:
        charts = [{k: v for k, v in c.items() if k != "chartId"} for c in sheet.charts]
        out.append((sheet.properties, sorted(sheet.cells.items()), sheet.merges, charts, sheet.column_px,
                    sheet.row_px))
    return json.loads(json.dumps(out, default=str))


def test_publish_writes_every_tab_in_two_requests_and_keeps_the_team_tab(google: Google, report: Report) -> None:
    book = team_book(google)
    result = publish(google, report, SheetsSettings(spreadsheet=book.key))
    book = google.fake.books[book.key]
    assert book.titles() == ["Team notes", *TAB_ORDER]
    assert google.fake.api_requests() == [("GET", f"/v4/spreadsheets/{book.key}"),
                                          ("POST", f"/v4/spreadsheets/{book.key}:batchUpdate")]
    assert result.requests_sent == 2 and result.tabs_added == list(TAB_ORDER) and not result.created
    assert google.fake.count("POST", "/token") == 1  # a real signed-JWT exchange
    notes = book.sheet("Team notes")
    assert notes.cells[(0, 0)] == {"userEnteredValue": {"stringValue": "our own notes"}}
    assert notes.cells[(1, 0)] == {"userEnteredValue": {"formulaValue": "='KPI Tracker'!B5"}}
    # values, formulas, formats land as the model says
    for sheet in report.sheets:
        for (row, col), cell in sheet.cells.items():
            got = book.value(sheet.name, row, col)
            if cell.formula:
                assert got == cell.formula
            elif isinstance(cell.value, str):
                assert book.cell(sheet.name, row, col)["userEnteredValue"] == {"stringValue": cell.value}
            elif isinstance(cell.value, (int, float)):
                assert got == pytest.approx(cell.value)
    title = book.cell(TRACKER, 0, 0)
    assert title["userEnteredFormat"]["textFormat"]["bold"] is True
    assert title["userEnteredFormat"]["textFormat"]["fontSize"] == 16
    calculator = report.sheet(CALCULATOR)
    result_cell = next(pos for pos, c in calculator.cells.items() if c.style == "result:percent")
    assert book.cell(CALCULATOR, *result_cell)["userEnteredFormat"]["numberFormat"]["type"] == "PERCENT"
    volume = book.sheet(VOLUME)
    assert [c["spec"]["basicChart"]["chartType"] for c in volume.charts] == ["LINE", "LINE"]
    assert volume.properties["gridProperties"]["frozenColumnCount"] == 1
    assert book.sheet(TRACKER).properties["tabColorStyle"]["rgbColor"]["blue"] > 0.4


@pytest.mark.slow
def test_publishing_twice_gives_the_same_sheet(google: Google, report: Report) -> None:
    book = team_book(google)
    settings = SheetsSettings(spreadsheet=book.key)
    publish(google, report, settings)
    first = snapshot(google.fake.books[book.key])
    # someone scribbles into a reportgen tab: the next publish wipes it
    google.fake.books[book.key].sheet("Data").cells[(900, 20)] = {"userEnteredValue": {"stringValue": "x"}}
    second_result = publish(google, report, settings)
    second = google.fake.books[book.key]
    assert snapshot(second) == first
    assert second.titles() == ["Team notes", *TAB_ORDER]
    assert sum(len(s.charts) for s in second.sheets) == 2
    assert second_result.tabs_added == []


def test_a_category_that_looks_like_a_formula_stays_text(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    publish(google, report, SheetsSettings(spreadsheet=book.key))
    book = google.fake.books[book.key]
    found = [cell for sheet in book.sheets for cell in sheet.cells.values()
             if any(INJECTION in str(v) for v in cell.get("userEnteredValue", {}).values())]
    assert len(found) >= 3  # Ticket Volume header, Channels, Data, the Why-it-changed sentences
    for cell in found:  # the name alone, or inside a sentence: always a string, never a formula
        value = cell["userEnteredValue"]
        assert list(value) == ["stringValue"] and INJECTION in value["stringValue"], value
    assert any(cell["userEnteredValue"] == {"stringValue": INJECTION} for cell in found)


def test_429_then_503_are_retried_honouring_retry_after(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.fake.fail("GET", f"/v4/spreadsheets/{book.key}", 429, retry_after="7")
    google.fake.fail("GET", f"/v4/spreadsheets/{book.key}", 503)
    google.fake.fail("POST", ":batchUpdate", 429)  # rejected before doing anything: safe to resend
    clock = Clock()
    result = publish(google, report, SheetsSettings(spreadsheet=book.key), policy=clock.policy())
    assert google.fake.count("GET", "/v4/spreadsheets/") == 3
    assert google.fake.count("POST", ":batchUpdate") == 2
    assert result.requests_sent == 5
    assert clock.waits[0] == 7  # Retry-After beats the 0.5 s the backoff would wait
    assert clock.waits[1] == 1.0  # base 1 s · 2¹ · jitter 0.5
    assert google.fake.books[book.key].titles() == ["Sheet1", *TAB_ORDER]


@pytest.mark.slow
def test_an_applied_write_whose_answer_was_lost_is_replanned_not_repeated(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.fake.fail("POST", ":batchUpdate", 503, apply_first=True)
    publish(google, report, SheetsSettings(spreadsheet=book.key))
    # the second batchUpdate was planned from a fresh read: no addSheet again, charts replaced
    assert google.fake.count("GET", "/v4/spreadsheets/") == 2
    assert google.fake.count("POST", ":batchUpdate") == 2
    second = google.fake.bodies[-1]["requests"]
    assert not [r for r in second if "addSheet" in r]
    assert len([r for r in second if "deleteEmbeddedObject" in r]) == 2
    book = google.fake.books[book.key]
    assert book.titles() == ["Sheet1", *TAB_ORDER]
    assert sum(len(s.charts) for s in book.sheets) == 2


@pytest.mark.slow
def test_a_write_that_times_out_is_replanned(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.fake.fail("POST", ":batchUpdate", stall=4.0)  # applied after the client gave up
    policy = RetryPolicy(sleep=lambda _: time.sleep(1.0), jitter=lambda: 0.0)
    # a timeout with room for a loaded machine's honest requests, well under the stall
    publish(google, report, SheetsSettings(spreadsheet=book.key, timeout_seconds=3.0), policy=policy)
    book = google.fake.books[book.key]
    assert book.titles() == ["Sheet1", *TAB_ORDER]
    assert sum(len(s.charts) for s in book.sheets) == 2
    assert google.fake.count("GET", "/v4/spreadsheets/") == 2
    assert google.fake.count("POST", ":batchUpdate") == 2
    assert not [r for r in google.fake.bodies[-1]["requests"] if "addSheet" in r]  # re-planned


def test_retries_are_bounded(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    for _ in range(5):
        google.fake.fail("GET", f"/v4/spreadsheets/{book.key}", 429)
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet=book.key), policy=Clock().policy(max_attempts=3))
    assert "429" in str(caught.value) and "3 tries" in str(caught.value)
    assert google.fake.count("GET", "/v4/spreadsheets/") == 3
    clock = Clock()
    with pytest.raises(OutputError):  # and bounded in time: a long Retry-After ends it at once
        google.fake.faults.clear()
        google.fake.fail("GET", f"/v4/spreadsheets/{book.key}", 503, retry_after="3600")
        publish(google, report, SheetsSettings(spreadsheet=book.key), policy=clock.policy(total_seconds=60))
    assert clock.waits == []


def test_a_day_long_retry_after_is_said_at_once(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.fake.fail("GET", f"/v4/spreadsheets/{book.key}", 429, retry_after="86400")
    clock = Clock()
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet=book.key), policy=clock.policy())
    assert "the server asks to wait 24 h, more than the 2 min left" in str(caught.value)
    assert "publish again later" in (caught.value.hint or "") and clock.waits == []


def test_not_shared_names_the_account_to_share_with(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.fake.denied.add(book.key)
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet=book.key))
    message = str(caught.value)
    assert f"spreadsheet {book.key} is not shared with {ACCOUNT}" in message
    assert f"add {ACCOUNT} as Editor" in message
    assert "\n" not in message and "PRIVATE KEY" not in message


def test_unknown_spreadsheet(google: Google, report: Report) -> None:
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet="1NoSuchSpreadsheetKey"))
    message = str(caught.value)
    assert "1NoSuchSpreadsheetKey does not exist" in message and "outputs.google_sheets.spreadsheet" in message
    assert google.fake.count("GET", "/v4/spreadsheets/") == 1  # a 404 is not retried


def test_a_bad_request_is_one_clear_line(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    book.add_sheet({"sheetId": stable_sheet_id("Data", set()), "title": "Old data"})  # ids never clash
    google.fake.fail("POST", ":batchUpdate", 400,
                     message="Invalid requests[12].mergeCells: You can't merge cells in a protected range.")
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet=book.key))
    message = str(caught.value)
    assert message.startswith("Google Sheets rejected the request to update the spreadsheet (400 "
                              "INVALID_ARGUMENT: Invalid requests[12].mergeCells: You can't merge")
    assert "--verbose" in message and "\n" not in message
    assert google.fake.count("POST", ":batchUpdate") == 1  # a 400 is not retried
    assert google.fake.books[book.key].titles() == ["Sheet1", "Old data"]
    publish(google, report, SheetsSettings(spreadsheet=book.key))  # the clashing id was avoided
    assert google.fake.books[book.key].titles() == ["Sheet1", "Old data", *TAB_ORDER]


@pytest.mark.slow
def test_title_creates_once_then_reuses_and_shares_once(google: Google, report: Report) -> None:
    settings = SheetsSettings(title="Support report", share_with=(
        {"email": "lead@example.com", "role": "writer"},))  # type: ignore[arg-type]
    first = publish(google, report, settings)
    assert first.created and first.shared_with == ["lead@example.com"]
    assert len(google.fake.books) == 1
    book = google.fake.books[first.spreadsheet_id]
    assert book.titles() == list(TAB_ORDER)  # the empty Sheet1 of the new spreadsheet is gone
    assert first.url == f"https://docs.google.com/spreadsheets/d/{book.key}/edit"
    before = len(google.fake.api_requests())
    second = publish(google, report, settings)
    assert not second.created and second.spreadsheet_id == first.spreadsheet_id and second.shared_with == []
    assert len(google.fake.books) == 1
    # find, get, batchUpdate, read permissions: nothing to create or share any more
    assert [m for m, _ in google.fake.api_requests()[before:]] == ["GET", "GET", "POST", "GET"]
    assert [p["emailAddress"] for p in google.fake.books[first.spreadsheet_id].permissions] == [
        ACCOUNT, "lead@example.com"]


def test_a_create_whose_answer_was_lost_is_not_repeated(google: Google, report: Report) -> None:
    google.fake.fail("POST", "/drive/v3/files", 503, apply_first=True)
    result = publish(google, report, SheetsSettings(title="Support report"))
    assert len(google.fake.books) == 1 and result.created
    assert google.fake.count("POST", "/drive/v3/files") == 1
    assert google.fake.books[result.spreadsheet_id].titles() == list(TAB_ORDER)


def test_a_key_google_does_not_accept(google: Google, report: Report, tmp_path: Path) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    info = json.loads(google.key_file.read_text())
    info["private_key"] = pem
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(info))
    forged.chmod(0o600)
    book = google.fake.new_spreadsheet()
    with pytest.raises(OutputError) as caught:
        publish(google, report, SheetsSettings(spreadsheet=book.key), key_file=forged)
    message = str(caught.value)
    assert f"cannot sign in to Google as {ACCOUNT}" in message
    assert "PRIVATE KEY" not in message and pem[40:80] not in message
    assert google.fake.api_requests() == []


def test_a_key_file_others_can_read_gets_one_warning(google: Google, report: Report) -> None:
    book = google.fake.new_spreadsheet()
    google.key_file.chmod(0o644)
    warnings: list[str] = []
    publish(google, report, SheetsSettings(spreadsheet=book.key), warnings=warnings)
    assert len(warnings) == 1 and "chmod 600" in warnings[0] and "\n" not in warnings[0]
    assert "PRIVATE" not in warnings[0]


@pytest.mark.parametrize(("content", "expected"), [
    ("not json", "is not a JSON key file"),
    ('{"type": "service_account", "client_email": "a@b.c"}', "lacks private_key, token_uri"),
    ('{"type": "authorized_user", "client_email": "a", "private_key": "k", "token_uri": "t"}',
     "not a service-account key"),
])
def test_bad_key_files_never_echo_their_contents(tmp_path: Path, report: Report, content: str,
                                                 expected: str) -> None:
    key = tmp_path / "key.json"
    key.write_text(content)
    key.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        publish_report(report, SheetsSettings(spreadsheet="1AbCdEfGhIjKl"), "EUR", credentials_path=key,
                       warn=lambda _: None)
    assert expected in str(caught.value) and "outputs.google_sheets.credentials" in str(caught.value)
    assert content not in str(caught.value)
