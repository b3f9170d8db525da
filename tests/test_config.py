"""Config validation: every problem at once, each with its YAML path and line."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from reportgen.config import load_config, parse_config
from reportgen.errors import ConfigError

MINIMAL = """\
report:
  title: "Customer Service Report"
  timezone: "Europe/Rome"
  currency: "EUR"
sources:
  tickets:  {path: "data/tickets-*.csv", preset: generic}
  surveys:  {path: "data/surveys.csv", preset: generic}
  business: {path: "data/business.csv"}
"""


def test_minimal_config_from_the_issue_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    config = load_config(path)
    assert config.report.timezone == "Europe/Rome"
    assert config.report.window_months == 12
    assert config.kpis.csat.satisfied_min == 4
    assert config.kpis.fcr.max_replies == 1
    assert config.kpis.sla.first_response_hours == 24
    # relative paths start at the config file's folder
    assert config.resolve("data/surveys.csv") == tmp_path.resolve() / "data/surveys.csv"


def test_example_config_is_valid() -> None:
    config = load_config(Path(__file__).parents[1] / "reportgen" / "config.example.yaml")
    assert config.targets["nps"] == 40


def test_every_problem_is_reported_at_once_with_path_and_line() -> None:
    text = MINIMAL.replace('"Europe/Rome"', '"Europe/Roma"').replace(
        'currency: "EUR"', 'currency: "EURO"\n  colour: blue')
    with pytest.raises(ConfigError) as caught:
        parse_config(text + "targets:\n  nsp: 40\n")
    message = str(caught.value)
    assert "4 problems" in message
    assert "report.timezone (line 3): unknown time zone 'Europe/Roma' (did you mean 'Europe/Rome'?)" in message
    assert "report.currency (line 4)" in message and "3-letter" in message
    assert "report.colour (line 5): unknown key" in message
    assert "targets.nsp" in message and "did you mean 'nps'" in message
    assert "\n" not in message


def test_missing_sources_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"sources: required key is missing"):
        parse_config("report: {title: x}\n")


def test_unknown_preset_lists_the_known_ones() -> None:
    text = MINIMAL.replace("preset: generic}", "preset: zendeskk}", 1)
    with pytest.raises(ConfigError, match=r"unknown preset 'zendeskk' \(known: .*generic"):
        parse_config(text)


def test_wrong_types_and_ranges_are_named() -> None:
    text = MINIMAL + "kpis:\n  fcr: {max_replies: -1}\n  csat: {scale: [5, 1]}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    message = str(caught.value)
    assert "kpis.fcr.max_replies" in message
    assert "kpis.csat" in message and "lowest < highest" in message


def test_environment_variables_are_interpolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RG_TITLE", "From env")
    config = parse_config(MINIMAL.replace('"Customer Service Report"', '"${RG_TITLE}"'))
    assert config.report.title == "From env"


def test_missing_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RG_NOT_SET", raising=False)
    with pytest.raises(ConfigError, match=r"report.title: environment variable RG_NOT_SET is not set"):
        parse_config(MINIMAL.replace('"Customer Service Report"', '"${RG_NOT_SET}"'))


def test_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid YAML at line 3, column 9: mapping values"):
        parse_config("report:\n  title: x\n  bad: a: b\n")


def test_missing_config_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found.*`reportgen init`"):
        load_config(tmp_path / "nope.yaml")


PLUS_TWO = ("unknown time zone '+02:00' (an offset is not a time zone: write your city's zone, "
            "e.g. 'Europe/Paris', so that local times follow the clock change, or 'Etc/GMT-2' for a fixed "
            "UTC+02:00)")


def one_problem(text: str) -> str:
    """The message of a config with exactly one problem, without the 'config: 1 problem: ' prefix."""
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    message = str(caught.value)
    assert message.startswith("config: 1 problem: "), message
    return message.removeprefix("config: 1 problem: ")


@pytest.mark.parametrize(("setting", "key", "expected"), [
    ('timezone: "+02:00"', "timezone", PLUS_TWO),
    ('delimiter: ";;"', "delimiter", "String should have at most 1 character"),
    ("encoding: nope", "encoding", "unknown encoding 'nope' (try utf-8 or latin-1)"),
    ("path: [a.csv, b.csv]", "path", "Input should be a valid string"),
])
def test_a_bad_source_setting_is_one_problem_named_by_its_key(setting: str, key: str, expected: str) -> None:
    setting = setting if setting.startswith("path:") else f"path: tickets.csv, {setting}"
    text = f"report: {{title: T}}\nsources:\n  tickets: {{{setting}}}\n"
    assert one_problem(text) == f"sources.tickets.{key} (line 3): {expected}"


def test_a_bad_setting_in_a_list_of_sources_names_the_item() -> None:
    text = ("sources:\n  tickets:\n    - {path: a.csv}\n"
            '    - path: b.csv\n      timezone: "+02:00"\n')
    assert one_problem(text) == f"sources.tickets[1].timezone (line 5): {PLUS_TWO}"


def test_a_source_that_is_neither_a_mapping_nor_a_list_is_one_problem() -> None:
    message = one_problem("sources:\n  tickets: tickets.csv\n")
    assert message.startswith("sources.tickets (line 2): ")
    assert "mapping" in message and "list" in message
    assert "SourceConfig" not in message and "function-" not in message


def test_a_key_typo_in_a_source_gets_the_known_keys_and_a_suggestion() -> None:
    message = one_problem("sources:\n  tickets: {pth: tickets.csv}\n")
    assert message.startswith("sources.tickets.pth (line 2): unknown key (did you mean 'path'? known: path, api, ")
    message = one_problem("sources:\n  surveys: {path: s.csv}\n  tickets:\n    - {path: t.csv, delimter: ';'}\n")
    assert message.startswith("sources.tickets[0].delimter (line 4): unknown key (did you mean 'delimiter'? ")


def test_two_sources_in_one_config_are_two_problems() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("sources:\n  tickets: {path: t.csv, timezone: Europe/Roma}\n"
                     "  surveys: {path: s.csv, encoding: nope}\n")
    assert str(caught.value) == (
        "config: 2 problems: sources.tickets.timezone (line 2): unknown time zone 'Europe/Roma' "
        "(did you mean 'Europe/Rome'?); sources.surveys.encoding (line 3): unknown encoding 'nope' "
        "(try utf-8 or latin-1)")


@pytest.mark.parametrize(("date_format", "expected"), [
    ("%Q", "unknown directive %Q"),
    ("%d-%m-%Y %H:%M %q", "unknown directive %q"),
    ("%-B %Y", "unknown directive %-B"),
    ("%d-%m-%Y %", "ends with a lone % (write %% for a literal %)"),
])
def test_a_date_format_duckdb_cannot_read_is_a_config_error(date_format: str, expected: str) -> None:
    text = f'report: {{title: T}}\nsources:\n  tickets: {{path: t.csv, date_format: "{date_format}"}}\n'
    message = one_problem(text)
    assert message.startswith(f"sources.tickets.date_format (line 3): {expected}"), message


def test_the_date_format_check_knows_duckdbs_documented_directives() -> None:
    import duckdb

    from reportgen.config import STRPTIME_DIRECTIVES

    # DuckDB's strptime specifiers as its documentation lists them (sql/functions/dateformat)
    documented = ["a", "A", "b", "B", "c", "d", "-d", "f", "g", "G", "H", "-H", "I", "-I", "j", "-j", "m", "-m",
                  "M", "-M", "n", "p", "S", "-S", "u", "U", "V", "w", "W", "x", "X", "y", "-y", "Y", "z", "Z", "%"]
    habits = ["T", "h"]  # undocumented but read by DuckDB (%H:%M:%S, %b): common in strftime formats
    assert sorted(STRPTIME_DIRECTIVES) == sorted(documented + habits)
    with duckdb.connect() as con:
        for directive in documented + habits:  # the installed DuckDB reads every one
            con.execute("SELECT try_strptime('x', ?)", [f"%{directive}"]).fetchall()
            config = parse_config(f"sources:\n  tickets: {{path: t.csv, date_format: 'at %{directive} %%Q'}}\n")
            assert config.sources.of("tickets")[0].date_format == f"at %{directive} %%Q"


def test_kpi_thresholds_outside_their_scale_are_named_one_per_line() -> None:
    text = ("sources: {tickets: {path: t.csv}}\nkpis:\n"
            "  csat: {scale: [1, 5], satisfied_min: 7, negative_max: 0}\n"
            "  ces: {low_effort_min: 9}\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert str(caught.value) == (
        "config: 3 problems: kpis.csat.satisfied_min (line 3): 7 is outside kpis.csat.scale [1, 5]; "
        "kpis.csat.negative_max (line 3): 0 is outside kpis.csat.scale [1, 5]; "
        "kpis.ces.low_effort_min (line 4): 9 is outside kpis.ces.scale [1, 5]")
    # KPI_SPEC: satisfied / low effort is score >= the minimum, negative is score <= the maximum: both
    # ends of the scale are scores a response can have, so a threshold on either end is meaningful
    config = parse_config("sources: {tickets: {path: t.csv}}\nkpis:\n"
                          "  csat: {scale: [0, 10], satisfied_min: 10, negative_max: 0}\n"
                          "  ces: {scale: [1, 7], low_effort_min: 1}\n")
    assert (config.kpis.csat.satisfied_min, config.kpis.csat.negative_max) == (10, 0)
    assert config.kpis.ces.low_effort_min == 1


def test_a_default_threshold_outside_a_changed_scale_is_named() -> None:
    # CES with scale [0, 3] and the default low_effort_min 4 would always be 0 %
    message = one_problem("sources: {tickets: {path: t.csv}}\nkpis:\n  ces: {scale: [0, 3]}\n")
    assert message.startswith("kpis.ces.low_effort_min (line 3): 4 is outside kpis.ces.scale [0, 3]")
    assert "default" in message
    # a reversed scale is that one problem, not also its thresholds
    message = one_problem("sources: {tickets: {path: t.csv}}\nkpis:\n  csat: {scale: [5, 1], satisfied_min: 4}\n")
    assert message == "kpis.csat (line 3): scale must be [lowest, highest] with lowest < highest"


@pytest.mark.parametrize(("offset", "fixed"), [("+02:00", "'Etc/GMT-2' for a fixed UTC+02:00"),
                                               ("-0500", "'Etc/GMT+5' for a fixed UTC-05:00"),
                                               ("UTC+1", "'Etc/GMT-1' for a fixed UTC+01:00")])
def test_an_offset_given_as_a_time_zone_says_what_to_write(offset: str, fixed: str) -> None:
    message = one_problem(f'sources: {{tickets: {{path: t.csv, timezone: "{offset}"}}}}\n')
    assert message.startswith(f"sources.tickets.timezone (line 1): unknown time zone '{offset}' (an offset is "
                              "not a time zone: write your city's zone, e.g. 'Europe/Paris', so that local "
                              "times follow the clock change"), message
    assert message.endswith(f", or {fixed})")
    half_hour = one_problem('report: {timezone: "+05:30"}\nsources: {tickets: {path: t.csv}}\n')
    assert half_hour.endswith("so that local times follow the clock change)")


def alias_bomb(levels: int) -> str:
    """"Billion laughs": each level is a list of ten aliases to the level before (10**levels values)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghij"
    for previous, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    return MINIMAL + "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_at_once_as_one_config_error(levels: int) -> None:
    import time

    text = alias_bomb(levels)
    assert len(text) < 1500
    started = time.perf_counter()
    with pytest.raises(ConfigError) as raised:
        parse_config(text)
    assert time.perf_counter() - started < 0.5
    message = str(raised.value)
    assert "\n" not in message
    assert "aliases (*name) expand to more than 10,000 values" in message
    # the fourth level (line 4 after MINIMAL) is the first to hold more than 10,000 values
    assert message.startswith(f"config: line {MINIMAL.count(chr(10)) + 4}:")


def test_aliases_within_the_bound_still_work() -> None:
    text = MINIMAL.replace("  surveys:  {path: \"data/surveys.csv\", preset: generic}",
                           "  surveys:  &s {path: \"data/surveys.csv\", preset: generic}")
    config = parse_config(text)
    assert config.sources.surveys.path == "data/surveys.csv"
