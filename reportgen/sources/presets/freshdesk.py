"""Freshdesk: the ticket CSV export (Tickets → Export).

=====================  ====================================================================
canonical              Freshdesk header
=====================  ====================================================================
ticket_id              ``Ticket ID``
created_at             ``Created time``
first_response_at      ``Initial response time``; when empty, ``Created time`` +
                       ``First response time (in hrs)`` (``HH:MM:SS``)
resolved_at            ``Resolved time``; when empty, ``Closed time`` (closing resolves)
category               ``category_tags`` / ``category_tag_prefix`` on ``Tags``, else
                       ``category_column``, else ``Type``
channel                ``Source`` (Email, Portal, Phone, Chat, Feedback widget, …);
                       ``Outbound Email`` is outbound (tickets the team started)
agent                  ``Agent`` (``No Agent`` = unassigned)
replies                ``Agent interactions``
reopens                — (not in the export: 0)
customer_id            ``Contact ID``
=====================  ====================================================================

Timestamps carry no offset: they are in the helpdesk's time zone (Admin →
Helpdesk settings), so set the source's ``timezone:`` to it. The "(in hrs)"
durations are used only where the timestamp is missing, as Freshdesk leaves
them empty in many exports. Non-ISO dates (``05-03-2024 10:12:45``) need
``options: {date_format: "%d-%m-%Y %H:%M:%S"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import Preset, Reader

OPTIONS = {
    "category_column": "vendor header holding the category (default: Type)",
    "category_tags": "{tag: Category}: the category from the ticket's tags (first listed match wins)",
    "category_tag_prefix": "the category is the first tag with this prefix, prefix removed",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}


def ticket_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("freshdesk", dataset, header, source, path, OPTIONS)
    created = r.timestamp(r.need("created_at", "Created time"))
    first = [r.timestamp(i) for i in (r.find("Initial response time"),) if i is not None]
    hours = r.find("First response time (in hrs)")
    if hours is not None:
        first.append(r.plus_clock(created, hours))
    resolved = [r.timestamp(i) for i in (r.find("Resolved time"), r.find("Closed time")) if i is not None]
    source_col, agent = r.find("Source"), r.find("Agent")
    replies, contact = r.find("Agent interactions"), r.find("Contact ID")
    return r.finish({
        "ticket_id": f"c{r.need('ticket_id', 'Ticket ID', 'Ticket Id', 'Id')}",
        "created_at": created,
        "first_response_at": f"coalesce({', '.join(first)})" if first else None,
        "resolved_at": f"coalesce({', '.join(resolved)})" if resolved else None,
        "category": r.category(("Type",), r.find("Tags")),
        "channel": None if source_col is None else f"c{source_col}",
        "agent": None if agent is None else
        f"CASE WHEN lower(trim(c{agent})) = 'no agent' THEN NULL ELSE c{agent} END",
        "replies": None if replies is None else f"c{replies}",
        "customer_id": None if contact is None else f"c{contact}",
    })


# tickets an agent started with "+ New › Email" (Freshdesk's source "Outbound Email")
OUTBOUND_CHANNELS = ("Outbound Email",)

FRESHDESK = Preset("freshdesk", ("tickets",), ticket_columns, "Freshdesk ticket CSV export",
                   options=OPTIONS, outbound_channels=OUTBOUND_CHANNELS)
