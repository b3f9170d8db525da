"""Google Sheets as a source: real gspread + google-auth over HTTP against the local Google (tests/sheets_fake)."""
# ruff: noqa: F811  (pytest fixtures imported from sheets_fake.fixtures are parameters here)

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sheets_fake.fixtures import ACCOUNT, Google, google, no_network, rsa_key  # noqa: F401
from sheets_fake.server import FakeSpreadsheet

from reportgen.api import month_kpis
from reportgen.config import Config, SourceConfig, load_config, parse_config
from reportgen.errors import DataError, Location, NoDataError, ReportgenError
from reportgen.sheets.client import GoogleApi, RetryPolicy
from reportgen.sources.business import parse_business_rows
from reportgen.sources.google_sheet import (
    StagedSheet,
    locale_rules,
    shown_date,
    shown_month,
    shown_number,
    spreadsheet_key,
    stage_google_sheet,
)

QUESTION = "How likely are you to recommend us to a friend?"


def config_for(google: Google, tmp_path: Path, extra: str = "") -> Config:
    text = (f"report: {{timezone: UTC}}\nsources:\n  tickets: {{path: tickets.csv}}\n{extra}"
            f"outputs:\n  google_sheets: {{spreadsheet: 1AbCdEfGhIjK, credentials: '{google.key_file}'}}\n")
    return parse_config(text, tmp_path / "config.yaml")


def forms_book(google: Google) -> FakeSpreadsheet:
    """A Form's response sheet in a Rome-based en_US spreadsheet (Forms writes M/d/yyyy H:mm:ss)."""
    book = google.fake.new_spreadsheet("NPS form (Responses)", first_tab="Form Responses 1")
    book.time_zone = "Europe/Rome"
    book.put_rows("Form Responses 1", [
        ["Timestamp", "Email Address", QUESTION, "What could we do better?"],
        [("3/1/2026 9:15:02", 46082.38), "a@example.com", ("10", 10), "Nothing"],
        [("3/5/2026 14:02:11", 46086.58), "b@example.com", ("9", 9), None],
        [("3/9/2026 23:30:00", 46090.98), "c@example.com", ("7", 7), "Faster replies"],
        [],  # a blank row someone left: not a response
        [("3/31/2026 23:59:59", 46112.99), "d@example.com", ("3", 3), "Slow"],  # 21:59:59 UTC: March
        [("4/1/2026 0:30:00", 46113.02), "e@example.com", ("0", 0), "Bad"],     # 22:30 UTC March 31!
    ])
    return book


