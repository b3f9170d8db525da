"""No output of reportgen is written over a file it reads or keeps, and each has its extension.

Every refusal is one line naming the file and the fix, exit 1, before anything is computed,
stored or written: the target stays byte for byte what it was and no history file appears.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ProjectFactory

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.errors import OutputError
from reportgen.outputs.xlsx import XlsxOutput
from reportgen.run import MonthRun
from reportgen.store_file import pulled_store_path

MONTH = "2026-10"
# the whole month (first and last day): a run would write, so an unguarded one overwrites its target
TICKETS = [("1", "2026-10-01T10:00:00+02:00", "2026-10-01T12:00:00+02:00", "2026-10-02T10:00:00+02:00",
            "Shipping", "email", "Ann", "1", "0"),
           ("2", "2026-10-31T10:00:00+01:00", "", "", "Billing", "chat", "Bo", "0", "0")]
SURVEYS = [("a", "2026-10-01", "nps", "10"), ("b", "2026-10-31", "nps", "9")]
BUSINESS = [("2026-10", "100", "90", "15", "10000", "5000")]
HISTORY = "reportgen-history.duckdb"


@pytest.fixture
def project(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A small project; the current folder is its folder (paths as a user types them)."""
    config = make_project(TICKETS, SURVEYS, BUSINESS)
    monkeypatch.chdir(config.parent)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return config.parent


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, [*args[:1], "--month", MONTH, *args[1:]])


