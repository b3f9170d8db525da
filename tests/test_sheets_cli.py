"""`reportgen publish` end to end: dry run (no credentials, no network) and a live run to the local Google."""
# ruff: noqa: F811  (pytest fixtures imported from sheets_fake.fixtures are parameters here)

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sheets_fake.discovery import sheets_validator
from sheets_fake.fixtures import ACCOUNT, Google, google, no_network, rsa_key  # noqa: F401
from workbook_support import write_three_month_project

from reportgen.cli_publish import publish
from reportgen.report import TAB_ORDER
from reportgen.sheets import client


def project(tmp_path: Path, outputs: str) -> Path:
    config = write_three_month_project(tmp_path / "project")
    config.write_text(config.read_text() + outputs, encoding="utf-8")
    return config


@pytest.fixture
def routed(google: Google, monkeypatch: pytest.MonkeyPatch) -> Google:
    monkeypatch.setattr(client, "TRANSPORT_ADAPTERS", google.adapters)
    return google


def test_dry_run_writes_the_request_bodies_without_credentials(tmp_path: Path) -> None:
    config = project(tmp_path, "outputs:\n  google_sheets:\n    spreadsheet: 1AbCdEfGhIjKlMnOp\n"
                               "    credentials: /nonexistent/key.json\n")
    out = tmp_path / "requests.json"
    result = CliRunner().invoke(publish, ["--config", str(config), "--month", "2026-10", "--dry-run",
                                          "--requests-out", str(out)])
    assert result.exit_code == 0, result.output
    assert "nothing was sent" in result.output
    plan = json.loads(out.read_text())
    assert [(c["method"], c["url"]) for c in plan["calls"]] == [
        ("GET", "https://sheets.googleapis.com/v4/spreadsheets/1AbCdEfGhIjKlMnOp"),
        ("POST", "https://sheets.googleapis.com/v4/spreadsheets/1AbCdEfGhIjKlMnOp:batchUpdate")]
    body = plan["calls"][1]["body"]
    assert sheets_validator().problems(body, "BatchUpdateSpreadsheetRequest") == []
    assert [r["addSheet"]["properties"]["title"] for r in body["requests"] if "addSheet" in r] == list(TAB_ORDER)


@pytest.mark.slow
def test_dry_run_matches_what_a_first_publish_sends(tmp_path: Path, routed: Google) -> None:
    config = project(tmp_path, f"outputs:\n  google_sheets:\n    title: Support report\n"
                               f"    credentials: {routed.key_file}\n")
    runner = CliRunner()
    dry = runner.invoke(publish, ["-c", str(config), "-m", "2026-10", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.output)
    assert routed.fake.log == []
    live = runner.invoke(publish, ["-c", str(config), "-m", "2026-10"])
    assert live.exit_code == 0, live.output
    (key,) = routed.fake.books
    assert f"Created spreadsheet 'Support report': https://docs.google.com/spreadsheets/d/{key}/edit" in live.output
    assert "published to" in live.output and "4 requests to Google" in live.output
    sent_body = routed.fake.bodies[0]
    planned_body = json.loads(json.dumps(planned["calls"][3]["body"]).replace("NEW_SPREADSHEET_ID", key))
    assert sent_body == planned_body
    assert routed.fake.books[key].titles() == list(TAB_ORDER)


def test_publish_command_reports_sharing_problems_in_one_line(tmp_path: Path, routed: Google) -> None:
    book = routed.fake.new_spreadsheet()
    routed.fake.denied.add(book.key)
    config = project(tmp_path, f"outputs:\n  google_sheets:\n    spreadsheet: {book.key}\n"
                               f"    credentials: {routed.key_file}\n")
    result = CliRunner().invoke(publish, ["-c", str(config), "-m", "2026-10"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Google refused to update the spreadsheet")
    assert ACCOUNT in lines[0] and "Share" in lines[0]


def test_publish_command_config_errors(tmp_path: Path) -> None:
    config = project(tmp_path, "outputs:\n  google_sheets:\n    title: T\n    share_with: [{email: a@b.co, role: boss}]\n")
    result = CliRunner().invoke(publish, ["-c", str(config), "-m", "2026-10"])
    assert result.exit_code == 1
    assert ("outputs.google_sheets.share_with[0].role (line 10): Input should be 'reader', 'commenter' or "
            "'writer'") in result.output
    usage = CliRunner().invoke(publish, ["-c", str(config), "--requests-out", str(tmp_path / "x.json")])
    assert usage.exit_code == 2 and "--requests-out goes with --dry-run" in usage.output
