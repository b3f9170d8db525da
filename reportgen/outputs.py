"""Checks of the `outputs:` settings for `reportgen validate`, before a month's run needs them."""

from __future__ import annotations

from reportgen.config import Config
from reportgen.errors import ConfigError


def output_problems(config: Config) -> list[ConfigError]:
    """The problems of outputs.google_sheets and outputs.email (none when not configured)."""
    problems: list[ConfigError] = []
    if "google_sheets" in config.outputs:
        from reportgen.sheets.settings import load_settings

        try:
            load_settings(config)
        except ConfigError as exc:
            problems.append(exc)
    if "email" in config.outputs:
        from reportgen.mail.settings import load_email_settings

        try:
            load_email_settings(config)
        except ConfigError as exc:
            problems.append(exc)
    return problems