def forms_source(book: FakeSpreadsheet, **more: object) -> SourceConfig:
    return SourceConfig.model_validate({
        "google_sheet": f"https://docs.google.com/spreadsheets/d/{book.key}/edit#gid=0",
        "worksheet": "Form Responses 1", "preset": "google_forms",
        "options": {"score_column": QUESTION, "survey": "nps", "comment_column": "What could we do better?"},
        **more})


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_form_responses_read_in_one_values_request_with_the_sheets_time_zone(
        google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    config = config_for(google, tmp_path)
    staged = stage_google_sheet(config, "surveys", forms_source(book), tmp_path, adapters=google.adapters)
    # one metadata request, then exactly one values request for the worksheet, as shown (FORMATTED_VALUE)
    assert google.fake.api_requests() == [
        ("GET", f"/v4/spreadsheets/{book.key}"),
        ("GET", f"/v4/spreadsheets/{book.key}/values/'Form Responses 1'")]
    assert staged.source.timezone == "Europe/Rome"  # the spreadsheet's zone, as Forms writes Timestamp
    rows = read_csv(staged.path)
    assert rows[0] == ["Timestamp", "Email Address", QUESTION, "What could we do better?"]
    assert rows[1] == ["2026-03-01 09:15:02", "a@example.com", "10", "Nothing"]  # month first (en_US)
    assert len(rows) == 6  # the blank row is left out
    assert staged.rows == {2: 2, 3: 3, 4: 4, 5: 6, 6: 7}  # scratch row → sheet row


def test_nps_from_a_form_sheet_matches_hand_computation(google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    config = config_for(google, tmp_path)
    staged = stage_google_sheet(config, "surveys", forms_source(book), tmp_path, adapters=google.adapters)
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,resolved_at\nT1,2026-03-02T10:00:00Z,2026-03-02T12:00:00Z\n", encoding="utf-8")
    options = json.dumps({"score_column": QUESTION, "survey": "nps"})
    (tmp_path / "engine.yaml").write_text(
        "report: {timezone: UTC}\nhistory: {path: h.duckdb}\nsources:\n  tickets: {path: tickets.csv}\n"
        f"  surveys: {{path: '{staged.path}', preset: google_forms, timezone: {staged.source.timezone},"
        f" options: {options}}}\n", encoding="utf-8")
    kpis = month_kpis(tmp_path / "engine.yaml", "2026-03")["kpis"]
    # March (UTC): 10, 9, 7, 3 and the 0 given at 00:30 Rome on April 1 = 22:30 UTC March 31
    # promoters 2 (10, 9), detractors 2 (3, 0) of 5 → NPS = (2 - 2) / 5 * 100 = 0
    assert kpis["nps"] == pytest.approx(0.0)
    with pytest.raises(NoDataError, match=r"months in the data: 2026-03\)"):
        month_kpis(tmp_path / "engine.yaml", "2026-04")  # nothing answered in April (UTC)


def test_business_figures_in_a_german_sheet_read_as_shown(google: Google, tmp_path: Path) -> None:
    book = google.fake.new_spreadsheet("Finanzen", first_tab="Übersicht")
    book.locale, book.time_zone = "de_DE", "Europe/Berlin"
    book.add_sheet({"title": "Business"})
    book.put_rows("Business", [
        [],  # the header may start lower down
        ["month", "customers_start", "customers_end", "customers_new", "customers_lost",
         "sales_marketing_spend", "revenue", "customer_lifespan_years"],
        [("01.02.2026", 46054), ("1.200", 1200), "1.210", "30", "20", ("12.500,00 €", 12500),
         ("98.765,43 €", 98765.43), ("2,5", 2.5)],
        [("März 2026", 46082), "1.210", "1.230", "40", "20", "(0)", "101.000", ("250 %", 2.5)],
    ], top=1, left=1)
    config = config_for(google, tmp_path)
    source = SourceConfig.model_validate({"google_sheet": book.key, "worksheet": "business"})  # any case
    staged = stage_google_sheet(config, "business", source, tmp_path, adapters=google.adapters)
    rows = read_csv(staged.path)
    assert rows[1] == ["2026-02-01", "1200", "1210", "30", "20", "12500", "98765.43", "2.5"]
    assert rows[2] == ["2026-03", "1210", "1230", "40", "20", "0", "101000", "2.5"]
    figures = parse_business_rows([(staged.path, n, dict(zip(rows[0], row, strict=True)))
                                   for n, row in enumerate(rows[1:], start=2)])
    assert figures["2026-02"].values["revenue"] == pytest.approx(98765.43)
    assert figures["2026-03"].values["customers_end"] == 1230


def test_a_bad_value_names_the_spreadsheet_worksheet_and_cell(google: Google, tmp_path: Path) -> None:
    book = google.fake.new_spreadsheet("Team numbers", first_tab="Business")
    book.put_rows("Business", [
        ["month", "customers_start", "revenue"],
        ["2026-02", "100", "1,5"],  # a decimal comma in an en_US sheet: not guessed
    ])
    config = config_for(google, tmp_path)
    staged = stage_google_sheet(config, "business", SourceConfig(google_sheet=book.key), tmp_path,
                                adapters=google.adapters)
    rows = read_csv(staged.path)
    with pytest.raises(DataError) as caught:
        parse_business_rows([(staged.path, 2, dict(zip(rows[0], rows[1], strict=True)))])
    message = str(staged.relabel(caught.value))
    assert message.startswith(f"Google Sheet 'Team numbers' ({book.key}), worksheet 'Business', "
                              "cell C2 (column 'revenue'): '1,5' is not a number")
    assert str(staged.path) not in message
    # a row problem (e.g. an invalid score) is located the same way
    assert str(staged.cell(2, "customers_start")).endswith("cell B2 (column 'customers_start')")
    # errors about other files pass through unchanged
    other = DataError("x", Location(file="elsewhere.csv", row=2))
    assert staged.relabel(other) is other


def test_a_missing_question_column_is_one_line_about_the_sheet(google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    source = forms_source(book, options={"score_column": "How likely are you to recomend us?", "survey": "nps"})
    with pytest.raises(ReportgenError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "surveys", source, tmp_path, adapters=google.adapters)
    message = str(caught.value)
    assert "worksheet 'Form Responses 1', row 1" in message and "not found" in message
    assert QUESTION in message  # the closest header is suggested
    assert "\n" not in message and "tmp" not in message.split(" — ")[0]


def test_a_value_beyond_the_header_is_reported_at_its_cell(google: Google, tmp_path: Path) -> None:
    book = google.fake.new_spreadsheet("Team numbers", first_tab="Business")
    book.put_rows("Business", [["month", "revenue"], ["2026-02", "100", "oops"]])
    with pytest.raises(DataError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "business", SourceConfig(google_sheet=book.key),
                           tmp_path, adapters=google.adapters)
    assert "worksheet 'Business', cell C2: 'oops' is in a column without a name" in str(caught.value)


@pytest.mark.parametrize("status", [403, 404])
def test_a_sheet_not_shared_names_the_account_to_share_it_with(google: Google, tmp_path: Path,
                                                               status: int) -> None:
    book = google.fake.new_spreadsheet("Private")
    if status == 403:
        google.fake.denied.add(book.key)
        key = book.key
    else:
        key = "1NoSuchSpreadsheetKey"
    with pytest.raises(DataError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "business", SourceConfig(google_sheet=key), tmp_path,
                           adapters=google.adapters)
    message = str(caught.value)
    assert "sources.business.google_sheet: " in message and key in message
    assert f"share the spreadsheet with {ACCOUNT}" in message and "\n" not in message
    assert google.fake.count("GET", "/values/") == 0


def test_an_unknown_worksheet_suggests_the_closest(google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    source = forms_source(book, worksheet="Form Responses")
    with pytest.raises(DataError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "surveys", source, tmp_path, adapters=google.adapters)
    assert "no worksheet 'Form Responses'" in str(caught.value)
    assert "did you mean 'Form Responses 1'?" in str(caught.value)


@pytest.mark.slow
def test_rate_limit_is_retried_then_read(google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    google.fake.fail("GET", "/values/", 429, retry_after="0")
    staged = stage_google_sheet(config_for(google, tmp_path), "surveys", forms_source(book), tmp_path,
                                adapters=google.adapters)
    assert len(read_csv(staged.path)) == 6
    assert google.fake.count("GET", "/values/") == 2


def test_source_credentials_key_is_named_when_the_file_is_missing(google: Google, tmp_path: Path) -> None:
    book = forms_book(google)
    source = forms_source(book, credentials="missing-key.json")
    with pytest.raises(ReportgenError) as caught:
        stage_google_sheet(config_for(google, tmp_path), "surveys", source, tmp_path, adapters=google.adapters)
    assert "sources.surveys.credentials: the key file" in str(caught.value)


def test_values_batch_get_and_parameters_checked_against_the_discovery_document(google: Google) -> None:
    from google.oauth2 import service_account

    book = forms_book(google)
    book.put_rows("Form Responses 1", [["x"]], top=9, left=5)
    credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
        str(google.key_file), scopes=["https://www.googleapis.com/auth/spreadsheets"])
    api = GoogleApi(credentials, timeout=10, budget=RetryPolicy(total_seconds=5).start(), adapters=google.adapters)
    body = api.http.values_batch_get(book.key, ["'Form Responses 1'!A1:B2", "'Form Responses 1'!C3"],
                                     params={"valueRenderOption": "UNFORMATTED_VALUE"})
    first, second = body["valueRanges"]
    assert first == {"range": "'Form Responses 1'!A1:B2", "majorDimension": "ROWS",
                     "values": [["Timestamp", "Email Address"], [46082.38, "a@example.com"]]}
    assert second["range"] == "'Form Responses 1'!C3:C3" and second["values"] == [[9]]
    whole = api.http.values_get(book.key, "'Form Responses 1'")
    assert whole["range"] == "'Form Responses 1'!A1:Z1000" and whole["values"][-1] == ["", "", "", "", "", "x"]
    from gspread.exceptions import APIError

    with pytest.raises(APIError):
        api.http.values_get(book.key, "'Form Responses 1'", params={"valueRenderOption": "AS_SHOWN"})
    assert google.fake.problems == ["query: valueRenderOption='AS_SHOWN' is not one of FORMATTED_VALUE, "
                                    "UNFORMATTED_VALUE, FORMULA"]
    google.fake.problems.clear()


# ---- shown values ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "shown", "plain"), [
    ("en_US", "1,234.50", "1234.5"), ("en_US", "$1,200", "1200"), ("en_US", "(300)", "-300"),
    ("en_US", "12%", "0.12"), ("en_US", "1,5", None), ("en_US", "12,34", None), ("en_US", "abc", None),
    ("de_DE", "1.234,50 €", "1234.5"), ("de_DE", "12,5 %", "0.125"), ("de_DE", "1.5", None),
    ("fr_FR", "1\u202f234,5", "1234.5"), ("fr_FR", "1 234,5", "1234.5"), ("en_US", "1.2E+03", "1200"),
    ("en_US", "-0", "0"), ("en_US", "", None),
])
def test_numbers_as_shown_in_a_locale(locale: str, shown: str, plain: str | None) -> None:
    assert shown_number(shown, locale_rules(locale)) == plain


@pytest.mark.parametrize(("locale", "shown", "iso"), [
    ("en_US", "3/5/2026 14:02:11", "2026-03-05 14:02:11"), ("en_GB", "03/05/2026 14:02:11", "2026-05-03 14:02:11"),
    ("de_DE", "05.03.2026 14:02", "2026-03-05 14:02:00"), ("it_IT", "05/03/2026 14.02.11", "2026-03-05 14:02:11"),
    ("ja_JP", "2026/03/05 14:02:11", "2026-03-05 14:02:11"), ("en_US", "3/5/2026 2:02:11 PM", "2026-03-05 14:02:11"),
    ("en_US", "3/5/2026 12:02:11 AM", "2026-03-05 00:02:11"), ("en_GB", "2026-03-05", "2026-03-05"),
    ("en_US", "13/5/2026", None), ("ja_JP", "05/03/2026", None), ("en_US", "2/30/2026", None),
])
def test_dates_as_shown_in_a_locale(locale: str, shown: str, iso: str | None) -> None:
    assert shown_date(shown, locale_rules(locale)) == iso


@pytest.mark.parametrize(("locale", "shown", "month"), [
    ("en_US", "Oct 2026", "2026-10"), ("en_US", "October 2026", "2026-10"), ("de_DE", "Oktober 2026", "2026-10"),
    ("en_US", "10/2026", "2026-10"), ("en_US", "10/1/2026", "2026-10-01"), ("en_US", "2026-10", "2026-10"),
    ("en_US", "Octember 2026", None),
])
def test_months_as_shown(locale: str, shown: str, month: str | None) -> None:
    assert shown_month(shown, locale_rules(locale)) == month


def test_spreadsheet_keys_from_urls() -> None:
    assert spreadsheet_key("https://docs.google.com/spreadsheets/d/1AbC-dEf_123/edit#gid=0") == "1AbC-dEf_123"
    assert spreadsheet_key("1AbCdEfGhIjKlMn") == "1AbCdEfGhIjKlMn"
    assert spreadsheet_key("not a key") is None


def test_google_forms_preset_reads_a_csv_download(tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text("ticket_id,created_at\nT1,2026-03-02T10:00:00Z\n", encoding="utf-8")
    (tmp_path / "form.csv").write_text(
        f'Timestamp,"{QUESTION}",Ticket\n3/2/2026 10:00:00,5,T1\n3/3/2026 11:00:00,4,T2\n'
        "3/4/2026 12:00:00,1,\n3/4/2026 12:00:00,5,\n", encoding="utf-8")  # same second: two responses
    options = json.dumps({"score_column": QUESTION, "survey": "csat", "ticket_column": "Ticket"})
    (tmp_path / "c.yaml").write_text(
        "report: {timezone: UTC}\nhistory: {path: h.duckdb}\nsources:\n  tickets: {path: tickets.csv}\n"
        f"  surveys: {{path: form.csv, preset: google_forms, options: {options}}}\n", encoding="utf-8")
    kpis = month_kpis(tmp_path / "c.yaml", "2026-03")["kpis"]
    assert kpis["csat"] == pytest.approx(3 / 4)  # 5, 4, 5 satisfied of 4 (scale 1–5, satisfied ≥ 4)


def test_staged_sheet_is_what_the_engine_needs() -> None:
    # the interface the load stage calls (kept small on purpose)
    assert {"path", "values", "source", "rows", "columns"} <= set(StagedSheet.__dataclass_fields__)
    assert callable(StagedSheet.relabel) and callable(StagedSheet.cell)


# ---- through the engine: google_sheet: sources in config.yaml -------------------------------------------

def sheet_project(google: Google, tmp_path: Path, business_key: str, forms_key: str) -> Path:
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,resolved_at\nT1,2026-03-02T10:00:00Z,2026-03-02T12:00:00Z\n", encoding="utf-8")
    options = json.dumps({"score_column": QUESTION, "survey": "nps"})
    config = tmp_path / "config.yaml"
    config.write_text(
        "report: {timezone: UTC}\nhistory: {path: h.duckdb}\nsources:\n  tickets: {path: tickets.csv}\n"
        f"  business: {{google_sheet: '{business_key}', credentials: '{google.key_file}'}}\n"
        f"  surveys: {{google_sheet: 'https://docs.google.com/spreadsheets/d/{forms_key}/edit', "
        f"worksheet: 'Form Responses 1', preset: google_forms, credentials: '{google.key_file}', "
        f"options: {options}}}\n", encoding="utf-8")
    return config


@pytest.fixture
def local_google(google: Google, monkeypatch: pytest.MonkeyPatch) -> Google:
    """gspread's sessions in the engine reach the local Google (as the publish CLI tests do)."""
    from reportgen.sheets import client

    monkeypatch.setattr(client, "TRANSPORT_ADAPTERS", dict(google.adapters))
    return google


def business_book(google: Google) -> FakeSpreadsheet:
    book = google.fake.new_spreadsheet("Finance", first_tab="Business")
    book.put_rows("Business", [
        ["month", "customers_start", "customers_end", "customers_new", "customers_lost",
         "sales_marketing_spend", "revenue"],
        [("Mar 2026", 46082), ("1,000", 1000), "1,010", "50", "40", ("$12,500.00", 12500), ("$98,000.00", 98000)],
    ])
    return book


def test_kpis_from_google_sheet_sources_in_the_config(local_google: Google, tmp_path: Path) -> None:
    forms = forms_book(local_google)
    finance = business_book(local_google)
    config = sheet_project(local_google, tmp_path, finance.key, forms.key)
    document = month_kpis(config, "2026-03")
    kpis = document["kpis"]
    assert kpis["nps"] == pytest.approx(0.0)  # as computed by hand above (Rome time zone from the sheet)
    assert kpis["churn_rate"] == pytest.approx(40 / 1000)  # customers_lost / customers_start
    assert kpis["cac"] == pytest.approx(12500 / 50)  # spend / new customers
    # one values request per worksheet
    assert local_google.fake.count("GET", "/values/") == 2


def test_validate_names_the_sheet_and_row_of_an_excluded_response(local_google: Google, tmp_path: Path) -> None:
    from reportgen.engine import Engine

    forms = forms_book(local_google)
    forms.put_rows("Form Responses 1", [[("3/10/2026 10:00:00", 46091.4), "x@example.com", "ten"]], top=7)
    finance = business_book(local_google)
    finance.put_rows("Business", [["Apr 2026", "1,010", "1,020", "30", "20", "1,5", "100"]], top=2)
    config = load_config(sheet_project(local_google, tmp_path, finance.key, forms.key))
    result = Engine(config, max_problems=None, collect=True).run()
    bad = [p for p in result.problems if p.reason == "invalid_score"]
    assert len(bad) == 1
    assert bad[0].file == f"Google Sheet 'NPS form (Responses)' ({forms.key}), worksheet 'Form Responses 1'"
    assert bad[0].row == 8 and bad[0].value == "ten"  # the sheet's own row (a blank row above is skipped)
    fatal = [str(e) for e in result.fatal]
    assert any(f"Google Sheet 'Finance' ({finance.key}), worksheet 'Business', row 3, column "
               "'sales_marketing_spend': '1,5' is not a number" in e for e in fatal), fatal


def test_a_sheet_not_shared_stops_the_run_with_one_line(local_google: Google, tmp_path: Path) -> None:
    forms = forms_book(local_google)
    finance = business_book(local_google)
    local_google.fake.denied.add(finance.key)
    with pytest.raises(DataError, match=f"share the spreadsheet with {ACCOUNT}"):
        month_kpis(sheet_project(local_google, tmp_path, finance.key, forms.key), "2026-03")
