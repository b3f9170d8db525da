"""Presets read real vendor exports as they are.

Each fixture under tests/fixtures/exports/<vendor>/ is written in the vendor's
format (headers verbatim from shared/reference/EXPORT_FORMATS.md). Expected
KPIs are computed by hand from the fixture rows; the arithmetic is in the
comments. The report time zone is Europe/Rome (UTC+1, UTC+2 from 2024-03-31
02:00) and the month is March 2024; every fixture has rows just inside and
just outside the month once time zones are applied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportgen.api import compute_month, kpis_document
from reportgen.cli import main
from reportgen.config import load_config, parse_config
from reportgen.errors import ConfigError, MissingColumnError, ReportgenError
from reportgen.sources.presets import PRESETS, get_preset

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
MONTH = "2024-03"
# a generic tickets file for survey-only tests (tickets are required by the config)
ONE_TICKET = "ticket_id,created_at\nT1,2024-03-15 10:00:00\n"


def project(tmp_path: Path, tickets: str, surveys: str | None = None) -> Path:
    """A config whose sources are YAML flow mappings (paths may be absolute)."""
    (tmp_path / "tickets.csv").write_text(ONE_TICKET, encoding="utf-8")
    text = (
        'report: {title: "Presets", timezone: "Europe/Rome", currency: "EUR"}\n'
        'history: {path: "history.duckdb"}\n'
        "sources:\n"
        f"  tickets: {tickets}\n" + (f"  surveys: {surveys}\n" if surveys else "")
    )
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def kpis(config: Path, month: str = MONTH) -> dict[str, Any]:
    return kpis_document(compute_month(load_config(config), month, save=False))


def generic_tickets() -> str:
    return '{path: "tickets.csv"}'


# ---- tickets: Zendesk ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tickets.csv", "tickets_other_casing.csv"])
def test_zendesk_csv(tmp_path: Path, name: str) -> None:
    path = EXPORTS / "zendesk" / name
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York"}}')
    doc = kpis(config)
    k, b = doc["kpis"], doc["breakdowns"]
    # created in March (Rome): 1, 2, 3 and 4 (2024-02-29 19:30 New York = 03-01 01:30 Rome);
    # 5 was created in February, 6 on 2024-03-31 19:30 New York = 04-01 01:30 Rome
    assert k["ticket_volume"] == 4
    # resolved in March: 1 (09:00→13:00 = 4 h), 2 (03-05 10:00→03-07 10:00 = 48 h),
    # 3 (01:00 EST→05:00 EDT across the DST change = 3 h), 5 (02-20 08:00→03-01 08:00 = 240 h)
    assert k["avg_resolution_hours"] == pytest.approx((4 + 48 + 3 + 240) / 4)  # 73.75
    # first reply = created + minutes: 30, 120, 60 minutes for 1, 2, 3; ticket 4 has none
    assert k["avg_first_response_hours"] == pytest.approx((0.5 + 2 + 1) / 3)
    # FCR: of 1, 2, 3, 5 only 1 has replies ≤ 1 and no reopen (2: 3 replies, 3: reopened, 5: 2 replies)
    assert k["fcr_rate"] == pytest.approx(1 / 4)
    assert k["reopen_rate"] == pytest.approx(1 / 4)  # ticket 3
    assert k["resolution_rate"] == pytest.approx(3 / 4)  # 1, 2, 3 resolved; 4 open
    assert k["sla_first_response_rate"] == pytest.approx(3 / 4)  # 4 was never answered
    assert k["backlog_open"] == 1  # 5 created up to March − 4 resolved up to March
    assert b["tickets_by_channel"] == {"Email": 2, "Web form": 1, "Chat": 1}
    # Ticket Category [list] is the default category; ticket 4 has none
    assert b["tickets_by_category"] == {"Billing": 2, "Shipping": 1, "Uncategorized": 1}
    assert b["agent_tickets"] == {"Ann Lee": 2, "Bob Ray": 1}
    assert doc["data_quality"]["tickets"]["rows_read"] == 6
    assert doc["data_quality"]["tickets"]["excluded"] == {}
    assert doc["data_quality"]["tickets"]["values_discarded"] == {}


def test_zendesk_category_from_ticket_type_option(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York", '
                               'options: {category_column: "Ticket type"}}')
    # Ticket type of the March tickets: 1 question, 2 incident, 3 question, 4 empty
    assert kpis(config)["breakdowns"]["tickets_by_category"] == {
        "question": 2, "incident": 1, "Uncategorized": 1}


def test_zendesk_category_from_tags_option(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York", '
                               'options: {category_tags: {billing: Payments, shipping: Delivery}}}')
    # Tags: 1 "billing vip", 2 "shipping", 3 "billing", 4 none
    assert kpis(config)["breakdowns"]["tickets_by_category"] == {
        "Payments": 2, "Delivery": 1, "Uncategorized": 1}


def test_zendesk_business_hours_option(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York", '
                               'options: {business_hours: true}}')
    # business-hours minutes: 30, 120, 0 for tickets 1, 2, 3
    assert kpis(config)["kpis"]["avg_first_response_hours"] == pytest.approx((0.5 + 2 + 0) / 3)


def test_columns_override_a_preset_mapping(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York", '
                               'columns: {category: "Ticket type", channel: "Priority"}}')
    b = kpis(config)["breakdowns"]
    assert b["tickets_by_category"] == {"question": 2, "incident": 1, "Uncategorized": 1}
    # Priority of the March tickets: Normal, High, Normal, Low
    assert b["tickets_by_channel"] == {"Normal": 2, "High": 1, "Low": 1}


def test_columns_override_of_a_timestamp_is_still_read_in_the_accounts_zone(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, timezone: "America/New_York", '
                               'columns: {resolved_at: "Updated at"}}')
    # resolved = Updated at: 1 (03-08 13:00, 100 h), 2 (03-07 10:05, 48 h 5 min),
    # 3 (05:00 EDT, 3 h), 4 (= created, 0 h), 5 (03-04 08:00 EST, 13 days = 312 h);
    # 6 is updated 04-01 10:00 (April)
    assert kpis(config)["kpis"]["avg_resolution_hours"] == pytest.approx(
        (100 + 48 + 5 / 60 + 3 + 0 + 312) / 5)


def test_zendesk_incremental_export_json(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "incremental.json"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk}}')
    doc = kpis(config)
    k, b = doc["kpis"], doc["breakdowns"]
    # 101, 102, 103 (103: 2024-03-20T23:30Z); 104 is deleted and left out
    assert k["ticket_volume"] == 3
    assert doc["data_quality"]["tickets"]["rows_read"] == 3
    # metric_sets.solved_at: 101 09:00Z→15:00Z = 6 h; 103 03-20 23:30Z→03-22 11:30Z = 36 h
    assert k["avg_resolution_hours"] == pytest.approx((6 + 36) / 2)
    # reply_time_in_minutes.calendar: 45 and 90 minutes; 102 has none
    assert k["avg_first_response_hours"] == pytest.approx((0.75 + 1.5) / 2)
    assert k["fcr_rate"] == pytest.approx(1 / 2)  # 101: 1 reply, 0 reopens; 103: 2 replies, reopened
    assert k["resolution_rate"] == pytest.approx(2 / 3)
    assert b["tickets_by_channel"] == {"email": 1, "web": 1, "chat": 1}
    assert b["tickets_by_category"] == {"incident": 1, "question": 1, "problem": 1}  # `type`
    assert b["agent_tickets"] == {"9001": 1, "9002": 1}  # assignee_id


def test_zendesk_json_category_from_a_custom_field(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "incremental.json"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, '
                               'options: {category_column: custom_field_360001}}')
    # custom field 360001: returns, exchanges, null
    assert kpis(config)["breakdowns"]["tickets_by_category"] == {
        "returns": 1, "exchanges": 1, "Uncategorized": 1}


# ---- tickets: Freshdesk, Intercom, Zammad ------------------------------------------------------

@pytest.mark.parametrize("name", ["tickets.csv", "tickets_title_case.csv"])
def test_freshdesk_csv(tmp_path: Path, name: str) -> None:
    path = EXPORTS / "freshdesk" / name
    config = project(tmp_path, f'{{path: "{path}", preset: freshdesk}}')  # helpdesk zone = report zone
    doc = kpis(config)
    k, b = doc["kpis"], doc["breakdowns"]
    assert k["ticket_volume"] == 3  # 1001, 1002, 1003 (1004 created 02-28)
    # resolved in March: 1001 Resolved time 24 h after creation (Closed time ignored),
    # 1002 no Resolved time → Closed time 03-10 14:00→03-11 02:00 = 12 h, 1004 02-28→03-01 = 48 h
    assert k["avg_resolution_hours"] == pytest.approx((24 + 12 + 48) / 3)
    # 1001 Initial response time 10:30 = 1.5 h; 1002 none → First response time (in hrs) 02:15:00 = 2.25 h
    assert k["avg_first_response_hours"] == pytest.approx((1.5 + 2.25) / 2)
    # FCR over 1001 (1 interaction), 1002 (2), 1004 (1); reopens are not exported (0)
    assert k["fcr_rate"] == pytest.approx(2 / 3)
    assert k["resolution_rate"] == pytest.approx(2 / 3)  # 1003 open
    assert b["tickets_by_channel"] == {"Email": 1, "Portal": 1, "Phone": 1}
    assert b["tickets_by_category"] == {"Refund": 1, "Question": 1, "Uncategorized": 1}
    assert b["agent_tickets"] == {"Carla Neri": 1, "Dario Fo": 1}  # "No Agent" = unassigned
    assert k["tickets_per_agent"] == pytest.approx(2 / 2)


def test_intercom_applies_the_time_zone_stated_in_the_headers(tmp_path: Path) -> None:
    path = EXPORTS / "intercom" / "conversations.csv"
    # the source's timezone is NOT New York: the headers' "(America/New_York)" decides
    config = project(tmp_path, f'{{path: "{path}", preset: intercom, timezone: "Asia/Tokyo"}}')
    doc = kpis(config)
    k, b = doc["kpis"], doc["breakdowns"]
    # 215003 starts 2024-02-29 20:00 New York = 03-01 02:00 Rome (March);
    # 215004 starts 2024-03-31 19:00 EDT = 04-01 01:00 Rome (April)
    assert k["ticket_volume"] == 3
    # 215001 09:00→11:00 = 2 h; 215002 22:00 EST→10:00 EDT next day = 11 h elapsed (12 on the clock)
    assert k["avg_resolution_hours"] == pytest.approx((2 + 11) / 2)
    # 215001 20 min; 215002 22:00 EST→04:00 EDT = 5 h
    assert k["avg_first_response_hours"] == pytest.approx((20 / 60 + 5) / 2)
    assert k["resolution_rate"] == pytest.approx(2 / 3)
    assert k["fcr_rate"] is None  # no replies column in the export
    assert b["tickets_by_channel"] == {"Email": 2, "Chat": 1}
    assert b["tickets_by_category"] == {"Billing": 1, "Shipping": 1, "Uncategorized": 1}
    assert b["agent_tickets"] == {"Eve Stone": 2}


def test_intercom_created_at_header_variant(tmp_path: Path) -> None:
    text = (EXPORTS / "intercom" / "conversations.csv").read_text(encoding="utf-8")
    renamed = tmp_path / "conversations.csv"
    renamed.write_text(text.replace("Conversation started at (America/New_York)",
                                    "conversation created at (America/New_York)", 1), encoding="utf-8")
    config = project(tmp_path, f'{{path: "{renamed}", preset: intercom}}')
    assert kpis(config)["kpis"]["ticket_volume"] == 3  # same rows as above


def test_zammad_xlsx(tmp_path: Path) -> None:
    path = EXPORTS / "zammad" / "ticket_report.xlsx"
    config = project(tmp_path, f'{{path: "{path}", preset: zammad, timezone: UTC}}')
    doc = kpis(config)
    k, b = doc["kpis"], doc["breakdowns"]
    assert k["ticket_volume"] == 3  # 31004: 03-31 22:30 UTC = 04-01 00:30 Rome
    # 31001 closed 24 h after creation; 31003 (dates stored as text) 16:00→18:00 = 2 h
    assert k["avg_resolution_hours"] == pytest.approx((24 + 2) / 2)
    assert k["avg_first_response_hours"] == pytest.approx((1 + 0.5) / 2)  # 31001 60 min, 31002 30 min
    assert k["resolution_rate"] == pytest.approx(2 / 3)
    assert k["fcr_rate"] is None  # Article Count is not agent replies
    assert b["tickets_by_channel"] == {"email": 1, "phone": 1, "web": 1}
    assert b["tickets_by_category"] == {"Sales": 1, "Support": 2}  # Group
    assert b["agent_tickets"] == {"Gina Fox": 2}  # Owner "-" = unassigned
    assert k["tickets_per_agent"] == pytest.approx(2 / 1)


# ---- surveys ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["survey_responses.json", "survey_responses.csv"])
def test_delighted(tmp_path: Path, name: str) -> None:
    path = EXPORTS / "delighted" / name
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: delighted}}')
    doc = kpis(config)
    k = doc["kpis"]
    # NPS in March: 10, 9, 9 (created_at 02-29 23:00 UTC = 03-01 00:00 Rome), 7, 3;
    # 9006 (02-29 22:59 UTC = 23:59 Rome) is February. (3 promoters − 1 detractor) / 5 × 100
    assert k["nps_responses"] == 5
    assert k["nps"] == pytest.approx(40.0)
    assert k["csat"] == pytest.approx(1 / 2)  # 5 and 2
    assert k["negative_feedback_rate"] == pytest.approx(1 / 2)
    assert k["ces"] == pytest.approx(1 / 2)  # 5 and 3, low effort ≥ 4
    assert doc["data_quality"]["surveys"]["excluded"] == {"unknown_survey_kind": 1}  # the 5star response


def test_delighted_ticket_property_option(tmp_path: Path) -> None:
    path = EXPORTS / "delighted" / "survey_responses.json"
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{path}", preset: delighted, options: {{ticket_property: "Ticket ID"}}}}')
    columns = PRESETS["delighted"].columns(
        "surveys", ["id", "score", "created_at", "survey_type", "person_properties"],
        load_config(config).sources.surveys, path)  # type: ignore[arg-type]
    assert columns["ticket_id"] == "json_extract_string(c4, '$.\"Ticket ID\"')"
    assert kpis(config)["kpis"]["nps"] == pytest.approx(40.0)  # as above


def test_typeform(tmp_path: Path) -> None:
    path = EXPORTS / "typeform" / "responses.csv"
    question = "How likely are you to recommend Acme to a friend or colleague?"
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{path}", preset: typeform, options: {{score_column: "{question}", survey: nps}}}}')
    doc = kpis(config)
    k = doc["kpis"]
    # March (Submit Date is UTC): 10, 8, 4 and 6 (02-29 23:30 UTC = 03-01 00:30 Rome);
    # the 03-31 22:30 UTC response is April; the partial one has no submit date
    assert k["nps_responses"] == 4
    assert k["nps"] == pytest.approx((1 - 2) / 4 * 100)  # 1 promoter, 1 passive, 2 detractors: −25
    assert doc["data_quality"]["surveys"]["excluded"] == {"missing_submitted_at": 1}


def test_surveymonkey_two_header_rows(tmp_path: Path) -> None:
    path = EXPORTS / "surveymonkey" / "responses.csv"
    options = ('{score_column: "How satisfied were you with our support?", survey: csat, '
               'ticket_column: "Custom Data 1", score_labels: {"Very satisfied": 5, Satisfied: 4, '
               'Neutral: 3, Dissatisfied: 2, "Very dissatisfied": 1}}')
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: surveymonkey, options: {options}}}')
    doc = kpis(config)
    k = doc["kpis"]
    # the sub-header row is not a response: 5 rows read
    assert doc["data_quality"]["surveys"]["rows_read"] == 5
    # March (month-first dates, Rome): Very satisfied 5, Satisfied 4, Dissatisfied 2, Neutral 3
    # (03/31 11:59:59 PM); 04/01 12:00:30 AM is April
    assert k["csat_responses"] == 4
    assert k["csat"] == pytest.approx(2 / 4)  # scores ≥ 4
    assert k["negative_feedback_rate"] == pytest.approx(1 / 4)  # scores ≤ 2


def test_qualtrics_three_header_rows_and_stated_time_zone(tmp_path: Path) -> None:
    path = EXPORTS / "qualtrics" / "responses.csv"
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{path}", preset: qualtrics, options: {{score_column: Q1, survey: nps}}}}')
    doc = kpis(config)
    k = doc["kpis"]
    assert doc["data_quality"]["surveys"]["rows_read"] == 5  # rows 2 and 3 are headers
    # row 3 states America/Denver: R_4 02-29 17:30 MST = 03-01 01:30 Rome (March),
    # R_5 03-31 17:30 MDT = 04-01 01:30 Rome (April). March: 9, 10, 8, 0
    assert k["nps_responses"] == 4
    assert k["nps"] == pytest.approx((2 - 1) / 4 * 100)  # 25
    assert doc["data_quality"]["surveys"]["excluded"] == {}


def test_zendesk_csat_from_the_ticket_export(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{path}", preset: zendesk_csat, timezone: "America/New_York"}}')
    doc = kpis(config)
    k = doc["kpis"]
    # rated tickets only (Offered / Not Offered are not responses): 1 Good, 2 Bad, 5 Good, 6 Good
    assert doc["data_quality"]["surveys"]["rows_read"] == 4
    # dated by Solved at: 1 (03-04), 2 (03-07), 5 (03-01 08:00 EST = 14:00 Rome) in March;
    # 6 is unsolved → Updated at 04-01 10:00 New York: April
    assert k["csat_responses"] == 3
    assert k["csat"] == pytest.approx(2 / 3)  # Good / (Good + Bad)
    assert k["negative_feedback_rate"] == pytest.approx(1 / 3)


def test_zendesk_csat_from_a_zipped_ticket_export(tmp_path: Path) -> None:
    """Zendesk ships exports as .csv.zip: the Good/Bad filter still applies to the file inside."""
    import zipfile

    archive = tmp_path / "export.csv.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(EXPORTS / "zendesk" / "tickets.csv", "tickets.csv")
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{archive}", preset: zendesk_csat, timezone: "America/New_York"}}')
    doc = kpis(config)
    # the same four rated tickets as the plain CSV (unrated rows are not responses)
    assert doc["data_quality"]["surveys"]["rows_read"] == 4
    assert doc["kpis"]["csat"] == pytest.approx(2 / 3)


def test_zendesk_csat_from_the_incremental_export(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "incremental.json"
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: zendesk_csat}}')
    doc = kpis(config)
    # 101 good (solved 03-02), 103 bad (solved 03-22); 102 offered, 104 deleted
    assert doc["data_quality"]["surveys"]["rows_read"] == 2
    assert doc["kpis"]["csat"] == pytest.approx(1 / 2)


def test_presets_through_the_cli(tmp_path: Path) -> None:
    path = EXPORTS / "intercom" / "conversations.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: intercom}}')
    result = CliRunner().invoke(main, ["kpis", "--config", str(config), "--month", MONTH,
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kpis"]["ticket_volume"] == 3


# ---- errors -------------------------------------------------------------------------------------

def test_missing_vendor_column_is_one_line_naming_file_and_column(tmp_path: Path) -> None:
    source = EXPORTS / "zendesk" / "tickets.csv"
    broken = tmp_path / "zendesk.csv"
    broken.write_text(source.read_text(encoding="utf-8").replace("Created at", "Created", 1), encoding="utf-8")
    config = project(tmp_path, f'{{path: "{broken}", preset: zendesk}}')
    with pytest.raises(MissingColumnError) as caught:
        kpis(config)
    message = str(caught.value)
    assert isinstance(caught.value, ReportgenError)
    assert "\n" not in message
    assert str(broken) in message
    assert "'Created at'" in message and "created_at" in message


def test_missing_score_column_option_and_missing_question(tmp_path: Path) -> None:
    path = EXPORTS / "typeform" / "responses.csv"
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: typeform, options: {{survey: nps}}}}')
    with pytest.raises(ConfigError, match=r"options\.score_column is required for preset 'typeform'"):
        kpis(config)
    config = project(tmp_path, generic_tickets(),
                     f'{{path: "{path}", preset: typeform, options: {{score_column: "How likely?", survey: nps}}}}')
    with pytest.raises(MissingColumnError, match=r"responses\.csv.*'How likely\?' not found"):
        kpis(config)


# ---- column options match the header as a reader sees it -----------------------------------

def test_typeform_question_with_html_is_found_by_its_plain_text(tmp_path: Path) -> None:
    """Typeform writes a question's formatting into the header; the option names the text a reader sees."""
    path = tmp_path / "typeform.csv"
    path.write_text(
        "#,How likely are you to recommend <strong>Acme</strong> to a friend?,"
        "What&apos;s the <em>one</em> thing we could do better?,Response Type,Submit Date (UTC)\n"
        "r1,10,Faster replies &amp; more,completed,2024-03-02 10:00:00\n"
        "r2,3,,completed,2024-03-03 10:00:00\n"
        "r3,9,,completed,2024-03-04 10:00:00\n", encoding="utf-8")
    options = ('{score_column: "how likely are you to recommend ACME to a friend?", survey: nps, '
               "comment_column: \"What's the one thing we could do better?\"}")
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: typeform, options: {options}}}')
    k = kpis(config)["kpis"]
    assert k["nps_responses"] == 3
    assert k["nps"] == pytest.approx((2 - 1) / 3 * 100)  # 10 and 9 promote, 3 detracts


