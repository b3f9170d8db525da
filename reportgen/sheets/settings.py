"""``outputs.google_sheets`` in config.yaml, validated.

    outputs:
      google_sheets:
        spreadsheet: https://docs.google.com/spreadsheets/d/1AbC…/edit   # or the bare key
        title: "Support report"          # used when no spreadsheet is given: found or created
        credentials: ${GOOGLE_SA_KEY}    # service-account key file; omit for default credentials
        share_with:
          - {email: lead@example.com, role: writer}

Every problem is reported at once, each naming its YAML key and line
(``outputs.google_sheets.share_with[0].role (line 9): …``; see ``reportgen.settings_errors``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.settings_errors import file_line_numbers, settings_error, validation_problems

KEY = "outputs.google_sheets"
PATH = ("outputs", "google_sheets")
ROLE_ALIASES = {"viewer": "reader", "editor": "writer"}
_URL_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Share(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str
    role: Literal["reader", "commenter", "writer"] = "reader"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return ROLE_ALIASES.get(lowered, lowered)
        return value


class SheetsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    spreadsheet: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    credentials: str | None = None
    share_with: tuple[Share, ...] = ()
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    max_retry_seconds: float = Field(default=120.0, ge=0, le=3600)

    @field_validator("spreadsheet")
    @classmethod
    def _spreadsheet(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        found = _URL_KEY.search(value)
        if found:
            return found.group(1)
        if _BARE_KEY.match(value):
            return value
        raise ValueError(f"'{value}' is neither a Google Sheets URL nor a spreadsheet key "
                         "(the part of the URL between /d/ and /edit)")

    @field_validator("credentials")
    @classmethod
    def _credentials(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is empty (an unset environment variable?); give a key file path or "
                             "remove the key to use application default credentials")
        return value

    @model_validator(mode="after")
    def _target(self) -> SheetsSettings:
        if self.spreadsheet is None and self.title is None:
            raise ValueError("give `spreadsheet` (a URL or key) to update, or `title` to create one")
        return self


def load_settings(config: Config) -> SheetsSettings:
    """The validated Sheets settings of a config; ConfigError names the YAML key of each problem."""
    where = str(config.config_path) + ": " if config.config_path else ""
    raw = config.outputs.get("google_sheets")
    if raw is None:
        raise ConfigError(f"{where}{KEY} is missing",
                          hint="add outputs: {google_sheets: {spreadsheet: <URL or key>}} "
                               "(see docs/GOOGLE_SHEETS.md)")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}{KEY} must be a mapping (spreadsheet:, title:, credentials:, …)")
    try:
        return SheetsSettings.model_validate(raw)
    except ValidationError as exc:
        lines = file_line_numbers(config.config_path)
        problems = validation_problems(exc, lines, model=SheetsSettings, prefix=PATH)
        raise settings_error(str(config.config_path or "config"), problems) from None


def credentials_path(config: Config, settings: SheetsSettings) -> Path | None:
    """The key file, relative to the config's folder; None for application default credentials."""
    return None if settings.credentials is None else config.resolve(settings.credentials)
