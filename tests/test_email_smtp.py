"""`reportgen email` and `reportgen run` against a real SMTP server (aiosmtpd, in-process, 127.0.0.1).

Plain SMTP, STARTTLS and implicit TLS with a private CA (trustme) that the
client verifies through ``ca_file``, AUTH with a real authenticator, a wrong
password, a server that is down, and `run`'s per-step outcome.
"""

from __future__ import annotations

import base64
import email
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner
from conftest import ProjectFactory

from reportgen.api import compute_month, report_path
from reportgen.cli import main
from reportgen.cli_email import email as email_command
from reportgen.cli_email import run as run_command
from reportgen.config import load_config
from reportgen.kpis import KPI_BY_ID, breakdown_values, scalar_values
from reportgen.units import format_value

MONTH = "2026-10"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USER, PASSWORD = "reports@example.com", "correct horse battery staple"
# aiosmtpd warns when AUTH is allowed without STARTTLS: intended for the plain and implicit-TLS servers here
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Recorder:
    """aiosmtpd handler keeping every delivered message."""

    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted for delivery"


def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    port: int
    recorder: Recorder
    ca_file: Path | None = None


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "private-ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return authority, pem


def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def start_server(ca: tuple[trustme.CA, Path]) -> Iterator[Any]:
    controllers: list[Controller] = []

    def start(mode: str = "plain", auth: bool = False) -> Server:
        recorder = Recorder()
        port = free_port()
        kwargs: dict[str, Any] = {}
        if mode == "starttls":
            kwargs.update(tls_context=server_context(ca[0]), require_starttls=True)
        elif mode == "ssl":
            kwargs.update(ssl_context=server_context(ca[0]))
        if auth:
            # aiosmtpd only counts STARTTLS as TLS: on an implicit-TLS socket it would hide AUTH
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=mode == "starttls")
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return Server(port, recorder, ca[1] if mode != "plain" else None)

    yield start
    for controller in controllers:
        controller.stop()


def _day(i: int) -> int:
    """Days 1–8 and the 29th: every month is covered to its end (none is a partial month)."""
    return 1 + i % 9 if i % 9 < 8 else 29


TICKETS = [
    (f"{m}-{i}", f"{m}-{_day(i):02d}T10:00:00+02:00", f"{m}-{_day(i):02d}T12:30:00+02:00",
     f"{m}-{_day(i) + 9 if i % 9 < 8 else 30}T10:00:00+02:00", cat, "email", "Ann", "1", "0")
    for m, n in (("2026-07", 6), ("2026-08", 7), ("2026-09", 5), ("2026-10", 12))
    for i, cat in enumerate(["Shipping", "Returns", "Billing"] * n)
] + [("bad-1", "not a date", "", "", "", "", "", "", "")]
SURVEYS = [("a", "2026-10-05", "nps", "10"), ("b", "2026-10-06", "nps", "6"), ("c", "2026-09-06", "nps", "9"),
           ("d", "2026-10-07", "csat", "5"), ("e", "2026-09-07", "csat", "2")]
BUSINESS = [("2026-09", "100", "98", "5", "900", "5000"), ("2026-10", "98", "101", "6", "1500", "5200")]


def email_block(server: Server | None, security: str, *, port: int | None = None, auth: bool = False,
                extra: str = "") -> str:
    lines = ["outputs:", "  email:", "    host: 127.0.0.1", f"    port: {port or (server.port if server else 1)}",
             f"    security: {security}", '    from: "Support reports <reports@example.com>"',
             "    to: [ceo@example.com, cfo@example.com]", "    cc: [coo@example.com]",
             "    bcc: [archive@example.com]", '    subject: "{{ title }} for {{ month_label }}"',
             "    retry_delay: 0.01", "    timeout: 5"]
    if server is not None and server.ca_file is not None:
        lines.append(f'    ca_file: "{server.ca_file}"')
    if auth:
        lines += [f"    username: {USER}", "    password: ${SMTP_PASSWORD}"]
    return "\n".join(lines) + "\n" + extra


def invoke(command: Any, config: Path, *args: str) -> Any:
    return CliRunner().invoke(command, ["--config", str(config), "--month", MONTH, *args])


