"""Zammad: the ticket report export (Reporting → Download, ``.xlsx``).

=====================  ====================================================================
canonical              Zammad header
=====================  ====================================================================
ticket_id              ``#`` (the ticket number)
created_at             ``Created At``
first_response_at      ``First Response At``
resolved_at            ``Closed At``
category               ``category_tags`` / ``category_tag_prefix`` on ``Tags``, else
                       ``category_column``, else ``Group``
channel                ``Create Channel``
agent                  ``Owner`` (``-`` = unassigned)
replies                — (``Article Count`` counts every article, customers' included, so it
                       is not agent replies: fcr_rate has no value unless mapped)
reopens                — (not in the export: 0)
customer_id            ``Customer``
=====================  ====================================================================

The report's timestamps carry no offset; they are in Zammad's system time
zone (Settings → System → Base → Timezone): set the source's ``timezone:`` to
it. Cells Excel stores as dates are read as such; text cells as ISO, or with
``date_format``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen.config import SourceConfig
from reportgen.sources.presets.base import Preset, Reader

OPTIONS = {
    "category_column": "vendor header holding the category (default: Group)",
    "category_tags": "{tag: Category}: the category from the ticket's tags (first listed match wins)",
    "category_tag_prefix": "the category is the first tag with this prefix, prefix removed",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}


def ticket_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("zammad", dataset, header, source, path, OPTIONS)
    first, closed = r.find("First Response At"), r.find("Closed At")
    channel, owner, customer = r.find("Create Channel"), r.find("Owner"), r.find("Customer")
    return r.finish({
        "ticket_id": f"c{r.need('ticket_id', '#', 'Number')}",
        "created_at": r.timestamp(r.need("created_at", "Created At")),
        "first_response_at": None if first is None else r.timestamp(first),
        "resolved_at": None if closed is None else r.timestamp(closed),
        "category": r.category(("Group",), r.find("Tags")),
        "channel": None if channel is None else f"c{channel}",
        "agent": None if owner is None else f"CASE WHEN trim(c{owner}) = '-' THEN NULL ELSE c{owner} END",
        "customer_id": None if customer is None else f"c{customer}",
    })


ZAMMAD = Preset("zammad", ("tickets",), ticket_columns, "Zammad ticket report (.xlsx)", options=OPTIONS)
