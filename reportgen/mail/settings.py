"""``outputs.email`` of config.yaml → validated, typed SMTP settings.

Every problem is reported at once, each named by its YAML key
(``outputs.email.port``) and, when known, its line. The password is a
``SecretStr``: it never shows in ``repr``, logs or error messages (pydantic's
own messages are rebuilt from the key and the problem only, never the input).

    outputs:
      email:
        host: smtp.example.com
        port: 587                  # default: 587 starttls, 465 ssl, 25 none
        security: starttls         # starttls | ssl (implicit TLS) | none (localhost only)
        username: reports@example.com
        password: ${SMTP_PASSWORD}
        from: "Support reports <reports@example.com>"
        to: [ceo@example.com]
        cc: []
        bcc: []
        subject: "{{ title }} — {{ month_label }}"
        ca_file: certs/private-ca.pem   # only for a private CA
"""

from __future__ import annotations

from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.settings_errors import file_line_numbers, problem, settings_error, validation_problems

Security = Literal["starttls", "ssl", "none"]

DEFAULT_SUBJECT = "{{ title }} — {{ month_label }}"
DEFAULT_FROM = "reportgen@localhost"
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
KEY = "outputs.email"
PATH = ("outputs", "email")


def _address(value: str) -> str:
    """One address, optionally with a display name: ``Name <a@b.example>``; returns it trimmed."""
    text = value.strip()
    addr = parseaddr(text)[1]
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@") or " " in addr:
        raise ValueError(f"'{text}' is not an email address (write name@example.com)")
    if any(ch in text for ch in "\r\n"):
        raise ValueError("an address cannot contain a line break")
    return text


def split_addresses(values: list[str]) -> list[str]:
    """Addresses from a list whose items may themselves be comma-separated."""
    out: list[str] = []
    for item in values:
        # getaddresses reads a line break as a separator: "a@x\nb@y" would add a recipient
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in item):
            raise ValueError("an address cannot contain a line break or another control character "
                             "(separate addresses with commas)")
        for name, addr in getaddresses([item]):
            if addr or name:
                out.append(_address(f"{name} <{addr}>" if name else addr))
    return out


class EmailSettings(BaseModel):
    """Where and how the monthly email is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Security = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(default=DEFAULT_FROM, alias="from")
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    subject: str = DEFAULT_SUBJECT
    ca_file: str | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)
    attempts: int = Field(default=3, ge=1, le=10)
    retry_delay: float = Field(default=2.0, ge=0, le=300)  # seconds before the 2nd attempt; doubles

    @field_validator("to", "cc", "bcc", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("to", "cc", "bcc")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return split_addresses(value)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value or any(ch.isspace() for ch in value) or "/" in value:
            raise ValueError("must be a host name or IP address such as smtp.example.com")
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        try:
            jinja2.Environment().parse(value)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"not a valid template: {exc.message}") from None
        return value

    @model_validator(mode="after")
    def _coherent(self) -> EmailSettings:
        if self.security == "none" and self.host is not None and self.host.lower() not in LOCAL_HOSTS:
            raise ValueError("security 'none' sends the password and the report in clear text: it is "
                             "only allowed with host localhost/127.0.0.1 (use starttls or ssl)")
        if self.username and self.password is None:
            raise ValueError("username is set but password is not (write password: ${SMTP_PASSWORD})")
        if self.password is not None and not self.username:
            raise ValueError("password is set but username is not")
        return self

    @property
    def server_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.security]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.server_port}"

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1]


def load_email_settings(config: Config, *, require_server: bool = True) -> EmailSettings:
    """The validated ``outputs.email`` (defaults when absent and no server is needed).

    ``require_server`` (sending) demands ``host`` and a readable ``ca_file``;
    a dry run needs neither. Raises ConfigError naming each bad key.
    """
    raw = config.outputs.get("email")
    name = str(config.config_path) if config.config_path else "config"
    if raw is None:
        if require_server:
            raise ConfigError(f"{name}: {KEY} is not configured",
                              hint="add outputs.email with host, from and to (see docs/SCHEDULING.md), "
                                   "or use --dry-run --eml FILE")
        return EmailSettings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: {KEY}: must be a mapping of keys (host:, port:, from:, to:, …)")
    lines = file_line_numbers(config.config_path)
    problems: list[str] = []
    settings: EmailSettings | None = None
    try:
        settings = EmailSettings.model_validate(raw)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, lines, model=EmailSettings, prefix=PATH))
    if settings is not None and require_server:
        if settings.host is None:
            problems.append(problem((*PATH, "host"), "required key is missing", lines))
        if settings.ca_file is not None:
            path = resolve_ca_file(config, settings)
            if path is not None and not path.is_file():
                problems.append(problem((*PATH, "ca_file"), f"file not found: {path}", lines))
    if problems or settings is None:
        raise settings_error(name, problems)
    return settings


def resolve_ca_file(config: Config, settings: EmailSettings) -> Path | None:
    """``ca_file`` relative to the config file's folder."""
    return None if settings.ca_file is None else config.resolve(settings.ca_file)


def google_sheet_url(config: Config) -> str | None:
    """The shared sheet's address from ``outputs.google_sheets.spreadsheet`` (a key or a URL)."""
    sheets = config.outputs.get("google_sheets")
    if not isinstance(sheets, dict):
        return None
    value = sheets.get("spreadsheet")
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if value.lower().startswith(("https://", "http://")):
        return value
    return f"https://docs.google.com/spreadsheets/d/{value}"