def test_surveymonkey_entity_in_a_header_is_found_by_its_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "surveymonkey.csv"
    path.write_text(
        "Respondent ID,End Date,What&apos;s your overall satisfaction?,What&apos;s on your mind?\n"
        ",,Response,Open-Ended Response\n"
        "1,03/04/2024 10:15:00 AM,5,Great\n"
        "2,03/05/2024 10:15:00 AM,2,Slow\n", encoding="utf-8")
    options = ("{score_column: \"What's your overall satisfaction?\", survey: csat, "
               "comment_column: \"What's on your mind?\"}")
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: surveymonkey, options: {options}}}')
    k = kpis(config)["kpis"]
    assert k["csat_responses"] == 2
    assert k["csat"] == pytest.approx(1 / 2)


def test_an_optional_column_an_option_names_is_not_called_required(tmp_path: Path) -> None:
    path = EXPORTS / "typeform" / "responses.csv"
    options = ('{score_column: "How likely are you to recommend Acme to a friend or colleague?", survey: nps, '
               'comment_column: "What could we do beter?"}')
    config = project(tmp_path, generic_tickets(), f'{{path: "{path}", preset: typeform, options: {options}}}')
    with pytest.raises(MissingColumnError) as caught:
        kpis(config)
    message = str(caught.value)
    assert "required" not in message, message
    assert "column 'What could we do beter?' not found" in message
    assert ("closest header: 'What could we do better?': set sources.surveys.options.comment_column: "
            '"What could we do better?"') in message


