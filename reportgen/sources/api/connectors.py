"""The built-in connectors; importing this module registers them (one import per vendor module)."""

from __future__ import annotations

from reportgen.sources.api import freshdesk, zendesk, zendesk_csat

__all__ = ["freshdesk", "zendesk", "zendesk_csat"]
