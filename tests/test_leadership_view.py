"""What leadership sees: no machine paths, partial months marked and never judged, a new team's
tracker starting at its first month — in the workbook, the Sheets requests and the email."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
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


@pytest.mark.slow
def test_source_files_are_shown_relative_to_the_config_never_as_machine_paths(tmp_path: Path) -> None:
    root = tmp_path / "team"
    (root / "data").mkdir(parents=True)
    outside = tmp_path / "exports" / "home-of-someone"
    outside.mkdir(parents=True)
    (root / "data" / "tickets.csv").write_text(
        "ticket_id,created_at\nT1,2026-10-01T09:00:00Z\nT2,2026-10-31T09:00:00Z\n", encoding="utf-8")
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


# ---- partial months and the tracker window ------------------------------------------------------

def team(tmp_path: Path, first_day: int) -> Path:
    """A new team whose first export starts on ``first_day`` September 2026: a few promoters in
    September, many tickets and detractors in October."""
    root = tmp_path / f"team-{first_day}"
    (root / "data").mkdir(parents=True)
    tickets = ["ticket_id,created_at,category,channel"]
    tickets += [f"S{d},2026-09-{d:02d}T10:00:00Z,Billing,email" for d in range(first_day, 31)]
    tickets += [f"O{i},2026-10-{1 + i % 31:02d}T10:00:00Z,Billing,email" for i in range(99)]
    surveys = ["response_id,submitted_at,survey,score"]
    surveys += [f"P{d},2026-09-{d:02d}T11:00:00Z,nps,10" for d in range(first_day, 31)]
    # 31 answers in October: enough to be judged (report.min_responses, 30)
    surveys += [f"D{i},2026-10-{1 + i:02d}T11:00:00Z,nps,{2 if i % 4 else 9}" for i in range(31)]
    (root / "data" / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    (root / "data" / "surveys.csv").write_text("\n".join(surveys) + "\n", encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "New team", timezone: "UTC"}\n'
        "sources:\n  tickets: {path: data/tickets.csv}\n  surveys: {path: data/surveys.csv}\n"
        'outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n'
        "  google_sheets: {spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg}\n", encoding="utf-8")
    return config


def tracker(workbook: Path) -> tuple[list[object], dict[str, list[object]], str | None, dict[str, str]]:
    """(header row, KPI label → its row, the legend in A3, header notes by column letter)."""
    book = openpyxl.load_workbook(workbook, data_only=True)  # the formulas' cached values
    sheet = book["KPI Tracker"]
    header = [cell.value for cell in sheet[4]]
    rows = {str(r[0]): list(r) for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    notes = {cell.column_letter: cell.comment.text for cell in sheet[4] if cell.comment}
    legend = sheet["A3"].value
    book.close()
    return header, rows, None if legend is None else str(legend), notes


def text_part(eml: Path) -> str:
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


@pytest.mark.slow
def test_a_first_month_that_began_on_the_25th_is_marked_and_never_compared(tmp_path: Path) -> None:
    config = team(tmp_path, 25)
    out = config.parent / "report.xlsx"
    result = invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output
    header, rows, legend, notes = tracker(out)
    # the window starts at the team's first month: no ten empty months before it
    assert header[:3] == ["KPI", "Sep 2026 ◐", header[2]] and header[2] is not None
    assert str(header[2]).startswith("2026-10-01")
    assert header[3:] == ["Target", "Status Oct 2026", "Change vs previous month", "Unusual"]
    assert notes["B"].startswith("Partial month (data from 25 Sep 2026)")
    assert legend is not None and "Sep 2026 (data from 25 Sep 2026)" in legend
    assert rows["Ticket volume"][1:3] == [6, 99]
    for label in ("Ticket volume", "Net Promoter Score"):
        assert rows[label][5] in (None, ""), label  # no change against six days
    eml = config.parent / "message.eml"
    result = invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml))
    assert result.exit_code == 0, result.output
    text = text_part(eml)
    assert "(worse)" not in text and "(better)" not in text and "+93" not in text
    assert "Partial months: Sep 2026 (data from 25 Sep 2026)" in text
    assert "Partial months: Sep 2026" in email_html(eml)
    requests = config.parent / "requests.json"
    result = invoke("publish", "-c", str(config), "-m", MONTH, "--dry-run", "--requests-out", str(requests))
    assert result.exit_code == 0, result.output
    sent = requests.read_text(encoding="utf-8")
    assert "Sep 2026 ◐" in sent and "Partial month (data from 25 Sep 2026)" in sent


@pytest.mark.slow
def test_a_complete_previous_month_is_compared(tmp_path: Path) -> None:
    """The control: the same team with September from its 1st gets its change and verdict."""
    config = team(tmp_path, 1)
    out = config.parent / "report.xlsx"
    assert invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out)).exit_code == 0
    header, rows, legend, notes = tracker(out)
    assert str(header[1]).startswith("2026-09-01") and not notes and legend is None
    assert rows["Ticket volume"][5] == 69  # 99 − 30
    eml = config.parent / "message.eml"
    assert invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml)).exit_code == 0
    text = text_part(eml)
    assert "(worse)" in text and "Partial months" not in text


def test_partial_month_rules() -> None:
    from datetime import date

    from reportgen.coverage import partial_months

    def partial(first: date, last: date, today: date = date(2026, 11, 29),
                months: tuple[str, ...] = ("2026-09", "2026-10")) -> dict[str, str]:
        return partial_months({"tickets": (first, last)}, months, "UTC", today=today)

    assert partial(date(2026, 9, 1), date(2026, 10, 31), today=date(2026, 12, 1)) == {}
    # a weekend without tickets at either end is within the tolerance
    assert partial(date(2026, 9, 3), date(2026, 10, 29), today=date(2026, 12, 1)) == {}
    assert partial(date(2026, 9, 25), date(2026, 10, 20), today=date(2026, 12, 1)) == {
        "2026-09": "data from 25 Sep 2026", "2026-10": "data until 20 Oct 2026"}
    # the current month is still running, whatever the data says
    three = ("2026-09", "2026-10", "2026-11")
    assert partial(date(2026, 9, 1), date(2026, 11, 28), months=three) == {"2026-11": "month still running"}
    # a month outside the tickets' span (only resolutions of earlier tickets, or business figures)
    assert partial(date(2026, 9, 1), date(2026, 10, 31), today=date(2026, 12, 1), months=three) == {
        "2026-11": "data until 31 Oct 2026"}
    assert partial(date(2026, 10, 1), date(2026, 11, 30), today=date(2026, 12, 1), months=three) == {
        "2026-09": "data from 1 Oct 2026"}
    # surveys decide only when there are no tickets
    assert partial_months({"tickets": (date(2026, 9, 1), date(2026, 9, 30)),
                           "surveys": (date(2026, 9, 20), date(2026, 9, 30))}, ["2026-09"], "UTC",
                          today=date(2026, 12, 1)) == {}
    assert partial_months({"surveys": (date(2026, 9, 20), date(2026, 9, 30))}, ["2026-09"], "UTC",
                          today=date(2026, 12, 1)) == {"2026-09": "data from 20 Sep 2026"}


@pytest.mark.slow
def test_a_partial_month_read_back_from_history_stays_marked(tmp_path: Path) -> None:
    """The team's first month (from the 25th) was stored; a later export leaves it out, so it is
    read from history only — still marked, by the 6 of 30 days it was stored with, and never compared."""
    config = team(tmp_path, 25)
    assert invoke("build", "-c", str(config), "-m", MONTH, "--out", str(config.parent / "first.xlsx")
                  ).exit_code == 0
    data = config.parent / "data"
    for name in ("tickets.csv", "surveys.csv"):  # the next export: October only
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        (data / name).write_text("\n".join([lines[0]] + [x for x in lines[1:] if ",2026-10-" in x]) + "\n",
                                 encoding="utf-8")
    out = config.parent / "report.xlsx"
    result = invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output
    header, rows, legend, notes = tracker(out)
    assert header[1] == "Sep 2026 ◐"
    assert notes["B"].startswith("Partial month (data covering 6 of 30 days)")
    assert legend is not None and "Sep 2026 (data covering 6 of 30 days)" in legend
    assert rows["Ticket volume"][1:3] == [6, 99]
    for label in ("Ticket volume", "Net Promoter Score"):
        assert rows[label][5] in (None, ""), label
    eml = config.parent / "message.eml"
    assert invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml)).exit_code == 0
    text = text_part(eml)
    assert "Partial months: Sep 2026 (data covering 6 of 30 days)" in text and "+93" not in text


def test_a_month_complete_when_computed_stays_complete_from_history() -> None:
    """The history rule allows what the computed rule allows: 2 days missing at each end."""
    from datetime import date

    from reportgen.coverage import partial_months, stored_partial_months
    from reportgen.history import Completeness

    # November 2025 runs Saturday 1st to Sunday 30th: tickets from Monday 3rd to Friday 28th
    assert partial_months({"tickets": (date(2025, 11, 3), date(2025, 11, 28))}, ["2025-11"], "UTC",
                          today=date(2025, 12, 2)) == {}
    assert stored_partial_months({"2025-11": Completeness(26, 500)}) == {}
    assert stored_partial_months({"2025-11": Completeness(25, 500)}) == {"2025-11": "data covering 25 of 30 days"}
    assert stored_partial_months({"2026-09": Completeness(6, 12)}) == {"2026-09": "data covering 6 of 30 days"}
    assert stored_partial_months({"2026-09": Completeness(0, 1)}) == {}  # business figures only


@pytest.mark.slow
def test_a_month_history_holds_more_completely_is_shown_complete(tmp_path: Path) -> None:
    """September was stored whole; the next export starts on the 25th (a rolling window). This run
    computes September from 6 days but keeps history's whole copy: it is shown, unmarked, compared."""
    config = team(tmp_path, 1)
    assert invoke("build", "-c", str(config), "-m", MONTH, "--out", str(config.parent / "first.xlsx")
                  ).exit_code == 0
    data = config.parent / "data"
    for name in ("tickets.csv", "surveys.csv"):  # the next export: from 25 September
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        kept = [x for x in lines[1:] if ",2026-10-" in x or any(f",2026-09-{d}T" in x for d in range(25, 31))]
        (data / name).write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")
    out = config.parent / "report.xlsx"
    result = invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output
    header, rows, legend, notes = tracker(out)
    assert str(header[1]).startswith("2026-09-01") and not notes and legend is None
    assert rows["Ticket volume"][1:3] == [30, 99]  # history's whole September, not this export's 6 days
    assert rows["Ticket volume"][5] == 69  # 99 − 30: compared
    eml = config.parent / "message.eml"
    assert invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml)).exit_code == 0
    assert "Partial months" not in text_part(eml)
