"""The monthly email's content, settings and dry run (no SMTP server needed here).

The SMTP side (plain, STARTTLS, implicit TLS, AUTH, failures) and `reportgen run`
are in test_email_smtp.py, against a real aiosmtpd server.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ProjectFactory

from reportgen.api import build_workbook, compute_month
from reportgen.cli_email import email as email_command
from reportgen.config import load_config, parse_config
from reportgen.demo import write_demo_project
from reportgen.errors import ConfigError
from reportgen.kpis import KPI_BY_ID, breakdown_values, scalar_values
from reportgen.mail.message import template_environment
from reportgen.mail.settings import EmailSettings, google_sheet_url, load_email_settings
from reportgen.mail.summary import find_spikes, summarize
from reportgen.units import format_change, format_value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = "2026-10"


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    return (str(text.get_content()).replace("\r\n", "\n"),  # the .eml has SMTP's CRLF line ends
            str(html.get_content()).replace("\r\n", "\n"))


def tickets_for(month: str, counts: dict[str, int], start: int = 0) -> list[tuple[str, ...]]:
    """Tickets of ``month`` by category: the first on the 1st, the last on the 29th (the month is
    whole: a report month must be), the others on the 10th; each answered in 1 h, resolved in 24 h."""
    rows: list[tuple[str, ...]] = []
    n, total = start, sum(counts.values())
    for category, count in counts.items():
        for _ in range(count):
            n += 1
            day = 1 if n == start + 1 else 29 if n == start + total else 10
            rows.append((f"t{n}", f"{month}-{day:02d}T10:00:00+02:00", f"{month}-{day:02d}T11:00:00+02:00",
                         f"{month}-{day + 1:02d}T10:00:00+02:00", category, "email", "Ann", "1", "0"))
    return rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (a year of data with a Shipping spike) with its October workbook built."""
    config_path = write_demo_project(tmp_path_factory.mktemp("demo") / "project", end_month=MONTH)
    with config_path.open("a", encoding="utf-8") as handle:
        handle.write('outputs:\n  google_sheets: {spreadsheet: "1AbCdEfG_key"}\n'
                     '  email:\n    from: "Reports <reports@example.com>"\n'
                     '    to: [ceo@example.com]\n    cc: "coo@example.com"\n')
    build_workbook(load_config(config_path), MONTH)
    return config_path


def dry_run(config: Path, eml: Path, *extra: str) -> EmailMessage:
    result = CliRunner().invoke(email_command, ["--config", str(config), "--month", MONTH, "--dry-run",
                                                "--eml", str(eml), *extra])
    assert result.exit_code == 0, result.output
    assert "nothing sent" in result.output
    return read_eml(eml)


@pytest.mark.slow
def test_dry_run_writes_the_whole_message(demo: Path, tmp_path: Path) -> None:
    message = dry_run(demo, tmp_path / "out" / "message.eml")
    config = load_config(demo)
    assert message["Subject"] == "Customer Service Report (demo) — Oct 2026"
    assert message["From"] == "Reports <reports@example.com>"
    assert message["To"] == "ceo@example.com" and message["Cc"] == "coo@example.com"
    assert message["Bcc"] is None
    types = [part.get_content_type() for part in message.walk()]
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
                     "text/html", "image/png", XLSX]
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == "Customer-Service-Report-demo-2026-10.xlsx"
    workbook = config.resolve(config.report.output.replace("{month}", MONTH))
    assert attachment.get_content() == workbook.read_bytes()
    # the inline chart: a PNG referenced from the HTML by its Content-ID
    image = next(p for p in message.walk() if p.get_content_type() == "image/png")
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = str(image["Content-ID"]).strip("<>")
    _, html = bodies(message)
    assert f'src="cid:{cid}"' in html
    assert "Oct 2026: 558" in html  # alt text carries the numbers
    # CRLF on disk: the bytes SMTP would carry
    assert b"\r\n" in (tmp_path / "out" / "message.eml").read_bytes()[:200]


