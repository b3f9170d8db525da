"""Every settings section reports problems the same way: YAML key, line, "known:" keys, a did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import load_config
from reportgen.errors import ConfigError
from reportgen.mail.settings import load_email_settings
from reportgen.settings_errors import did_you_mean, key_text, unknown_key_message, yaml_line_numbers
from reportgen.sheets.settings import load_settings

OUTPUTS = """\
report: {title: T}
sources:
  tickets: {path: t.csv}
  surveys: {path: s.csv}
outputs:
  email:
    host: localhost
    security: none
    frm: a@b.co
    to: [x@y.co]
  google_sheets:
    titel: X
    share_with:
      - {email: a@b.co, rol: writer}
"""


def message_of(action: object) -> str:
    assert callable(action)
    with pytest.raises(ConfigError) as caught:
        action()
    return str(caught.value)


def test_a_typo_in_the_config_gets_line_known_keys_and_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("report:\n  title: T\n  timezon: Europe/Rome\nsources:\n"
                    "  tickets: {path: t.csv}\n  surveys: {path: s.csv}\ntargts: {}\n")
    text = message_of(lambda: load_config(path))
    assert text.startswith(f"{path.resolve()}: 2 problems: ")
    assert ("report.timezon (line 3): unknown key (did you mean 'timezone'? known: title, timezone, "
            "currency, window_months, output, language, min_responses, comments, notes)") in text
    assert "targts (line 7): unknown key (did you mean 'targets'? known: report, " in text
    assert "base_dir" not in text  # set by the program, never a YAML key


def test_the_output_sections_use_the_same_wording(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(OUTPUTS)
    config = load_config(path)
    email = message_of(lambda: load_email_settings(config))
    assert email.startswith(f"{path.resolve()}: 1 problem: ")
    assert "outputs.email.frm (line 9): unknown key (did you mean 'from'? known: host, port, security, " in email
    sheets = message_of(lambda: load_settings(config))
    assert sheets.startswith(f"{path.resolve()}: 2 problems: ")
    assert ("outputs.google_sheets.share_with[0].rol (line 14): unknown key (did you mean 'role'? "
            "known: email, role)") in sheets
    assert "outputs.google_sheets.titel (line 12): unknown key (did you mean 'title'? known: spreadsheet, " in sheets


def test_helpers() -> None:
    assert key_text(("outputs", "google_sheets", "share_with", 0, "role")) == \
        "outputs.google_sheets.share_with[0].role"
    assert key_text(()) == "(top level)"
    assert did_you_mean("hots", ["host", "port"]) == "did you mean 'host'?"
    assert did_you_mean("zzz", ["host"]) == ""
    assert unknown_key_message("zzz", ["a", "b"]) == "unknown key (known: a, b)"
    lines = yaml_line_numbers("a:\n  b:\n    - x: 1\n    - y: 2\n")
    assert lines[("a", "b", "1", "y")] == 4 and lines[("a", "b", "1")] == 4


def test_a_typo_in_a_member_of_a_discriminated_union_gets_that_members_keys() -> None:
    from typing import Annotated, Any

    import yaml
    from pydantic import BaseModel, ConfigDict, Discriminator, Tag, ValidationError

    from reportgen.settings_errors import validation_problems

    class Smtp(BaseModel):
        model_config = ConfigDict(extra="forbid")
        host: str
        port: int = 25

    class Api(BaseModel):
        model_config = ConfigDict(extra="forbid")
        endpoint: str

    def member(value: Any) -> str:
        return "Smtp" if isinstance(value, dict) and "host" in value else "Api"

    Sender = Annotated[Annotated[Smtp, Tag("Smtp")] | Annotated[Api, Tag("Api")], Discriminator(member)]

    class Settings(BaseModel):
        send: Sender | list[Sender]

    text = "send:\n  - {endpoint: x}\n  - host: mail\n    prot: 25\n"
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate(yaml.safe_load(text))
    assert validation_problems(caught.value, yaml_line_numbers(text), model=Settings) == [
        "send[1].prot (line 4): unknown key (did you mean 'port'? known: host, port)"]
