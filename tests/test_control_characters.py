"""Control characters in the data: one rule wherever they come from, counted, never on a terminal.

The rule (reportgen/sources/text.py): C0 controls but tab and line breaks, DEL, C1 and the invisible
characters that reorder or hide a name (bidi embeddings, overrides, isolates, zero-width space, BOM)
are dropped from ids and names; each row that had any is counted (``control_characters``) on the Data
Quality tab and by `validate`. Files, pulled records and Google Sheets are read the same way.
Counts below are by hand from the rows written here.
"""
# ruff: noqa: F811  (pytest fixtures imported from fakes/sheets_fake are parameters here)

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.fixtures import ZD_TOKEN, write_config, zendesk, zendesk_source  # noqa: F401
from fakes.zendesk import ZendeskFake
from sheets_fake.fixtures import Google, google, no_network, rsa_key  # noqa: F401

from reportgen.api import compute_month, kpis_document
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.errors import DataError, one_line
from reportgen.i18n import translator
from reportgen.report import ReportBuilder
from reportgen.sources.text import drop_controls

MONTH = "2024-03"
OSC = "\x1b]0;pwned\x07"  # retitles a terminal
ROOT = Path(__file__).resolve().parent.parent


def tickets_file(folder: Path) -> Path:
    """300 tickets in March 2024: a NUL in row 3 (inside the first 4 KiB) and in row 202, an OSC
    sequence in row 8 and a C1 CSI in an agent's name in row 9: 4 rows with control characters."""
    rows = ["ticket_id,created_at,category,channel,agent"]
    for number in range(300):
        category, agent = "Billing", "Ann"
        if number == 1:
            category = "Bill\x00ing"
        elif number == 200:
            category = "Ship\x00ping"
        elif number == 6:
            category = f"{OSC}Evil"
        elif number == 7:
            agent = "A\x9bnn"
        rows.append(f'T{number},2024-03-{1 + number % 28:02d} 10:00:00,"{category}",email,{agent}')
    path = folder / "tickets.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert path.read_bytes().index(b"\x00") < 4096
    return path


def project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tickets_file(folder)
    config = folder / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome", language: it}\nhistory: {path: h.duckdb}\n'
                      "sources:\n  tickets: {path: tickets.csv}\n", encoding="utf-8")
    return config


def test_the_rule() -> None:
    assert drop_controls(f"a\x00b{OSC}c\x9b1md\x7fe") == "ab]0;pwnedc1mde"
    assert drop_controls("tab\there\nline\r\n") == "tab\there\nline\r\n"
    assert drop_controls("Café ★ 東京") == "Café ★ 東京"