@pytest.mark.slow
def test_body_values_are_the_engines(demo: Path, tmp_path: Path) -> None:
    message = dry_run(demo, tmp_path / "m.eml")
    text, html = bodies(message)
    config = load_config(demo)
    data = compute_month(config, MONTH, save=False)
    current = scalar_values(data.current)
    previous = scalar_values(data.measures["2026-09"])
    for kpi_id in ("nps", "csat", "ticket_volume", "cac", "avg_first_response_hours", "fcr_rate"):
        kpi = KPI_BY_ID[kpi_id]
        shown = format_value(current[kpi_id], kpi.unit, "EUR")
        assert f"{kpi.label}: {shown}" in text
        assert f"<strong>{shown}</strong>" in html
    # month-over-month change: percentage points for percentages, signed, with a word
    csat_change = (current["csat"] - previous["csat"]) * 100  # type: ignore[operator]
    expected = f"{'+' if csat_change > 0 else '−'}{abs(csat_change):.1f}\u00a0pp"
    word = "better" if csat_change > 0 else "worse"
    assert f"{expected} ({word})" in text and expected in html
    volume_change = int(current["ticket_volume"] - previous["ticket_volume"])  # type: ignore[operator]
    assert f"Ticket volume: 558 | +{volume_change} | No target" in text
    # status vs target: a word next to the colour (demo targets: FCR 0.5 → below, NPS 40 → on)
    assert re.search(r"First contact resolution \(FCR\): [^\n]*\| Below target", text)
    assert re.search(r"Net Promoter Score: [^\n]*\| On target", text)
    assert "#9C0006;background:#FFC7CE;\">Below target</span>" in html
    assert "#006100;background:#C6EFCE;\">On target</span>" in html
    # value and status cells never wrap ("目標達/成" did in Japanese): Outlook honours nowrap on a
    # cell, not white-space on a span
    badges = html.count('<span style="display:inline-block;')
    assert badges >= 6 and len(re.findall(r'<td align="center" nowrap[^>]*><span style="display:inline-block;',
                                          html)) == badges
    assert html.count('<td align="right" nowrap style="white-space:nowrap;"><strong>') == badges
    # top categories and the spike
    counts = breakdown_values(data.current)["tickets_by_category"]
    top = max(counts, key=lambda k: counts[k])
    assert top == "Shipping"
    assert f"- Shipping: {counts['Shipping']} tickets" in text
    assert "SPIKE: Shipping" in text and "Spike:</strong> Shipping" in html
    # the shared sheet's link, built from the key
    assert "https://docs.google.com/spreadsheets/d/1AbCdEfG_key" in text
    assert 'href="https://docs.google.com/spreadsheets/d/1AbCdEfG_key"' in html
    # the demo has a few broken rows: the data-quality line says so
    excluded = sum(data.engine.quality["tickets"].excluded.values())
    assert excluded > 0
    assert f"Data quality: {excluded:,} of" in text and "Data quality:" in html


