"""`reportgen init`: a first config.yaml from the user's exports, which `reportgen validate` accepts."""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.config import load_config, parse_config

ROOT = Path(__file__).parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
ZENDESK = EXPORTS / "zendesk" / "tickets.csv"
EXAMPLE = ROOT / "reportgen" / "config.example.yaml"  # every key with its default, shipped in the package


def init(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["init", *args, "--dir", str(folder)])


def validate(config: Path) -> Result:
    return CliRunner().invoke(main, ["validate", "--config", str(config)])


def sources(config: Path) -> dict[str, list[dict[str, object]]]:
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))["sources"]
    return {name: value if isinstance(value, list) else [value] for name, value in raw.items()}


# every vendor export of tests/fixtures, with what init must recognise; a survey export is given
# together with a Zendesk ticket export (tickets are required by every config)
TICKET_EXPORTS = [
    ("zendesk/tickets.csv", "zendesk"),
    ("zendesk/tickets_other_casing.csv", "zendesk"),
    ("zendesk/incremental.json", "zendesk"),
    ("freshdesk/tickets.csv", "freshdesk"),
    ("freshdesk/tickets_title_case.csv", "freshdesk"),
    ("intercom/conversations.csv", "intercom"),
    ("zammad/ticket_report.xlsx", "zammad"),
]
SURVEY_EXPORTS = [
    ("typeform/responses.csv", "typeform",
     {"score_column": "How likely are you to recommend Acme to a friend or colleague?", "survey": "nps",
      "comment_column": "What could we do better?"}),
    ("surveymonkey/responses.csv", "surveymonkey",
     {"score_column": "How satisfied were you with our support?", "survey": "csat",
      "comment_column": "Anything else?"}),
    ("qualtrics/responses.csv", "qualtrics", {"score_column": "Q1", "survey": "nps", "comment_column": "Q2"}),
]


@pytest.mark.parametrize(("export", "preset"), TICKET_EXPORTS)
def test_init_recognises_a_ticket_export_and_validate_passes(export: str, preset: str, tmp_path: Path) -> None:
    result = init(tmp_path, str(EXPORTS / export))
    assert result.exit_code == 0, result.output
    assert f"{Path(export).name}: " in result.output and f"(preset {preset})" in result.output
    config = tmp_path / "config.yaml"
    tickets = sources(config)["tickets"]
    assert [(s["path"], s["preset"]) for s in tickets] == [(str((EXPORTS / export).resolve()), preset)]
    checked = validate(config)
    assert checked.exit_code == 0, checked.output
    assert "OK: no problems found" in checked.output


@pytest.mark.parametrize(("export", "preset", "options"), SURVEY_EXPORTS)
def test_init_chooses_a_survey_exports_options_and_validate_passes(
        export: str, preset: str, options: dict[str, str], tmp_path: Path) -> None:
    result = init(tmp_path, str(ZENDESK), str(EXPORTS / export))
    assert result.exit_code == 0, result.output
    config = tmp_path / "config.yaml"
    surveys = sources(config)["surveys"]
    assert len(surveys) == 1 and surveys[0]["preset"] == preset
    chosen = surveys[0]["options"]
    assert isinstance(chosen, dict)
    assert {k: v for k, v in chosen.items() if k in options} == options
    checked = validate(config)
    assert checked.exit_code == 0, checked.output  # Typeform's partial response is a routine skip


