"""Small vendor pages are stored about 1,000 records (or lookups) a transaction."""

from __future__ import annotations

from reportgen.sources.api.base import Page
from reportgen.sources.api.batch import batched
from reportgen.sources.api.store import PulledRecord


def page(n: int, start: int, *, lookups: int = 0, end: bool = False) -> Page:
    records = [PulledRecord(str(start + i), None, False, {"id": start + i}) for i in range(n)]
    names = {"agent_reply": {f"{start}/{i}": "2025-01-01T00:00:00+00:00" for i in range(lookups)}} if lookups else {}
    return Page(records, {"after": start + n}, names, end_of_stream=end)


def test_pages_are_gathered_with_the_last_cursor_and_the_end() -> None:
    pages = [page(200, 200 * i) for i in range(7)] + [page(50, 1400, end=True)]
    out = list(batched(iter(pages), 1000))
    assert [len(p.records) for p in out] == [1000, 450]
    assert out[0].cursor == {"after": 1000} and not out[0].end_of_stream
    assert out[1].cursor == {"after": 1450} and out[1].end_of_stream
    assert [r.record_id for r in out[0].records] == [str(i) for i in range(1000)]


def test_pages_of_lookups_only_are_committed_too() -> None:
    pages = [page(0, i * 100, lookups=100) for i in range(25)] + [page(0, 2500, lookups=1, end=True)]
    out = list(batched(iter(pages), 1000))
    assert [sum(len(v) for v in p.lookups.values()) for p in out] == [1000, 1000, 501]
    assert out[0].cursor == {"after": 900} and out[-1].end_of_stream
