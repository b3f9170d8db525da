"""The built-in connectors; importing this module registers them (one import per vendor module)."""

from __future__ import annotations

from reportgen.sources.api import (
    delighted,
    freshdesk,
    gorgias,
    helpscout,
    hubspot,
    qualtrics,
    surveymonkey,
    typeform,
    zendesk,
    zendesk_csat,
)

__all__ = ["delighted", "freshdesk", "gorgias", "helpscout", "hubspot", "qualtrics", "surveymonkey",
           "typeform", "zendesk", "zendesk_csat"]
