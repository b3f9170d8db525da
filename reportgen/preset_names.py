"""The preset names the config accepts and the datasets each reads, without importing the presets.

``reportgen.config`` validates ``preset:`` against this table (a config-level fact: the
config sits below the sources, which import its ``SourceConfig``).
``reportgen.sources.presets`` checks at import that its presets match this table.
"""

from __future__ import annotations

DATASETS_OF: dict[str, tuple[str, ...]] = {
    "generic": ("tickets", "surveys", "business"),
    "zendesk": ("tickets",),
    "freshdesk": ("tickets",),
    "intercom": ("tickets",),
    "zammad": ("tickets",),
    "delighted": ("surveys",),
    "typeform": ("surveys",),
    "surveymonkey": ("surveys",),
    "qualtrics": ("surveys",),
    "zendesk_csat": ("surveys",),
    "google_forms": ("surveys",),
}

# presets of a ``warehouse:`` source (they map a table's columns; reportgen.sources.warehouse.presets)
WAREHOUSE_DATASETS_OF: dict[str, tuple[str, ...]] = {
    "generic": ("tickets", "surveys", "business"),
    "dbt_zendesk": ("tickets",),
}
