"""Each new connector's canonical mapping is a small table, as data, that covers its columns and the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.registry import CONNECTORS
from reportgen.sources.api import gorgias, helpscout, hubspot, qualtrics, surveymonkey

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "PULL.md").read_text(encoding="utf-8")

TABLES = [
    ("hubspot", hubspot.MAPPING, set()),
    ("helpscout", helpscout.MAPPING, set()),
    ("gorgias", gorgias.MAPPING, set()),
    ("gorgias_csat", gorgias.SURVEY_MAPPING, set()),
    ("surveymonkey", surveymonkey.MAPPING, set()),
    ("qualtrics", qualtrics.MAPPING, set()),
]


@pytest.mark.parametrize(("api", "mapping", "elsewhere"), TABLES)
def test_the_mapping_covers_every_column_and_the_docs_list_them(api: str, mapping: dict[str, str],
                                                                 elsewhere: set[str]) -> None:
    columns = set(CONNECTORS.load(api).columns)
    assert set(mapping) | elsewhere == columns
    section = DOCS.split(f"(`api: {api}`", 1)[1].split("\n## ", 1)[0] if f"(`api: {api}`" in DOCS else \
        DOCS.split(f"`api: {api}`", 1)[1].split("\n## ", 1)[0]
    for column in columns:
        assert f"\n| {column} |" in section, f"docs/PULL.md: {api} has no row for {column}"
