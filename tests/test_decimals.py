"""Numbers as most of Europe writes them: a ``;`` file with decimal commas (``45000,00``, ``4,5``,
``1.234,56``) is read per column when the whole column says so, or as ``decimal: ","`` on the
source says; business figures, ticket counts and survey scores alike. Expected values by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportgen.cli import main

MONTH = "2026-10"
# two tickets spanning October, resolved in it: T1 with 1 reply, T2 with 3 (Excel wrote "1,00")
TICKETS = ("ticket_id;created_at;resolved_at;replies;reopens\n"
           "T1;2026-10-01 09:00;2026-10-02 09:00;1,00;0,00\n"
           "T2;2026-10-30 09:00;2026-10-31 09:00;3,00;0,00\n")
# CSAT on 1–5, satisfied from 4: 4,5 and 5 satisfied, 3,5 twice not
SURVEYS = ("response_id;submitted_at;survey;score\n"
           "S1;2026-10-02 10:00;csat;4,5\nS2;2026-10-03 10:00;csat;3,5\n"
           "S3;2026-10-04 10:00;csat;3,5\nS4;2026-10-05 10:00;csat;5\n")
# the business file: spend with decimal commas, once with thousands dots
BUSINESS = ("month;customers_start;customers_end;customers_new;sales_marketing_spend\n"
            "2026-09;100;110;20;45000,00\n"
            "2026-10;110;112;4;1.234,56\n")


def project(tmp_path: Path, tickets: str = TICKETS, surveys: str = SURVEYS, business: str = BUSINESS,
            surveys_source: str = '{path: "surveys.csv"}') -> Path:
    for name, text in (("tickets.csv", tickets), ("surveys.csv", surveys), ("business.csv", business)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nhistory: {path: "history.duckdb"}\n'
                      'sources:\n  tickets: {path: "tickets.csv"}\n'
                      f"  surveys: {surveys_source}\n"
                      '  business: {path: "business.csv"}\n', encoding="utf-8")
    return config


def kpis(config: Path, month: str = MONTH) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", month, "--format", "json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_semicolon_file_with_decimal_commas_is_read_per_column(tmp_path: Path) -> None:
    doc = kpis(project(tmp_path))
    k = doc["kpis"]
    assert k["cac"] == pytest.approx(1234.56 / 4)  # 1.234,56 = 1234.56 spent, 4 new customers
    assert k["csat"] == pytest.approx(2 / 4)  # 4,5 and 5 of 4 answers; none left out
    assert doc["data_quality"]["surveys"]["excluded"] == {}
    assert k["fcr_rate"] == pytest.approx(1 / 2)  # T1 (1 reply) of T1 and T2 (3 replies)
    assert doc["data_quality"]["tickets"]["values_discarded"] == {}
    assert kpis(project(tmp_path), "2026-09")["kpis"]["cac"] == pytest.approx(45000 / 20)


def test_validate_says_which_columns_were_read_with_decimal_commas(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "-c", str(project(tmp_path))])
    assert "note: surveys.csv: score read with decimal commas (inferred from the whole column)" \
        in result.stdout
    assert "note: business.csv: sales_marketing_spend read with decimal commas" in result.stdout
    # whole numbers alone say nothing: the customer counts are not named
    assert "customers_new read with decimal commas" not in result.stdout


def test_a_column_with_decimal_points_is_not_read_with_commas(tmp_path: Path) -> None:
    """4.5 and 4,5 in one column: no reading fits every value, so 4,5 stays no number (excluded)."""
    surveys = ("response_id;submitted_at;survey;score\n"
               "S1;2026-10-02 10:00;csat;4,5\nS2;2026-10-03 10:00;csat;5\n"
               "S3;2026-10-04 10:00;csat;4.5\nS4;2026-10-05 10:00;csat;2\n")
    doc = kpis(project(tmp_path, surveys=surveys))
    assert doc["data_quality"]["surveys"]["excluded"] == {"invalid_score": 1}
    assert doc["kpis"]["csat"] == pytest.approx(2 / 3)  # 5 and 4.5 of 5, 4.5 and 2


def test_decimal_comma_configured_on_the_source(tmp_path: Path) -> None:
    """``decimal: ","`` reads a tab-separated file's 4,5 (not inferred: only ``;`` files are)."""
    surveys = SURVEYS.replace(";", "\t")
    inferred = CliRunner().invoke(main, ["kpis", "-c", str(project(tmp_path, surveys=surveys)), "-m", MONTH])
    assert inferred.exit_code == 1 and "surveys: 3 of 4 rows excluded (invalid_score 3)" in inferred.stderr
    configured = kpis(project(tmp_path, surveys=surveys,
                              surveys_source='{path: "surveys.csv", decimal: ","}'))
    assert configured["kpis"]["csat"] == pytest.approx(2 / 4)
    assert configured["data_quality"]["surveys"]["excluded"] == {}


def test_decimal_point_configured_reads_no_comma(tmp_path: Path) -> None:
    config = project(tmp_path, surveys_source='{path: "surveys.csv", decimal: "."}')
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH])
    assert result.exit_code == 1 and "surveys: 3 of 4 rows excluded (invalid_score 3)" in result.stderr


def test_a_decimal_mark_other_than_comma_or_point_is_a_config_error(tmp_path: Path) -> None:
    config = project(tmp_path, surveys_source='{path: "surveys.csv", decimal: "x"}')
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "decimal" in result.stderr
