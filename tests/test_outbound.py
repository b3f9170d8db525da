"""Outbound tickets (the team started them): out of the preferred channels and the first-response
KPIs, counted apart as ``outbound_tickets``, in ticket volume as the spec defines it (docs/SPEC_NOTES.md).

Expected values are worked out by hand in the comments; the warehouse parity also checks the
independent reference (tests/reference.py) given the same outbound channels.
"""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import reference
import warehouse_data as data
from fakes.fixtures import freshdesk, freshdesk_source, write_config  # noqa: F401  (fixtures)
from fakes.freshdesk import FreshdeskFake
from postgres import Server, running_server
from pydantic import ValidationError
from test_warehouse import _kpis, _load_pg
from warehouse_data import assert_same

from reportgen.api import compute_month, kpis_document, month_kpis
from reportgen.config import load_config, parse_config
from reportgen.engine import Engine
from reportgen.engine.sqlgen import measures_sql
from reportgen.engine.warehouse.pushdown import compute_all
from reportgen.errors import ConfigError
from reportgen.kpis import breakdown_values, scalar_values
from reportgen.sources.api import RetryPolicy, pull
from reportgen.sources.outbound import outbound_channels

EXPORT = Path(__file__).parent / "fixtures" / "exports" / "freshdesk" / "tickets_outbound.csv"
FAST = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, total_seconds=20)


