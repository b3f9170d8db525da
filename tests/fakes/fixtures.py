"""Fixtures for the pull tests: fake accounts with a hand-made month of data, and project folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.freshdesk import FreshdeskFake
from fakes.zendesk import ZendeskFake

ZD_EMAIL = "lead@example.com"
ZD_TOKEN = "zdTOKEN-7f3a9c1e5b"  # recognisable: tests assert it never shows up anywhere
FD_KEY = "fdKEY-2b8d4e6f0a"
CATEGORY_FIELD = 360001234


def fill_zendesk(fake: ZendeskFake) -> None:
    """January 2025 (UTC), numbers worked out by hand in the tests."""
    fake.add_user(7, "Alice Rossi")
    fake.add_user(8, "Bob Bianchi")
    fake.add_user(500, "A Customer", role="end-user")
    fake.add_field(CATEGORY_FIELD, "Ticket Category", [
        ("Billing & Payments", "billing_payments"), ("Bugs", "bug"), ("Feature request", "feature")])
    field = CATEGORY_FIELD
    fake.add_ticket(1, "2025-01-02T09:00:00Z", updated_at="2025-01-02T13:00:00Z", status="solved",
                    type="question", channel="email", assignee_id=7, custom_fields={field: "billing_payments"},
                    reply_minutes=60, solved_at="2025-01-02T13:00:00Z", replies=1)
    fake.add_ticket(2, "2025-01-03T10:00:00Z", updated_at="2025-01-04T10:00:00Z", status="closed",
                    type="incident", channel="web", assignee_id=8, custom_fields={field: "bug"},
                    reply_minutes=120, solved_at="2025-01-04T10:00:00Z", replies=3)
    fake.add_ticket(3, "2025-01-05T08:00:00Z", updated_at="2025-01-05T08:30:00Z", status="open",
                    type="question", channel="chat", assignee_id=7,
                    custom_fields={field: "billing_payments"}, reply_minutes=30, replies=1)
    fake.add_ticket(4, "2025-01-06T12:00:00Z", updated_at="2025-01-06T14:00:00Z", status="closed",
                    type="problem", channel="voice", assignee_id=None, custom_fields={field: "feature"},
                    reply_minutes=None, solved_at="2025-01-06T14:00:00Z", replies=0, reopens=1)
    fake.add_ticket(5, "2025-01-07T09:00:00Z", updated_at="2025-01-07T09:00:00Z", status="new",
                    type="question", channel="email")
    fake.add_ticket(6, "2025-01-08T09:00:00Z", updated_at="2025-01-08T09:00:00Z", status="open",
                    type="task", channel="email", assignee_id=8)
    fake.add_rating(901, 1, "good", "2025-01-02T13:05:00Z", "2025-01-02T15:00:00Z", "Quick, thanks")
    fake.add_rating(902, 2, "bad", "2025-01-04T10:05:00Z", "2025-01-05T09:00:00Z")
    fake.add_rating(903, 3, "good", "2025-01-05T09:00:00Z", "2025-01-06T09:00:00Z")
    fake.add_rating(904, 4, "offered", "2025-01-06T14:05:00Z")


def change_zendesk(fake: ZendeskFake) -> None:
    """Between two pulls: ticket 6 is answered and solved, ticket 5 is deleted."""
    fake.update_ticket(6, "2025-01-09T09:00:00Z", status="solved", solved_at="2025-01-09T09:00:00Z",
                       reply_minutes=240, replies=1)
    fake.delete_ticket(5, "2025-01-09T10:00:00Z")


@pytest.fixture
def zendesk() -> Iterator[ZendeskFake]:
    fake = ZendeskFake(ZD_EMAIL, ZD_TOKEN, page_cap=2, rating_cap=2)
    fill_zendesk(fake)
    fake.start()
    yield fake
    fake.stop()


def fill_freshdesk(fake: FreshdeskFake) -> None:
    fake.add_agent(11, "Carla Verdi")
    fake.add_agent(12, "Dario Neri")
    fake.add_ticket(101, "2025-01-02T09:00:00Z", updated_at="2025-01-02T12:00:00Z", status=4, source=1,
                    type="Question", responder_id=11, custom_fields={"cf_product": "App"},
                    first_responded_at="2025-01-02T10:00:00Z", resolved_at="2025-01-02T12:00:00Z")
    fake.add_ticket(102, "2025-01-03T09:00:00Z", updated_at="2025-01-03T15:00:00Z", status=5, source=3,
                    type="Incident", responder_id=12, custom_fields={"cf_product": "Web"},
                    first_responded_at="2025-01-03T09:30:00Z", resolved_at="2025-01-03T15:00:00Z",
                    closed_at="2025-01-03T16:00:00Z", reopened_at="2025-01-03T14:00:00Z")
    fake.add_ticket(103, "2025-01-04T09:00:00Z", updated_at="2025-01-04T09:00:00Z", status=2, source=7,
                    type=None, responder_id=None)
    fake.add_ticket(104, "2025-01-05T09:00:00Z", updated_at="2025-01-05T11:00:00Z", status=2, source=9,
                    type="Question", responder_id=11, first_responded_at="2025-01-05T11:00:00Z")
    fake.add_ticket(105, "2025-01-06T09:00:00Z", updated_at="2025-01-06T09:00:00Z", status=2, source=2,
                    type="Question")


@pytest.fixture
def freshdesk() -> Iterator[FreshdeskFake]:
    fake = FreshdeskFake(FD_KEY)
    fill_freshdesk(fake)
    fake.start()
    yield fake
    fake.stop()


def write_config(folder: Path, tickets: str, surveys: str = "", extra: str = "") -> Path:
    """A project whose sources are the given inline YAML mappings; returns config.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    text = ('report: {title: "Pull Test", timezone: "UTC", currency: "EUR"}\n'
            'history: {path: "state/reportgen.duckdb"}\n'
            f"sources:\n  tickets: {tickets}\n" + (f"  surveys: {surveys}\n" if surveys else "") + extra)
    config.write_text(text, encoding="utf-8")
    return config


def zendesk_source(url: str, token: str = ZD_TOKEN, **more: str) -> str:
    extra = "".join(f', {k}: "{v}"' for k, v in more.items())
    return (f'{{api: zendesk, url: "{url}", email: "{ZD_EMAIL}", token: "{token}", start: "2025-01-01", '
            f'category: "custom_field:{CATEGORY_FIELD}"{extra}}}')


def csat_source(url: str, token: str = ZD_TOKEN) -> str:
    return f'{{api: zendesk_csat, url: "{url}", email: "{ZD_EMAIL}", token: "{token}", start: "2025-01-01"}}'


def freshdesk_source(url: str, token: str = FD_KEY, **more: str) -> str:
    extra = "".join(f', {k}: "{v}"' for k, v in more.items())
    return f'{{api: freshdesk, url: "{url}", token: "{token}", start: "2025-01-01"{extra}}}'