def check_delivery(server: Server, config_path: Path) -> EmailMessage:
    """The one received message: envelope, headers, both bodies, engine values, attachment bytes."""
    assert len(server.recorder.messages) == 1
    received = server.recorder.messages[0]
    assert received.mail_from == "reports@example.com"
    assert received.rcpt_tos == ["ceo@example.com", "cfo@example.com", "coo@example.com", "archive@example.com"]
    message = received.message
    assert message["Subject"] == "Test Report for Oct 2026"
    assert message["To"] == "ceo@example.com, cfo@example.com" and message["Cc"] == "coo@example.com"
    assert message["Bcc"] is None and b"archive@example.com" not in received.raw
    text_part, html_part = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(text_part, EmailMessage) and isinstance(html_part, EmailMessage)
    text, html = str(text_part.get_content()), str(html_part.get_content())

    config = load_config(config_path)
    data = compute_month(config, MONTH, save=False)
    values = scalar_values(data.current)
    assert values["ticket_volume"] == 36
    for kpi_id in ("ticket_volume", "nps", "csat", "avg_first_response_hours", "cac", "churn_rate"):
        kpi = KPI_BY_ID[kpi_id]
        shown = format_value(values[kpi_id], kpi.unit, config.report.currency)
        assert f"{kpi.label}: {shown}" in text, kpi_id
        assert f"<strong>{shown}</strong>" in html, kpi_id
    assert "Ticket volume: 36 | +21 | No target" in text  # 36 vs 15 tickets in September
    counts = breakdown_values(data.current)["tickets_by_category"]
    assert counts == {"Shipping": 12, "Returns": 12, "Billing": 12}
    assert "- Billing: 12 tickets (33.3%)" in text
    assert "SPIKE: Billing" in text  # 12 vs a 3-month average of 6 (6, 7, 5)
    assert "Data quality: 1 of" in text and "Data quality: 1 of" in html

    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] == [XLSX]
    assert attachments[0].get_filename() == "Test-Report-2026-10.xlsx"
    assert attachments[0].get_content() == report_path(config, MONTH).read_bytes()
    return message


def test_plain_smtp(start_server: Any, make_project: ProjectFactory) -> None:
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    result = invoke(email_command, config)
    assert result.exit_code == 0, result.output
    assert "written to" in result.output  # the workbook was missing: built first
    assert "emailed to ceo@example.com, cfo@example.com, coo@example.com and 1 bcc" in result.output
    check_delivery(server, config)


def test_starttls_verified_with_a_private_ca(start_server: Any, make_project: ProjectFactory,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    server = start_server("starttls", auth=True)  # AUTH offered only after STARTTLS
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "starttls", auth=True))
    result = invoke(email_command, config)
    assert result.exit_code == 0, result.output
    check_delivery(server, config)
    assert PASSWORD not in result.output


def test_starttls_without_the_ca_is_refused(start_server: Any, make_project: ProjectFactory) -> None:
    server = start_server("starttls")
    server.ca_file = None  # the client trusts only the system CAs: the private certificate must fail
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "starttls"))
    started = time.monotonic()
    result = invoke(email_command, config)
    assert result.exit_code == 1
    assert "TLS certificate of 127.0.0.1" in result.output and "outputs.email.ca_file" in result.output
    assert time.monotonic() - started < 20 and server.recorder.messages == []


@pytest.mark.slow
def test_implicit_tls(start_server: Any, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    server = start_server("ssl", auth=True)
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "ssl", auth=True))
    result = invoke(email_command, config)
    assert result.exit_code == 0, result.output
    check_delivery(server, config)


def test_auth_on_a_plain_local_server(start_server: Any, make_project: ProjectFactory,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    server = start_server("plain", auth=True)
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none", auth=True))
    result = invoke(email_command, config)
    assert result.exit_code == 0, result.output
    check_delivery(server, config)


def test_wrong_password(start_server: Any, make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "Tr0ub4dor&3-wrong"
    monkeypatch.setenv("SMTP_PASSWORD", wrong)
    server = start_server("starttls", auth=True)
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "starttls", auth=True))
    started = time.monotonic()
    result = invoke(email_command, config)
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"error: SMTP login failed for user {USER} at 127.0.0.1:{server.port}")
    assert "check outputs.email.username/password" in line
    assert wrong not in result.output and PASSWORD not in result.output
    assert time.monotonic() - started < 20  # not retried
    assert server.recorder.messages == []
    assert report_path(load_config(config), MONTH).is_file()  # the workbook is kept


@pytest.mark.slow
@pytest.mark.parametrize("echo", ["password={password} rejected", "bad user:{password}", "bad {plain}",
                                  "login {login} failed"])
