"""A ticket export that came back empty stops every command before anything is written, stored or sent.

A tickets source yielding no row at all (every file holds only its header) would otherwise give a
report of "0 tickets" and a backlog of 0 that looks whole; and when a ticket source cannot be read
at all, `validate` tells its error and no false "no source has a … column" note. Expectations are
written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUSINESS_HEADER, SURVEY_HEADER, TICKET_HEADER, write_rows

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.engine.result import DatasetQuality, EngineResult
from reportgen.errors import DataError
from reportgen.gates import gate_failures
from reportgen.history import HistoryStore

EMPTY_LINE = ("tickets: data/tickets-*.csv: 2 files, no rows — the export came back empty (only its "
              "header); check its filter or date range and export again")


def tickets_of(month: str, prefix: str) -> list[tuple[str, ...]]:
    """Three tickets of a whole month (the 1st, the 15th, the 28th), each resolved within the day."""
    return [(f"{prefix}{day}", f"{month}-{day:02d}T10:00:00+02:00", f"{month}-{day:02d}T11:00:00+02:00",
             f"{month}-{day:02d}T18:00:00+02:00", "Shipping", "email", "Ann", "1", "0")
            for day in (1, 15, 28)]


def surveys_of(month: str, prefix: str) -> list[tuple[str, ...]]:
    return [(f"{prefix}{day}", f"{month}-{day:02d}T12:00:00+01:00", "nps", "10") for day in (1, 15, 28)]


def project(root: Path, *, tickets: dict[str, list[tuple[str, ...]]]) -> Path:
    """Ticket files by name, surveys of October and November 2026, and a config reading them."""
    for name, rows in tickets.items():
        write_rows(root / "data" / name, TICKET_HEADER, rows)
    write_rows(root / "data" / "surveys.csv", SURVEY_HEADER,
               surveys_of("2026-10", "o") + surveys_of("2026-11", "n"))
    write_rows(root / "data" / "business.csv", BUSINESS_HEADER, [("2026-11", "100", "90", "15", "1000", "5000")])
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "T", timezone: "Europe/Rome", currency: "EUR"}\n'
        "sources:\n"
        '  tickets: {path: "data/tickets-*.csv", preset: generic}\n'
        '  surveys: {path: "data/surveys.csv", preset: generic}\n'
        '  business: {path: "data/business.csv"}\n'
        'outputs: {google_sheets: {spreadsheet: "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"}}\n',
        encoding="utf-8")
    return config


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and the output (stdout and stderr)."""
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def errors(output: str) -> list[str]:
    """The error lines (a terminal may also see how long reading took, on a slow machine)."""
    return [line for line in output.splitlines() if line.startswith("error:")]


@pytest.fixture
def emptied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose history holds October and November 2026 from a good run, then whose ticket
    files were exported again with their header only."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = project(tmp_path / "p", tickets={"tickets-2026-10.csv": tickets_of("2026-10", "o"),
                                              "tickets-2026-11.csv": tickets_of("2026-11", "n")})
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kpis"]["ticket_volume"] == 3
    for name in ("tickets-2026-10.csv", "tickets-2026-11.csv"):
        write_rows(config.parent / "data" / name, TICKET_HEADER, [])
    return config


