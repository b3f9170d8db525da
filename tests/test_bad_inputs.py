"""Bad input in, one clear line out: every broken file either stops `reportgen build` with one
line naming file, row and column and how to fix it (leaving an existing report untouched), or
— where KPI_SPEC excludes rows instead — completes a report whose Data Quality tab counts them.

The corpus is in tests/bad_inputs/ (see its README); big files are generated here, in tmp_path.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.engine.reasons import REASONS
from reportgen.errors import DataError
from reportgen.i18n import translator
from reportgen.sources import files as source_files

CORPUS = Path(__file__).parent / "bad_inputs"
MONTH = "2026-10"
PREVIOUS_REPORT = b"PK\x03\x04 the report of last month, which a failed build must leave alone"
TEN_MB = 10 * 1024 * 1024

Setup = Callable[[Path], None]


def project(tmp_path: Path, tickets: str = "tickets.csv", surveys: str = "surveys.csv",
            business: str = "business.csv", options: dict[str, str] | None = None) -> Path:
    """A project in tmp_path/project: the corpus copied to data/, sources named by file; its config."""
    root = tmp_path / "project"
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for path in CORPUS.iterdir():
        shutil.copyfile(path, data / path.name)
    options = options or {}
    lines = ['report: {title: "Bad inputs", timezone: "Europe/Rome", currency: "EUR"}', "sources:"]
    for name, file in (("tickets", tickets), ("surveys", surveys), ("business", business)):
        lines.append(f'  {name}: {{path: "data/{file}"{options.get(name, "")}}}')
    config = root / "config.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def folder_state(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# ---- fatal cases -------------------------------------------------------------------------------

@dataclass
class Fatal:
    id: str
    sources: dict[str, str]
    expect: list[str]  # fragments of the one error line: file, row, column, what, how to fix
    options: dict[str, str] = field(default_factory=dict)
    setup: Setup | None = None
    over_gate: bool = False  # more than half the rows excluded: run with quality.max_excluded_share 0.9


def _late_bad_byte(data: Path) -> None:
    # 0x81 is neither UTF-8 nor Windows-1252 (a late Windows-1252 byte is read: test_sources_encoding)
    rows = "".join(f"T{i},2026-10-01T09:00:00Z,Billing\n" for i in range(20_000))
    (data / "late_bad_byte.csv").write_bytes(
        ("ticket_id,created_at,category\n" + rows + "T-last,2026-10-02T09:00:00Z,Caf\x81\n").encode("latin-1"))


def _huge_line(data: Path) -> None:
    with (data / "huge_line.csv").open("w", encoding="utf-8") as handle:
        handle.write("ticket_id,created_at,category\nT1,2026-10-01T09:00:00Z,Billing\n")
        handle.write("T2,2026-10-02T09:00:00Z," + "x" * 21_000_000 + "\n")


def _more_kept(data: Path) -> None:
    """S 100, E 110, N 5: 105 customers kept of 100 (churn would be −5 %)."""
    (data / "business_more_kept.csv").write_text(
        "month,customers_start,customers_end,customers_new,sales_marketing_spend,revenue\n"
        "2026-10,100,110,5,1000,5000\n", encoding="utf-8")


def _huge_header(data: Path) -> None:
    (data / "huge_header.csv").write_text("ticket_id,created_at," + "h" * TEN_MB + "\nT1,2026-10-01,x\n")


FATAL = [
    Fatal("missing required column", {"tickets": "tickets_missing_column.csv"},
          ["tickets_missing_column.csv, row 1", "required column 'created_at' not found",
           "columns found: ticket_id, created, first_response_at", "closest match 'created'",
           'sources.tickets.columns: {created_at: "created"}']),
    Fatal("wrong delimiter", {"tickets": "tickets_semicolon.csv"},
          ["tickets_semicolon.csv, row 1", "required column 'ticket_id' not found",
           "separated by ';'", 'set delimiter: ";"'], options={"tickets": ', delimiter: ","'}),
    Fatal("a byte neither UTF-8 nor Windows-1252 after the first 256 KB", {"tickets": "late_bad_byte.csv"},
          ["late_bad_byte.csv, row 20002", "not UTF-8", "set encoding: latin-1"], setup=_late_bad_byte),
    Fatal("empty file", {"tickets": "empty.csv"}, ["empty.csv: the file is empty", "column names"]),
    Fatal("empty survey file", {"surveys": "empty.csv"}, ["empty.csv: the file is empty"]),
    # a ticket export that came back with its header only: a report of 0 tickets would be believed
    Fatal("header only", {"tickets": "tickets_header_only.csv"},
          ["tickets: data/tickets_header_only.csv: no rows", "the export came back empty",
           "check its filter or date range"]),
    Fatal("binary garbage csv", {"tickets": "garbage.csv"},
          ["garbage.csv: this is not a text file", "export the data as CSV"]),
    Fatal("binary garbage without NUL bytes", {"tickets": "garbage_no_nul.csv"},
          ["garbage_no_nul.csv, row 1", "not UTF-8", "encoding:"]),
    Fatal("binary garbage xlsx", {"tickets": "garbage.xlsx"},
          ["garbage.xlsx: cannot open the workbook", "save it again as .xlsx"]),
    Fatal("binary garbage json", {"surveys": "garbage.json"},
          ["garbage.json: not valid JSON", "array of objects"]),
    Fatal("binary garbage parquet", {"tickets": "garbage.parquet"},
          ["garbage.parquet: not a readable Parquet file", "export it again"]),
    Fatal("business row with a malformed month", {"business": "business_bad_month.csv"},
          ["business_bad_month.csv, row 3, column 'month'", "'Oct 2026' is not a month", "YYYY-MM"]),
    Fatal("business row keeping more customers than it had", {"business": "business_more_kept.csv"},
          ["business_more_kept.csv, row 2, column 'customers_end'",
           "customers_end 110 − customers_new 5 = 105 is more than customers_start 100",
           "retention would be 105%", "returning customers"], setup=_more_kept),
    Fatal("path that does not exist", {"tickets": "no-such-file.csv"},
          ["sources.tickets.path", "no-such-file.csv' does not exist", "check the path"]),
    Fatal("glob that matches nothing", {"surveys": "exports/surveys-*.csv"},
          ["sources.surveys.path", "no file matches", "surveys-*.csv", "check the folder and the pattern"]),
    Fatal("quote never closed", {"tickets": "tickets_unclosed_quote.csv"},
          ["tickets_unclosed_quote.csv, row 3", "never closed", "close the quote"]),
    Fatal("row with more fields than the header", {"tickets": "tickets_ragged.csv"},
          ["tickets_ragged.csv, row 4", "more fields than the header (3)", "delimiter"]),
    Fatal("a line over 20 MB", {"tickets": "huge_line.csv"},
          ["huge_line.csv, row 3", "longer than 20 MB"], setup=_huge_line),
    Fatal("a 10 MB header", {"tickets": "huge_header.csv"},
          ["huge_header.csv, row 1", "first row is longer than 256 KB"], setup=_huge_header),
]


@pytest.mark.parametrize("case", FATAL, ids=[case.id for case in FATAL])
def test_fatal_input_stops_build_with_one_line_and_keeps_the_old_report(case: Fatal, tmp_path: Path) -> None:
    config = project(tmp_path, **case.sources, options=case.options)
    if case.setup:
        case.setup(config.parent / "data")
    reports = tmp_path / "reports"
    reports.mkdir()
    out = reports / f"{MONTH}.xlsx"
    out.write_bytes(PREVIOUS_REPORT)
    before = folder_state(reports)

    result = invoke("build", "--config", str(config), "--month", MONTH, "--out", str(out))

    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output and "internal error" not in result.output
    for fragment in case.expect:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert " — " in lines[0], "the message says how to fix it"
    assert len(lines[0]) < 2100
    assert folder_state(reports) == before, "the old report is byte-identical and no temp file is left"
    assert not (config.parent / "reportgen-history.duckdb").exists()


@pytest.mark.slow
def test_fatal_error_end_to_end_through_the_installed_command(tmp_path: Path) -> None:
    config = project(tmp_path, tickets="tickets_missing_column.csv")
    out = tmp_path / "report.xlsx"
    out.write_bytes(PREVIOUS_REPORT)
    result = subprocess.run([sys.executable, "-m", "reportgen", "build", "-c", str(config), "-m", MONTH,
                             "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "tickets_missing_column.csv, row 1: required column 'created_at'" in result.stderr
    assert out.read_bytes() == PREVIOUS_REPORT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "report.xlsx"]


# ---- rows excluded, report completed ---------------------------------------------------------

def quality_tab(path: Path) -> tuple[dict[str, tuple[int, ...]], dict[tuple[str, str], int]]:
    """The Data Quality tab: per dataset (files, read, used, duplicates, excluded, discarded),
    and per (dataset, reason) the row count."""
    book = openpyxl.load_workbook(path, data_only=True)
    sheet = book["Data Quality"]
    code_of = {reason.label_in(translator("en")): code for code, reason in REASONS.items()}  # shown by name
    totals: dict[str, tuple[int, ...]] = {}
    reasons: dict[tuple[str, str], int] = {}
    for row in sheet.iter_rows(values_only=True):
        if row[0] not in ("tickets", "surveys", "business"):
            continue
        if isinstance(row[1], int):
            totals[str(row[0])] = tuple(int(v) for v in row[1:7])
        elif isinstance(row[1], str):
            reasons[(str(row[0]), code_of[row[1]])] = int(row[3])
    book.close()
    return totals, reasons


@dataclass
class Excluded:
    id: str
    sources: dict[str, str]
    totals: dict[str, tuple[int, ...]]  # dataset -> (files, read, used, duplicates, excluded, discarded)
    reasons: dict[tuple[str, str], int] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    setup: Setup | None = None
    over_gate: bool = False  # more than half the rows excluded: run with quality.max_excluded_share 0.9


def _big_comment(data: Path) -> None:
    with (data / "surveys_big_comment.csv").open("w", encoding="utf-8") as handle:
        handle.write("response_id,submitted_at,survey,score,comment\nS1,2026-10-02,nps,9,short\n")
        handle.write('S2,2026-10-03,nps,10,"' + "long, comment\n" * (TEN_MB // 14) + '"\n')


def _big_timestamp(data: Path) -> None:
    (data / "tickets_big_field.csv").write_text(
        "ticket_id,created_at,category\nT1,2026-10-01T09:00:00Z,Billing\n"
        f"T2,{'9' * TEN_MB},Billing\nT3,2026-10-03T09:00:00Z,{'c' * TEN_MB}\n", encoding="utf-8")


def _utf16(data: Path) -> None:
    text = "ticket_id,created_at,category\r\nT1,2026-10-01T09:00:00Z,Café\r\nT2,2026-10-02T09:00:00Z,Bar\r\n"
    (data / "tickets_utf16.csv").write_bytes(text.encode("utf-16"))


EXCLUDED = [
    Excluded("unparseable timestamps", {"tickets": "tickets_bad_timestamps.csv"},
             {"tickets": (1, 6, 3, 0, 3, 2)},
             {("tickets", "invalid_created_at"): 2, ("tickets", "missing_created_at"): 1,
              ("tickets", "invalid_first_response_at"): 1, ("tickets", "invalid_resolved_at"): 1}),
    Excluded("duplicate ids", {"tickets": "tickets_duplicates.csv"}, {"tickets": (1, 5, 3, 2, 0, 0)}),
    Excluded("scores out of scale", {"surveys": "surveys_out_of_scale.csv"},
             {"surveys": (1, 8, 2, 0, 6, 0)},
             {("surveys", "score_out_of_scale"): 5, ("surveys", "invalid_score"): 1}, over_gate=True),
    Excluded("negative durations", {"tickets": "tickets_negative_durations.csv"},
             {"tickets": (1, 3, 3, 0, 0, 2)},
             {("tickets", "first_response_before_created"): 1, ("tickets", "resolved_before_created"): 1}),
    Excluded("unknown survey kind", {"surveys": "surveys_unknown_kind.csv"},
             {"surveys": (1, 5, 2, 0, 3, 0)},
             {("surveys", "unknown_survey_kind"): 2, ("surveys", "missing_survey"): 1}, over_gate=True),
    Excluded("UTF-8 BOM", {"tickets": "tickets_bom.csv"}, {"tickets": (1, 2, 2, 0, 0, 0)}),
    Excluded("UTF-16 with BOM", {"tickets": "tickets_utf16.csv"}, {"tickets": (1, 2, 2, 0, 0, 0)},
             setup=_utf16),
    Excluded("latin-1 file, encoding detected", {"tickets": "tickets_latin1.csv"},
             {"tickets": (1, 2, 2, 0, 0, 0)}),
    Excluded("latin-1 file with encoding set", {"tickets": "tickets_latin1.csv"},
             {"tickets": (1, 2, 2, 0, 0, 0)}, options={"tickets": ", encoding: latin-1"}),
    Excluded("semicolons detected", {"tickets": "tickets_semicolon.csv"}, {"tickets": (1, 2, 2, 0, 0, 0)}),
    Excluded("quoted line breaks and a literal quote", {"surveys": "surveys_multiline_comment.csv"},
             {"surveys": (1, 2, 2, 0, 0, 0)}),
    Excluded("a 10 MB quoted comment", {"surveys": "surveys_big_comment.csv"},
             {"surveys": (1, 2, 2, 0, 0, 0)}, setup=_big_comment),
    Excluded("10 MB fields", {"tickets": "tickets_big_field.csv"}, {"tickets": (1, 3, 2, 0, 1, 0)},
             {("tickets", "invalid_created_at"): 1}, setup=_big_timestamp),
]


@pytest.mark.parametrize("case", EXCLUDED, ids=[case.id for case in EXCLUDED])
def test_excluded_rows_are_counted_on_the_data_quality_tab(case: Excluded, tmp_path: Path) -> None:
    config = project(tmp_path, **case.sources, options=case.options)
    if case.setup:
        case.setup(config.parent / "data")
    if case.over_gate:
        config.write_text(config.read_text() + "quality: {max_excluded_share: 0.9}\n")
    out = tmp_path / "report.xlsx"
    # the corpus holds a few days of October: a partial month, let through to count its rows
    result = invoke("build", "--config", str(config), "--month", MONTH, "--out", str(out), "--allow-partial")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    totals, reasons = quality_tab(out)
    for dataset, expected in case.totals.items():
        assert totals[dataset] == expected, dataset
    for key, count in case.reasons.items():
        assert reasons.get(key) == count, key
    listed = {key for key in reasons if key[0] in case.totals}
    assert listed == set(case.reasons), "no reason is counted that the case does not expect"


# ---- unreadable file ---------------------------------------------------------------------------

def _without_file_permission_override() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set,
    so even root is then bound by a file's mode bits (PR_CAPBSET_DROP = 24)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _can_drop_capabilities() -> bool:
    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_without_file_permission_override,
                       check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


@pytest.mark.slow
def test_unreadable_file_end_to_end(tmp_path: Path) -> None:
    """chmod 000 does not stop root, so as root the command runs without the capabilities that let
    root ignore mode bits: a real permission check either way, never skipped when running as root
    is allowed to drop them (the unit test below covers the code path regardless)."""
    config = project(tmp_path)
    tickets = config.parent / "data" / "tickets.csv"
    tickets.chmod(0)
    out = tmp_path / "report.xlsx"
    out.write_bytes(PREVIOUS_REPORT)
    preexec: Callable[[], None] | None = None
    if os.geteuid() == 0:
        if not _can_drop_capabilities():
            pytest.skip("root without CAP_SETPCAP: covered by test_permission_check_names_the_file")
        preexec = _without_file_permission_override
    try:
        result = subprocess.run([sys.executable, "-m", "reportgen", "build", "-c", str(config), "-m", MONTH,
                                 "-o", str(out)], capture_output=True, text=True, timeout=120,
                                preexec_fn=preexec)
    finally:
        tickets.chmod(0o644)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "tickets.csv: cannot read the file (permission denied) — check the file's permissions" \
        in result.stderr
    assert out.read_bytes() == PREVIOUS_REPORT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "report.xlsx"]


def test_permission_check_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project(tmp_path))
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        return not str(path).endswith("surveys.csv") and real_access(path, mode, **kwargs)

    monkeypatch.setattr(source_files.os, "access", access)
    assert config.sources.surveys is not None
    with pytest.raises(DataError) as caught:
        source_files.resolve_files(config, config.sources.surveys, "surveys")
    assert str(caught.value).endswith("surveys.csv: cannot read the file (permission denied) — "
                                      "check the file's permissions")
    result = invoke("build", "--config", str(config.config_path), "--month", MONTH,
                    "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 1 and "permission denied" in result.stderr
    assert not (tmp_path / "r.xlsx").exists()


# ---- validate ----------------------------------------------------------------------------------

def test_validate_lists_every_problem_with_its_location_and_a_summary(tmp_path: Path) -> None:
    config = project(tmp_path, tickets="batch/*.csv", surveys="surveys_out_of_scale.csv",
                     business="business_bad_month.csv")
    data = config.parent / "data"
    (data / "batch").mkdir()
    for prefix, name in enumerate(("tickets_bad_timestamps.csv", "garbage_no_nul.csv", "tickets_missing_column.csv",
                                   "tickets_negative_durations.csv", "tickets_ragged.csv",
                                   "tickets_unclosed_quote.csv")):
        lines = (data / name).read_bytes().split(b"\n")  # ids made unique across the files
        (data / "batch" / name).write_bytes(b"\n".join([lines[0]] + [b"%d-" % prefix + x if x else x
                                                                     for x in lines[1:]]))
    (data / "business_bad_month.csv").write_text(
        "month,customers_start,customers_end,revenue\n2026-09,95,lots,4800\nOct 2026,1,2,3\n"
        "2026-10,-1,90,-5\n", encoding="utf-8")
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = result.stdout
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    # every fatal problem of every file, not only the first one
    expected = [
        "garbage_no_nul.csv, row 1: the file is not UTF-8",
        "tickets_missing_column.csv, row 1: required column 'created_at' not found",
        "tickets_ragged.csv, row 4: this row has more fields than the header",
        "tickets_unclosed_quote.csv, row 3: a quoted value opens here and is never closed",
        "business_bad_month.csv, row 2, column 'customers_end': 'lots' is not a number",
        "business_bad_month.csv, row 3, column 'month': 'Oct 2026' is not a month",
        "business_bad_month.csv, row 4, column 'customers_start': '-1' is not a whole number",
        "business_bad_month.csv, row 4, column 'revenue': '-5' is negative",
        "surveys: 6 of 8 rows excluded (score_out_of_scale 5, invalid_score 1): more than 50% of the rows",
    ]
    assert len(errors) == len(expected), "\n".join(errors)
    for fragment in expected:
        assert any(fragment in line for line in errors), fragment
    # the other ticket files were still read, and their rows checked
    assert "tickets_bad_timestamps.csv, row 3, column 'created_at': invalid created at 'yesterday' " \
           "— row excluded" in out
    assert "tickets_negative_durations.csv, row 3, column 'resolved_at': resolved before created " \
           "'2026-10-04T10:00:00Z' — value ignored" in out
    assert "surveys_out_of_scale.csv, row 9, column 'score': invalid score 'great' — row excluded" in out
    assert out.count("score out of scale") == 5
    last = out.strip().splitlines()[-1]
    assert last.startswith("FAILED: 9 fatal problems, 9 rows excluded, 4 values discarded")
    assert not (config.parent / "reportgen-history.duckdb").exists()


def test_validate_lists_all_rows_not_a_sample(tmp_path: Path) -> None:
    config = project(tmp_path)
    rows = "".join(f"T{i},not a time,Billing\n" for i in range(1200))
    (config.parent / "data" / "tickets.csv").write_text("ticket_id,created_at,category\n" + rows
                                                         + "T-ok,2026-10-01,Billing\n")
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 1
    listed = [line for line in result.stdout.splitlines() if "invalid created at" in line]
    assert len(listed) == 1200
    assert listed[-1].startswith(f"{config.parent / 'data' / 'tickets.csv'}, row 1201, column 'created_at'")
    assert result.stdout.strip().splitlines()[-1].startswith(  # over the quality gate: fatal
        "FAILED: 1 fatal problem, 1,200 rows excluded, 0 values discarded")


def test_validate_of_a_good_project_is_ok(tmp_path: Path) -> None:
    result = invoke("validate", "--config", str(project(tmp_path)))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("OK: no problems found")


def test_validate_a_missing_source_still_checks_the_others(tmp_path: Path) -> None:
    config = project(tmp_path, tickets="nowhere/*.csv", surveys="surveys_unknown_kind.csv")
    result = invoke("validate", "--config", str(config))
    assert result.exit_code == 1
    assert "error: sources.tickets.path: no file matches" in result.stdout
    assert "surveys_unknown_kind.csv, row 3, column 'survey': unknown survey kind 'NPS2'" in result.stdout
    assert "FAILED: 2 fatal problems, 3 rows excluded" in result.stdout  # the source, the gate