def freshdesk_project(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config.yaml"
    config.write_text('report: {title: "Outbound", timezone: "Europe/Rome", currency: "EUR"}\n'
                      'history: {path: "history.duckdb"}\n'
                      f'sources:\n  tickets: {{path: "{EXPORT}", preset: freshdesk{extra}}}\n', encoding="utf-8")
    return config


def march(config: Path) -> tuple[dict[str, object], dict[str, dict[str, float]]]:
    doc = kpis_document(compute_month(load_config(config), "2024-03", save=False))
    return doc["kpis"], doc["breakdowns"]


# ---- a Freshdesk export ------------------------------------------------------------------------
def test_freshdesk_outbound_email_is_not_a_preferred_channel(tmp_path: Path) -> None:
    k, b = march(freshdesk_project(tmp_path))
    # 2001 Email, 2002 Portal, 2005 email: inbound; 2003 "Outbound Email", 2004 " outbound email ": outbound
    assert k["ticket_volume"] == 5  # tickets created in March: every one (KPI_SPEC #5)
    assert k["outbound_tickets"] == 2
    assert b["tickets_by_channel"] == {"Email": 2, "Portal": 1}  # Email + email are one channel
    assert b["channel_share"] == {"Email": pytest.approx(2 / 3), "Portal": pytest.approx(1 / 3)}
    assert sum(b["channel_share"].values()) == pytest.approx(1.0)
    # first responses of inbound tickets: 2001 1 h, 2002 3 h (2005 never answered; 2004's 30 h is outbound)
    assert k["avg_first_response_hours"] == pytest.approx((1 + 3) / 2)
    assert k["median_first_response_hours"] == pytest.approx(2)
    assert k["p90_first_response_hours"] == pytest.approx(1 + 0.9 * (3 - 1))
    assert k["sla_first_response_rate"] == pytest.approx(2 / 3)  # 2001, 2002 of 3 inbound; 2005 breached
    assert b["agent_avg_first_response_hours"] == {"Carla Neri": pytest.approx(1), "Dario Fo": pytest.approx(3)}
    # the workload keeps them: 2003 was created closed (Closed time = Created time: 0 h)
    assert k["resolution_rate"] == pytest.approx(3 / 5)
    assert k["avg_resolution_hours"] == pytest.approx((4 + 24 + 0) / 3)
    assert b["tickets_by_category"] == {"Question": 3, "Refund": 2}
    assert b["agent_tickets"] == {"Carla Neri": 2, "Dario Fo": 2}


def test_outbound_channels_replaces_the_preset_s(tmp_path: Path) -> None:
    k, b = march(freshdesk_project(tmp_path, ", outbound_channels: []"))  # none: every ticket inbound
    assert k["outbound_tickets"] == 0
    assert b["tickets_by_channel"] == {"Email": 2, "Outbound Email": 2, "Portal": 1}
    assert k["avg_first_response_hours"] == pytest.approx((1 + 3 + 30) / 3)
    assert k["sla_first_response_rate"] == pytest.approx(2 / 5)

    k, b = march(freshdesk_project(tmp_path, ', outbound_channels: ["  PORTAL", "Outbound Email"]'))
    assert k["outbound_tickets"] == 3
    assert b["tickets_by_channel"] == {"Email": 2}
    assert b["channel_share"] == {"Email": pytest.approx(1.0)}
    assert k["avg_first_response_hours"] == pytest.approx(1)  # 2001 only; 2005 unanswered
    assert k["sla_first_response_rate"] == pytest.approx(1 / 2)


def test_outbound_channels_add_no_query() -> None:
    config = parse_config('sources:\n  tickets: {path: t.csv}\n')
    assert outbound_channels(config) == ()
    plain = measures_sql("tickets", config.kpis)
    assert not any(q.inbound for q in plain) and "trim(channel)" not in " ".join(q.sql for q in plain)
    split = measures_sql("tickets", config.kpis, outbound=("outbound email",))
    assert [q.measures for q in split] == [q.measures for q in plain]  # the same scans
    keep = "NOT (coalesce(lower(trim(channel)) IN ('outbound email'), FALSE))"
    (channels,) = [q for q in split if q.inbound]  # every measure inbound: in the WHERE, no outbound row
    assert channels.dimension == "channel" and f"WHERE created_month IS NOT NULL AND {keep}" in channels.sql
    created = next(q for q in split if q.dimension is None and q.time == "created")
    assert f'count(CASE WHEN {keep} THEN 1 END) AS "inbound_tickets"' in created.sql
    assert 'count(*) AS "tickets_created"' in created.sql


def test_outbound_channels_are_declared_per_preset_and_connector() -> None:
    config = parse_config(
        'sources:\n  tickets:\n'
        '    - {path: a.csv, preset: freshdesk}\n'
        '    - {api: freshdesk, url: "https://x.freshdesk.com", token: t}\n'
        '    - {path: b.csv, outbound_channels: ["Proactive call ", "Outbound Email"]}\n'
        '    - {path: c.csv, preset: zendesk}\n')
    assert outbound_channels(config) == ("outbound email", "proactive call")


@pytest.mark.parametrize("text, expected", [
    ('  tickets: {path: t.csv}\n  surveys: {path: s.csv, outbound_channels: [x]}\n', "tickets setting"),
    ('  tickets: {path: t.csv, outbound_channels: ["  "]}\n', "non-empty"),
    ('  tickets: {path: t.csv, outbound_channels: Outbound Email}\n', "outbound_channels"),
])
def test_outbound_channels_is_checked(text: str, expected: str) -> None:
    with pytest.raises((ConfigError, ValidationError)) as caught:
        parse_config("sources:\n" + text)
    assert expected in str(caught.value)


# ---- pulled from the Freshdesk API (source 10 = Outbound email) -----------------------------------------
def test_pulled_freshdesk_source_10_is_outbound(freshdesk: FreshdeskFake, tmp_path: Path) -> None:
    # an agent's email to a customer, created closed; its "first response" a day later is the customer's answer
    freshdesk.add_ticket(106, "2025-01-07T09:00:00Z", updated_at="2025-01-08T13:00:00Z", status=5, source=10,
                         type="Question", responder_id=11, first_responded_at="2025-01-08T13:00:00Z",
                         closed_at="2025-01-07T09:00:00Z")
    config = write_config(tmp_path, freshdesk_source(freshdesk.url))
    pull(load_config(config), policy=FAST)
    doc = month_kpis(config, "2025-01")
    k, b = doc["kpis"], doc["breakdowns"]
    assert k["ticket_volume"] == 6 and k["outbound_tickets"] == 1
    # 101 Email, 102 Phone, 103 Chat, 104 Feedback widget, 105 Portal: one each
    assert b["tickets_by_channel"] == {"Email": 1, "Phone": 1, "Chat": 1, "Feedback widget": 1, "Portal": 1}
    assert b["channel_share"] == {name: pytest.approx(0.2) for name in b["tickets_by_channel"]}
    # first responses: 101 1 h, 102 0.5 h, 104 2 h (106's 28 h is outbound); 103 and 105 unanswered
    assert k["avg_first_response_hours"] == pytest.approx((1 + 0.5 + 2) / 3)
    assert k["sla_first_response_rate"] == pytest.approx(3 / 5)
    assert b["agent_avg_first_response_hours"] == {"Carla Verdi": pytest.approx((1 + 2) / 2),
                                                   "Dario Neri": pytest.approx(0.5)}


def _pulled_january(tmp_path: Path, fake: Any, source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Start ``fake``, pull ``source`` (its flow mapping, ``{fake.url}`` filled in) from 2025-01-01,
    stop it; January 2025's KPIs and breakdowns."""
    fake.start()
    try:
        config = tmp_path / "config.yaml"
        config.write_text('report: {title: "Pulled", timezone: "UTC"}\nhistory: {path: "h.duckdb"}\n'
                          f'sources:\n  tickets: {{{source.format(url=fake.url)}, start: "2025-01-01"}}\n',
                          encoding="utf-8")
        pull(load_config(config), policy=FAST)
        doc = month_kpis(config, "2025-01")
    finally:
        fake.stop()
    return doc["kpis"], doc["breakdowns"]


def test_pulled_intercom_conversations_the_team_started_are_outbound(tmp_path: Path) -> None:
    from fakes.intercom import IntercomFake

    fake = IntercomFake("ic-token")
    fake.add_admin(7, "Alice Rossi")
    # 1 a customer's chat answered in 1 h; 2 a customer's email answered in 3 h; 3 never answered
    fake.add_conversation(1, "2025-01-02T09:00:00Z", admin=7, first_reply="2025-01-02T10:00:00Z")
    fake.add_conversation(2, "2025-01-03T09:00:00Z", admin=7, channel="email", first_reply="2025-01-03T12:00:00Z")
    fake.add_conversation(3, "2025-01-04T09:00:00Z")
    # 4 a teammate's email, 5 a Series message: the team wrote first; the customer's reply is not a first response
    fake.add_conversation(4, "2025-01-05T09:00:00Z", admin=7, channel="email", delivered_as="admin_initiated",
                          first_reply="2025-01-07T09:00:00Z")
    fake.add_conversation(5, "2025-01-06T09:00:00Z", delivered_as="automated", first_reply="2025-01-06T09:00:10Z")
    k, b = _pulled_january(tmp_path, fake, 'api: intercom, url: "{url}", token: "ic-token"')
    assert k["ticket_volume"] == 5 and k["outbound_tickets"] == 2
    assert b["tickets_by_channel"] == {"Chat": 2, "Email": 1}
    assert b["channel_share"] == {"Chat": pytest.approx(2 / 3), "Email": pytest.approx(1 / 3)}
    assert k["avg_first_response_hours"] == pytest.approx((1 + 3) / 2)
    assert k["sla_first_response_rate"] == pytest.approx(2 / 3)


def test_pulled_gorgias_tickets_the_team_started_are_outbound(tmp_path: Path) -> None:
    from fakes.gorgias import GorgiasFake

    fake = GorgiasFake("ops@example.com", "g-key")
    # 1 a customer's email answered in 1 h; 2 a customer's chat answered in 3 h
    fake.add_ticket(1, "2025-01-02T09:00:00Z", replies=("2025-01-02T10:00:00Z",), assignee=(1, "Anna Conti"))
    fake.add_ticket(2, "2025-01-03T09:00:00Z", replies=("2025-01-03T12:00:00Z",), channel="chat")
    # 3 the team wrote first (the ticket's from_agent): an outbound ticket, its own message no first response
    fake.add_ticket(3, "2025-01-04T09:00:00Z", replies=("2025-01-06T09:00:00Z",), outbound=True)
    k, b = _pulled_january(tmp_path, fake, 'api: gorgias, url: "{url}", email: "ops@example.com", token: "g-key"')
    assert k["ticket_volume"] == 3 and k["outbound_tickets"] == 1
    assert b["tickets_by_channel"] == {"Email": 1, "Chat": 1}
    assert b["channel_share"] == {"Email": pytest.approx(1 / 2), "Chat": pytest.approx(1 / 2)}
    assert k["avg_first_response_hours"] == pytest.approx((1 + 3) / 2)


def test_pulled_helpscout_emails_a_user_started_are_outbound(tmp_path: Path) -> None:
    from fakes.helpscout import HelpScoutFake

    fake = HelpScoutFake("hs-id", "hs-secret")
    fake.add_user(5, "Anna", "Conti")
    # 1 a customer's email answered in 2 h; 2 a customer's chat answered in 4 h
    fake.add_conversation(1, "2025-01-02T09:00:00Z", replies=["2025-01-02T11:00:00Z"], assignee=5)
    fake.add_conversation(2, "2025-01-03T09:00:00Z", replies=["2025-01-03T13:00:00Z"], source="chat")
    # 3 an email Anna wrote first (source.via: user): outbound, whatever came after it
    fake.add_conversation(3, "2025-01-04T09:00:00Z", replies=["2025-01-05T09:00:00Z"], assignee=5,
                          outbound=True)
    k, b = _pulled_january(tmp_path, fake,
                           'api: helpscout, url: "{url}", client_id: "hs-id", client_secret: "hs-secret"')
    assert k["ticket_volume"] == 3 and k["outbound_tickets"] == 1
    assert b["tickets_by_channel"] == {"Email": 1, "Chat": 1}
    assert k["avg_first_response_hours"] == pytest.approx((2 + 4) / 2)


# ---- warehouses: PostgreSQL and DuckDB agree with the file engine and the reference ---------------------
@pytest.fixture(scope="module")
def pg() -> object:
    with running_server() as server:
        yield server


def _outbound_rows() -> list[data.Row]:
    """The warehouse tests' tickets, every fifth one on an outbound channel in some spelling."""
    rng = random.Random(5)
    rows = data.tickets(count=300, seed=23)
    spellings = ("Outbound email", " OUTBOUND EMAIL", "outbound Email ", "Proactive")
    return [(*row[:5], rng.choice(spellings), *row[6:]) if index % 5 == 0 else row
            for index, row in enumerate(rows)]


OUTBOUND = ("Outbound Email", "proactive")


def _configs(tmp_path: Path, url: str, schema: str) -> tuple[Path, Path]:
    listed = ", ".join(f'"{c}"' for c in OUTBOUND)
    files = tmp_path / "files.yaml"
    reference.write_csv(tmp_path / "tickets.csv", reference.TICKET_HEADER, data.csv_cells(_outbound_rows()))
    files.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                     f'  tickets: {{path: tickets.csv, outbound_channels: [{listed}]}}\n', encoding="utf-8")
    pushed = tmp_path / "warehouse.yaml"
    pushed.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                      f'  tickets: {{warehouse: "{url}", table: "{schema}.tickets", '
                      f'options: {{latest_by: loaded_at}}, outbound_channels: [{listed}]}}\n', encoding="utf-8")
    return files, pushed


