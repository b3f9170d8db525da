"""Survey scores per agent, category and channel (through the ticket a response names), and comments.

Expected values are worked out by hand from the rows written here (KPI_SPEC: CSAT = satisfied
(score ≥ 4) ÷ CSAT responses; NPS = (promoters − detractors) ÷ responses × 100; CES = low effort
(score ≥ 4) ÷ CES responses), never copied from the engine.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import TICKET_HEADER, write_rows

from reportgen.api import build_workbook, compute_month, kpis_document
from reportgen.blocks import MonthValues, build_blocks
from reportgen.config import load_config
from reportgen.engine import Engine
from reportgen.errors import ConfigError
from reportgen.i18n import translator
from reportgen.mail.message import render_bodies
from reportgen.mail.summary import summarize
from reportgen.notes import read_note
from reportgen.render.sheets import batch_update_body, new_spreadsheet_state
from reportgen.report import build_report
from reportgen.unusual import usual_range
from reportgen.voice import cut

SURVEYS = ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment")


def project(root: Path, extra: str = "", surveys: list[tuple[str, ...]] | None = None) -> Path:
    tickets = [
        ("T1", "2026-10-02T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
        ("T2", "2026-10-03T09:00:00Z", "", "", "billing ", "chat", "Ann", "", ""),
        ("T3", "2026-10-04T09:00:00Z", "", "", "Shipping", "chat", "Bob", "", ""),
        ("T4", "2026-10-05T09:00:00Z", "", "", "", "", "", "", ""),
        ("T5", "2026-10-06T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
        # the whole month has data (no response names these two)
        ("T6", "2026-10-01T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
        ("T7", "2026-10-31T09:00:00Z", "", "", "Billing", "email", "Ann", "", ""),
    ]
    write_rows(root / "data" / "tickets.csv", TICKET_HEADER, tickets)
    write_rows(root / "data" / "surveys.csv", SURVEYS, surveys if surveys is not None else [
        ("R1", "2026-10-10T09:00:00Z", "csat", "5", "T1", "Great"),
        ("R2", "2026-10-10T10:00:00Z", "csat", "2", "T2", "Slow answer"),
        ("R3", "2026-10-10T11:00:00Z", "csat", "4", "T3", ""),
        ("R4", "2026-10-10T12:00:00Z", "csat", "1", "T4", "=HYPERLINK(\"http://x\")"),
        ("R5", "2026-10-10T13:00:00Z", "csat", "3", "", "no ticket named"),
        ("R6", "2026-10-11T09:00:00Z", "nps", "10", "T1", ""),
        ("R7", "2026-10-11T10:00:00Z", "nps", "3", "T5", "Never again"),
        ("R8", "2026-10-11T11:00:00Z", "nps", "8", "T3", ""),
        ("R9", "2026-10-12T09:00:00Z", "ces", "5", "T3", ""),
        ("R10", "2026-10-12T10:00:00Z", "ces", "2", "T99", "Hard"),  # names no ticket of the data
        ("R11", "2026-09-12T10:00:00Z", "csat", "1", "T1", "September"),
    ])
    config = root / "config.yaml"
    config.write_text(
        'report: {title: "T", timezone: "UTC", currency: "EUR"' + extra + "}\n"
        "sources:\n  tickets: {path: data/tickets.csv}\n  surveys: {path: data/surveys.csv}\n",
        encoding="utf-8")
    return config


def test_survey_kpis_per_segment_through_the_named_ticket(tmp_path: Path) -> None:
    document = kpis_document(compute_month(load_config(project(tmp_path)), "2026-10", save=False))
    breakdowns = document["breakdowns"]
    # Ann: R1 5 (T1), R2 2 (T2) → 1 satisfied of 2; Bob: R3 4 (T3) → 1 of 1; T4 has no agent
    assert breakdowns["agent_csat"] == {"Ann": 0.5, "Bob": 1.0}
    # Billing (T1, T2 spelled "billing "): 1 of 2; Shipping: 1 of 1; T4 blank → Uncategorized: 0 of 1;
    # R5 names no ticket: in the headline only
    assert breakdowns["category_csat"] == {"Billing": 0.5, "Shipping": 1.0, "Uncategorized": 0.0}
    assert breakdowns["channel_csat"] == {"email": 1.0, "chat": 0.5, "Unknown": 0.0}
    # NPS: Ann: R6 10 (promoter), R7 3 (detractor) → (1 − 1) / 2 × 100 = 0; Bob: R8 8 (passive) → 0
    assert breakdowns["agent_nps"] == {"Ann": 0.0, "Bob": 0.0}
    # Billing: R6 (T1) promoter, R7 (T5) detractor → 0; Shipping: passive → 0
    assert breakdowns["category_nps"] == {"Billing": 0.0, "Shipping": 0.0}
    # email: T1 promoter + T5 detractor → 0; chat: T3 passive → 0
    assert breakdowns["channel_nps"] == {"email": 0.0, "chat": 0.0}
    # CES: R9 5 (T3, Bob) → 1 of 1; R10 names T99, not in the data
    assert breakdowns["agent_ces"] == {"Bob": 1.0}
    # the headline keeps every response: CSAT 2 of 5 (R1 5, R3 4)
    assert document["kpis"]["csat"] == pytest.approx(0.4)


def test_comments_lowest_score_first_with_their_ticket(tmp_path: Path) -> None:
    result = Engine(load_config(project(tmp_path))).run()
    comments = result.comments["2026-10"]
    # shares of the scale: R4 csat 1 → 0, R2 csat 2 → 0.25, R7 nps 3 → 0.3, R10 ces 2 → 0.25 (later
    # than R2), R5 csat 3 → 0.5, R1 csat 5 → 1; R3, R6, R8, R9 have no comment
    assert [c.comment for c in comments] == ['=HYPERLINK("http://x")', "Slow answer", "Hard",
                                             "Never again", "no ticket named", "Great"]
    first = comments[0]
    assert (first.survey, first.score, first.category, first.channel, first.agent) == \
        ("csat", 1.0, "Uncategorized", "Unknown", None)
    unlinked = comments[2]
    assert (unlinked.category, unlinked.channel, unlinked.agent) == (None, None, None)
    assert [c.comment for c in result.comments["2026-09"]] == ["September"]


def test_report_comments_limits_and_zero_reads_none(tmp_path: Path) -> None:
    limited = Engine(load_config(project(tmp_path, ", comments: 2"))).run()
    assert [c.comment for c in limited.comments["2026-10"]] == ['=HYPERLINK("http://x")', "Slow answer"]
    off = Engine(load_config(project(tmp_path, ", comments: 0"))).run()
    assert off.comments == {}
    # the segments (the drivers stage's) do not depend on comments: T4 has no agent, R5 names no ticket
    assert off.months["2026-10"].dims["drivers.agent.csat_responses"] == \
        {"Ann": 2, "Bob": 1, " no agent": 1, " no ticket": 1}


# ---- the small-sample rule, the unusual mark -----------------------------------------------------
def test_unusual_is_outside_mean_plus_minus_two_sample_deviations_of_six_complete_months() -> None:
    window = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    history = [10.0, 12.0, 11.0, 13.0, 9.0, 11.0]
    # mean 11; squared deviations 1+1+0+4+4+0 = 10; sample variance 10 / 5 = 2; sd √2 ≈ 1.41421
    # usual range 11 ± 2√2 = [8.17157, 13.82843]
    usual = usual_range("2026-10", window, [*history, 14.0], {})
    assert usual is not None and usual.unusual
    assert usual.low == pytest.approx(11 - 2 * 2 ** 0.5) and usual.high == pytest.approx(11 + 2 * 2 ** 0.5)
    inside = usual_range("2026-10", window, [*history, 13.8], {})
    assert inside is not None and not inside.unusual
    assert usual_range("2026-10", window, [None, *history[1:], 14.0], {}) is None  # needs six
    assert usual_range("2026-10", window[1:], [*history[1:], 14.0], {}) is None
    assert usual_range("2026-10", window, [*history, 14.0], {"2026-06": "partial"}) is None
    assert usual_range("2026-10", window, [*history, 14.0], {"2026-10": "partial"}) is None


def values(nps_responses: int, nps: list[float | None], volume: list[float | None]) -> MonthValues:
    window = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    scalars = {m: {"nps": n, "nps_responses": nps_responses, "ticket_volume": v}
               for m, n, v in zip(window, nps, volume, strict=True)}
    return MonthValues("2026-10", window, scalars, {m: {} for m in window}, min_responses=30)


def test_a_survey_kpi_from_few_answers_gets_no_verdict_nor_mark() -> None:
    few = values(4, [10, 12, 11, 13, 9, 11, 75], [100, 100, 100, 100, 100, 100, 100])
    blocks = build_blocks(few, "T", {"nps": 40}, "EUR", translator("en"))
    row = blocks.kpi("nps")
    # 75 ≥ target 40 would be "on target" and far outside the usual range: 4 answers judge nothing
    assert (row.value, row.responses, row.few, row.status, row.unusual) == (75, 4, True, "", False)
    # the change is shown (75 − 11 = 64), neither better nor worse
    assert (row.change, row.change_tone, row.change_word) == (64, "neutral", "")
    enough = build_blocks(values(30, [10, 12, 11, 13, 9, 11, 75], [100] * 7), "T", {"nps": 40}, "EUR",
                          translator("en")).kpi("nps")
    assert (enough.few, enough.status, enough.unusual) == (False, "status.on_target", True)
    # a KPI that is not a survey score has no sample size; a constant history marks any other value
    volume = build_blocks(values(30, [None] * 7, [100, 100, 100, 100, 100, 100, 101]), "T", {}, "EUR",
                          translator("en")).kpi("ticket_volume")
    assert (volume.responses, volume.few, volume.unusual) == (None, False, True)


# ---- untrusted text: comments and the manager's note ------------------------------------------------
HOSTILE = '=HYPERLINK("http://evil.example","click") <script>alert(1)</script>\x07\x1b]0;x\x07' + "é" * 2000
NOTE = ("# Month\n\nShipping **tripled**; see [plan](https://example.com/p).\n\n"
        "<script>alert(2)</script> [bad](javascript:alert(3))\n\n=HYPERLINK(\"http://evil\",\"n\")\n")


def hostile_project(root: Path) -> Path:
    config = project(root, surveys=[
        ("R1", "2026-10-10T09:00:00Z", "nps", "0", "T1", HOSTILE),
        ("R2", "2026-10-10T10:00:00Z", "csat", "5", "T3", "+cmd|' /C calc'!A0"),
        ("R3", "2026-10-10T11:00:00Z", "csat", "1", "T2", "@SUM(1+1)"),
    ])
    (root / "notes").mkdir()
    (root / "notes" / "2026-10.md").write_text(NOTE, encoding="utf-8")
    return config


def test_a_comment_is_cut_cleaned_and_judged() -> None:
    text = cut(HOSTILE)
    assert len(text) == 500 and text.endswith("…") and "\x07" not in text and "\x1b" not in text
    assert text.startswith('=HYPERLINK("http://evil.example","click") <script>alert(1)</script>]0;x')
    assert cut("short\n\tkept") == "short\n\tkept"


def test_hostile_comments_and_note_stay_text_in_the_workbook(tmp_path: Path) -> None:
    path, _ = build_workbook(load_config(hostile_project(tmp_path)), "2026-10", tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    voice = book["Voice of the customer"]
    rows = [[c.value for c in row] for row in voice.iter_rows(min_row=5)]
    # NPS 0 → 0 of the scale, CSAT 1 → 0 (later), CSAT 5 → 1
    assert [row[0] for row in rows[:3]] == ["0 / 10", "1 / 5", "5 / 5"]
    assert rows[0][1:2] == ["NPS"] and rows[0][3:6] == ["Billing", "email", "Ann"]
    assert rows[0][6] == cut(HOSTILE) and rows[1][6] == "@SUM(1+1)" and rows[2][6] == "+cmd|' /C calc'!A0"
    for row in voice.iter_rows(min_row=5, min_col=7, max_col=7):
        assert row[0].data_type == "s"  # text, never a formula
    tracker = book["KPI Tracker"]
    assert tracker["A4"].value == "Manager's note"
    assert tracker["A5"].value == NOTE.strip() and tracker["A5"].data_type == "s"
    assert tracker["A7"].value == "KPI"  # the KPI table starts below the note


def test_hostile_comments_and_note_are_text_in_the_sheet_and_escaped_in_the_email(tmp_path: Path) -> None:
    data = compute_month(load_config(hostile_project(tmp_path)), "2026-10", save=False)
    report = build_report(data)
    body = batch_update_body(report, new_spreadsheet_state("k", "t"), "EUR", delete_tabs=(0,))
    ids = {a["properties"]["title"]: a["properties"]["sheetId"]
           for r in body["requests"] if "addSheet" in r for a in [r["addSheet"]]}
    update = next(r["updateCells"] for r in body["requests"]
                  if "updateCells" in r and r["updateCells"]["range"]["sheetId"] == ids["Voice of the customer"])
    texts = [cell["userEnteredValue"] for row in update["rows"] for cell in row.get("values", [])
             if "userEnteredValue" in cell]
    assert {"stringValue": cut(HOSTILE)} in texts and {"stringValue": "@SUM(1+1)"} in texts
    assert not any("formulaValue" in value for value in texts)
    text, html = render_bodies(data.config, summarize(data))
    assert "<script>" not in html and "javascript:" not in html.replace("[bad](javascript:alert(3))", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert '<a href="https://example.com/p">plan</a>' in html and "<strong>tripled</strong>" in html
    # the quotes: unhappy customers only (NPS 0 and CSAT 1; CSAT 5 is not quoted), lowest first
    assert html.index("0 / 10 · NPS · Billing · email · Ann") < html.index("1 / 5 · CSAT")
    assert "5 / 5" not in html
    assert "Manager's note:\n# Month" in text and cut(HOSTILE) in text


def test_the_headline_from_few_answers_shows_its_count_in_the_email(tmp_path: Path) -> None:
    data = compute_month(load_config(project(tmp_path, ", min_responses: 5")), "2026-10", save=False)
    rows = {row.id: row for row in summarize(data).headline}
    # CSAT: 5 answers (R1–R5) = 5 → judged; NPS: 3 answers (R6–R8) < 5; CES: 2 (R9, R10) < 5
    assert rows["csat"].sample == "" and rows["csat"].status == "No target"
    assert (rows["nps"].sample, rows["nps"].status, rows["nps"].change_word) == ("n = 3", "n = 3", "")
    assert rows["ces"].status == "n = 2"
    _, html = render_bodies(data.config, summarize(data))
    assert "Greyed, with n: fewer than 5 answers" in html


def test_the_note_file_is_optional_and_must_be_text(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, ', notes: "team-notes/{month}.txt"'))
    assert read_note(config, "2026-10") is None
    (tmp_path / "team-notes").mkdir()
    (tmp_path / "team-notes" / "2026-10.txt").write_bytes(b"caf\xe9")
    with pytest.raises(ConfigError, match=r"report.notes: .*2026-10.txt is not UTF-8 text"):
        read_note(config, "2026-10")
    (tmp_path / "team-notes" / "2026-10.txt").write_text("All *good*\x1b[31m", encoding="utf-8")
    note = read_note(config, "2026-10")
    assert note is not None and note.text == "All *good*[31m"
    assert str(note.html).strip() == '<p style="margin:0 0 6px 0;">All <em>good</em>[31m</p>'