def refused(result: Result, *words: str) -> str:
    """The one error line of a refused command, which must say each of ``words``."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def nothing_computed(root: Path) -> None:
    assert not (root / HISTORY).exists(), "the history was written before the refusal"
    assert not (root / "reports").exists()


@pytest.mark.parametrize(("args", "target", "says"), [
    (("build", "--out", "data/business.csv"), "data/business.csv",
     "--out data/business.csv: this is the business source's file (sources.business.path) — "
     "write the report elsewhere, e.g. --out reports/2026-10.xlsx"),
    (("build", "--out", "config.yaml"), "config.yaml",
     "--out config.yaml: this is the config file — write the report elsewhere"),
    (("email", "--dry-run", "--eml", "data/surveys.csv"), "data/surveys.csv",
     "--eml data/surveys.csv: this is the surveys source's file (sources.surveys.path) — "
     "write the message elsewhere, e.g. --eml reports/2026-10.eml"),
    (("publish", "--dry-run", "--requests-out", "data/tickets.csv"), "data/tickets.csv",
     "--requests-out data/tickets.csv: this is the tickets source's file (sources.tickets.path)"),
    (("build", "--out", "data/../data/./business.csv"), "data/business.csv",
     "this is the business source's file"),
])
def test_an_output_over_an_input_is_refused_and_the_input_kept(project: Path, args: tuple[str, ...],
                                                                target: str, says: str) -> None:
    if args[0] == "publish":  # what a dry run needs to plan the requests
        with (project / "config.yaml").open("a", encoding="utf-8") as config:
            config.write("outputs:\n  google_sheets:\n    spreadsheet: 1AbCdEfGhIjKlMnOp\n")
    before = (project / target).read_bytes()
    refused(invoke(*args), says)
    assert (project / target).read_bytes() == before
    nothing_computed(project)


def test_a_symlink_to_an_input_is_the_input(project: Path) -> None:
    (project / "link.xlsx").symlink_to(project / "data" / "business.csv")
    before = (project / "data" / "business.csv").read_bytes()
    refused(invoke("build", "--out", "link.xlsx"), "--out link.xlsx: this is the business source's file")
    assert (project / "data" / "business.csv").read_bytes() == before
    assert (project / "link.xlsx").is_symlink()
    nothing_computed(project)


@pytest.mark.parametrize(("args", "says"), [
    (("build", "--out", "x.pdf"),
     "--out x.pdf: the name must end in .xlsx: the report is an Excel workbook, not a '.pdf' file — "
     "e.g. --out x.xlsx"),
    (("build", "--out", "report"), "not a file without an extension — e.g. --out report.xlsx"),
    (("email", "--dry-run", "--eml", "message.txt"),
     "--eml message.txt: the name must end in .eml: the message is an email file, not a '.txt' file — "
     "e.g. --eml message.eml"),
])
def test_a_wrong_extension_is_refused(project: Path, args: tuple[str, ...], says: str) -> None:
    refused(invoke(*args), says)
    assert not any((project / name).exists() for name in ("x.pdf", "report", "message.txt"))
    nothing_computed(project)


def test_report_output_in_the_config_is_checked_too(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      .replace('"data/business.csv"', '"data/business.xlsx"')
                      .replace('report: {title: "Test Report",',
                               'report: {output: "data/business.xlsx", title: "Test Report",'), encoding="utf-8")
    (project / "data" / "business.xlsx").write_bytes(b"the team's business workbook")
    for command in ("build", "run", "email"):
        refused(invoke(command), "report.output data/business.xlsx: this is the business source's file "
                                 "(sources.business.path) — set report.output to another file, "
                                 "e.g. reports/{month}.xlsx")
    assert (project / "data" / "business.xlsx").read_bytes() == b"the team's business workbook"
    nothing_computed(project)


def test_history_its_log_the_pulled_store_and_the_caches_are_kept(project: Path, tmp_path: Path) -> None:
    built = invoke("build", "--out", "reports/first.xlsx")
    assert built.exit_code == 0, built.output
    history = (project / HISTORY).read_bytes()
    cases = {
        HISTORY: "this is the history file (history.path)",
        HISTORY + ".wal": "this is the history file's write-ahead log (history.path)",
        "reportgen-history-pulled.duckdb": "this is the store of pulled records",
        f"{HISTORY}.cache/x.xlsx": "this is inside the result cache folder (beside history.path)",
        str(tmp_path / "cache" / "reportgen" / "x.xlsx"): "this is inside reportgen's cache folder",
    }
    for target, says in cases.items():
        refused(invoke("build", "--out", target), says)
    assert (project / HISTORY).read_bytes() == history
    assert not (project / (HISTORY + ".wal")).exists()
    assert not (project / "reportgen-history-pulled.duckdb").exists()


def test_the_pulled_store_is_named_after_the_history_beside_it(tmp_path: Path) -> None:
    history = tmp_path / "team" / "history.db"
    assert pulled_store_path(history) == tmp_path / "team" / "history-pulled.db"


def test_a_normal_out_still_works(project: Path) -> None:
    result = invoke("build", "--out", "reports/x.xlsx")
    assert result.exit_code == 0, result.output
    assert f"Report for {MONTH} written to reports/x.xlsx" in result.output
    assert zipfile.is_zipfile(project / "reports" / "x.xlsx")
    # the extension in any case
    result = invoke("email", "--dry-run", "--eml", "reports/x.EML")
    assert result.exit_code == 0, result.output
    assert b"\r\nSubject: Test Report" in b"\r\n" + (project / "reports" / "x.EML").read_bytes()


def _glob_project(project: Path) -> None:
    (project / "data" / "tickets.csv").rename(project / "data" / "tickets-2026-10.csv")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('"data/tickets.csv"', '"data/tickets-*.csv"'),
                      encoding="utf-8")


def test_a_glob_refuses_what_it_matches_now_and_would_match_next(project: Path) -> None:
    _glob_project(project)
    before = (project / "data" / "tickets-2026-10.csv").read_bytes()
    refused(invoke("build", "--out", "data/tickets-2026-10.csv"),
            "this is a file of the tickets source (sources.tickets.path)")
    refused(invoke("build", "--out", "data/tickets-report.csv"),
            "--out data/tickets-report.csv: the tickets source's pattern 'data/tickets-*.csv' "
            "(sources.tickets.path) matches it: the next run would read the report as data")
    refused(invoke("email", "--dry-run", "--eml", "data/tickets-x.csv"), "pattern 'data/tickets-*.csv'")
    assert not (project / "data" / "tickets-report.csv").exists()
    assert (project / "data" / "tickets-2026-10.csv").read_bytes() == before
    nothing_computed(project)
    # a name the glob does not match: written, and the next run reads the same data
    result = invoke("build", "--out", "data/tickets-2026.xlsx")
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(project / "data" / "tickets-2026.xlsx")
    again = invoke("kpis", "--format", "json")
    assert again.exit_code == 0, again.output
    assert '"ticket_volume": 2' in again.output


def test_a_glob_through_a_symlinked_folder(project: Path) -> None:
    _glob_project(project)
    (project / "exports").symlink_to(project / "data", target_is_directory=True)
    refused(invoke("build", "--out", "exports/tickets-new.csv"), "pattern 'data/tickets-*.csv'")


def test_the_site_never_writes_or_removes_a_kept_file(project: Path) -> None:
    config = project / "config.yaml"
    text = config.read_text(encoding="utf-8")
    # a business file where the site keeps a month's workbook: a month no longer in history loses it
    config.write_text(text.replace('"data/business.csv"', '"archive/2025-01/business.xlsx"'), encoding="utf-8")
    refused(invoke("site", "--out", "archive"),
            f"--out archive: the site replaces or removes {project / 'archive' / '2025-01' / 'business.xlsx'}, "
            "and it is the business source's file (sources.business.path) — write the site elsewhere, "
            "e.g. --out site")
    # a glob that would read the site's index page
    config.write_text(text.replace('"data/tickets.csv"', '"data/*"')
                      + 'outputs: {site: {dir: "data"}}\n', encoding="utf-8")
    site = project / "data"
    for command in ("site", "run"):
        refused(invoke(command), f"outputs.site.dir {site}: the site writes {site / 'index.html'}, and the "
                                 "tickets source's pattern 'data/*' (sources.tickets.path) matches it — set "
                                 "outputs.site.dir to another folder, e.g. site")
    nothing_computed(project)
    assert not (project / "data" / "index.html").exists()


def test_the_workbook_api_refuses_before_computing(project: Path) -> None:
    config = load_config(project / "config.yaml")
    run = MonthRun(config, MONTH)
    before = (project / "data" / "business.csv").read_bytes()
    with pytest.raises(OutputError, match=r"this is the business source's file"):
        XlsxOutput(project / "data" / "business.csv").write(run)
    assert (project / "data" / "business.csv").read_bytes() == before
    assert run._engine is None and not (project / HISTORY).exists()


def test_an_existing_file_is_compared_by_identity(project: Path) -> None:
    os.link(project / "data" / "surveys.csv", project / "hard.eml")
    refused(invoke("email", "--dry-run", "--eml", "hard.eml"), "this is the surveys source's file")


def test_validate_lists_a_report_output_it_would_refuse(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'report: {title: "Test Report",', 'report: {output: "reports/out.xlsx", title: "Test Report",')
        + 'history: {path: "reports/out.xlsx"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1, result.output
    assert ("error: report.output reports/out.xlsx: this is the history file (history.path) — set "
            "report.output to another file, e.g. reports/{month}.xlsx") in result.output
    assert not (project / "reports").exists()  # validate writes nothing


def test_a_report_output_without_xlsx_is_refused_by_the_config(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'report: {title: "Test Report",', 'report: {output: "reports/{month}.ods", title: "Test Report",'),
        encoding="utf-8")
    for command in ("build", "site"):
        refused(invoke(command), "report.output", ".xlsx")
    assert not (project / "site").exists()
    nothing_computed(project)


def test_a_note_is_not_overwritten(project: Path) -> None:
    (project / "notes").mkdir()
    refused(invoke("publish", "--dry-run", "--requests-out", "notes/2026-09.md"),
            "--requests-out notes/2026-09.md: the pattern of the manager's notes 'notes/{month}.md' "
            "(report.notes) matches it")
