"""`reportgen catalog`: the unit column never runs into the definition, whatever its length."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.i18n import display_width, translator, wrap_by_width
from reportgen.kpis import KPIS


def test_units_and_definitions_are_separate_aligned_columns() -> None:
    result = CliRunner().invoke(main, ["catalog"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    starts = set()
    for kpi in KPIS:
        unit = kpi.unit + (f" per {kpi.breakdown}" if kpi.breakdown else "")
        line = next(line for line in lines if line.startswith(f"  {kpi.id} "))
        after_unit = line.index(unit, len(kpi.id) + 2) + len(unit)
        assert line[after_unit:after_unit + 2] == "  ", line  # at least two spaces after the unit
        definition = kpi.definition.split()[0]
        starts.add(line.index(definition, after_unit))
    assert len(starts) == 1, "every definition starts in the same column"
    column = starts.pop()
    # wrapped definition lines stay under the definition column and within the width
    body = [line for line in lines if line.startswith(" " * column) and line.strip()]
    assert body and all(line[column] != " " for line in body)
    assert max(len(line) for line in lines) <= 100
    assert "per category  " in result.stdout  # the longest unit is no longer glued to its text


@pytest.mark.parametrize("columns", [110, 123, 140])  # the definition column keeps at least 40
def test_the_japanese_catalog_names_each_kpi_and_wraps_by_display_width(columns: int) -> None:
    """Ids only, and wrapped lines starting with 。 or ：: names shown, lines broken by display width."""
    result = CliRunner().invoke(main, ["catalog", "--language", "ja"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    tr = translator("ja")
    lines = result.stdout.splitlines()
    for kpi in KPIS:
        row = next(index for index, line in enumerate(lines) if line.startswith(f"  {kpi.id} "))
        assert lines[row].endswith(kpi.label_in(tr))  # the name a reader knows, beside the config's id
        definition_lines = [lines[row + 1].strip()]
        for line in lines[row + 2:]:
            if not line.startswith("    "):
                break
            definition_lines.append(line.strip())
        shown = "".join(definition_lines).replace(" ", "")
        assert shown == kpi.definition_in(tr).replace(" ", "")  # nothing lost or added
    for line in lines:
        assert display_width(line) <= columns, line
        assert not line.strip() or line.strip()[0] not in "、。，．：；！？）」』】", line


def test_wrapping_keeps_latin_words_whole_and_punctuation_with_its_word() -> None:
    assert wrap_by_width("当月のCSAT回答のうち「満足」だった。", 10) == ["当月のCSAT", "回答のうち", "「満足」", "だった。"]
    assert wrap_by_width("ab cd ef", 5) == ["ab cd", "ef"]
