"""The command line: help everywhere, JSON shape, one-line errors, nothing written by validate."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import ProjectFactory

from reportgen.cli import main
from reportgen.kpis import KPIS, SCALAR_KPIS
from reportgen.months import parse_month_option

ROOT = Path(__file__).parents[1]
TICKETS = [
    ("1", "2026-10-05T10:00:00+02:00", "2026-10-05T12:00:00+02:00", "2026-10-06T10:00:00+02:00",
     "Shipping", "email", "Ann", "1", "0"),
    ("2", "2026-10-07 09:00:00", "", "", "", "", "", "", ""),
]
SURVEYS = [("a", "2026-10-05", "nps", "10"), ("b", "2026-10-06", "NPS", "2")]
BUSINESS = [("2026-10", "100", "90", "15", "10000", "5000")]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True,
                          timeout=120)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    assert main.commands, "no commands registered"
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output
        assert f"reportgen {name}" in readme, f"`reportgen {name}` is not documented in README.md"


@pytest.mark.slow
def test_kpis_json_has_every_kpi_and_breakdown(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run("kpis", "--config", str(config), "--month", "2026-10", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["month"] == "2026-10"
    # without business_hours: the business-hours KPIs do not exist
    assert set(document["kpis"]) == {k.id for k in SCALAR_KPIS if not k.business_hours}
    assert document["kpis"]["nps"] == 0.0  # (1 promoter − 1 detractor) / 2 × 100
    assert document["kpis"]["ticket_volume"] == 2
    assert document["kpis"]["ces"] is None  # no CES responses: null, not 0
    assert document["breakdowns"]["tickets_by_category"] == {"Shipping": 1, "Uncategorized": 1}
    assert document["breakdowns"]["tickets_by_channel"] == {"email": 1, "Unknown": 1}
    assert document["data_quality"]["tickets"]["rows_read"] == 2


@pytest.mark.slow
def test_kpis_table_is_readable(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run("kpis", "-c", str(config), "-m", "2026-10")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Customer retention rate\s+75\.0%", result.stdout)
    assert re.search(r"Customer acquisition cost \(CAC\)\s+€666\.67", result.stdout)


@pytest.mark.slow
def test_errors_are_one_line_without_traceback(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run("kpis", "--config", str(config), "--month", "2026-03")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no data for 2026-03" in result.stderr and "2026-10" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_verbose_shows_the_traceback(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run("--verbose", "kpis", "--config", str(config), "--month", "2026-03")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_exit_codes_tell_a_usage_error_from_a_bug(make_project: ProjectFactory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    usage = CliRunner().invoke(main, ["kpis", "--config", str(config), "--no-such-option"])
    assert usage.exit_code == 2 and "No such option" in usage.output

    def broken(self: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("reportgen.run.MonthRun.kpis_document", broken)
    bug = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", "2026-10", "--format", "json"])
    assert bug.exit_code == 3
    assert bug.stderr.strip().splitlines()[-1] == (
        "internal error: RuntimeError: boom (run with --verbose for details and please report it)")


@pytest.mark.slow
def test_validate_reports_problems_and_writes_nothing(make_project: ProjectFactory) -> None:
    config = make_project([*TICKETS, ("3", "yesterday", "", "", "", "", "", "", "")], SURVEYS, BUSINESS)
    result = run("validate", "--config", str(config))
    assert result.returncode == 1
    assert "tickets.csv, row 4, column 'created_at': invalid created at 'yesterday'" in result.stdout
    assert "invalid_created_at: 1" in result.stdout
    assert not (config.parent / "reportgen-history.duckdb").exists()


@pytest.mark.slow
def test_validate_ok_exits_zero(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run("validate", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: no problems found" in result.stdout


def test_catalog_lists_every_kpi() -> None:
    result = CliRunner().invoke(main, ["catalog", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [k["id"] for k in listed] == [k.id for k in KPIS]
    assert all(k["definition"] for k in listed)


def test_month_last_is_the_last_complete_month_in_the_report_timezone() -> None:
    # 00:30 on 1 Nov in Rome is still 31 Oct in UTC: the last complete month is October
    now = datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert parse_month_option("last", "Europe/Rome", now) == "2026-10"
    assert parse_month_option("last", "UTC", now) == "2026-09"
    january = datetime(2027, 1, 10, tzinfo=ZoneInfo("UTC"))
    assert parse_month_option("last", "UTC", january) == "2026-12"


@pytest.mark.parametrize("bad", ["2026-13", "26-10", "October"])
@pytest.mark.parametrize("command", ["kpis", "build", "publish", "email", "run"])
def test_bad_month_option_is_a_usage_error(bad: str, command: str, make_project: ProjectFactory) -> None:
    """A month that is not one is a usage error (exit 2, as the README says), naming the option."""
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = CliRunner().invoke(main, [command, "--config", str(config), "--month", bad])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--month'" in result.output
    assert f"'{bad}' is not a month: use YYYY-MM (e.g. 2026-10) or 'last'" in result.output


@pytest.mark.parametrize("bad", ["2026-13", "last"])
def test_history_drop_names_its_argument_not_an_option(bad: str, make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = CliRunner().invoke(main, ["history", "drop", bad, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for 'MONTH'" in result.output and "--month" not in result.output
    assert f"'{bad}' is not a month: use YYYY-MM (e.g. 2026-10)" in result.output


@pytest.mark.parametrize("args", [
    ["kpis", "--month", "2026-03", "--verbose"],
    ["kpis", "-v", "--month", "2026-03"],
    ["build", "--month", "2026-03", "--verbose"],
])
def test_verbose_is_accepted_after_the_command(args: list[str], make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    result = run(*args, "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert "Traceback" in result.stderr and "no data for 2026-03" in result.stderr


def test_every_command_accepts_verbose() -> None:
    import click

    def commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
        found = []
        for name, command in group.commands.items():
            found.append([*prefix, name])
            if isinstance(command, click.Group):
                found += commands(command, [*prefix, name])
        return found

    for path in commands(main, []):
        result = CliRunner().invoke(main, [*path, "--help"])
        assert "--verbose" in result.output, path


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("targets: {fcr: 0.7}\n", "targets.fcr (line 6): unknown KPI id 'fcr' (did you mean 'fcr_rate'?)"),
    ("targets: {sla: 0.9}\n", "(did you mean 'sla_first_response_rate'?)"),
    ("report: {language: jp}\n", "report.language (line 6): unknown language 'jp' (did you mean 'ja'?"),
    ("report: {language: Japanese}\n", "(did you mean 'ja'?"),
    ("report: {language: italiano}\n", "(did you mean 'it'?"),
    ("report: {language: en_US}\n", "(did you mean 'en'?"),
])
def test_a_mistaken_target_or_language_gets_a_suggestion(yaml_text: str, expected: str,
                                                          make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=yaml_text)
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert expected in result.output, result.output


def test_validate_fails_when_the_google_key_file_is_missing(make_project: ProjectFactory,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The key named by ${GOOGLE_SA_KEY} is looked at by validate, not first on the day of publishing."""
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=(
        "outputs:\n  google_sheets: {spreadsheet: abcdefghijkl, credentials: \"${GOOGLE_SA_KEY}\"}\n"))
    missing = config.parent / "keys" / "missing.json"
    monkeypatch.setenv("GOOGLE_SA_KEY", str(missing))
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert f"outputs.google_sheets.credentials: the key file {missing} does not exist" in result.output
    missing.parent.mkdir()
    missing.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1 and "is not a JSON key file" in result.output, result.output


TICKET = ("t1", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z", "", "Shipping", "email", "ann", "1", "0")


def test_validate_checks_the_outputs_settings(make_project: ProjectFactory) -> None:
    """A typo in the SMTP or Sheets settings shows up in validate, not on the first of the month."""
    config = make_project(tickets=[TICKET], extra=(
        "outputs:\n"
        "  google_sheets: {spreadsheet: abc, share_with: [{email: lead@example.com, role: owner}]}\n"
        "  email: {host: smtp.example.com, port: 99999, from: reports@example.com, to: [ceo@example.com]}\n"
    ))
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert any("outputs.google_sheets.share_with[0].role" in line for line in errors), result.output
    assert any("outputs.email.port" in line for line in errors), result.output
    assert result.output.splitlines()[-1].startswith("FAILED: 2 fatal problems, 0 rows excluded")


def test_an_unknown_output_is_a_config_error(make_project: ProjectFactory) -> None:
    config = make_project(tickets=[TICKET], extra="outputs:\n  emial: {host: x}\n")
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", "2026-10"])
    assert result.exit_code == 1
    assert "outputs" in result.output and "unknown output 'emial' (did you mean 'email'?)" in result.output
