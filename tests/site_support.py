"""Helpers for the report-archive tests: a small project with hostile names, and reading pages back."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from conftest import ProjectFactory

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'

# September: 1 ticket; October: 3 tickets (2 in the <script> category by chat, 1 in the formula one)
TICKETS = [
    ("s1", "2026-09-03T10:00:00+02:00", "", "", "Shipping", "email", "", "", ""),
    ("o1", "2026-10-05T10:00:00+02:00", "", "", SCRIPT, "chat", "", "", ""),
    ("o2", "2026-10-06T10:00:00+02:00", "", "", SCRIPT, "chat", "", "", ""),
    ("o3", "2026-10-30T10:00:00+01:00", "", "", FORMULA, "email", "", "", ""),
]
# NPS: September one promoter (100); October two promoters and one detractor: (2 − 1) / 3 × 100 = 33.3
SURVEYS = [
    ("n1", "2026-09-10T10:00:00+02:00", "nps", 10),
    ("n2", "2026-10-10T10:00:00+02:00", "nps", 10),
    ("n3", "2026-10-11T10:00:00+02:00", "nps", 9),
    ("n4", "2026-10-12T10:00:00+02:00", "nps", 3),
]


def hostile_project(make_project: ProjectFactory, extra: str = "") -> Path:
    return make_project(tickets=TICKETS, surveys=SURVEYS, extra="targets: {nps: 40}\n" + extra)


class _Rows(HTMLParser):
    """Text of each table row that has a data-kpi / data-month attribute, cell by cell."""

    def __init__(self, attribute: str) -> None:
        super().__init__()
        self.attribute = attribute
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = dict(attrs).get(self.attribute)
            if self._row is not None:
                self.rows[self._row] = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, attribute: str = "data-kpi") -> dict[str, list[str]]:
    """{row id: [cell text, …]} of the rows marked with ``attribute`` (data-kpi or data-month)."""
    parser = _Rows(attribute)
    parser.feed(html)
    return parser.rows
