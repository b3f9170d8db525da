"""`reportgen catalog`: the unit column never runs into the definition, whatever its length."""

from __future__ import annotations

from click.testing import CliRunner

from reportgen.cli import main
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
