"""The preset names the config accepts and the datasets each reads, without importing the presets.

Derived from the one registry (``reportgen.registry``), kept for the modules that read these tables.
"""

from __future__ import annotations

from reportgen.registry import PRESETS, WAREHOUSE_PRESETS

DATASETS_OF: dict[str, tuple[str, ...]] = PRESETS.datasets_of()

# presets of a ``warehouse:`` source (they map a table's columns; reportgen.sources.warehouse.presets)
WAREHOUSE_DATASETS_OF: dict[str, tuple[str, ...]] = WAREHOUSE_PRESETS.datasets_of()
