"""A source is one model per kind, chosen by the key naming the kind (path:, api:, google_sheet:,
warehouse:): each kind takes its own keys; a key of another kind, a typo, a source of no kind or of
two are each one line naming the YAML line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import ApiSource, FileSource, SheetSource, SourceConfig, WarehouseSource, parse_config
from reportgen.errors import ConfigError


def problems(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return str(caught.value)


@pytest.mark.parametrize(("source", "expected"), [
    ("path: t.csv\n    form: F1", "sources.tickets.form (line 4): form applies to api: sources, not path: ones"),
    ("api: zendesk\n    delimiter: ';'",
     "sources.tickets.delimiter (line 4): delimiter applies to path: sources, not api: ones"),
    ("api: zendesk\n    preset: zendesk",
     "sources.tickets.preset (line 4): preset applies to path:, google_sheet: or warehouse: sources, not api: ones"),
    ("google_sheet: 1AbC\n    sheet: Business",
     "sources.tickets.sheet (line 4): sheet applies to path: sources, not google_sheet: ones "
     "(did you mean 'worksheet'?)"),
    ("warehouse: 'duckdb:///w.duckdb'\n    table: t\n    encoding: latin-1",
     "sources.tickets.encoding (line 5): encoding applies to path: sources, not warehouse: ones"),
    ("path: t.csv\n    table: t", "sources.tickets.table (line 4): table applies to warehouse: sources, not path: ones"),
])
def test_a_key_of_another_kind_is_one_line_naming_the_kind_it_applies_to(source: str, expected: str) -> None:
    message = problems(f"sources:\n  tickets:\n    {source}\n")
    assert message == f"config: 1 problem: {expected}"


def test_every_problem_of_a_source_is_reported_at_once_each_on_its_line() -> None:
    message = problems("sources:\n  tickets:\n    - {path: t.csv}\n    - api: zendesk\n"
                       "      token: ${HOME}\n      worksheet: Tickets\n      timezone: Europe/Roma\n      tokn: x\n")
    assert message.startswith("config: 3 problems: sources.tickets[1].worksheet (line 6): worksheet applies to "
                              "google_sheet: sources, not api: ones; sources.tickets[1].timezone (line 7): unknown "
                              "time zone 'Europe/Roma' (did you mean 'Europe/Rome'?); sources.tickets[1].tokn "
                              "(line 8): unknown key (did you mean 'token'? known: api, url, email, "), message


@pytest.mark.parametrize(("source", "given"), [
    ("{path: t.csv, api: zendesk}", "path: and api: given"),
    ("{google_sheet: 1AbC, warehouse: 'duckdb:///w.duckdb', table: t}", "google_sheet: and warehouse: given"),
    ("{preset: zendesk}", "none of them given"),
    ("{path: null}", "none of them given"),
])
def test_a_source_names_exactly_one_kind(source: str, given: str) -> None:
    assert problems(f"sources:\n  tickets: {source}\n") == (
        "config: 1 problem: sources.tickets (line 2): a source takes exactly one of path:, api:, google_sheet: "
        f"or warehouse: ({given})")


@pytest.mark.parametrize(("source", "expected"), [
    ("{path: [a.csv, b.csv]}", "sources.tickets.path (line 2): Input should be a valid string"),
    ("{path: t.csv, decimal: ';'}", "sources.tickets.decimal (line 2): Input should be ',' or '.'"),
    ("{api: [zendesk]}", "sources.tickets.api (line 2): Input should be a valid string"),
    ("{api: zendesk, token: [a, b]}", "sources.tickets.token (line 2): Input should be a valid string"),
    ("{google_sheet: 1AbC, worksheet: {a: b}}", "sources.tickets.worksheet (line 2): Input should be a valid string"),
    ("{google_sheet: 1AbC, date_format: '%Q'}", "sources.tickets.date_format (line 2): unknown directive %Q"),
    ("{warehouse: 'duckdb:///w.duckdb'}",
     "sources.tickets (line 2): a warehouse source takes exactly one of table: or query:"),
    ("{warehouse: 'duckdb:///w.duckdb', table: t, query: SELECT 1}",
     "sources.tickets (line 2): a warehouse source takes exactly one of table: or query:"),
])
def test_each_kind_validates_its_own_keys(source: str, expected: str) -> None:
    message = problems(f"sources:\n  tickets: {source}\n")
    assert message.startswith(f"config: 1 problem: {expected}"), message


def test_each_kind_is_its_own_model_and_reads_its_own_keys() -> None:
    config = parse_config(
        "sources:\n"
        "  tickets:\n"
        "    - {path: t.csv, delimiter: ';', date_format: '%d-%m-%Y %H:%M'}\n"
        "    - {api: zendesk, url: 'https://acme.zendesk.com', email: a@b.c, token: t, timezone: Europe/Rome}\n"
        "  surveys: {google_sheet: 1AbC, worksheet: Form Responses 1, preset: google_forms}\n"
        "  business: {warehouse: 'duckdb:///w.duckdb', query: SELECT 1}\n")
    file, api = config.sources.of("tickets")
    assert isinstance(file, FileSource) and (file.kind, file.path, file.delimiter) == ("path", "t.csv", ";")
    assert isinstance(api, ApiSource) and (api.kind, api.api, api.email, api.timezone) == \
        ("api", "zendesk", "a@b.c", "Europe/Rome")
    sheet, = config.sources.of("surveys")
    assert isinstance(sheet, SheetSource) and (sheet.worksheet, sheet.preset) == ("Form Responses 1", "google_forms")
    warehouse, = config.sources.of("business")
    assert isinstance(warehouse, WarehouseSource) and (warehouse.table, warehouse.query) == (None, "SELECT 1")
    assert config.sources.of_kind(ApiSource) == [("tickets", api)]
    assert config.sources.of_kind("warehouse") == [("business", warehouse)]


def test_source_config_builds_the_model_of_the_kind_its_keys_name() -> None:
    assert type(SourceConfig(api="typeform", token="t", form="F1")) is ApiSource
    assert type(SourceConfig(path="t.csv")) is FileSource
    assert type(SourceConfig.model_validate({"google_sheet": "1AbC"})) is SheetSource
    file = FileSource(path="t.csv")
    assert SourceConfig.model_validate(file) is file
    with pytest.raises(ValueError, match="form applies to api: sources, not path: ones"):
        SourceConfig(path="t.csv", form="F1")
    with pytest.raises(ValueError, match=r"exactly one of path:, api:, google_sheet: or warehouse: \(none"):
        SourceConfig.model_validate({"preset": "generic"})


def test_validate_prints_a_key_of_another_kind_as_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  tickets:\n    path: t.csv\n    form: F1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "-c", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: {path}: 1 problem: sources.tickets.form (line 4): form applies to api: sources, not path: ones"]