def test_unknown_option_is_a_config_error(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, options: {{category_colum: Group}}}}')
    with pytest.raises(ConfigError, match=r"unknown option 'category_colum'.*did you mean 'category_column'"):
        kpis(config)


def test_columns_override_naming_an_absent_header(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, columns: {{category: "Ticket Kind"}}}}')
    with pytest.raises(MissingColumnError, match=r"'Ticket Kind' \(from sources\.tickets\.columns\) not found"):
        kpis(config)


def test_presets_are_registered_for_their_datasets_only() -> None:
    tickets = {"zendesk", "freshdesk", "intercom", "zammad"}
    surveys = {"delighted", "typeform", "surveymonkey", "qualtrics", "zendesk_csat", "google_forms"}
    assert {n for n, p in PRESETS.items() if p.datasets == ("tickets",)} == tickets
    assert {n for n, p in PRESETS.items() if p.datasets == ("surveys",)} == surveys
    base = 'sources:\n  tickets: {path: "t.csv", preset: %s}\n  surveys: {path: "s.csv", preset: %s}\n'
    parse_config(base % ("zendesk", "delighted"))  # valid
    with pytest.raises(ConfigError, match=r"tickets: preset 'delighted' reads surveys, not tickets "
                                          r"\(presets for tickets: generic, zendesk"):
        parse_config(base % ("delighted", "delighted"))
    with pytest.raises(ConfigError, match=r"surveys: preset 'zendesk' reads tickets, not surveys "
                                          r"\(presets for surveys: .*zendesk_csat"):
        parse_config(base % ("zendesk", "zendesk"))
    with pytest.raises(ConfigError, match=r"tickets: unknown preset 'zendsk' \(known: generic, zendesk"):
        parse_config(base % ("zendsk", "delighted"))
    with pytest.raises(ConfigError, match=r"preset 'delighted' reads surveys, not tickets"):
        get_preset("delighted", "tickets")