def test_surveymonkey_answers_as_text_get_the_five_labels(tmp_path: Path) -> None:
    assert init(tmp_path, str(ZENDESK), str(EXPORTS / "surveymonkey" / "responses.csv")).exit_code == 0
    labels = sources(tmp_path / "config.yaml")["surveys"][0]["options"]["score_labels"]  # type: ignore[index]
    assert {str(k).casefold(): v for k, v in labels.items()} == {  # type: ignore[attr-defined]
        "very satisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 2, "very dissatisfied": 1}


@pytest.mark.parametrize("export", ["delighted/survey_responses.csv", "delighted/survey_responses.json"])
def test_delighted_export_and_its_one_response_of_another_kind(export: str, tmp_path: Path) -> None:
    """The fixture holds one 5star response, which KPI_SPEC excludes: init says so, validate lists it
    and nothing else."""
    result = init(tmp_path, str(ZENDESK), str(EXPORTS / export))
    assert result.exit_code == 0, result.output
    config = tmp_path / "config.yaml"
    assert [s["preset"] for s in sources(config)["surveys"]] == ["delighted"]
    assert "(1 5star) are not nps, csat or ces" in config.read_text(encoding="utf-8")
    checked = validate(config)
    assert "unknown_survey_kind: 1" in checked.output
    assert checked.output.splitlines()[-1].startswith("problems found: 0 fatal problems, 1 row excluded")


def test_ces_answered_on_delighteds_seven_point_scale_sets_kpis_ces(tmp_path: Path) -> None:
    delighted = tmp_path / "delighted.csv"
    delighted.write_text("id,survey_type,score,created_at\n1,ces,7,1709290800\n2,ces,3,1709290900\n"
                         "3,nps,10,1709291000\n4,csat,5,1709291100\n", encoding="utf-8")
    assert init(tmp_path, str(ZENDESK), str(delighted)).exit_code == 0
    config = tmp_path / "config.yaml"
    kpis = yaml.safe_load(config.read_text(encoding="utf-8"))["kpis"]
    assert kpis == {"ces": {"scale": [1, 7], "low_effort_min": 5}}  # csat stays at its default 1–5
    checked = validate(config)
    assert checked.exit_code == 0, checked.output


def test_a_zendesk_export_with_ratings_also_feeds_the_surveys(tmp_path: Path) -> None:
    result = init(tmp_path, str(ZENDESK))
    assert "tickets.csv: its satisfaction ratings feed the surveys (preset zendesk_csat)" in result.output
    found = sources(tmp_path / "config.yaml")
    assert [s["preset"] for s in found["surveys"]] == ["zendesk_csat"]
    assert found["surveys"][0]["path"] == found["tickets"][0]["path"]
    # another survey source given: the ratings are left to it
    with_api = init(tmp_path / "api", str(ZENDESK), "--api", "delighted")
    assert "satisfaction ratings" not in with_api.output
    assert [s.get("api") for s in sources(tmp_path / "api" / "config.yaml")["surveys"]] == ["delighted"]


def test_typeform_question_with_html_and_a_detected_layout(tmp_path: Path) -> None:
    """Semicolons, day-first dates, and a question whose header carries HTML: all chosen from the file."""
    tickets = tmp_path / "exports" / "tickets.csv"
    tickets.parent.mkdir()
    tickets.write_text("ticket_id;created_at;resolved_at\nT1;13/03/2024 10:00;14/03/2024 09:00\n"
                       "T2;02/03/2024 11:30;\n", encoding="utf-8")
    typeform = tmp_path / "exports" / "typeform.csv"
    typeform.write_text(
        "#,How easy was it to get help from <strong>Acme</strong>?,Why?,ticket_id,Response Type,"
        "Submit Date (UTC)\nr1,5,Quick,T1,completed,2024-03-02 10:00:00\n"
        "r2,2,,T2,completed,2024-03-03 10:00:00\n", encoding="utf-8")
    folder = tmp_path / "exports"
    result = init(folder, str(tickets), str(typeform))
    assert result.exit_code == 0, result.output
    config = folder / "config.yaml"
    found = sources(config)
    assert found["tickets"][0] == {"path": "tickets.csv", "preset": "generic", "delimiter": ";",
                                   "date_format": "%d/%m/%Y %H:%M"}
    assert found["surveys"][0]["options"] == {
        "score_column": "How easy was it to get help from <strong>Acme</strong>?", "survey": "ces",
        "comment_column": "Why?", "ticket_column": "ticket_id"}
    checked = validate(config)
    assert checked.exit_code == 0, checked.output
    assert "tickets: 1 file(s), 2 rows read, 2 used" in checked.output


def test_the_report_zone_is_one_an_export_states_not_typeforms_utc(tmp_path: Path) -> None:
    result = init(tmp_path, str(EXPORTS / "typeform" / "responses.csv"),
                  str(EXPORTS / "intercom" / "conversations.csv"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert 'timezone: "America/New_York"  # check: the zone conversations.csv states' in text
    typeform_only = init(tmp_path / "t", str(ZENDESK), str(EXPORTS / "typeform" / "responses.csv"),
                         "--force")
    assert typeform_only.exit_code == 0
    assert "# check: this computer's zone" in (tmp_path / "t" / "config.yaml").read_text(encoding="utf-8")


def test_a_survey_without_words_is_told_by_its_scale(tmp_path: Path) -> None:
    typeform = tmp_path / "typeform.csv"
    typeform.write_text("#,Your score,Submit Date (UTC)\nr1,0,2024-03-02 10:00:00\nr2,9,2024-03-03 10:00:00\n",
                        encoding="utf-8")
    assert init(tmp_path, str(ZENDESK), str(typeform)).exit_code == 0
    options = sources(tmp_path / "config.yaml")["surveys"][0]["options"]
    assert options == {"score_column": "Your score", "survey": "nps"}
    text = re.sub(r"\n\s*#\s+", " ", (tmp_path / "config.yaml").read_text(encoding="utf-8"))  # notes unwrapped
    assert "survey: nps was guessed from the answers' scale (answers seen: 0–9)" in text


def test_a_decimal_comma_is_pointed_out(tmp_path: Path) -> None:
    business = tmp_path / "business.csv"
    business.write_text("month;customers_start;revenue\n2024-03;100;1.234,50\n", encoding="utf-8")
    assert init(tmp_path, str(ZENDESK), str(business)).exit_code == 0
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert sources(tmp_path / "config.yaml")["business"][0]["delimiter"] == ";"
    assert "check: revenue is written with a decimal comma" in text


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("# mine\n", encoding="utf-8")
    refused = init(tmp_path, str(ZENDESK))
    assert refused.exit_code == 1
    assert refused.output.strip() == f"error: {config} already exists — pass --force to replace it, or --dir " \
                                     "to write the config into another folder"
    assert config.read_text(encoding="utf-8") == "# mine\n"
    forced = CliRunner().invoke(main, ["init", str(ZENDESK), "--dir", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert sources(config)["tickets"][0]["preset"] == "zendesk"


def test_an_unrecognised_file_is_one_line(tmp_path: Path) -> None:
    other = tmp_path / "contacts.csv"
    other.write_text("name,phone\nAnn,123\n", encoding="utf-8")
    result = init(tmp_path, str(other))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "not recognised as an export of any preset" in result.output
    assert "columns found: name, phone" in result.output
    assert not (tmp_path / "config.yaml").exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("tickets_unclosed_quote.csv", "tickets_unclosed_quote.csv, row 3: a quoted value opens here"),
    ("tickets_ragged.csv", "tickets_ragged.csv, row 4: this row has more fields than the header"),
    ("garbage.csv", "garbage.csv: this is not a text file"),
])
def test_an_unreadable_export_gets_the_readers_own_one_line(name: str, expected: str, tmp_path: Path) -> None:
    result = init(tmp_path, str(ROOT / "tests" / "bad_inputs" / name))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert expected in result.output
    assert not (tmp_path / "config.yaml").exists()


@pytest.mark.parametrize(("api", "dataset", "variables"), [
    ("zendesk", "tickets", ["ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"]),
    ("freshdesk", "tickets", ["FRESHDESK_DOMAIN", "FRESHDESK_API_KEY"]),
    ("hubspot", "tickets", ["HUBSPOT_TOKEN"]),
    ("helpscout", "tickets", ["HELPSCOUT_CLIENT_ID", "HELPSCOUT_CLIENT_SECRET"]),
    ("gorgias", "tickets", ["GORGIAS_DOMAIN", "GORGIAS_EMAIL", "GORGIAS_API_KEY"]),
    ("gorgias_csat", "surveys", ["GORGIAS_DOMAIN", "GORGIAS_EMAIL", "GORGIAS_API_KEY"]),
    ("delighted", "surveys", ["DELIGHTED_API_KEY"]),
    ("typeform", "surveys", ["TYPEFORM_TOKEN", "TYPEFORM_FORM_ID", "TYPEFORM_SCORE_REF"]),
    ("surveymonkey", "surveys", ["SURVEYMONKEY_TOKEN", "SURVEYMONKEY_SURVEY_ID", "SURVEYMONKEY_QUESTION"]),
    ("qualtrics", "surveys", ["QUALTRICS_DATACENTER", "QUALTRICS_API_TOKEN", "QUALTRICS_SURVEY_ID",
                              "QUALTRICS_QUESTION"]),
    ("zendesk_csat", "surveys", ["ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"]),
    ("intercom", "tickets", ["INTERCOM_TOKEN"]),
    ("intercom_csat", "surveys", ["INTERCOM_TOKEN"]),
])
def test_api_sources_get_env_placeholders(api: str, dataset: str, variables: list[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.sources.api.pull import settings_problems

    args = ["--api", api] if dataset == "tickets" else [str(ZENDESK), "--api", api]
    result = init(tmp_path, *args)
    assert result.exit_code == 0, result.output
    config = tmp_path / "config.yaml"
    text = config.read_text(encoding="utf-8")
    written = sources(config)[dataset][-1]
    assert written["api"] == api
    for name in variables:
        assert "${" + name + "}" in text
        monkeypatch.setenv(name, f"value-of-{name.lower()}")
    loaded = load_config(config)
    assert settings_problems(loaded) == []
    for name in variables:
        monkeypatch.delenv(name)
    with pytest.raises(Exception, match=f"environment variable {variables[0]} is not set"):
        load_config(config)


def test_without_exports_the_config_is_the_example_to_fill_in(tmp_path: Path) -> None:
    result = init(tmp_path)
    assert result.exit_code == 0, result.output
    config = parse_config((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    assert config.sources.of("tickets")[0].path == "data/tickets-*.csv"


def test_every_other_key_is_written_commented_out_with_its_default(tmp_path: Path) -> None:
    """The text of config.example.yaml follows, every line of it present, commented out."""
    assert init(tmp_path, str(ZENDESK)).exit_code == 0
    written = (tmp_path / "config.yaml").read_text(encoding="utf-8").splitlines()

    def bare(line: str) -> str:
        return re.sub(r"^[\s#]*", "", line).strip()

    shown = {bare(line) for line in written if line.lstrip().startswith("#")}
    example = EXAMPLE.read_text(encoding="utf-8").splitlines()
    keys = [line for line in example[2:] if bare(line) and line not in ("sources:", "report:")
            and not re.match(r"^\s+timezone: \"Europe/Rome\"\s+# IANA", line)]
    missing = [line for line in keys if bare(line) not in shown]
    assert missing == []
    parsed = yaml.safe_load("\n".join(written))
    assert set(parsed) == {"report", "sources"}  # nothing else is set (no survey above 1–5)
    assert set(parsed["report"]) == {"timezone"}


def test_the_example_config_ships_inside_the_package() -> None:
    """One file: the package's, which the README links to and init copies."""
    packaged = files("reportgen").joinpath("config.example.yaml").read_text(encoding="utf-8")
    assert packaged == EXAMPLE.read_text(encoding="utf-8")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "config.example.yaml" in data["tool"]["setuptools"]["package-data"]["reportgen"]
    assert "](reportgen/config.example.yaml)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_missing_config_error_says_reportgen_init(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 1
    assert "config file not found" in result.output and "`reportgen init`" in result.output


def test_every_connector_has_a_starter_for_init_api() -> None:
    from reportgen.registry import CONNECTORS
    from reportgen.starter import API_SOURCES

    assert sorted(API_SOURCES) == sorted(CONNECTORS)
    assert all(API_SOURCES[name][0] in CONNECTORS.entry(name).datasets for name in CONNECTORS)