def _check_against_reference(months: dict[str, object]) -> None:
    expected = reference.compute(data.csv_cells(_outbound_rows()),
                                 options=reference.Options(outbound_channels=OUTBOUND))
    assert any(m["kpis"]["outbound_tickets"] for m in expected.months.values())
    for month, want in expected.months.items():
        measures = months[month]
        scalars, breakdowns = scalar_values(measures), breakdown_values(measures)  # type: ignore[arg-type]
        for kpi_id in ("ticket_volume", "outbound_tickets", "avg_first_response_hours",
                       "median_first_response_hours", "p90_first_response_hours", "sla_first_response_rate"):
            assert_same(scalars[kpi_id], want["kpis"][kpi_id], f"{month}.{kpi_id}")
        for kpi_id in ("tickets_by_channel", "channel_share", "agent_avg_first_response_hours"):
            assert_same(breakdowns[kpi_id], want["breakdowns"][kpi_id], f"{month}.{kpi_id}")


def test_postgres_leaves_outbound_out_like_the_files(pg: Server, tmp_path: Path) -> None:
    _load_pg(pg, "outbound", _outbound_rows(), [], [])
    files, pushed = _configs(tmp_path, pg.url(), "outbound")
    by_files = Engine(load_config(files)).run()
    by_warehouse = compute_all(load_config(pushed))
    assert_same(_kpis(by_warehouse.months), _kpis(by_files.months))
    _check_against_reference(dict(by_warehouse.months))


