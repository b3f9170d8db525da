"""The declarative connector base: the one registry, typed settings, typed cursors (and the migration of
cursors stored before them), and each connector's canonical mapping table, row by row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.config import SourceConfig, load_config
from reportgen.registry import CONNECTORS, OUTPUTS, PRESETS, WAREHOUSE_PRESETS
from reportgen.sources.api.delighted import DelightedResponses
from reportgen.sources.api.freshdesk import FreshdeskTickets
from reportgen.sources.api.registry import connector_class
from reportgen.sources.api.streams import Cursor, StreamCursor
from reportgen.sources.api.typeform import TypeformResponses
from reportgen.sources.api.zendesk import ZendeskTickets
from reportgen.sources.api.zendesk_csat import ZendeskCsat


def test_validating_a_config_imports_no_connector_preset_or_output() -> None:
    code = ("import sys; from reportgen.config import parse_config\n"
            "parse_config('sources: {tickets: {api: zendesk, url: \"https://a.zendesk.com\"}}')\n"
            "print(sorted(m for m in sys.modules if m.startswith(('reportgen.sources.api.', "
            "'reportgen.sources.presets', 'reportgen.outputs.'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_one_registry_names_every_part_and_loads_it_on_demand() -> None:
    assert connector_class("tickets", "freshdesk") is FreshdeskTickets
    assert CONNECTORS.names("surveys") == ["zendesk_csat", "delighted", "typeform", *CONNECTORS.names("surveys")[3:]]
    for name in CONNECTORS:  # each entry's datasets are the class's own
        assert CONNECTORS.load(name).datasets == CONNECTORS.entry(name).datasets
    assert PRESETS.load("zendesk").datasets == ("tickets",) and "dbt_zendesk" in WAREHOUSE_PRESETS
    assert OUTPUTS.names() == ["google_sheets", "email", "site"]
    assert CONNECTORS.unknown("freshdek") == "unknown api 'freshdek' (did you mean 'freshdesk'?)"


def test_settings_are_typed_and_each_problem_names_its_key() -> None:
    problems = ZendeskTickets.problems("tickets", SourceConfig(
        api="zendesk", url="ftp://x", token="t", form="F", category="color",
        options={"category_tag_prefx": "c_", "max_minutes": -1}))
    assert sorted(problems) == sorted([
        "sources.tickets.url: 'ftp://x' must start with https:// (the account's base URL)",
        "sources.tickets.email: required for api: zendesk",
        "sources.tickets.category: 'color' is not one of type, tags or custom_field:<field id>",
        "sources.tickets.options.max_minutes: must be a positive number of minutes",
        "sources.tickets.options.category_tag_prefx: unknown option for api: zendesk "
        "(did you mean 'category_tag_prefix'?)",
        "sources.tickets.form: not used by api: zendesk (it takes url:, token:, start:, email:, category:)",
    ])
    connector = DelightedResponses("surveys", SourceConfig(api="delighted", token="k",
                                                           options={"survey": " NPS ", "max_body_mb": 2}), "UTC")
    assert connector.config.options.survey == "nps"  # type: ignore[attr-defined]
    assert connector.max_body_bytes() == 2 * 2 ** 20


@pytest.mark.parametrize(("connector", "stored", "expected"), [
    (ZendeskTickets("tickets", SourceConfig(api="zendesk", url="https://a", email="e", token="t"), "UTC"),
     {"after_cursor": "abc"}, Cursor("tickets", {"tickets": StreamCursor(token="abc")})),
    (ZendeskCsat("surveys", SourceConfig(api="zendesk_csat", url="https://a", email="e", token="t"), "UTC"),
     {"start_time": 100, "newest": 200, "after": None, "done": True},
     Cursor("ratings", {"ratings": StreamCursor(since=100, newest=200, done=True)})),
    (FreshdeskTickets("tickets", SourceConfig(api="freshdesk", url="https://a", token="t"), "UTC"),
     {"tickets": "1970-01-01T00:01:40Z", "deleted": "1970-01-01T00:00:50Z", "stream": "deleted", "page": 3},
     Cursor("deleted", {"tickets": StreamCursor(since=100), "deleted": StreamCursor(since=50, page=3)})),
    (DelightedResponses("surveys", SourceConfig(api="delighted", token="t"), "UTC"),
     {"since": 100, "page": 2}, Cursor("responses", {"responses": StreamCursor(since=100, page=2)})),
    (TypeformResponses("surveys", SourceConfig(api="typeform", token="t", form="F"), "UTC"),
     {"since": "1970-01-01T00:01:40+00:00", "newest": None, "before": "tok", "done": False},
     Cursor("responses", {"responses": StreamCursor(since=100, token="tok")})),
])
def test_a_cursor_stored_before_the_base_is_read_as_a_typed_cursor(connector: ZendeskTickets, stored: dict[str, object],
                                                                    expected: Cursor) -> None:
    assert connector.cursor_of(stored) == expected
    assert connector.cursor_of(expected.dump()) == expected  # and the new form reads back the same


def test_zendesk_mapping_table() -> None:
    connector = ZendeskTickets("tickets", SourceConfig(api="zendesk", url="https://a", email="e", token="t",
                                                       category="tags", options={"category_tag_prefix": "c_"}), "UTC")
    record = {"id": 7, "created_at": "2025-01-02T09:00:00Z", "status": "solved", "type": "question",
              "tags": ["vip", "c_billing"], "channel": "native_messaging", "assignee_id": 3, "requester_id": 9,
              "solved_at": "2025-01-02T13:00:00Z", "replies": 2, "reopens": -1, "reply_minutes": 90,
              "reply_business_minutes": 30, "resolution_business_minutes": None}
    assert connector.canonical(record, {"user": {"3": "Ann"}}) == {
        "ticket_id": "7", "created_at": "2025-01-02T09:00:00+00:00", "first_response_at": "2025-01-02T10:30:00+00:00",
        "resolved_at": "2025-01-02T13:00:00+00:00", "category": "billing", "channel": "Messaging", "agent": "Ann",
        "replies": 2, "reopens": None, "customer_id": "9", "first_response_business_minutes": 30,
        "resolution_business_minutes": None}
    assert connector.columns == tuple(connector.mapping)


def test_freshdesk_mapping_table() -> None:
    connector = FreshdeskTickets("tickets", SourceConfig(api="freshdesk", url="https://a", token="t",
                                                         category="cf_product"), "UTC")
    record = {"id": 5, "created_at": "2025-01-02T09:00:00Z", "status": 5, "source": 42, "type": "Question",
              "responder_id": 1, "requester_id": 2, "custom_fields": {"cf_product": " App "},
              "first_responded_at": "2025-01-02T10:00:00Z", "resolved_at": None,
              "closed_at": "2025-01-03T09:00:00Z", "reopened_at": "2025-01-02T12:00:00Z"}
    assert connector.canonical(record, {"agent": {"1": "Carla"}}) == {
        "ticket_id": "5", "created_at": "2025-01-02T09:00:00+00:00", "first_response_at": "2025-01-02T10:00:00+00:00",
        "resolved_at": "2025-01-03T09:00:00+00:00", "category": "App", "channel": "Source 42", "agent": "Carla",
        "reopens": 1, "customer_id": "2"}
    assert "replies" not in connector.columns  # not in the API: FCR shows no value, never a 0


def test_survey_mapping_tables() -> None:
    csat = ZendeskCsat("surveys", SourceConfig(api="zendesk_csat", url="https://a", email="e", token="t",
                                               options={"good_score": 1, "bad_score": 0}), "UTC")
    rating = {"id": 1, "score": "bad", "ticket_id": 4, "comment": " ", "created_at": "2025-01-02T09:00:00Z",
              "updated_at": None}
    assert csat.canonical(rating, {}) == {"response_id": "1", "submitted_at": "2025-01-02T09:00:00+00:00",
                                          "survey": "csat", "score": 0, "ticket_id": "4", "comment": None}
    assert csat.canonical({**rating, "score": "offered"}, {}) is None
    delighted = DelightedResponses("surveys", SourceConfig(api="delighted", token="t",
                                                           options={"ticket_property": "Ticket"}), "UTC")
    response = {"id": "8", "survey_type": "ces", "score": 6, "comment": "ok", "created_at": 86400,
                "person_properties": {"Ticket": "T9"}}
    assert delighted.canonical(response, {}) == {"response_id": "8", "submitted_at": "1970-01-02T00:00:00+00:00",
                                                 "survey": "ces", "score": 6, "ticket_id": "T9", "comment": "ok"}
    typeform = TypeformResponses("surveys", SourceConfig(api="typeform", token="t", form="F", options={
        "score_field": "q", "survey": "CSAT", "ticket_hidden": "tid"}), "UTC")
    answer = {"token": "r1", "submitted_at": "2025-01-02T09:00:00Z", "hidden": {"tid": "T1"},
              "answers": [{"field": {"ref": "q"}, "choice": {"label": "Great"}}]}
    assert typeform.canonical(answer, {}) == {"response_id": "r1", "submitted_at": "2025-01-02T09:00:00+00:00",
                                              "survey": "csat", "score": "Great", "ticket_id": "T1", "comment": None}


def test_rate_limit_headers_say_how_long_to_wait() -> None:
    from reportgen.sources.api.http import RateLimit

    intercom = RateLimit("X-RateLimit-Remaining", "X-RateLimit-Reset", wall=lambda: 1000.0)
    assert intercom({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "1030"}, False) is None  # some left
    assert intercom({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030"}, False) == 30  # spent
    assert intercom({"X-RateLimit-Reset": "1030"}, False) is None  # nothing says the window is spent
    assert intercom({"X-RateLimit-Reset": "1030"}, True) == 30  # a 429 without Retry-After
    assert intercom({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "990"}, True) == 0  # already reset
    assert intercom({"X-RateLimit-Remaining": "0"}, True) is None  # no reset given: the backoff decides
    assert intercom({"X-RateLimit-Reset": "soon"}, True) is None
    assert intercom({"X-RateLimit-Reset": str(1000 + 86400 * 2)}, True) == 3600  # capped
    helpscout = RateLimit("X-RateLimit-Remaining-Minute", "X-RateLimit-Retry-After", reset_in_seconds=True)
    assert helpscout({"X-RateLimit-Remaining-Minute": "0", "X-RateLimit-Retry-After": "12"}, False) == 12


def test_the_readme_example_connector_works_as_written() -> None:
    import re
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "reportgen" / "sources" / "api" / "README.md"
    found = re.search(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    assert found is not None
    scope: dict[str, object] = {}
    exec(found.group(1), scope)
    acme = scope["AcmeTickets"]
    assert acme.problems("tickets", SourceConfig(api="acme")) == [  # type: ignore[attr-defined]
        "sources.tickets.token: required for api: acme"]
    connector = acme("tickets", SourceConfig(api="acme", token="t"), "UTC")  # type: ignore[operator]
    assert connector.columns == ("ticket_id", "created_at", "agent")
    assert connector.canonical({"id": 1, "created_at": "2025-01-02T09:00:00Z", "assignee_id": 3},
                               {"agent": {"3": "Ann"}}) == {
        "ticket_id": "1", "created_at": "2025-01-02T09:00:00+00:00", "agent": "Ann"}


def test_intercom_mapping_tables() -> None:
    from reportgen.sources.api.intercom import IntercomCsat, IntercomTickets

    record = {"id": "42", "created_at": 86400, "updated_at": 90000, "state": "closed", "tags": ["", "Billing"],
              "channel": "phone_call", "admin_assignee_id": 7, "customer_id": "c-9",
              "custom_attributes": {"Product": "App"}, "first_admin_reply_at": 90000, "last_close_at": 93600,
              "count_reopens": 2, "rating": 4, "remark": " fine ", "rated_at": 97200}
    tickets = IntercomTickets("tickets", SourceConfig(api="intercom", token="t"), "UTC")
    assert tickets.canonical(record, {"admin": {"7": "Ann"}}) == {
        "ticket_id": "42", "created_at": "1970-01-02T00:00:00+00:00", "first_response_at": "1970-01-02T01:00:00+00:00",
        "resolved_at": "1970-01-02T02:00:00+00:00", "category": "Billing", "channel": "Phone", "agent": "Ann",
        "reopens": 2, "customer_id": "c-9"}
    assert "replies" not in tickets.columns  # no count of teammate replies: FCR has no value, never a 0
    assert tickets.canonical({**record, "state": "snoozed"}, {})["resolved_at"] is None  # type: ignore[index]
    by_attribute = IntercomTickets("tickets", SourceConfig(api="intercom", token="t", options={
        "category": "custom_attribute:Product"}), "UTC")
    assert by_attribute.canonical(record, {})["category"] == "App"  # type: ignore[index]
    csat = IntercomCsat("surveys", SourceConfig(api="intercom_csat", token="t"), "UTC")
    assert csat.canonical(record, {}) == {"response_id": "42", "submitted_at": "1970-01-02T03:00:00+00:00",
                                          "survey": "csat", "score": 4, "ticket_id": "42", "comment": "fine"}
    assert csat.canonical({**record, "rating": None}, {}) is None  # not rated: not a response


def test_a_connector_settings_problem_names_its_line_and_list_item(tmp_path: Path) -> None:
    # written block-style, every key on its own line: each problem points at its own line,
    # and the second source of a list is tickets[1]
    (tmp_path / "config.yaml").write_text(
        'report:\n  title: "T"\n  timezone: "Europe/Rome"\n'
        "sources:\n"
        "  tickets:\n"
        '    - path: "t.csv"\n'                  # line 6
        "    - api: zendesk\n"                   # line 7
        '      url: "https://acme.zendesk.com"\n'
        '      token: "t0k"\n'
        "      options:\n"                       # line 10
        "        category_tag_prefx: x\n",       # line 11
        encoding="utf-8")
    from reportgen.sources.api.pull import settings_problems

    problems = settings_problems(load_config(tmp_path / "config.yaml"))
    assert "sources.tickets[1].email (line 7): required for api: zendesk" in problems
    assert any(p.startswith("sources.tickets[1].options.category_tag_prefx (line 11): unknown option")
               for p in problems), problems
