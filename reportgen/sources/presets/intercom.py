"""Intercom: the conversations CSV export (Reports → Export conversations).

=====================  ====================================================================
canonical              Intercom header (``<tz>`` = the export's time zone)
=====================  ====================================================================
ticket_id              ``Conversation ID``
created_at             ``Conversation started at (<tz>)`` (or ``Conversation created at (<tz>)``)
first_response_at      ``Conversation first replied at (<tz>)``
resolved_at            ``Conversation first closed at (<tz>)``
category               ``category_tags`` / ``category_tag_prefix`` on ``Conversation tag``,
                       else ``category_column``, else ``Conversation tag``
channel                ``Channel``
agent                  ``Teammate currently assigned``
replies, reopens       — (not in the export; map them with ``columns:`` if yours has them)
=====================  ====================================================================

Time zone: every timestamp header states the zone of its values, e.g.
``Conversation started at (Europe/Rome)``; naive values are read as wall-clock
time in that zone (DST gaps shift forward, ambiguous times take standard time,
as everywhere). The header's zone wins over the source's ``timezone:``, which
only applies to timestamp headers without a zone. Headers are found with or
without the suffix, so ``columns: {resolved_at: "Conversation last closed at"}``
works and still applies the zone.

Without ``replies`` fcr_rate has no value (KPI_SPEC).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import Preset, Reader

OPTIONS = {
    "category_column": "vendor header holding the category (default: Conversation tag)",
    "category_tags": "{tag: Category}: the category from the conversation's tags (first match wins)",
    "category_tag_prefix": "the category is the first tag with this prefix, prefix removed",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}


def ticket_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("intercom", dataset, header, source, path, OPTIONS)
    created = r.need("created_at", "Conversation started at", "Conversation created at")
    replied, closed = r.find("Conversation first replied at"), r.find("Conversation first closed at")
    channel, agent = r.find("Channel"), r.find("Teammate currently assigned")
    return r.finish({
        "ticket_id": f"c{r.need('ticket_id', 'Conversation ID')}",
        "created_at": r.timestamp(created),
        "first_response_at": None if replied is None else r.timestamp(replied),
        "resolved_at": None if closed is None else r.timestamp(closed),
        "category": r.category(("Conversation tag",), r.find("Conversation tag", "Conversation tags")),
        "channel": None if channel is None else f"c{channel}",
        "agent": None if agent is None else f"c{agent}",
    })


INTERCOM = Preset("intercom", ("tickets",), ticket_columns,
                  "Intercom conversations CSV export (time zone from the headers)", options=OPTIONS)
