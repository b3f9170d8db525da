"""The quality gate, through the real command line: a run whose rows were mostly (or all) excluded
fails with one line naming the dataset, the count, the top reason and the fix — before a report is
written, history is stored or anything is sent; a run that lost a few rows says so on stderr."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from reportgen.cli import main

MONTH = "2026-10"
PREVIOUS_REPORT = b"PK\x03\x04 last month's report, which a failed run must leave alone"
# the whole of October (a report month must be whole: 1st to 31st)
GOOD_TICKETS = (
    "ticket_id,created_at,category,channel\n"
    + "".join(f"T{i},2026-10-{1 + i % 31:02d}T09:00:00Z,Billing,email\n" for i in range(40))
)
# an export re-saved by Excel with its dates as serial numbers: no date reportgen can read
EXCEL_TICKETS = (
    "ticket_id,created_at,category,channel\n"
    + "".join(f"T{i},{46300 + i}.4953,Billing,email\n" for i in range(40))
)
# the issue's export: re-saved by Excel with day-first dates (the column shows which: days up to 28)
DAY_FIRST_TICKETS = (
    "ticket_id,created_at,category,channel\n"
    + "".join(f"T{i},{1 + i % 28:02d}-10-2026 11:53,Billing,email\n" for i in range(40))
)
SURVEYS = "response_id,submitted_at,survey,score\nS1,2026-10-02T10:00:00Z,nps,9\nS2,2026-10-03T10:00:00Z,nps,3\n"


OUTPUTS = ('outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n'
           "  google_sheets: {spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg}\n")


def project(tmp_path: Path, tickets: str, surveys: str = SURVEYS, extra: str = "") -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "tickets.csv").write_text(tickets, encoding="utf-8")
    (root / "data" / "surveys.csv").write_text(surveys, encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "Gates", timezone: "UTC"}\n'
        "sources:\n  tickets: {path: data/tickets.csv}\n  surveys: {path: data/surveys.csv}\n" + extra,
        encoding="utf-8")
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_an_export_with_every_date_day_first_fails_every_command_with_one_line(tmp_path: Path) -> None:
    config = project(tmp_path, EXCEL_TICKETS, extra=OUTPUTS)
    history = config.parent / "reportgen-history.duckdb"
    out = tmp_path / "report.xlsx"
    out.write_bytes(PREVIOUS_REPORT)
    eml = tmp_path / "message.eml"
    result = invoke("run", "--config", str(config), "--month", MONTH)  # one line per step, each failed
    assert result.exit_code == 1
    assert [line.split(": ")[:3] for line in result.stdout.splitlines()] == [
        ["build", "failed", "tickets"], ["publish", "failed", "tickets"], ["email", "failed", "not sent"],
        ["site", "skipped (outputs.site is not configured)"]]
    for args in (["build", "--out", str(out)], ["kpis"],
                 ["email", "--dry-run", "--eml", str(eml)], ["publish", "--dry-run"]):
        result = invoke(args[0], "--config", str(config), "--month", MONTH, *args[1:])
        assert result.exit_code == 1, (args, result.output)
        lines = error_lines(result)
        assert len(lines) == 1, (args, lines)
        line = lines[0]
        assert line.startswith("error: tickets: 40 of 40 rows excluded (invalid_created_at 40): "
                               "no usable row — "), line
        assert "set date_format: on sources.tickets" in line
        assert "Traceback" not in result.output
        assert result.stdout == "", (args, result.stdout)  # nothing written, published or sent
    assert out.read_bytes() == PREVIOUS_REPORT
    assert not eml.exists()
    assert not history.exists()
    assert not (config.parent / "reports").exists()


def test_the_issues_day_first_export_gives_its_40_tickets_not_a_report_of_zeros(tmp_path: Path) -> None:
    config = project(tmp_path, DAY_FIRST_TICKETS)
    result = invoke("kpis", "--config", str(config), "--month", MONTH, "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"ticket_volume": 40,' in result.stdout


def test_validate_reports_the_gate_and_exits_1(tmp_path: Path) -> None:
    result = invoke("validate", "--config", str(project(tmp_path, EXCEL_TICKETS)))
    assert result.exit_code == 1
    assert "error: tickets: 40 of 40 rows excluded (invalid_created_at 40): no usable row" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("FAILED: 1 fatal problem, 40 rows excluded")


def test_more_than_the_share_excluded_fails_and_the_share_is_configurable(tmp_path: Path) -> None:
    mostly_bad = "ticket_id,created_at\nT1,2026-10-01T09:00:00Z\nT2,2026-10-31T09:00:00Z\n" + \
        "".join(f"B{i},yesterday\n" for i in range(3))
    config = project(tmp_path, mostly_bad)
    result = invoke("build", "--config", str(config), "--month", MONTH, "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 1
    assert error_lines(result) == [
        "error: tickets: 3 of 5 rows excluded (invalid_created_at 3): more than 50% of the rows "
        "(quality.max_excluded_share: 0.5) — the dates are in no format reportgen reads (ISO 8601, "
        "or day-first/month-first as the column shows) — set date_format: on sources.tickets (a "
        'strptime format such as "%d-%m-%Y %H:%M"), or re-export the dates as text; '
        "`reportgen validate` lists every row"]
    assert not (tmp_path / "r.xlsx").exists()
    config.write_text(config.read_text() + "quality: {max_excluded_share: 0.75}\n")
    result = invoke("build", "--config", str(config), "--month", MONTH, "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 0, result.output
    assert error_lines(result) == [
        "tickets: 3 of 5 rows excluded (invalid_created_at 3) — see the Data Quality tab"]
    assert (tmp_path / "r.xlsx").exists()


def test_a_run_that_excludes_a_few_rows_prints_one_summary_line_per_dataset(tmp_path: Path) -> None:
    tickets = GOOD_TICKETS + "X1,not a date,Billing,email\nX2,,Billing,email\nX3,soon,Billing,email\n"
    surveys = SURVEYS + "S3,2026-10-05T10:00:00Z,nps,11\n"
    config = project(tmp_path, tickets, surveys)
    result = invoke("kpis", "--config", str(config), "--month", MONTH, "--format", "json")
    assert result.exit_code == 0, result.output
    assert error_lines(result) == [
        "tickets: 3 of 43 rows excluded (invalid_created_at 2, missing_created_at 1) "
        "— see the Data Quality tab",
        "surveys: 1 of 3 rows excluded (score_out_of_scale 1) — see the Data Quality tab",
    ]


def test_the_summary_names_the_tab_as_the_workbook_in_the_report_language_does(tmp_path: Path) -> None:
    tickets = GOOD_TICKETS + "X1,not a date,Billing,email\n"
    config = project(tmp_path, tickets)
    config.write_text(config.read_text(encoding="utf-8").replace('timezone: "UTC"', 'timezone: "UTC", language: ja'),
                      encoding="utf-8")
    result = invoke("kpis", "--config", str(config), "--month", MONTH, "--format", "json")
    assert result.exit_code == 0, result.output
    assert error_lines(result) == ["tickets: 1 of 41 rows excluded (invalid_created_at 1) — see the データ品質 tab"]


def test_a_clean_run_prints_nothing_on_stderr(tmp_path: Path) -> None:
    result = invoke("kpis", "--config", str(project(tmp_path, GOOD_TICKETS)), "--month", MONTH)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_history_is_not_written_from_rejected_data(tmp_path: Path) -> None:
    config = project(tmp_path, GOOD_TICKETS)
    assert invoke("kpis", "--config", str(config), "--month", MONTH).exit_code == 0
    history = config.parent / "reportgen-history.duckdb"
    stored = history.read_bytes()
    (config.parent / "data" / "tickets.csv").write_text(EXCEL_TICKETS, encoding="utf-8")
    result = invoke("kpis", "--config", str(config), "--month", MONTH)
    assert result.exit_code == 1
    assert history.read_bytes() == stored


def test_skipped_survey_questions_are_routine(tmp_path: Path) -> None:
    """A Typeform partial response or a skipped NPS question: excluded, counted, but neither the gate
    nor `validate` fails on them — unless no survey row is usable at all."""
    skipped = SURVEYS + "".join(f"P{i},,nps,\n" for i in range(5)) + "".join(
        f"Q{i},2026-10-09T10:00:00Z,nps,\n" for i in range(3))
    config = project(tmp_path, GOOD_TICKETS, skipped)
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "8 rows excluded" in result.stdout
    result = invoke("build", "--config", str(config), "--month", MONTH, "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 0, result.output
    assert error_lines(result) == [
        "surveys: 8 of 10 rows excluded (missing_submitted_at 5, missing_score 3) — see the Data Quality tab"]
    only_skips = "response_id,submitted_at,survey,score\n" + "".join(f"P{i},,nps,\n" for i in range(4))
    config = project(tmp_path, GOOD_TICKETS, only_skips)
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 1
    assert "error: surveys: 4 of 4 rows excluded (missing_submitted_at 4): no usable row" in result.stdout
