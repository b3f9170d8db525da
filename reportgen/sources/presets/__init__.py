"""Presets: how a vendor's export maps onto the canonical columns.

A preset turns a file's header into one SQL expression per canonical column,
written over the file's text columns ``c0, c1, …`` and returning text (or
NULL). The engine then types and validates the canonical text exactly as it
does for the ``generic`` preset, so every rule of KPI_SPEC applies unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.schema import map_columns

ColumnMapper = Callable[[str, Sequence[str], SourceConfig, Path], dict[str, str]]
# (original file, source config, scratch folder) -> the file to read in its place
FilePreparer = Callable[[Path, SourceConfig, Path], Path]


@dataclass(frozen=True)
class Preset:
    """A named mapping for one dataset.

    ``header_rows``: rows at the top of the file that form the header (the
    first holds the column names; later ones, e.g. SurveyMonkey's sub-headers,
    are skipped).

    ``prepare``: for exports no reader takes as they are (nested JSON, extra
    header rows), rewrites the file into the scratch folder and returns the
    rewritten file, which the engine then reads instead; None reads it as is.
    """

    name: str
    datasets: tuple[str, ...]
    columns: ColumnMapper
    description: str
    header_rows: int = 1
    prepare: FilePreparer | None = None


def generic_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                    path: Path) -> dict[str, str]:
    """Canonical columns by name (case-insensitive), renamed by ``columns:`` overrides."""
    return {name: f"c{index}" for name, index in map_columns(dataset, header, source.columns, path).items()}


GENERIC = Preset("generic", ("tickets", "surveys", "business"), generic_columns,
                 "the canonical columns, by name (see README)")

PRESETS: dict[str, Preset] = {GENERIC.name: GENERIC}


def get_preset(name: str) -> Preset:
    return PRESETS[name]
