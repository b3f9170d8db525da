"""The preset names and the datasets each reads, without importing the presets.

``reportgen.config`` validates ``preset:`` against this table; importing the presets
themselves there would make a cycle (they import the config's ``SourceConfig``).
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
}
