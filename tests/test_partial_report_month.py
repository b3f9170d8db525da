"""A partial report month never goes out as if whole ("The report month must be whole").

The issue's case: a Zendesk export ending on the 4th of last month, run from cron with
``--month last``: build, publish, email and run stop with one line naming the first and last
day with data and the fix; nothing is written, stored or sent. With ``--allow-partial`` the
month goes out marked ◐ ("data until 4 Nov 2026") on every tab, chart and in the email, with
no verdicts; ``kpis`` marks it without stopping.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import re
import zipfile
from email.message import Message
from pathlib import Path

import openpyxl
from click.testing import CliRunner, Result
from fakes.fixtures import write_config, zendesk, zendesk_source  # noqa: F401  (zendesk: a fixture)
from fakes.zendesk import ZendeskFake

from reportgen.cli import main
from reportgen.coverage import month_bounds, month_gaps
from reportgen.months import parse_month_option, shift

ZONE = "Europe/Rome"
LAST = parse_month_option("last", ZONE)  # the month cron's --month last reports
BEFORE = shift(LAST, -1)
FIRST_DAY = month_bounds(BEFORE)[0]
END_DAY = month_bounds(LAST)[0] + dt.timedelta(days=3)  # the export ends on the 4th


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"  # 4 Nov 2026


def zendesk_export(first: dt.date, last: dt.date) -> str:
    """Two tickets a day from ``first`` to ``last``; every fifth one still open (not resolved)."""
    lines = ["Id,Created at,Solved at,First reply time in minutes,Via,Ticket type"]
    number, current = 0, first
    while current <= last:
        for hour in (9, 15):
            number += 1
            created = f"{current:%Y-%m-%d} {hour:02d}:00:00"
            solved = "" if number % 5 == 0 else f"{current:%Y-%m-%d} {hour + 2:02d}:00:00"
            lines.append(f"{number},{created},{solved},30,Email,question")
        current += dt.timedelta(days=1)
    return "\n".join(lines) + "\n"


def project(tmp_path: Path, last: dt.date = END_DAY, extra: str = "") -> Path:
    (tmp_path / "zendesk.csv").write_text(zendesk_export(FIRST_DAY, last), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        f'report: {{title: "Support", timezone: "{ZONE}"}}\n'
        # a target the month misses: "Below target" must not reach anyone for a partial month
        "targets: {resolution_rate: 0.99}\n"
        'sources:\n  tickets: {path: "zendesk.csv", preset: zendesk}\n'
        'outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n'
        "  google_sheets: {spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg}\n" + extra,
        encoding="utf-8")
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_every_command_that_writes_or_sends_stops_on_a_partial_month_last(tmp_path: Path) -> None:
    config = project(tmp_path)
    out, eml = tmp_path / "report.xlsx", tmp_path / "message.eml"
    expected = (f"error: {LAST} is a partial month: tickets data from {day(FIRST_DAY)} to {day(END_DAY)}, "
                f"{(month_bounds(LAST)[1] - END_DAY).days} days before {day(month_bounds(LAST)[1])} "
                "(quality.month_gap_days: 2) — export the whole month again, or add --allow-partial "
                "to send it marked ◐ and without verdicts")
    for args in (["build", "--out", str(out)], ["email", "--dry-run", "--eml", str(eml)],
                 ["publish", "--dry-run"], ["run"], ["site", "--out", str(tmp_path / "site")]):
        result = invoke(args[0], "--config", str(config), "--month", "last", *args[1:])
        assert result.exit_code == 1, (args, result.output)
        assert [line for line in result.stderr.splitlines() if line.strip()] == [expected], args
        assert "Traceback" not in result.output and "ok —" not in result.stdout
    assert not out.exists() and not eml.exists() and not (tmp_path / "site").exists()
    assert not (tmp_path / "reports").exists()  # run's workbook (report.output) was not written either
    assert not (tmp_path / "reportgen-history.duckdb").exists()  # nothing stored


def test_kpis_marks_a_partial_month_without_stopping(tmp_path: Path) -> None:
    config = project(tmp_path)
    result = invoke("kpis", "--config", str(config), "--month", "last", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["partial"] is True
    assert document["partial_reason"] == f"data until {day(END_DAY)}"
    table = invoke("kpis", "--config", str(config), "--month", "last")
    assert f"◐ partial month (data until {day(END_DAY)}): no verdicts" in table.stdout.splitlines()[0]
    # a whole month carries no mark
    whole = invoke("kpis", "--config", str(config), "--month", BEFORE, "--format", "json")
    assert "partial" not in json.loads(whole.stdout)


def test_the_gap_allowed_is_quality_month_gap_days(tmp_path: Path) -> None:
    config = project(tmp_path, extra="quality: {month_gap_days: 27}\n")
    result = invoke("build", "--config", str(config), "--month", "last", "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 0, result.output
    # by hand: 30 November, data until the 27th: 3 days short; the 28th: 2 days (the default slack)
    november = "2026-11"
    assert month_gaps((dt.date(2026, 11, 1), dt.date(2026, 11, 28)), november, dt.date(2026, 12, 6)) \
        == (False, False, False)
    assert month_gaps((dt.date(2026, 11, 1), dt.date(2026, 11, 27)), november, dt.date(2026, 12, 6)) \
        == (False, True, False)
    assert month_gaps((dt.date(2026, 11, 4), dt.date(2026, 11, 30)), november, dt.date(2026, 12, 6)) \
        == (True, False, False)
    assert month_gaps((dt.date(2026, 11, 1), dt.date(2026, 11, 27)), november, dt.date(2026, 12, 6),
                      gap_days=3) == (False, False, False)


def test_an_allowed_partial_workbook_is_marked_on_every_tab_and_has_no_verdicts(tmp_path: Path) -> None:
    config = project(tmp_path)
    out = tmp_path / "report.xlsx"
    result = invoke("build", "--config", str(config), "--month", "last", "--out", str(out), "--allow-partial")
    assert result.exit_code == 0, result.output
    why = f"data until {day(END_DAY)}"
    book = openpyxl.load_workbook(out)
    for sheet in book.worksheets:
        texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
        notes = [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment]
        assert any("◐" in text and why in text for text in texts + notes), sheet.title
    tracker = book.worksheets[0]
    header = next(row for row in tracker.iter_rows() if row[0].value == "KPI")
    status_col = next(cell.column for cell in header if str(cell.value).startswith("Status"))
    statuses = {tracker.cell(row, status_col).value for row in range(header[0].row + 1, tracker.max_row + 1)}
    assert statuses <= {None, ""}, statuses  # no "Below target" (resolution rate 80 % < 99 %)
    volume = book["Ticket Volume"]
    marked = [cell.value for cell in volume["A"] if isinstance(cell.value, str) and "◐" in cell.value]
    label = f"{month_bounds(LAST)[0]:%b %Y} ◐"
    assert marked[1:] == [label, label]  # the legend, then the month's row in both tables (by category, by channel)
    # the charts' month axis names the partial month
    with zipfile.ZipFile(out) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/")]
    assert charts and all("◐" in chart and why in chart for chart in charts)


def _eml(tmp_path: Path, config: Path, *extra: str) -> Message:
    eml = tmp_path / "message.eml"
    result = invoke("email", "--config", str(config), "--month", "last", "--dry-run", "--eml", str(eml), *extra)
    assert result.exit_code == 0, result.output
    return email.message_from_bytes(eml.read_bytes())


def _html(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_an_allowed_partial_email_says_so_in_subject_header_and_chart_without_verdicts(tmp_path: Path) -> None:
    message = _eml(tmp_path, project(tmp_path), "--allow-partial")
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "◐" in subject and f"data until {day(END_DAY)}" in subject
    html = _html(message)
    header = re.search(r"<h1.*?</h1>\s*<p[^>]*>(.*?)</p>", html, re.S)
    assert header and "◐" in header.group(1) and f"data until {day(END_DAY)}" in header.group(1)
    assert "Below target" not in html and "On target" not in html
    alt = re.search(r'<img [^>]*alt="([^"]*)"', html)
    assert alt and "◐" in alt.group(1)  # the chart marks the partial month (its label carries ◐ too)
    # the plain-text part: no verdict, and no separator left dangling where it would be
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = text.get_payload(decode=True)
    assert isinstance(payload, bytes)
    rows = [line for line in payload.decode("utf-8").splitlines() if line.startswith("- ")]
    assert any(line.startswith("- Ticket volume: ") for line in rows)
    assert not [line for line in rows if line.rstrip().endswith("|")], rows


def test_a_whole_month_email_keeps_its_verdicts(tmp_path: Path) -> None:
    """The same export, its whole month before: verdicts as usual, no mark."""
    eml = tmp_path / "message.eml"
    config = project(tmp_path)
    result = invoke("email", "--config", str(config), "--month", BEFORE, "--dry-run", "--eml", str(eml))
    assert result.exit_code == 0, result.output
    html = _html(email.message_from_bytes(eml.read_bytes()))
    assert "Below target" in html


def test_an_api_pull_covers_the_month_up_to_the_pull(zendesk: ZendeskFake,  # noqa: F811
                                                      tmp_path: Path) -> None:
    """January 2025's tickets run from the 2nd to the 8th, pulled long after: the pull saw every
    change up to now, so the month is whole (a file ending on the 8th would not be)."""
    config = write_config(tmp_path, zendesk_source(zendesk.url))
    out = tmp_path / "january.xlsx"
    result = invoke("build", "--config", str(config), "--month", "2025-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file()
    # the same tickets as a file end on their last record, the 8th: 23 days before the 31st
    export = tmp_path / "file" / "tickets.csv"
    export.parent.mkdir()
    export.write_text("ticket_id,created_at\n1,2025-01-02T09:00:00Z\n6,2025-01-08T09:00:00Z\n", encoding="utf-8")
    config = write_config(tmp_path / "file", '{path: "tickets.csv"}')
    result = invoke("build", "--config", str(config), "--month", "2025-01", "--out", str(out))
    assert result.exit_code == 1
    assert "tickets data from 2 Jan 2025 to 8 Jan 2025, 23 days before 31 Jan 2025" in result.stderr


def test_an_earlier_partial_month_is_marked_on_the_volume_tab_its_charts_and_the_email_chart(
        tmp_path: Path) -> None:
    """A first export from 25 September: September's 7 days next to a whole October must not read
    as a jump without the mark (today only the tracker marked it)."""
    (tmp_path / "zendesk.csv").write_text(zendesk_export(dt.date(2026, 9, 25), dt.date(2026, 10, 31)),
                                          encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f'report: {{title: "Support", timezone: "{ZONE}"}}\n'
                      'sources:\n  tickets: {path: "zendesk.csv", preset: zendesk}\n'
                      'outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n', encoding="utf-8")
    out = tmp_path / "october.xlsx"
    result = invoke("build", "--config", str(config), "--month", "2026-10", "--out", str(out))
    assert result.exit_code == 0, result.output  # October is whole: no stop, no flag needed
    volume = openpyxl.load_workbook(out)["Ticket Volume"]
    months = [cell.value for cell in volume["A"] if cell.value is not None]
    assert months.count("Sep 2026 ◐") == 2 and "Oct 2026 ◐" not in months
    assert volume.cell(3, 1).value is None  # no legend under the title: the report month is whole
    with zipfile.ZipFile(out) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/")]
    assert charts and all("◐ Sep 2026 (data from 25 Sep 2026)" in chart for chart in charts)
    eml = tmp_path / "october.eml"
    result = invoke("email", "--config", str(config), "--month", "2026-10", "--dry-run", "--eml", str(eml))
    assert result.exit_code == 0, result.output
    alt = re.search(r'<img [^>]*alt="([^"]*)"', _html(email.message_from_bytes(eml.read_bytes())))
    assert alt and "Sep 2026 ◐" in alt.group(1) and "Oct 2026 ◐" not in alt.group(1)


def test_the_line_for_a_month_starting_late_or_still_running() -> None:
    """The stop line names the first and last day with data and the fix for each kind of gap."""
    from reportgen.config import parse_config
    from reportgen.engine import EngineResult
    from reportgen.gates import partial_month_failure

    config = parse_config('report: {timezone: "UTC"}\nsources:\n  tickets: {path: "t.csv"}\n', Path("c.yaml"))
    late = EngineResult({}, {}, [], coverage={"tickets": (dt.date(2026, 9, 25), dt.date(2026, 10, 31))})
    assert partial_month_failure(late, config, "2026-09", today=dt.date(2026, 12, 6)) == (
        "2026-09 is a partial month: tickets data from 25 Sep 2026 to 31 Oct 2026, 24 days after "
        "1 Sep 2026 (quality.month_gap_days: 2) — export the whole month again, or add --allow-partial "
        "to send it marked ◐ and without verdicts")
    assert partial_month_failure(late, config, "2026-10", today=dt.date(2026, 12, 6)) is None
    running = EngineResult({}, {}, [], coverage={"tickets": (dt.date(2026, 11, 1), dt.date(2026, 12, 6))})
    assert partial_month_failure(running, config, "2026-12", today=dt.date(2026, 12, 6)) == (
        "2026-12 is a partial month: it has not ended yet (tickets data until 6 Dec 2026) "
        "(quality.month_gap_days: 2) — report it once the month has ended, or add --allow-partial "
        "to send it marked ◐ and without verdicts")
    surveys_only = EngineResult({}, {}, [], coverage={"surveys": (dt.date(2026, 11, 4), dt.date(2026, 11, 30))})
    assert "surveys data from 4 Nov 2026" in str(
        partial_month_failure(surveys_only, config, "2026-11", today=dt.date(2026, 12, 6)))


def test_an_allowed_partial_month_is_marked_in_the_google_sheet_too(tmp_path: Path) -> None:
    config = project(tmp_path)
    requests = tmp_path / "requests.json"
    result = invoke("publish", "--config", str(config), "--month", "last", "--dry-run", "--allow-partial",
                    "--requests-out", str(requests))
    assert result.exit_code == 0, result.output
    text = requests.read_text(encoding="utf-8")
    assert f"{month_bounds(LAST)[0]:%b %Y} ◐" in text and f"data until {day(END_DAY)}" in text
    assert "Below target" not in text
    # the whole month before: its verdict is there (so its absence above means something)
    result = invoke("publish", "--config", str(config), "--month", BEFORE, "--dry-run",
                    "--requests-out", str(requests))
    assert result.exit_code == 0, result.output
    assert "Below target" in requests.read_text(encoding="utf-8")
