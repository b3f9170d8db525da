"""Partial months in Italian, Romanian and Japanese: the tracker's header note, legend and
no-change note, the email's sentence and the Sheets requests say it in the report's language,
with its day and month formats, and no English partial-month text is left.

The expected texts are written out by hand from the catalogues' translations and the
languages' CLDR month names (set/sept./9月)."""

from __future__ import annotations

from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.coverage import partial_months
from reportgen.i18n import translator

MONTH = "2026-10"

# language → (September's header, legend, header note, no-change note, email sentence)
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    "it": (
        "set 2026 ◐",
        "◐ mese parziale — set 2026 (dati dal 25 set 2026); nessuna variazione né valutazione viene "
        "mostrata rispetto a un mese parziale",
        "Mese parziale (dati dal 25 set 2026): nessuna variazione né valutazione viene mostrata rispetto "
        "a questo mese",
        "Nessuna variazione mostrata: questo mese o quello precedente è un mese parziale",
        "◐ Mesi parziali: set 2026 (dati dal 25 set 2026). I dati li coprono solo in parte, quindi non "
        "viene mostrata alcuna variazione né valutazione rispetto a questi mesi.",
    ),
    "ro": (
        "sept. 2026 ◐",
        "◐ lună parțială — sept. 2026 (date de la 25 sept. 2026); nu se afișează nicio variație și nicio "
        "evaluare față de o lună parțială",
        "Lună parțială (date de la 25 sept. 2026): nu se afișează nicio variație și nicio evaluare față de "
        "această lună",
        "Nu se afișează nicio variație: această lună sau cea precedentă este o lună parțială",
        "◐ Luni parțiale: sept. 2026 (date de la 25 sept. 2026). Datele le acoperă doar parțial, așa că nu "
        "se afișează nicio variație și nicio evaluare față de ele.",
    ),
    "ja": (
        "2026年9月 ◐",
        "◐ データが一部のみの月 — 2026年9月（2026年9月25日からのデータ）。これらの月に対する変化や判定は表示しません",
        "データが一部のみの月（2026年9月25日からのデータ）：この月に対する変化や判定は表示しません",
        "変化は表示しません：この月または前月のデータが一部のみです",
        "◐ データが一部のみの月：2026年9月（2026年9月25日からのデータ）。データはこれらの月の一部しかカバーして"
        "いないため、これらの月に対する変化や判定は表示しません。",
    ),
}