def test_duckdb_warehouse_leaves_outbound_out_like_the_files(tmp_path: Path) -> None:
    import duckdb

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA outbound")
        con.execute("CREATE TABLE outbound.tickets (ticket_id VARCHAR, created_at TIMESTAMPTZ, "
                    "first_response_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, category VARCHAR, channel VARCHAR, "
                    "agent VARCHAR, replies INTEGER, reopens INTEGER, loaded_at BIGINT)")
        con.executemany("INSERT INTO outbound.tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(*row, index) for index, row in enumerate(_outbound_rows())])
    files, pushed = _configs(tmp_path, f"duckdb:///{database}", "outbound")
    by_files = Engine(load_config(files)).run()
    by_warehouse = compute_all(load_config(pushed))
    assert_same(_kpis(by_warehouse.months), _kpis(by_files.months))
    _check_against_reference(dict(by_warehouse.months))


# ---- what the reader sees: the outbound tickets beside the channels, in the report's language ---------
def test_volume_tab_and_site_show_outbound_tickets_apart(tmp_path: Path) -> None:
    import openpyxl
    from workbook_support import NS, chart_xml

    from reportgen.api import build_workbook
    from reportgen.run import MonthRun
    from reportgen.site import build_site

    config_path = freshdesk_project(tmp_path)
    config_path.write_text(config_path.read_text(encoding="utf-8").replace(
        'currency: "EUR"', 'currency: "EUR", language: it'), encoding="utf-8")
    path, _ = build_workbook(load_config(config_path), "2024-03", tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(path, data_only=True)["Volume dei ticket"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "Ticket in uscita" in r)
    channels = [v for v in header[1:header.index("Totale")] if v]
    assert channels == ["Email", "Portal"]  # the customers' channels: no Outbound Email column
    march = rows[rows.index(header) + 1]
    assert march[1:4] == [2, 1, 3]  # Email, Portal, total of the two
    assert march[header.index("Ticket in uscita")] == 2
    assert len(chart_xml(path)[1].findall(".//c:lineChart/c:ser", NS)) == 2  # the chart: Email, Portal
    channels_tab = [c.value for row in openpyxl.load_workbook(path)["Canali"].iter_rows() for c in row if c.value]
    assert ("Non elencati: 2 ticket in uscita, avviati dal team (vedi «Ticket in uscita» in Monitoraggio KPI)."
            in channels_tab)

    build_site(MonthRun(load_config(config_path), "2024-03"), tmp_path / "site")
    page = (tmp_path / "site" / "2024-03" / "index.html").read_text(encoding="utf-8")
    assert '<th scope="col">Totale</th><th scope="col">Ticket in uscita</th>' in page
    assert "<td>2</td><td>1</td><td>3</td><td>2</td>" in page
    assert 'data-kpi="outbound_tickets"' in page


def test_validate_names_the_outbound_channels(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportgen.cli import main

    result = CliRunner().invoke(main, ["validate", "--config", str(freshdesk_project(tmp_path))])
    notes = [line for line in result.output.splitlines() if "outbound" in line]
    assert len(notes) == 1 and notes[0].startswith("note: tickets: channels of tickets the team started")
    assert notes[0].endswith("KPIs): Outbound Email — outbound_channels: on a tickets source changes them")
    silent = CliRunner().invoke(main, ["validate", "--config",
                                       str(freshdesk_project(tmp_path, ", outbound_channels: []"))])
    assert "outbound" not in silent.output


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_sla_over_inbound_tickets(tmp_path: Path) -> None:
    """The Calculator's formula reads the inbound tickets, not the tickets created: 2 of 3, not 2 of 5."""
    import openpyxl
    from libreoffice import convert

    from reportgen.api import build_workbook
    from reportgen.kpis import KPI_BY_ID

    path, _ = build_workbook(load_config(freshdesk_project(tmp_path)), "2024-03", tmp_path / "report.xlsx")

    def sla(book_path: Path) -> object:
        sheet = openpyxl.load_workbook(book_path, data_only=True)["Calculator"]
        label = "= " + KPI_BY_ID["sla_first_response_rate"].label
        return next(row[1].value for row in sheet.iter_rows() if row[0].value == label)

    assert sla(path) == pytest.approx(2 / 3)
    assert sla(convert(path, "xlsx", tmp_path / "recalc")) == pytest.approx(2 / 3)


def test_drivers_split_the_sla_change_over_inbound_tickets_only(tmp_path: Path) -> None:
    rows = [  # ticket, created, first response, channel (UTC); February and March covered whole
        ("F0", "2024-02-01T09:00:00Z", "2024-02-01T10:00:00Z", "email"),
        ("F1", "2024-02-05T09:00:00Z", "2024-02-05T10:00:00Z", "email"),
        ("F2", "2024-02-06T09:00:00Z", "2024-02-08T09:00:00Z", "chat"),  # 48 h: breached
        ("F3", "2024-02-07T09:00:00Z", "", "Outbound email"),             # the team's: not a breach
        ("F9", "2024-02-28T09:00:00Z", "", "chat"),
        ("M0", "2024-03-01T09:00:00Z", "2024-03-01T10:00:00Z", "email"),
        ("M1", "2024-03-05T09:00:00Z", "2024-03-05T10:00:00Z", "email"),
        ("M2", "2024-03-06T09:00:00Z", "2024-03-06T11:00:00Z", "email"),
        ("M3", "2024-03-07T09:00:00Z", "2024-03-08T15:00:00Z", "chat"),  # 30 h: breached
        ("M4", "2024-03-08T09:00:00Z", "2024-03-10T11:00:00Z", "outbound email"),
        ("M9", "2024-03-30T09:00:00Z", "", "chat"),
    ]
    reference.write_csv(tmp_path / "tickets.csv", ("ticket_id", "created_at", "first_response_at", "channel"), rows)
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "UTC"}\nhistory: {path: "h.duckdb"}\nsources:\n'
                      '  tickets: {path: tickets.csv, outbound_channels: ["Outbound email"]}\n', encoding="utf-8")
    doc = kpis_document(compute_month(load_config(config), "2024-03", save=False))
    # February 2 of 4 inbound tickets within the SLA, March 3 of 5: +0.1
    assert doc["kpis"]["sla_first_response_rate"] == pytest.approx(3 / 5)
    sla = doc["drivers"]["sla_first_response_rate"]
    assert sla["change"] == pytest.approx(3 / 5 - 2 / 4)
    by_channel = {s["segment"]: s for s in sla["by"]["channel"]}
    assert sum(s["contribution"] for s in by_channel.values()) == pytest.approx(0.1)
    # email: share 2/4 → 3/5, all within the SLA: mix (0.6 − 0.5) × 1 = 0.1; chat never within: 0
    assert by_channel["email"]["contribution"] == pytest.approx(0.1)
    assert by_channel["email"]["share"] == pytest.approx(3 / 5) and by_channel["chat"]["share"] == pytest.approx(2 / 5)
    assert all(s["share"] == 0 and s["share_previous"] == 0 for name, s in by_channel.items()
               if name not in ("email", "chat"))
