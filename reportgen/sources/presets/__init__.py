"""Presets: how a vendor's export maps onto the canonical columns.

A preset turns a file's header into one SQL expression per canonical column,
written over the file's text columns ``c0, c1, …`` and returning text (or
NULL). The engine then types and validates the canonical text exactly as it
does for the ``generic`` preset, so every rule of KPI_SPEC applies unchanged.

One module per vendor documents its mapping (docs/PRESETS.md gathers them):
tickets — ``zendesk``, ``freshdesk``, ``intercom``, ``zammad``; surveys —
``delighted``, ``typeform``, ``surveymonkey``, ``qualtrics``, ``zendesk_csat``,
``google_forms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.errors import ConfigError
from reportgen.registry import PRESETS as REGISTRY
from reportgen.sources.presets.base import ColumnMapper, FilePreparer, Preset
from reportgen.sources.schema import map_columns

__all__ = ["PRESETS", "ColumnMapper", "FilePreparer", "Preset", "generic_columns", "get_preset"]


def generic_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                    path: Path) -> dict[str, str]:
    """Canonical columns by name (case-insensitive), renamed by ``columns:`` overrides."""
    return {name: f"c{index}" for name, index in map_columns(dataset, header, source.columns, path).items()}


GENERIC = Preset("generic", ("tickets", "surveys", "business"), generic_columns,
                 "the canonical columns, by name (see README)")

# every preset the registry names (reportgen.registry), each module imported here
PRESETS: dict[str, Preset] = {name: GENERIC if name == "generic" else REGISTRY.load(name)
                              for name in REGISTRY}


def get_preset(name: str, dataset: str | None = None) -> Preset:
    """The preset called ``name``; with ``dataset``, one that reads that dataset."""
    preset = PRESETS.get(name)
    names = ", ".join(n for n, p in PRESETS.items() if dataset is None or dataset in p.datasets)
    where = f"sources.{dataset}.preset" if dataset else "preset"
    if preset is None:
        raise ConfigError(f"{where}: unknown preset '{name}' (known: {names})")
    if dataset is not None and dataset not in preset.datasets:
        raise ConfigError(f"{where}: preset '{name}' reads {' and '.join(preset.datasets)}, "
                          f"not {dataset} (presets for {dataset}: {names})")
    return preset
