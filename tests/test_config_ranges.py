"""Targets in the range of their KPI's unit, and report paths with only the placeholders reportgen fills."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from reportgen.config import TARGET_RANGES, load_config, parse_config
from reportgen.demo import _config_text
from reportgen.errors import ConfigError
from reportgen.measures import Unit

ROOT = Path(__file__).parents[1]

# line 1: report:, 2: title, 3: output, 4: sources:, 5: tickets, 6: targets:, 7: the target
BASE = """\
report:
  title: T
  output: "reports/{month}.xlsx"
sources:
  tickets: {path: t.csv}
"""
TARGETS = BASE + "targets:\n"


def one_problem(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    message = str(caught.value)
    assert message.startswith("config: 1 problem: "), message
    assert "\n" not in message
    return message.removeprefix("config: 1 problem: ")


@pytest.mark.parametrize(("target", "expected"), [
    ("csat: 85", "targets.csat (line 7): 85 is outside the range of a percent target, 0 to 1 "
                 "(a fraction: write 85 % as 0.85)"),
    ("resolution_rate: 95", "targets.resolution_rate (line 7): 95 is outside the range of a percent target, "
                            "0 to 1 (a fraction: write 95 % as 0.95)"),
    ("ces: 100", "targets.ces (line 7): 100 is outside the range of a percent target, 0 to 1 "
                 "(a fraction: write 100 % as 1)"),
    ("churn_rate: 1.5", "targets.churn_rate (line 7): 1.5 is outside the range of a percent target, 0 to 1 "
                        "(a fraction: write 1.5 % as 0.015)"),
    ("fcr_rate: 150", "targets.fcr_rate (line 7): 150 is outside the range of a percent target, 0 to 1 "
                      "(a fraction: write 85 % as 0.85)"),
    ("csat: -0.1", "targets.csat (line 7): -0.1 is outside the range of a percent target, 0 to 1 "
                   "(a fraction: write 85 % as 0.85)"),
    ("nps: 400", "targets.nps (line 7): 400 is outside the range of a score target, -100 to 100"),
    ("nps: -101", "targets.nps (line 7): -101 is outside the range of a score target, -100 to 100"),
    ("avg_first_response_hours: -4", "targets.avg_first_response_hours (line 7): -4 is outside the range "
                                     "of an hours target, 0 or more"),
    ("cac: -1", "targets.cac (line 7): -1 is outside the range of a money target, 0 or more"),
    ("clv: -1500000", "targets.clv (line 7): -1500000 is outside the range of a money target, 0 or more"),
    ("csat: 85.3", "targets.csat (line 7): 85.3 is outside the range of a percent target, 0 to 1 "
                   "(a fraction: write 85.3 % as 0.853)"),
    ("ticket_volume: -10", "targets.ticket_volume (line 7): -10 is outside the range of a count target, 0 or more"),
    ("csat: .inf", "targets.csat (line 7): inf is not a finite number: a percent target is 0 to 1"),
    ('csat: "85"', "targets.csat (line 7): 85 is outside the range of a percent target, 0 to 1 "
                   "(a fraction: write 85 % as 0.85)"),
])
def test_a_target_outside_its_units_range_is_one_line_with_the_fix(target: str, expected: str) -> None:
    assert one_problem(TARGETS + f"  {target}\n") == expected


@pytest.mark.parametrize("target", [
    "csat: 0", "csat: 1", "csat: 0.85", "resolution_rate: 1.0", "nps: -100", "nps: 100", "nps: 0",
    "avg_first_response_hours: 0", "avg_resolution_hours: 1000", "cac: 0", "clv: 1500", "ticket_volume: 0",
    "tickets_per_agent: 12.5",
])
def test_a_target_at_the_ends_of_its_range_is_accepted(target: str) -> None:
    key, value = target.split(": ")
    assert parse_config(TARGETS + f"  {target}\n").targets[key] == float(value)


def test_every_unit_has_a_target_range() -> None:
    assert set(TARGET_RANGES) == set(typing.get_args(Unit))


def test_every_bad_target_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(TARGETS + "  nps: 400\n  csat: 85\n  nsp: 40\n")
    assert str(caught.value) == (
        "config: 3 problems: targets.nps (line 7): 400 is outside the range of a score target, -100 to 100; "
        "targets.csat (line 8): 85 is outside the range of a percent target, 0 to 1 "
        "(a fraction: write 85 % as 0.85); "
        "targets.nsp (line 9): unknown KPI id 'nsp' (did you mean 'nps'?); `reportgen catalog` lists them")


def test_a_target_that_is_not_a_number_is_the_type_check_only() -> None:
    assert one_problem(TARGETS + "  csat: high\n").startswith("targets.csat (line 7): Input should be a valid number")


@pytest.mark.parametrize(("output", "expected"), [
    ("out/{foo}-{month}.xlsx", "unknown placeholder {foo} (allowed: {month})"),
    ("out/{team}-{month}-{Month}.xlsx", "unknown placeholders {team}, {Month} (allowed: {month})"),
    ("out/{ month }.xlsx", "unknown placeholder { month } (allowed: {month})"),
    ("out/{month.xlsx", "a brace without its pair: write a placeholder whole (allowed: {month})"),
    ("out/month}.xlsx", "a brace without its pair: write a placeholder whole (allowed: {month})"),
    ("out/{month}.xls", "the workbook is an Excel file: end the path in .xlsx (e.g. reports/{month}.xlsx)"),
    ("out/{month}", "the workbook is an Excel file: end the path in .xlsx (e.g. reports/{month}.xlsx)"),
    ("out/{month}.csv", "the workbook is an Excel file: end the path in .xlsx (e.g. reports/{month}.xlsx)"),
])
def test_a_bad_report_output_names_the_key_and_the_fix(output: str, expected: str) -> None:
    text = BASE.replace('"reports/{month}.xlsx"', f'"{output}"')
    assert one_problem(text) == f"report.output (line 3): {expected}"


def test_a_bad_placeholder_in_report_notes_names_the_key() -> None:
    text = BASE.replace("  title: T\n", '  title: T\n  notes: "notes/{date}.md"\n')
    assert one_problem(text) == "report.notes (line 3): unknown placeholder {date} (allowed: {month})"


@pytest.mark.parametrize("output", ["reports/{month}.xlsx", "Report {month}.XLSX", "latest.xlsx",
                                    "out/{month}/{month}.xlsx"])
def test_a_good_report_output_is_accepted(output: str) -> None:
    text = BASE.replace('"reports/{month}.xlsx"', f'"{output}"')
    assert parse_config(text).report.output == output


def test_the_demo_and_example_configs_still_validate(tmp_path: Path) -> None:
    demo = tmp_path / "config.yaml"
    demo.write_text(_config_text(), encoding="utf-8")
    assert load_config(demo).targets["csat"] == 0.85
    example = load_config(ROOT / "reportgen" / "config.example.yaml")
    assert example.targets["csat"] == 0.85 and example.report.output == "reports/{month}.xlsx"


def test_validate_fails_on_a_percent_written_as_85_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(TARGETS + "  csat: 85\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reportgen", "validate", "--config", str(config)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert (f"error: {config}: 1 problem: targets.csat (line 7): 85 is outside the range of a percent target, "
            "0 to 1 (a fraction: write 85 % as 0.85)") in done.stderr.splitlines()
    assert "OK" not in done.stdout