COMMANDS = {
    "kpis": ["--format", "json"],
    "build": ["--out", "{out}/report.xlsx"],
    "email": ["--dry-run", "--eml", "{out}/message.eml"],
    "publish": ["--dry-run", "--requests-out", "{out}/requests.json"],
    "site": ["--out", "{out}/site"],
    "run": [],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_stops_on_a_header_only_ticket_export(emptied: Path, tmp_path: Path, command: str) -> None:
    history = emptied.parent / "reportgen-history.duckdb"
    before = history.read_bytes()
    months_before = HistoryStore(history).stored_months()
    assert {"2026-10", "2026-11"} <= set(months_before)
    out = tmp_path / "out"
    options = [option.format(out=out) for option in COMMANDS[command]]
    code, output = invoke(command, "--config", str(emptied), "--month", "2026-11", "--no-cache", *options)
    assert code == 1, output
    assert EMPTY_LINE in output
    assert "Traceback" not in output
    if command != "run":  # `run` says it per step: "build: failed: <line>"
        assert errors(output) == [f"error: {EMPTY_LINE}"]
    assert not out.exists()  # no workbook, message, request plan or site
    assert not (emptied.parent / "reports").exists()
    assert history.read_bytes() == before  # history untouched
    assert HistoryStore(history).stored_months() == months_before


def test_validate_reports_a_header_only_ticket_export(emptied: Path) -> None:
    code, output = invoke("validate", "--config", str(emptied))
    assert code == 1, output
    assert f"error: {EMPTY_LINE}" in output.splitlines()
    assert "OK: no problems found" not in output
    assert "no source has a" not in output  # the header names every column


def test_one_header_only_file_names_no_count(tmp_path: Path) -> None:
    config = project(tmp_path, tickets={"tickets-2026-11.csv": []})
    code, output = invoke("build", "--config", str(config), "--month", "2026-11", "--no-cache")
    assert code == 1, output
    assert errors(output) == ["error: tickets: data/tickets-*.csv: no rows — the export came back empty "
                              "(only its header); check its filter or date range and export again"]


def test_rows_in_another_file_pass_the_gate(tmp_path: Path) -> None:
    """One month's file empty, another's with rows: the source yielded rows, the gate passes (the
    report month without a ticket is then a partial month, next test)."""
    config = project(tmp_path, tickets={"tickets-2026-10.csv": tickets_of("2026-10", "o"),
                                        "tickets-2026-11.csv": []})
    assert gate_failures_of(config) == []


def gate_failures_of(config: Path) -> list[str]:
    from reportgen.engine import Engine

    loaded = load_config(config)
    return gate_failures(Engine(loaded).run(), loaded)


def test_a_report_month_without_tickets_is_not_whole_because_of_its_surveys(tmp_path: Path) -> None:
    """October's tickets, surveys through November: November is judged by its tickets (none), so
    building it stops as a partial month rather than reporting 0 tickets."""
    config = project(tmp_path, tickets={"tickets-2026-10.csv": tickets_of("2026-10", "o"),
                                        "tickets-2026-11.csv": []})
    code, output = invoke("build", "--config", str(config), "--month", "2026-11", "--no-cache")
    assert code == 1, output
    # the tickets end on 28 Oct: 33 days before 30 Nov
    assert errors(output)[0].startswith("error: 2026-11 is a partial month: tickets data from 1 Oct 2026 to "
                                     "28 Oct 2026, 33 days before 30 Nov 2026")
    assert not (tmp_path / "reports").exists()


def test_a_report_month_inside_the_tickets_span_without_a_ticket_is_not_whole(tmp_path: Path) -> None:
    """September's and November's tickets, October's file empty but October's surveys there: building
    October stops rather than reporting 0 tickets as a whole month."""
    config = project(tmp_path, tickets={"tickets-2026-09.csv": tickets_of("2026-09", "s"),
                                        "tickets-2026-10.csv": [],
                                        "tickets-2026-11.csv": tickets_of("2026-11", "n")})
    out = tmp_path / "october.xlsx"
    code, output = invoke("build", "--config", str(config), "--month", "2026-10", "--no-cache", "--out", str(out))
    assert code == 1, output
    assert errors(output) == [
        "error: 2026-10 has no ticket: tickets data from 1 Sep 2026 to 28 Nov 2026, none created in 2026-10 — "
        "export the whole month again (its export may have come back empty), or add --allow-partial to send "
        "it as it is"]
    assert not out.exists()
    assert not (tmp_path / "reportgen-history.duckdb").exists()
    # November, with its tickets, is whole
    code, output = invoke("build", "--config", str(config), "--month", "2026-11", "--no-cache", "--out", str(out))
    assert code == 0, output


def test_a_month_inside_the_tickets_span_without_a_ticket_is_marked_partial(tmp_path: Path) -> None:
    """kpis does not stop on it, and --allow-partial lets it out: either way it is marked, as a month
    the tickets cover 0 of 31 days of, not shown as a whole month of 0 tickets."""
    config = project(tmp_path, tickets={"tickets-2026-09.csv": tickets_of("2026-09", "s"),
                                        "tickets-2026-10.csv": [],
                                        "tickets-2026-11.csv": tickets_of("2026-11", "n")})
    code, output = invoke("kpis", "--config", str(config), "--month", "2026-10", "--format", "json",
                          "--no-cache")
    assert code == 0, output
    document = json.loads(output[output.index("{"):])
    assert document["partial"] is True and document["partial_reason"] == "data covering 0 of 31 days"
    assert document["kpis"]["ticket_volume"] == 0
    code, output = invoke("kpis", "--config", str(config), "--month", "2026-11", "--format", "json",
                          "--no-cache")
    assert code == 0, output
    assert "partial" not in json.loads(output[output.index("{"):])  # November, with its tickets, is whole


def test_a_pulled_store_without_tickets_names_the_pull(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZD_TOKEN", "secret-token")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        'report: {title: "T", timezone: "Europe/Rome", currency: "EUR"}\n'
        "sources:\n"
        '  tickets: {api: zendesk, url: "https://acme.zendesk.com", email: "a@acme.test", token: "${ZD_TOKEN}"}\n',
        encoding="utf-8")
    config = load_config(config_path)
    pulled = EngineResult({}, {"tickets": DatasetQuality(files=[str(tmp_path / "pulled.csv")])}, [])
    assert gate_failures(pulled, config) == [
        "tickets: api: zendesk: no rows — the pull stored no ticket; check the source's start: and filter, "
        "then `reportgen pull` again"]
    # not pulled yet: nothing was read and the source's own error ("nothing was pulled yet") is the message
    unread = EngineResult({}, {"tickets": DatasetQuality()}, [],
                          fatal=[DataError("sources.tickets (zendesk): nothing was pulled yet")])
    assert gate_failures(unread, config) == []


# ---- validate: no false "missing column" notes when the ticket source failed ------------

def _single_file_project(root: Path, header: tuple[str, ...] | None) -> Path:
    config = project(root, tickets={})
    tickets = root / "data" / "tickets.csv"
    if header is None:
        tickets.write_bytes(b"")
    else:
        write_rows(tickets, header, [tuple(r) for r in tickets_of("2026-11", "n")])
    text = config.read_text(encoding="utf-8").replace("data/tickets-*.csv", "data/tickets.csv")
    config.write_text(text, encoding="utf-8")
    return config


RENAMED = tuple("created" if name == "created_at" else name for name in TICKET_HEADER)


@pytest.mark.parametrize(("source", "said"), [
    (lambda root: _single_file_project(root, RENAMED),
     ["required column 'created_at' not found", "closest match 'created'"]),
    (lambda root: _single_file_project(root, None), ["the file is empty"]),
    (lambda root: project(root, tickets={}), ["no file matches"]),
], ids=["renamed header", "empty file", "glob matching nothing"])
def test_validate_tells_why_the_ticket_source_failed_without_missing_column_notes(
        tmp_path: Path, source: Callable[[Path], Path], said: list[str]) -> None:
    config = source(tmp_path)
    code, output = invoke("validate", "--config", str(config))
    assert code == 1, output
    assert [fragment for fragment in said if fragment not in output] == []
    # the renamed file has first_response_at, replies, reopens, resolved_at: none is "missing"
    assert "no source has a" not in output
    assert "no rows" not in output  # not an empty export: the source could not be read


def test_a_column_really_absent_is_still_noted(tmp_path: Path) -> None:
    """The notes stay for a source that was read and lacks the column."""
    header = tuple(name for name in TICKET_HEADER if name != "reopens")
    config = _single_file_project(tmp_path, None)
    write_rows(config.parent / "data" / "tickets.csv", header,
               [row[:-1] for row in tickets_of("2026-11", "n")])
    code, output = invoke("validate", "--config", str(config))
    assert "note: tickets: no source has a reopens column — the KPIs computed from it (reopen_rate) " \
           "have no value (not 0)" in output.splitlines()
    assert code == 0, output