def test_html_is_autoescaped(make_project: ProjectFactory, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    config = make_project(tickets_for(MONTH, {evil: 3, "Billing & <b>tax</b>": 1}),
                          [("a", f"{MONTH}-05", "nps", "10")], [(MONTH, "100", "90", "15", "10000", "5000")])
    message = dry_run(config, tmp_path / "x.eml", "--to", "me@example.com")
    text, html = bodies(message)
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Billing &amp; &lt;b&gt;tax&lt;/b&gt;" in html
    assert f"- {evil}: 3 tickets" in text  # plain text is not HTML: shown as is
    assert message["To"] == "me@example.com"


def test_no_data_quality_line_and_no_link_when_not_applicable(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = make_project(tickets_for(MONTH, {"Shipping": 2}), [], [])
    text, html = bodies(dry_run(config, tmp_path / "x.eml"))
    assert "Data quality" not in text and "Data quality" not in html
    assert "docs.google.com" not in text and "Google Sheet" not in html
    assert "image/png" not in read_eml(tmp_path / "x.eml").as_string()  # one month: no trend to draw


def test_spike_rule(make_project: ProjectFactory) -> None:
    history = {"2026-07": {"A": 10, "B": 2, "C": 20}, "2026-08": {"A": 10, "B": 2, "C": 20},
               "2026-09": {"A": 10, "B": 2, "C": 20}}
    # A: 15 = 1.5 × 10 and +5 → spike; B: 6 = 3 × 2 but only +4 → quiet; C: 29 < 30 → quiet; D: new, 5 → spike
    now = {"A": 15, "B": 6, "C": 29, "D": 5}
    rows: list[tuple[str, ...]] = []
    for month, counts in history.items():
        rows += tickets_for(month, counts, start=len(rows))
    rows += tickets_for(MONTH, now, start=len(rows))
    config = load_config(make_project(rows))
    data = compute_month(config, MONTH)
    assert data.partial == {}  # the tickets run from 1 Jul to 29 Oct: whole months (no partial baseline)
    spikes = find_spikes(data)
    assert [(s.name, s.tickets, s.average, s.increase) for s in spikes] == [
        ("A", "15", "10.0", "+50%"), ("D", "5", "0.0", "new")]
    # a missing month in the trailing three: no baseline, nothing flagged
    rows = [r for r in rows if not r[1].startswith("2026-08")]
    config = load_config(make_project(rows, folder="gap"))
    data = compute_month(config, MONTH)
    assert find_spikes(data) == []


def test_format_change() -> None:
    assert format_change(3.4, KPI_BY_ID["csat"].unit) == "+3.4\u00a0pp"
    assert format_change(-0.5, KPI_BY_ID["avg_first_response_hours"].unit) == "−0.5\u00a0h"
    assert format_change(12, KPI_BY_ID["ticket_volume"].unit) == "+12"
    assert format_change(-1234.5, KPI_BY_ID["cac"].unit, "EUR") == "−€1,234.50"
    assert format_change(0, KPI_BY_ID["nps"].unit) == "±0.0"


def test_summary_matches_the_tracker_for_every_headline_kpi(demo: Path) -> None:
    data = compute_month(load_config(demo), MONTH, save=False)
    summary = summarize(data)
    ids = [row.id for row in summary.headline]
    assert ids == ["nps", "csat", "ces", "ticket_volume", "retention_rate", "churn_rate", "cac", "clv",
                   "avg_first_response_hours", "avg_resolution_hours", "fcr_rate", "resolution_rate"]
    for row in summary.headline:
        assert row.raw_value == scalar_values(data.current)[row.id]
        assert row.status in ("On target", "Below target", "Above target", "Slower than target", "No target")
        if row.status != "No target":
            assert row.status_tone in ("good", "bad")


def test_own_templates_dir_overrides_one_template(make_project: ProjectFactory, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "email.txt.j2").write_text("Hello {{ title }} {{ headline[0].value }}\n", encoding="utf-8")
    config = make_project(tickets_for(MONTH, {"Shipping": 2}), extra=f'templates_dir: "{mine}"\n')
    text, html = bodies(dry_run(config, tmp_path / "x.eml"))
    assert text == "Hello Test Report —\n"
    assert "Headline KPIs" in html  # the HTML falls back to the built-in template


def test_template_errors_are_config_errors(make_project: ProjectFactory, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "email.txt.j2").write_text("{{ no_such_name }}", encoding="utf-8")
    config = make_project(tickets_for(MONTH, {"Shipping": 2}), extra=f'templates_dir: "{mine}"\n')
    result = CliRunner().invoke(email_command, ["-c", str(config), "-m", MONTH, "--dry-run", "--eml",
                                                str(tmp_path / "x.eml")])
    assert result.exit_code == 1
    assert "no_such_name" in result.output and "email.txt.j2" in result.output
    assert not (tmp_path / "x.eml").exists()
    with pytest.raises(ConfigError, match="templates_dir: folder not found"):
        template_environment(parse_config('sources: {tickets: {path: "t.csv"}}\ntemplates_dir: nope\n',
                                          tmp_path / "c.yaml"))


def test_built_in_templates_ship_in_the_package() -> None:
    import importlib.resources

    names = {p.name for p in importlib.resources.files("reportgen.templates").iterdir()}
    assert {"email.html.j2", "email.txt.j2", "__init__.py"} <= names


def test_dry_run_and_eml_go_together(demo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(email_command, ["-c", str(demo), "-m", MONTH, "--dry-run"])
    assert result.exit_code == 2 and "--eml" in result.output


# ---- settings ----------------------------------------------------------------------------------

def settings_from(tmp_path: Path, block: str, require_server: bool = True) -> EmailSettings:
    path = tmp_path / "config.yaml"
    path.write_text('sources: {tickets: {path: "t.csv"}}\noutputs:\n  email:\n' + block, encoding="utf-8")
    return load_email_settings(load_config(path), require_server=require_server)


def test_settings_defaults_and_ports(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "    host: smtp.example.com\n    to: a@example.com, b@example.com\n")
    assert settings.security == "starttls" and settings.server_port == 587
    assert settings.to == ["a@example.com", "b@example.com"]
    assert settings.subject == "{{ title }} — {{ month_label }}"
    assert settings_from(tmp_path, "    host: h.example.com\n    security: ssl\n").server_port == 465


def test_settings_errors_name_the_yaml_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-very-secret")
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, "    host: smtp.example.com\n    port: 99999\n    security: tls\n"
                                "    to: [not-an-address]\n    password: ${SMTP_PASSWORD}\n    colour: red\n")
    text = str(caught.value)
    assert "outputs.email.port (line 5)" in text
    assert "outputs.email.security (line 6)" in text and "'starttls', 'ssl' or 'none'" in text
    assert "outputs.email.to" in text and "not-an-address" in text
    assert "outputs.email.colour" in text and "unknown key" in text
    assert "hunter2" not in text


def test_settings_refuse_unsafe_or_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2-very-secret")
    with pytest.raises(ConfigError, match=r"outputs\.email.*security 'none'.*only allowed with host localhost"):
        settings_from(tmp_path, "    host: smtp.example.com\n    security: none\n")
    with pytest.raises(ConfigError, match="password is not"):
        settings_from(tmp_path, "    host: smtp.example.com\n    username: me\n")
    with pytest.raises(ConfigError, match=r"outputs\.email\.host.*required"):
        settings_from(tmp_path, "    to: [a@example.com]\n")
    with pytest.raises(ConfigError, match=r"outputs\.email\.ca_file.*file not found"):
        settings_from(tmp_path, "    host: smtp.example.com\n    ca_file: missing.pem\n")
    with pytest.raises(ConfigError, match=r"outputs\.email\.subject.*not a valid template"):
        settings_from(tmp_path, "    host: smtp.example.com\n    subject: '{{ title'\n")
    settings = settings_from(tmp_path, "    host: smtp.example.com\n    username: me\n"
                                       "    password: ${SMTP_PASSWORD}\n")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert settings_from(tmp_path, "    to: [a@example.com]\n", require_server=False).host is None


def test_email_without_settings_needs_dry_run(make_project: ProjectFactory) -> None:
    config = make_project(tickets_for(MONTH, {"Shipping": 2}))
    result = CliRunner().invoke(email_command, ["-c", str(config), "-m", MONTH])
    assert result.exit_code == 1
    assert "outputs.email is not configured" in result.output


def test_google_sheet_url(tmp_path: Path) -> None:
    def url(value: str) -> str | None:
        return google_sheet_url(parse_config(
            f'sources: {{tickets: {{path: "t.csv"}}}}\noutputs: {{google_sheets: {{spreadsheet: "{value}"}}}}\n'))

    assert url("KEY123") == "https://docs.google.com/spreadsheets/d/KEY123"
    assert url("https://docs.google.com/spreadsheets/d/X/edit") == "https://docs.google.com/spreadsheets/d/X/edit"


@pytest.mark.parametrize("to", ['"a@example.com\\nb@example.com"', '["a@example.com\\r\\nBcc: b@example.com"]'])
def test_a_line_break_in_to_is_a_config_error_not_a_recipient(tmp_path: Path, to: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, f"    host: smtp.example.com\n    to: {to}\n")
    assert "outputs.email.to" in str(caught.value) and "line break" in str(caught.value)


@pytest.mark.parametrize("to", ["a@example.com\nb@example.com", "a@example.com\r\nBcc: b@example.com"])
def test_a_line_break_in_the_to_option_is_a_usage_error(demo: Path, tmp_path: Path, to: str) -> None:
    eml = tmp_path / "message.eml"
    result = CliRunner().invoke(email_command, ["-c", str(demo), "-m", MONTH, "--dry-run", "--eml", str(eml),
                                                "--to", to])
    assert result.exit_code == 2, result.output
    assert "--to" in result.output and "line break" in result.output
    assert not eml.exists()