def test_presets_md_documents_every_preset_and_option() -> None:
    text = (Path(__file__).parents[1] / "docs" / "PRESETS.md").read_text(encoding="utf-8")
    for name, preset in PRESETS.items():
        assert f"`{name}`" in text, name
        for option in preset.options:
            assert f"`{option}`" in text, f"{name}: option {option}"
        module = preset.columns.__module__
        if name != "generic":
            assert (__import__(module, fromlist=["_"]).__doc__ or "").strip(), module


def test_fixture_copy_in_a_glob_with_duplicates_keeps_the_last(tmp_path: Path) -> None:
    # two exports of the same account, the later one with ticket 4 solved: last occurrence wins
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXPORTS / "zendesk" / "tickets.csv", folder / "a.csv")
    text = (EXPORTS / "zendesk" / "tickets.csv").read_text(encoding="utf-8").splitlines()
    header, row4 = text[0], next(line for line in text if line.startswith("4,"))
    cells = row4.split(",")
    cells[header.split(",").index("Solved at")] = "2024-02-29 21:30:00"  # 2 h after creation
    (folder / "b.csv").write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
    config = project(tmp_path, f'{{path: "{folder}/*.csv", preset: zendesk, timezone: "America/New_York"}}')
    doc = kpis(config)
    assert doc["data_quality"]["tickets"]["duplicates"] == 1
    assert doc["kpis"]["resolution_rate"] == pytest.approx(4 / 4)
    # resolved in March: 4, 48, 3, 240 h as before plus ticket 4 (2 h)
    assert doc["kpis"]["avg_resolution_hours"] == pytest.approx((4 + 48 + 3 + 240 + 2) / 5)


