"""Secrets: a dry run needs none, a command needs only its own, and a secret is masked only where it
stands whole (a one-letter password must not mangle host names)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from reportgen.cli import main
from reportgen.mail.settings import EmailSettings
from reportgen.mail.transport import SmtpSender, mask_whole

MONTH = "2026-10"
SMTP_VAR = "RG_TEST_SMTP_PASSWORD"
GOOGLE_VAR = "RG_TEST_GOOGLE_SA_KEY"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def project(tmp_path: Path, port: int = 25) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tickets.csv").write_text(
        "ticket_id,created_at\nT1,2026-10-01T09:00:00Z\nT2,2026-10-31T09:00:00Z\n", encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        "sources:\n  tickets: {path: data/tickets.csv}\n"
        "outputs:\n"
        "  google_sheets:\n    spreadsheet: 1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg\n"
        f"    credentials: ${{{GOOGLE_VAR}}}\n"
        f"  email:\n    host: localhost\n    port: {port}\n    security: none\n    attempts: 1\n"
        f"    username: x@example.com\n    password: ${{{SMTP_VAR}}}\n"
        "    from: r@example.com\n    to: [ceo@example.com]\n",
        encoding="utf-8")
    return config


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SMTP_VAR, raising=False)
    monkeypatch.delenv(GOOGLE_VAR, raising=False)


@pytest.mark.slow
def test_dry_runs_and_local_commands_need_no_secret(tmp_path: Path) -> None:
    config = project(tmp_path)
    eml = tmp_path / "message.eml"
    for args in (["email", "--dry-run", "--eml", str(eml)], ["publish", "--dry-run"], ["kpis"],
                 ["build", "--out", str(tmp_path / "r.xlsx")]):
        result = invoke(args[0], "--config", str(config), "--month", MONTH, *args[1:])
        assert result.exit_code == 0, (args, result.output)
        assert SMTP_VAR not in result.output and GOOGLE_VAR not in result.output
    assert eml.is_file() and (tmp_path / "r.xlsx").is_file()


def test_publish_needs_only_the_google_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project(tmp_path)
    monkeypatch.setenv(SMTP_VAR, "smtp-secret")
    result = invoke("publish", "--config", str(config), "--month", MONTH)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {config}: outputs.google_sheets.credentials: environment variable {GOOGLE_VAR} "
                     "is not set — export it before running (a --dry-run needs no secret)"]
    assert not (config.parent / "reportgen-history.duckdb").exists()  # failed before computing


def test_email_needs_only_the_smtp_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens: the email gets as far as connecting, without the Google key
    config = project(tmp_path, port)
    result = invoke("email", "--config", str(config), "--month", MONTH)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {config}: outputs.email.password: environment variable {SMTP_VAR} is not set — "
        "export it before running (a --dry-run needs no secret)")
    monkeypatch.setenv(SMTP_VAR, "x")
    result = invoke("email", "--config", str(config), "--month", MONTH)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: could not send the email via localhost:{port} after 1 attempt"), line
    assert GOOGLE_VAR not in result.output and "***" not in line


def test_validate_lists_each_missing_secret(tmp_path: Path) -> None:
    result = invoke("validate", "--config", str(project(tmp_path)))
    assert result.exit_code == 1
    assert f"outputs.google_sheets.credentials: environment variable {GOOGLE_VAR} is not set" in result.stdout
    assert f"outputs.email.password: environment variable {SMTP_VAR} is not set" in result.stdout


def test_a_one_letter_password_is_masked_only_where_it_stands_whole() -> None:
    assert mask_whole("could not send via smtp.example.com:587", "x") == "could not send via smtp.example.com:587"
    assert mask_whole("user x@example.com, password x.", "x") == "user x@example.com, password ***."
    assert mask_whole("535 rejected (x)", "x") == "535 rejected (***)"
    assert mask_whole("no secret here", "") == "no secret here"
    sender = SmtpSender(EmailSettings.model_validate(
        {"host": "smtp.example.com", "username": "x@example.com", "password": SecretStr("x")}))
    error = sender._error("SMTP server smtp.example.com:587 refused the email: 554 x",
                          hint="check outputs.email.from")
    assert str(error) == ("SMTP server smtp.example.com:587 refused the email: 554 *** — "
                          "check outputs.email.from")
