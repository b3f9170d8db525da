"""Config checks that protect the schedule: a legacy time zone (EST) is a warning naming the zone
to use; a YAML syntax error points at the line of the unclosed quote."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reportgen.cli import main
from reportgen.config import load_config, timezone_warning

SOURCES = 'sources:\n  tickets: {path: "data/tickets.csv"}\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_legacy_zone_is_a_warning_with_the_city_zone(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, 'report: {timezone: EST}\nsources:\n'
                                '  tickets: {path: "t.csv", timezone: PST8PDT}\n'))
    assert config.report.timezone == "EST"  # accepted: it is a real zone, only a risky one
    assert config.warnings == [
        "report.timezone: 'EST' is a fixed UTC-5 offset without daylight saving time; use "
        "'America/New_York' (or your team's own city zone) so that local times follow the clock change",
        "sources.tickets.timezone: 'PST8PDT' is a legacy POSIX rule, not a place; use "
        "'America/Los_Angeles' (or your team's own city zone) so that local times follow the clock change",
    ]


def test_city_zones_and_utc_give_no_warning(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "report: {timezone: America/New_York}\n" + SOURCES))
    assert config.warnings == []
    assert timezone_warning("US/Eastern") is None and timezone_warning("UTC") is None
    assert "Pacific/Honolulu" in (timezone_warning("HST") or "")
    assert "America/Chicago" in (timezone_warning("CST6CDT") or "")


def test_warnings_is_not_a_config_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "-c", str(_write(tmp_path, "warnings: [x]\n" + SOURCES))])
    assert result.exit_code == 1 and "warnings (line 1): unknown key" in result.stderr


def _yaml_error(tmp_path: Path, text: str) -> str:
    result = CliRunner().invoke(main, ["validate", "-c", str(_write(tmp_path, text))])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


def test_an_unclosed_quote_is_pointed_at_its_own_line(tmp_path: Path) -> None:
    # the parser gives up two lines later, at the next quote; the mistake is on line 2
    line = _yaml_error(tmp_path, 'report:\n  title: "Monthly report\n  timezone: UTC\n'
                                 '  currency: "EUR"\n' + SOURCES)
    assert line.startswith("error: ") and "config.yaml: not valid YAML at line 2, column 10: " \
        "a quoted value opens here and is not closed on its line — close the quote" in line
    assert "stopped at line 4" in line


def test_an_unclosed_quote_running_to_the_end(tmp_path: Path) -> None:
    line = _yaml_error(tmp_path, "report:\n  title: 'Monthly report\n  timezone: UTC\n" + SOURCES)
    assert "not valid YAML at line 2, column 10: a quoted value opens here" in line


def test_other_yaml_errors_keep_the_parsers_line(tmp_path: Path) -> None:
    line = _yaml_error(tmp_path, 'report:\n  title: "ok"\n  timezone: [UTC\n  currency: EUR\n' + SOURCES)
    assert "not valid YAML at line 4" in line and "quoted value" not in line


def test_every_command_prints_the_warning_once_on_stderr(tmp_path: Path) -> None:
    """The warning reaches the person running the command (here `history list`, which reads no data)."""
    config = _write(tmp_path, 'report: {timezone: EST}\n' + SOURCES)
    result = CliRunner().invoke(main, ["history", "list", "-c", str(config)])
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == ["warning: report.timezone: 'EST' is a fixed UTC-5 offset without daylight saving "
                        "time; use 'America/New_York' (or your team's own city zone) so that local times "
                        "follow the clock change"]