def test_an_error_in_a_rewritten_export_names_the_users_file(tmp_path: Path) -> None:
    """Zendesk JSON is rewritten into a scratch file; a problem found there must point at the export."""
    from reportgen.engine import _about_original
    from reportgen.errors import DataError, Location

    scratch, export = tmp_path / "scratch" / "tickets.csv", tmp_path / "export.json"
    error = DataError("a quoted value is never closed", Location(file=scratch, row=5), hint="check it")
    moved = _about_original(error, scratch, export, "zendesk")
    assert isinstance(moved, DataError)
    assert str(moved) == f"{export}: record 4 of the zendesk export: a quoted value is never closed — check it"
    unrelated = DataError("x", Location(file=tmp_path / "other.csv"))
    assert _about_original(unrelated, scratch, export, "zendesk") is unrelated


# ---- two headers for one canonical column ----------------------------------------------------

_TWO_CREATED = ("ticket_id,created_at,Created_At,category\n"
                "T1,2024-03-15 10:00:00,2024-02-01 10:00:00,Billing\n")


def _cli_kpis(config: Path) -> Any:
    return CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH, "--format", "json"])


def test_two_headers_for_one_canonical_column_stop_with_one_line(tmp_path: Path) -> None:
    """`created_at` and `Created_At` both read as created_at: which one was meant is not
    guessed (the first used to win silently)."""
    (tmp_path / "two.csv").write_text(_TWO_CREATED, encoding="utf-8")
    config = project(tmp_path, '{path: "two.csv"}')
    result = _cli_kpis(config)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "two.csv, row 1:" in lines[0]
    assert "column 2 'created_at'" in lines[0] and "column 3 'Created_At'" in lines[0], lines[0]
    assert 'sources.tickets.columns: {created_at: "created_at"}' in lines[0], lines[0]