# the English partial-month wording (and the English day/month) that must not show in another language
ENGLISH = ("Partial month", "partial month", "data from", "data until", "month still running",
           "no change or verdict", "No change is shown", "covers them only in part", "Sep 2026")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def new_team(root: Path, language: str) -> Path:
    """A team whose first export starts on 25 September 2026 (September is partial), reporting October."""
    (root / "data").mkdir(parents=True)
    tickets = ["ticket_id,created_at,category,channel"]
    tickets += [f"S{d},2026-09-{d:02d}T10:00:00Z,Billing,email" for d in range(25, 31)]
    tickets += [f"O{i},2026-10-{1 + i % 31:02d}T10:00:00Z,Billing,email" for i in range(99)]
    surveys = ["response_id,submitted_at,survey,score"]
    surveys += [f"P{d},2026-09-{d:02d}T11:00:00Z,nps,10" for d in range(25, 31)]
    surveys += [f"D{i},2026-10-{1 + i:02d}T11:00:00Z,nps,{2 if i % 4 else 9}" for i in range(28)]
    (root / "data" / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    (root / "data" / "surveys.csv").write_text("\n".join(surveys) + "\n", encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        f'report: {{title: "New team", timezone: "UTC", language: {language}}}\n'
        "sources:\n  tickets: {path: data/tickets.csv}\n  surveys: {path: data/surveys.csv}\n"
        'outputs:\n  email: {from: "r@example.com", to: [ceo@example.com]}\n'
        "  google_sheets: {spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg}\n", encoding="utf-8")
    return config


def bodies(eml: Path) -> tuple[str, str]:
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    plain, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


@pytest.mark.slow
@pytest.mark.parametrize("language", ["it", "ro", "ja"])
def test_a_partial_month_is_explained_in_the_reports_language(tmp_path: Path, language: str) -> None:
    header_text, legend, note, no_change, sentence = EXPECTED[language]
    config = new_team(tmp_path, language)
    out = tmp_path / "report.xlsx"
    result = invoke("build", "-c", str(config), "-m", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output

    book = openpyxl.load_workbook(out)
    sheet = book[translator(language).t("tab.tracker")]
    assert sheet["B4"].value == header_text
    assert sheet["B4"].comment is not None and sheet["B4"].comment.text == note
    assert sheet["A3"].value == legend
    notes = [cell.comment.text for row in sheet.iter_rows(min_row=5) for cell in row if cell.comment]
    assert notes and set(notes) == {no_change}  # every KPI's empty change cell says why
    shown = [str(cell.value) for ws in book.worksheets for row in ws.iter_rows() for cell in row
             if cell.value is not None]
    shown += [cell.comment.text for ws in book.worksheets for row in ws.iter_rows() for cell in row
              if cell.comment]
    book.close()
    for english in ENGLISH:
        assert not any(english in text for text in shown), english

    eml = tmp_path / "message.eml"
    result = invoke("email", "-c", str(config), "-m", MONTH, "--dry-run", "--eml", str(eml))
    assert result.exit_code == 0, result.output
    text, html = bodies(eml)
    assert sentence in text.splitlines()
    assert sentence in html
    for english in ENGLISH:
        assert english not in text and english not in html, english

    requests = tmp_path / "requests.json"
    result = invoke("publish", "-c", str(config), "-m", MONTH, "--dry-run", "--requests-out", str(requests))
    assert result.exit_code == 0, result.output
    sent = requests.read_text(encoding="utf-8")
    assert note in sent and legend in sent
    for english in ENGLISH:
        assert english not in sent, english


def test_every_reason_is_translated_with_the_languages_day_format() -> None:
    span = {"tickets": (date(2026, 9, 25), date(2026, 10, 20))}
    months = ["2026-09", "2026-10", "2026-11"]
    today = date(2026, 11, 29)
    assert partial_months(span, months, "UTC", today=today) == {
        "2026-09": "data from 25 Sep 2026", "2026-10": "data until 20 Oct 2026", "2026-11": "month still running"}
    assert partial_months(span, months, "UTC", today=today, tr=translator("it")) == {
        "2026-09": "dati dal 25 set 2026", "2026-10": "dati fino al 20 ott 2026", "2026-11": "mese ancora in corso"}
    assert partial_months(span, months, "UTC", today=today, tr=translator("ro")) == {
        "2026-09": "date de la 25 sept. 2026", "2026-10": "date până la 20 oct. 2026",
        "2026-11": "lună încă în curs"}
    assert partial_months(span, months, "UTC", today=today, tr=translator("ja")) == {
        "2026-09": "2026年9月25日からのデータ", "2026-10": "2026年10月20日までのデータ", "2026-11": "月の途中"}
    # a month that both starts late and is still running joins its reasons with the language's separator
    late = {"tickets": (date(2026, 11, 10), date(2026, 11, 20))}
    assert partial_months(late, ["2026-11"], "UTC", today=today, tr=translator("ja")) == {
        "2026-11": "2026年11月10日からのデータ、月の途中"}
    assert partial_months(late, ["2026-11"], "UTC", today=today) == {
        "2026-11": "data from 10 Nov 2026, month still running"}


def test_english_days_are_the_old_strftime_text() -> None:
    for number in range(1, 13):
        day = date(2026, number, 7)
        assert translator("en").day(day) == f"{day.day} {day:%b %Y}"
