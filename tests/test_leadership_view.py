"""What leadership sees: no machine paths, partial months marked and never judged, a new team's
tracker starting at its first month — in the workbook, the Sheets requests and the email."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result

from reportgen.cli import main

MONTH = "2026-10"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def cells(workbook: Path) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(workbook)
    out = {sheet.title: [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
           for sheet in book.worksheets}
    book.close()
    return out


def email_html(eml: Path) -> str:
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def test_source_files_are_shown_relative_to_the_config_never_as_machine_paths(tmp_path: Path) -> None:
    root = tmp_path / "team"
    (root / "data").mkdir(parents=True)
    outside = tmp_path / "exports" / "home-of-someone"
    outside.mkdir(parents=True)
    (root / "data" / "tickets.csv").write_text(
        "ticket_id,created_at\nT1,2026-10-01T09:00:00Z\nT2,2026-10-02T09:00:00Z\n", encoding="utf-8")
    (outside / "surveys.csv").write_text(
        "response_id,submitted_at,survey,score\nS1,2026-10-02T10:00:00Z,nps,9\n", encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        "sources:\n  tickets: {path: data/tickets.csv}\n"
        f"  surveys: {{path: '{outside / 'surveys.csv'}'}}\n"
        'outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n'
        "  google_sheets: {spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg}\n", encoding="utf-8")
    out = root / "report.xlsx"
    assert invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out)).exit_code == 0
    shown = cells(out)
    quality = shown["Data Quality"]
    assert "data/tickets.csv" in quality and "surveys.csv" in quality
    for sheet, values in shown.items():
        assert not any(str(tmp_path) in value for value in values), sheet
    requests = root / "requests.json"
    result = invoke("publish", "-c", str(config), "-m", MONTH, "--dry-run", "--requests-out", str(requests))
    assert result.exit_code == 0, result.output
    text = requests.read_text(encoding="utf-8")
    assert "data/tickets.csv" in text and str(tmp_path) not in text
    eml = root / "message.eml"
    result = invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml))
    assert result.exit_code == 0, result.output
    assert str(tmp_path) not in email_html(eml)
    json.loads(text)  # the request bodies are one JSON document