@pytest.mark.parametrize(("chosen", "month"), [("created_at", "2024-03"), ("Created_At", "2024-02")])
def test_a_columns_override_naming_one_of_two_headers_resolves_them(
        tmp_path: Path, chosen: str, month: str) -> None:
    (tmp_path / "two.csv").write_text(_TWO_CREATED, encoding="utf-8")
    config = project(tmp_path, f'{{path: "two.csv", columns: {{created_at: "{chosen}"}}}}')
    assert kpis(config, month)["kpis"]["ticket_volume"] == 1


def _zendesk_with(tmp_path: Path, header: str, value: str) -> Path:
    """The Zendesk sample export with one more column, ``header``, holding ``value`` in every row."""
    lines = (EXPORTS / "zendesk" / "tickets.csv").read_text(encoding="utf-8").splitlines()
    lines = [line + "," + (header if n == 0 else value) for n, line in enumerate(lines)]
    (tmp_path / "zendesk.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "zendesk.csv"


def test_a_vendor_header_twice_in_other_casing_stops_a_preset_too(tmp_path: Path) -> None:
    zendesk = _zendesk_with(tmp_path, "Solved At", "")
    config = project(tmp_path, f'{{path: "{zendesk}", preset: zendesk}}')
    result = _cli_kpis(config)
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert "'Solved at'" in line and "'Solved At'" in line and "resolved_at" in line, line
    assert "sources.tickets.columns: {resolved_at:" in line, line
    fixed = project(tmp_path, f'{{path: "{zendesk}", preset: zendesk, '
                              f'columns: {{resolved_at: "Solved at"}}}}')
    assert kpis(fixed)["kpis"]["ticket_volume"] == kpis(
        project(tmp_path, f'{{path: "{EXPORTS / "zendesk" / "tickets.csv"}", preset: zendesk}}'))["kpis"][
        "ticket_volume"]


def test_a_preset_alias_beside_the_canonical_name_stops(tmp_path: Path) -> None:
    """A Zendesk export with a `created_at` column added: the preset reads `Created at`, and the
    other one is not silently ignored."""
    zendesk = _zendesk_with(tmp_path, "created_at", "2024-01-01 00:00:00")
    config = project(tmp_path, f'{{path: "{zendesk}", preset: zendesk}}')
    result = _cli_kpis(config)
    assert result.exit_code == 1, result.output
    line = result.stderr.strip()
    assert "'Created at'" in line and "'created_at'" in line, line
    assert "sources.tickets.columns: {created_at:" in line, line
    fixed = project(tmp_path, f'{{path: "{zendesk}", preset: zendesk, '
                              f'columns: {{created_at: "Created at"}}}}')
    assert kpis(fixed)["kpis"]["ticket_volume"] > 0


# ---- a columns: override naming a header the file lacks --------------------------------------

def test_an_override_naming_an_absent_header_suggests_a_header_for_its_column(tmp_path: Path) -> None:
    """The hint is about the override's column (ticket_id), not about the misspelt value
    ('nope' is closest to 'reopens', which has nothing to do with ticket ids)."""
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,replies,reopens\nT1,2024-03-15 10:00:00,1,0\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                      '  tickets: {path: tickets.csv, columns: {ticket_id: "nope"}}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "tickets.csv, row 1: column 'nope' (from sources.tickets.columns) not found" in line, line
    assert 'columns: {ticket_id: "nope"}' in line and "closest header for ticket_id: 'ticket_id'" in line, line
    assert 'sources.tickets.columns: {ticket_id: "ticket_id"}' in line and "remove the override" in line, line
    assert "reopens\"}" not in line and "{nope:" not in line, line


def test_an_override_with_a_typo_suggests_the_header_it_resembles(tmp_path: Path) -> None:
    path = EXPORTS / "zendesk" / "tickets.csv"
    config = project(tmp_path, f'{{path: "{path}", preset: zendesk, columns: {{category: "Ticket Categry [list]"}}}}')
    with pytest.raises(MissingColumnError) as caught:
        kpis(config)
    assert "closest header for category: 'Ticket Category [list]'" in str(caught.value), caught.value
    assert 'sources.tickets.columns: {category: "Ticket Category [list]"}' in str(caught.value), caught.value


@pytest.mark.parametrize("command", [["validate"], ["kpis", "-m", MONTH]])
def test_an_override_of_an_optional_column_naming_an_absent_header_stops(tmp_path: Path,
                                                                          command: list[str]) -> None:
    """category is optional: skipping the misspelt override read every ticket as Uncategorized
    and `validate` said there was nothing wrong."""
    (tmp_path / "tickets.csv").write_text(
        "ticket_id,created_at,category\nT1,2024-03-15 10:00:00,Billing\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                      '  tickets: {path: tickets.csv, columns: {category: "categroy"}}\n', encoding="utf-8")
    result = CliRunner().invoke(main, [command[0], "-c", str(config), *command[1:]])
    assert result.exit_code == 1, result.output
    assert "OK: no problems found" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "column 'categroy' (from sources.tickets.columns) not found" in errors[0], errors[0]
    assert 'set sources.tickets.columns: {category: "category"}' in errors[0], errors[0]


# ---- an export re-saved by Excel: day-first local dates ------------------------------------------

def day_first_project(tmp_path: Path, preset: str, text: str, extra: str = "") -> Path:
    """A one-file project whose tickets export Excel re-saved day-first (zone: the report's)."""
    path = tmp_path / f"{preset}.csv"
    path.write_text(text, encoding="utf-8")
    return project(tmp_path, f'{{path: "{path}", preset: {preset}{extra}}}')


ZENDESK_DAY_FIRST = (
    "Id,Created at,Solved at,First reply time in minutes\n"
    "1,14/10/2026 09:00,15/10/2026 09:00,30\n"
    "2,03/10/2026 14:05,13/10/2026 14:05,90\n"
    "3,20/10/2026 23:50,,\n"
)


def test_a_day_first_zendesk_export_derives_the_first_reply_from_the_inferred_format(
        tmp_path: Path) -> None:
    """Created at + "First reply time in minutes" starts from created_at read day-first, not from nothing."""
    k = kpis(day_first_project(tmp_path, "zendesk", ZENDESK_DAY_FIRST), "2026-10")["kpis"]
    assert k["ticket_volume"] == 3  # 14, 3 and 20 October
    assert k["avg_resolution_hours"] == pytest.approx((24 + 240) / 2)  # 1: one day; 2: ten days
    # first reply = created + minutes: 30 and 90 minutes for tickets 1 and 2; ticket 3 has none
    assert k["avg_first_response_hours"] == pytest.approx((0.5 + 1.5) / 2)


def test_a_configured_date_format_reads_the_derived_first_reply_too(tmp_path: Path) -> None:
    """``date_format:`` on the source (not inferred) is the start of the derived instant as well."""
    config = day_first_project(tmp_path, "zendesk", ZENDESK_DAY_FIRST, ', date_format: "%d/%m/%Y %H:%M"')
    assert kpis(config, "2026-10")["kpis"]["avg_first_response_hours"] == pytest.approx((0.5 + 1.5) / 2)


def test_a_day_first_freshdesk_export_derives_the_first_response_from_the_inferred_format(
        tmp_path: Path) -> None:
    """Created time + "First response time (in hrs)" (a clock duration) starts from the day-first date."""
    text = ("Ticket ID,Created time,Resolved time,Initial response time,First response time (in hrs)\n"
            "1001,14/10/2026 09:00,15/10/2026 09:00,14/10/2026 10:30,01:30:00\n"
            "1002,03/10/2026 14:00,,,02:15:00\n")
    k = kpis(day_first_project(tmp_path, "freshdesk", text), "2026-10")["kpis"]
    assert k["ticket_volume"] == 2
    # 1001 Initial response time 10:30 = 1.5 h; 1002 none → created + 02:15:00 = 2.25 h
    assert k["avg_first_response_hours"] == pytest.approx((1.5 + 2.25) / 2)
