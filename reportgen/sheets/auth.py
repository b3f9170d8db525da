"""Google credentials: a service-account key file, or application default credentials.

The key's contents are never printed or logged: problems name the file and the
missing or malformed field names, never values.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import google.auth
from google.auth import exceptions as google_exceptions
from google.auth.credentials import Credentials
from google.oauth2 import service_account

from reportgen.errors import ConfigError, OutputError

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",
          "https://www.googleapis.com/auth/drive.file")
REQUIRED_KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")
SETTING = "outputs.google_sheets.credentials"


def check_key_permissions(path: Path, warn: Callable[[str], None]) -> None:
    """Warn (one line) when the key file can be read by the group or others (POSIX only)."""
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    readers = [name for bit, name in ((stat.S_IRGRP, "its group"), (stat.S_IROTH, "other users"))
               if mode & bit]
    if readers:
        warn(f"warning: the Google key file {path} is readable by {' and '.join(readers)}; "
             f"restrict it with: chmod 600 {path}")


def load_key_info(path: Path, setting: str = SETTING) -> dict[str, Any]:
    """The parsed service-account key; ConfigError (naming ``setting``) without ever quoting its contents."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{setting}: the key file {path} does not exist",
                          hint="download a JSON key of the service account from Google Cloud "
                               "(IAM → Service accounts → Keys) and give its path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{setting}: cannot read the key file {path} ({type(exc).__name__})") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{setting}: {path} is not a JSON key file (invalid JSON at line {exc.lineno})",
                          hint="give the JSON key downloaded for the service account") from None
    if not isinstance(info, dict):
        raise ConfigError(f"{setting}: {path} is not a service-account JSON key")
    missing = [name for name in REQUIRED_KEY_FIELDS if not isinstance(info.get(name), str) or not info[name]]
    if missing:
        raise ConfigError(f"{setting}: {path} lacks {', '.join(missing)}",
                          hint="give the JSON key of a service account, not an OAuth client file")
    if info["type"] != "service_account":
        raise ConfigError(f"{setting}: {path} is a '{info['type'] if len(info['type']) < 40 else '?'}' "
                          "key, not a service-account key",
                          hint="remove `credentials` to use application default credentials instead")
    return info


def load_credentials(path: Path | None, warn: Callable[[str], None],
                     setting: str = SETTING) -> tuple[Credentials, str | None]:
    """Credentials with the Sheets + Drive (files it opens/creates) scopes, and the account's e-mail;
    problems name ``setting`` (the config key that gave the key file)."""
    if path is not None:
        if path.exists():
            check_key_permissions(path, warn)
        info = load_key_info(path, setting)
        try:
            credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES))
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"{setting}: {path} holds a malformed service-account key "
                              "(the private key or an id does not parse)",
                              hint="download a fresh JSON key for the service account") from None
        return credentials, str(info["client_email"])
    try:
        credentials, _project = google.auth.default(scopes=list(SCOPES))
    except google_exceptions.DefaultCredentialsError:
        raise OutputError("no Google credentials found",
                          hint=f"set {setting} to a service-account key file, or run "
                               "`gcloud auth application-default login`") from None
    email = getattr(credentials, "service_account_email", None)
    return credentials, email if isinstance(email, str) and "@" in email else None