def test_a_server_reply_echoing_the_password_is_masked(make_project: ProjectFactory,
                                                       monkeypatch: pytest.MonkeyPatch, echo: str) -> None:
    """A server may quote what it received: the password as written, next to '=' or ':', or the
    base64 the client sent (AUTH PLAIN: NUL user NUL password; AUTH LOGIN: the password alone)."""
    wrong = "s3cr3tPW"
    monkeypatch.setenv("SMTP_PASSWORD", wrong)

    def echoing(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        password = auth_data.password.decode()
        plain = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
        login = base64.b64encode(password.encode()).decode()
        reply = "535 5.7.8 " + echo.format(password=password, plain=plain, login=login)
        return AuthResult(success=False, handled=False, message=reply)

    port = free_port()
    controller = Controller(Recorder(), hostname="127.0.0.1", port=port, authenticator=echoing,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(Server(port, Recorder()), "none",
                                                                            auth=True))
        result = invoke(email_command, config)
        verbose = CliRunner().invoke(main, ["--verbose", "email", "--config", str(config), "--month", MONTH])
    finally:
        controller.stop()
    for run in (result, verbose):
        assert run.exit_code == 1
        assert "SMTP login failed" in run.output and "535 5.7.8" in run.output
        hidden = [wrong, base64.b64encode(wrong.encode()).decode(),
                  base64.b64encode(f"\0{USER}\0{wrong}".encode()).decode()]
        assert not any(form in run.output for form in hidden), run.output
        assert "***" in run.output


def test_server_down_fails_after_bounded_retries(make_project: ProjectFactory) -> None:
    port = free_port()  # nothing listens there
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(None, "none", port=port))
    started = time.monotonic()
    result = invoke(email_command, config)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"error: could not send the email via 127.0.0.1:{port} after 3 attempts")
    assert "refused" in line.lower() and "outputs.email.host/port" in line
    assert elapsed < 20
    assert report_path(load_config(config), MONTH).is_file()


def test_to_option_replaces_every_recipient(start_server: Any, make_project: ProjectFactory) -> None:
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    result = invoke(email_command, config, "--to", "me@example.com,you@example.com", "--to", "Third <t@example.com>")
    assert result.exit_code == 0, result.output
    received = server.recorder.messages[0]
    assert received.rcpt_tos == ["me@example.com", "you@example.com", "t@example.com"]
    assert received.message["Cc"] is None


@pytest.mark.slow
def test_existing_workbook_is_sent_as_is(start_server: Any, make_project: ProjectFactory) -> None:
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    target = report_path(load_config(config), MONTH)
    assert invoke(run_command, config).exit_code == 0
    before = target.read_bytes()
    result = invoke(email_command, config)
    assert result.exit_code == 0 and "written to" not in result.output  # not rebuilt
    assert server.recorder.messages[-1].message.get_payload()[-1].get_content() == before


@pytest.mark.slow
def test_a_workbook_the_data_no_longer_matches_is_rebuilt_before_it_is_sent(
        start_server: Any, make_project: ProjectFactory) -> None:
    """The attachment never contradicts the message: a ticket re-categorised since the build."""
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    target = report_path(load_config(config), MONTH)
    assert invoke(run_command, config).exit_code == 0
    before = target.read_bytes()
    october = next(i for i, row in enumerate(TICKETS) if row[1].startswith(MONTH) and row[4] == "Billing")
    changed = [(*row[:4], "Returns", *row[5:]) if i == october else row for i, row in enumerate(TICKETS)]
    config = make_project(changed, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    result = invoke(email_command, config)
    assert result.exit_code == 0 and f"written to {target}" in result.output
    sent = server.recorder.messages[-1].message
    attached = sent.get_payload()[-1].get_content()
    assert attached == target.read_bytes() != before
    text = str(sent.get_body(("plain",)).get_content())
    assert "- Billing: 11 tickets" in text and "- Returns: 13 tickets" in text  # 12 each before


# ---- reportgen run --------------------------------------------------------------------------------

def test_run_builds_and_emails(start_server: Any, make_project: ProjectFactory) -> None:
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none"))
    result = invoke(run_command, config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("build: ok — ") and lines[0].endswith("2026-10.xlsx")
    assert lines[1] == "publish: skipped (outputs.google_sheets is not configured)"
    assert lines[2].startswith("email: ok — sent to ceo@example.com")
    assert lines[3] == "site: skipped (outputs.site is not configured)" and len(lines) == 4
    check_delivery(server, config)


def test_run_email_failure_keeps_the_build(make_project: ProjectFactory) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS,
                          extra=email_block(None, "none", port=free_port(), extra="    attempts: 2\n"))
    result = invoke(run_command, config)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("build: ok")
    assert lines[2].startswith("email: failed: could not send the email via 127.0.0.1:")
    assert "after 2 attempts" in lines[2]
    assert report_path(load_config(config), MONTH).is_file()


def test_run_reports_a_failing_publish_and_still_emails(start_server: Any, make_project: ProjectFactory,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "reportgen.sheets.publish", None)  # import fails
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none").replace(
        "outputs:\n", "outputs:\n  google_sheets: {spreadsheet: KEY}\n"))
    result = invoke(run_command, config)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("build: ok")
    assert lines[1].startswith("publish: failed: publishing is not available")
    assert lines[2].startswith("email: ok")
    message = server.recorder.messages[0].message
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    assert "https://docs.google.com/spreadsheets/d/KEY" in str(body.get_content())


