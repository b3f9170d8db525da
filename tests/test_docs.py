"""Docs that tests keep honest: the registry, KPI_SPEC, the Definitions tab and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from workbook_support import write_three_month_project

from reportgen.api import build_workbook
from reportgen.config import load_config
from reportgen.i18n import translator
from reportgen.kpis import KPIS, RESOLUTION_RATE_NOTE_ID
from reportgen.sources.schema import COLUMNS

ROOT = Path(__file__).parents[1]
SPEC = ROOT / "docs" / "KPI_SPEC.md"  # the repo's copy of the team's spec
SHARED_SPEC = ROOT.parent / "shared" / "KPI_SPEC.md"
NOTES = ROOT / "docs" / "SPEC_NOTES.md"  # how reportgen applies the spec where it is silent, and the ids it adds


def test_the_repo_copy_of_kpi_spec_is_current() -> None:
    """docs/KPI_SPEC.md travels with the code; where the team's original is at hand, they agree."""
    if SHARED_SPEC.exists():
        assert SPEC.read_text(encoding="utf-8") == SHARED_SPEC.read_text(encoding="utf-8"), \
            "copy ../shared/KPI_SPEC.md to docs/KPI_SPEC.md"
    assert "`nps`" in SPEC.read_text(encoding="utf-8")


def _shorthand_ids(spec: str) -> set[str]:
    """"`avg_first_response_business_hours`, `median_…`, `p90_…`": the ids the ellipses stand for."""
    found = set()
    for _, stem, rest in re.findall(r"`(avg|median|p90)_([a-z0-9_]+)`((?:,\s*`[a-z0-9]+_…`)+)", spec):
        found |= {f"{other}_{stem}" for other in re.findall(r"`([a-z0-9]+)_…`", rest)}
    return found


def test_every_registry_kpi_is_a_kpi_spec_id() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    spec_ids = set(re.findall(r"`([a-z0-9_]+)`", spec)) | _shorthand_ids(spec)
    # an id the notes add is defined in a row of their tables ("| `outbound_tickets` | count | …")
    notes_ids = set(re.findall(r"^\|\s*`([a-z0-9_]+)`", NOTES.read_text(encoding="utf-8"), flags=re.M))
    missing = [k.id for k in KPIS if k.id not in spec_ids | notes_ids]
    assert missing == []


def test_the_notes_list_every_declared_outbound_channel_and_the_readme_links_them() -> None:
    from reportgen.registry import CONNECTORS
    from reportgen.sources.presets import PRESETS

    notes = NOTES.read_text(encoding="utf-8")
    declared = [(f"preset: {name}", p.outbound_channels) for name, p in PRESETS.items() if p.outbound_channels]
    declared += [(f"api: {name}", CONNECTORS.load(name).outbound_channels) for name in CONNECTORS.names("tickets")
                 if CONNECTORS.load(name).outbound_channels]
    assert declared
    for source, values in declared:
        row = next(line for line in notes.splitlines() if f"`{source}`" in line)
        assert all(f"`{value}`" in row for value in values), source
    assert "docs/SPEC_NOTES.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_kpi_spec_table_id_is_in_the_registry() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    rows = re.findall(r"^\|[^|]*\|\s*`([a-z0-9_]+)`", spec, flags=re.M)  # "| 1 | `nps` |" rows
    rows += re.findall(r"^\|\s*`([a-z0-9_]+)`(?:,\s*`([a-z0-9_]+)`)?(?:,\s*`([a-z0-9_]+)`)?", spec, flags=re.M)
    ids: set[str] = set()
    for row in rows:
        ids |= {part for part in (row if isinstance(row, tuple) else (row,)) if part}
    ids |= _shorthand_ids(spec)
    columns = {c.name for spec_columns in COLUMNS.values() for c in spec_columns}
    registry = {k.id for k in KPIS}
    assert ids - columns - registry == set()
    assert len(ids & registry) >= 30


def test_definitions_tab_lists_every_kpi_and_the_resolution_note(tmp_path: Path) -> None:
    path, _ = build_workbook(load_config(write_three_month_project(tmp_path)), "2026-10", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Definitions"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    listed = {row[0].value for row in sheet.iter_rows(min_row=5) if row[0].value}
    assert {k.id for k in KPIS if not k.business_hours} <= listed
    assert translator("en").t(RESOLUTION_RATE_NOTE_ID) in values
    assert "SLA: first response within (hours)" in values and "24" in values


def test_readme_lists_every_canonical_column() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for dataset, columns in COLUMNS.items():
        for column in columns:
            assert f"`{column.name}`" in readme, f"{dataset}.{column.name} is not in the README"


def test_readme_and_presets_doc_list_every_preset() -> None:
    from reportgen.sources.presets import PRESETS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    presets_doc = (ROOT / "docs" / "PRESETS.md").read_text(encoding="utf-8")
    for name in PRESETS:
        assert f"| `{name}` |" in readme, f"README's preset table lacks {name}"
        assert name == "generic" or f"## `{name}`" in presets_doc, f"docs/PRESETS.md lacks {name}"