def test_invisible_characters_that_reorder_or_hide_a_name_are_dropped_and_counted(tmp_path: Path) -> None:
    """A right-to-left override shows "Ann" as "nnA"; a zero-width space makes "Bob" and "Bo<ZWSP>b" two
    agents that look alike. Both are dropped from names (and counted), like the control characters;
    letters of right-to-left scripts are kept."""
    rlo, isolate, zwsp, bom = chr(0x202E), chr(0x2067), chr(0x200B), chr(0xFEFF)
    assert drop_controls(f"{rlo}Ann{isolate}") == "Ann" and drop_controls(f"Bo{zwsp}b{bom}") == "Bob"
    assert drop_controls("שלום مرحبا") == "שלום مرحبا"
    rows = ["ticket_id,created_at,category,channel,agent",
            f"T1,2024-03-01 10:00:00,Billing,email,{rlo}Ann",
            f"T2,2024-03-02 10:00:00,Billing,email,Bo{zwsp}b",
            "T3,2024-03-03 10:00:00,Billing,email,Bob",
            "T4,2024-03-04 10:00:00,Billing,email,Ann"]
    (tmp_path / "tickets.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: tickets.csv}\n',
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["breakdowns"]["agent_tickets"] == {"Ann": 2, "Bob": 2}
    assert document["data_quality"]["tickets"]["control_characters"] == 2


def test_a_nul_anywhere_in_a_file_is_dropped_from_the_name_and_counted(tmp_path: Path) -> None:
    config = project(tmp_path)
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # 297 Billing + the NUL one; the OSC row keeps its printable text; row 202 is Shipping
    assert document["breakdowns"]["tickets_by_category"] == {"Billing": 298, "Shipping": 1, "]0;pwnedEvil": 1}
    assert document["data_quality"]["tickets"]["control_characters"] == 4
    assert document["data_quality"]["tickets"]["rows_used"] == 300


def test_the_kpis_table_never_prints_a_control_character(tmp_path: Path) -> None:
    config = project(tmp_path)
    (tmp_path / "tickets.csv").write_text(  # the title from the config, a name with a line break
        (tmp_path / "tickets.csv").read_text(encoding="utf-8").replace('"Billing"', '"Bill\ning"', 1),
        encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        "report: {", 'report: {title: "Report\\e]0;x\\a", '), encoding="utf-8")
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH])
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert not any((ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160 for ch in printed), repr(printed)
    assert "Report\\x1b]0;x\\x07 — 2024-03" in printed
    assert "Bill\\ning" in printed and "]0;pwnedEvil" in printed


def test_validate_counts_the_rows_and_an_error_quoting_data_is_escaped(tmp_path: Path) -> None:
    config = project(tmp_path)
    result = CliRunner().invoke(main, ["validate", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "  control_characters: 4 (rows whose ids or names had control characters removed" in result.stdout
    error = DataError(f"'{OSC}\x9b31m' is not a number")
    assert str(error) == "'\\x1b]0;pwned\\x07\\x9b31m' is not a number"
    assert one_line("\x85next") == "\\x85next"


@pytest.mark.parametrize("language, meaning", [
    ("en", "Invisible control characters (such as NUL or ESC) were removed from ids or names"),
    ("it", "Caratteri di controllo invisibili (come NUL o ESC) rimossi da id o nomi"),
    ("ro", "Caractere de control invizibile (de exemplu NUL sau ESC) eliminate din id-uri sau nume"),
    ("ja", "ID または名前から不可視の制御文字（NUL、ESC など）を削除しました"),
])
def test_the_data_quality_tab_lists_the_rows_in_the_reports_language(tmp_path: Path, language: str,
                                                                      meaning: str) -> None:
    data = compute_month(load_config(project(tmp_path)), MONTH, save=False)
    sheet = ReportBuilder(data, translator(language)).quality()
    rows = {row for (row, col), cell in sheet.cells.items() if col == 1 and cell.value == "control_characters"}
    assert len(rows) == 1, sheet.cells
    row = rows.pop()
    assert sheet.cells[(row, 3)].value == 4
    assert str(sheet.cells[(row, 4)].value).startswith(meaning)


def test_a_nul_in_a_pulled_field_is_dropped_not_a_binary_cache(zendesk: ZendeskFake, tmp_path: Path) -> None:
    """Before: the pulled cache was "not a text file" and every report stopped."""
    zendesk.add_user(9, "Eve\x00" + "\x00" * 200 + f"{OSC}Nera")  # NULs well over 1% of the first 4 KiB
    zendesk.add_ticket(7, "2025-01-09T09:00:00Z", updated_at="2025-01-09T09:00:00Z", status="open",
                       type="question", channel="email", assignee_id=9)
    config = write_config(tmp_path, zendesk_source(zendesk.url, token="${ZD_TOKEN}"))
    run = subprocess.run([sys.executable, "-m", "reportgen", "kpis", "--config", str(config), "--month",
                          "2025-01", "--format", "json"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "ZD_TOKEN": ZD_TOKEN}, timeout=180)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["kpis"]["ticket_volume"] == 7  # the six of fakes.fixtures and ticket 7
    assert document["data_quality"]["tickets"]["control_characters"] == 1


def test_a_control_character_in_a_google_sheet_cell_is_dropped(google: Google, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.sheets import client

    monkeypatch.setattr(client, "TRANSPORT_ADAPTERS", dict(google.adapters))
    book = google.fake.new_spreadsheet("Tickets", first_tab="Tickets")
    book.put_rows("Tickets", [
        ["ticket_id", "created_at", "category"],
        ["T1", "2024-03-02 10:00:00", "Bill\x00" + "\x00" * 100 + "ing"],
        ["T2", "2024-03-03 10:00:00", "Billing"],
    ])
    config = tmp_path / "config.yaml"
    config.write_text(f"report: {{timezone: UTC}}\nhistory: {{path: h.duckdb}}\nsources:\n"
                      f"  tickets: {{google_sheet: '{book.key}', credentials: '{google.key_file}'}}\n",
                      encoding="utf-8")
    data = compute_month(load_config(config), MONTH, save=False)
    assert data.engine.quality["tickets"].control_characters == 1
    assert kpis_document(data)["breakdowns"]["tickets_by_category"] == {"Billing": 2}


def test_a_control_character_in_a_warehouse_name_is_dropped(tmp_path: Path) -> None:
    """Only grouped names come back from a warehouse: the rule applies to them (the spellings merge)."""
    import duckdb

    from reportgen.engine.warehouse.pushdown import compute_all
    from reportgen.kpis import breakdown_values

    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    try:
        con.execute("CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMPTZ, category VARCHAR)")
        con.execute("INSERT INTO tickets VALUES ('T1', '2024-03-15 10:00:00+00', 'Bill\x1b\x07ing'), "
                    "('T2', '2024-03-16 10:00:00+00', 'Billing')")
    finally:
        con.close()
    config = tmp_path / "config.yaml"
    config.write_text(f'sources:\n  tickets: {{warehouse: "duckdb:///{database}", table: tickets}}\n',
                      encoding="utf-8")
    run = compute_all(load_config(config))
    assert breakdown_values(run.months[MONTH])["tickets_by_category"] == {"Billing": 2}