def test_run_with_a_working_publish(start_server: Any, make_project: ProjectFactory,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    calls: list[str] = []
    fake = types.ModuleType("reportgen.sheets.publish")

    @dataclass
    class Published:
        url: str

    def publish_report(report: Any, settings: Any, currency: str, **_: Any) -> Published:
        calls.append(report.month)
        return Published("https://docs.google.com/spreadsheets/d/NEWLY-CREATED")

    fake.publish_report = publish_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reportgen.sheets.publish", fake)
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none").replace(
        "outputs:\n", "outputs:\n  google_sheets: {title: Support report}\n"))
    result = invoke(run_command, config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "publish: ok — https://docs.google.com/spreadsheets/d/NEWLY-CREATED"
    assert lines[2].startswith("email: ok")
    assert calls == [MONTH]
    body = server.recorder.messages[0].message.get_body(("html",))
    assert isinstance(body, EmailMessage)
    assert 'href="https://docs.google.com/spreadsheets/d/NEWLY-CREATED"' in str(body.get_content())


def test_one_run_computes_the_month_and_its_kpi_values_once(start_server: Any, make_project: ProjectFactory,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """build + publish + email share one MonthRun: one engine run, each month's KPI values derived once."""
    import sys
    import types

    import reportgen.monthdata as monthdata
    from reportgen.engine import Engine

    engine_runs: list[int] = []
    scalar_months: list[float | None] = []
    breakdown_months: list[int] = []
    real_engine, real_scalars, real_breakdowns = Engine.run, monthdata.scalar_values, monthdata.breakdown_values

    def counting_engine(engine: Engine) -> Any:
        engine_runs.append(1)
        return real_engine(engine)

    def counting_scalars(measures: Any) -> Any:
        scalar_months.append(measures.scalars.get("tickets_created"))
        return real_scalars(measures)

    def counting_breakdowns(measures: Any) -> Any:
        breakdown_months.append(1)
        return real_breakdowns(measures)

    monkeypatch.setattr(Engine, "run", counting_engine)
    monkeypatch.setattr(monthdata, "scalar_values", counting_scalars)
    monkeypatch.setattr(monthdata, "breakdown_values", counting_breakdowns)
    fake = types.ModuleType("reportgen.sheets.publish")
    published: list[Any] = []

    @dataclass
    class Published:
        url: str

    def publish_report(report: Any, settings: Any, currency: str, **_: Any) -> Published:
        published.append(report)
        return Published("https://docs.google.com/spreadsheets/d/ONE")

    fake.publish_report = publish_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reportgen.sheets.publish", fake)
    server = start_server("plain")
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(server, "none").replace(
        "outputs:\n", "outputs:\n  google_sheets: {title: One report}\n"))
    result = invoke(run_command, config)
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["build", "publish", "email",
                                                                           "site"]
    assert len(engine_runs) == 1
    # the tickets cover 4 months (Jul–Oct), all inside the window: each month's values derived once
    assert sorted(scalar_months) == [5 * 3, 6 * 3, 7 * 3, 12 * 3] and len(breakdown_months) == 4
    assert len(published) == 1 and published[0].month == MONTH
    assert len(server.recorder.messages) == 1


def test_run_build_failure_still_tries_the_rest(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(None, "none", port=free_port()))
    config.write_text(config.read_text().replace('{path: "data/tickets.csv"', '{path: "data/missing.csv"'))
    result = invoke(run_command, config)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("build: failed: ")
    assert lines[2] == "email: failed: not sent: the workbook could not be built"


@dataclass
class Flaky(Recorder):
    """Answers DATA with the given replies first, then accepts."""

    replies: list[str] = field(default_factory=list)
    tries: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.tries += 1
        if self.replies:
            return self.replies.pop(0)
        return await super().handle_DATA(server, session, envelope)


def flaky_server(replies: list[str]) -> tuple[Controller, Flaky, int]:
    handler = Flaky(replies=replies)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler, port


def test_temporary_failure_is_retried(make_project: ProjectFactory) -> None:
    controller, handler, port = flaky_server(["451 4.3.0 Try again later"])
    try:
        config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(None, "none", port=port))
        result = invoke(email_command, config)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert handler.tries == 2 and len(handler.messages) == 1


def test_permanent_failure_is_not_retried(make_project: ProjectFactory) -> None:
    controller, handler, port = flaky_server(["554 5.6.0 Message rejected"] * 3)
    try:
        config = make_project(TICKETS, SURVEYS, BUSINESS, extra=email_block(None, "none", port=port))
        result = invoke(email_command, config)
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert f"SMTP server 127.0.0.1:{port} refused the email: 554 5.6.0 Message rejected" in result.output
    assert handler.tries == 1 and handler.messages == []
