"""Vendor pages gathered into store pages of about ``COMMIT_RECORDS`` records.

The store writes each page with its cursor in one transaction, and a
transaction costs about as much as a few hundred records; vendors whose pages
are small (HubSpot 200, Gorgias and SurveyMonkey 100, Help Scout 25) would spend
most of a pull committing. ``batched`` hands the pull loop one page per
``COMMIT_RECORDS`` records (or the stream's end) with the cursor of the last
vendor page in it: a pull stopped mid-batch continues after the last committed
batch and asks again at most the pages of one batch (records read again replace
themselves). At most one batch is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportgen.sources.api.base import Page
from reportgen.sources.api.store import Lookups

COMMIT_RECORDS = 1000


def batched(pages: Iterator[Page], records: int = COMMIT_RECORDS) -> Iterator[Page]:
    """``pages`` merged into pages of at least ``records`` records or lookups (Gorgias's message pages
    carry only lookups; the last page may hold fewer)."""
    pending: list[Page] = []
    held = 0
    for page in pages:
        pending.append(page)
        held += len(page.records) + sum(len(values) for values in page.lookups.values())
        if page.end_of_stream or held >= records:
            yield _merge(pending)
            pending, held = [], 0
    if pending:
        yield _merge(pending)


def _merge(pages: list[Page]) -> Page:
    if len(pages) == 1:
        return pages[0]
    lookups: Lookups = {}
    for page in pages:
        for kind, values in page.lookups.items():
            lookups.setdefault(kind, {}).update(values)
    return Page([r for page in pages for r in page.records], pages[-1].cursor, lookups,
                end_of_stream=pages[-1].end_of_stream)
