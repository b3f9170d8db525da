"""The load stage's SQL helpers, checked against their plain definitions in DuckDB itself."""

from __future__ import annotations

import duckdb
import pytest

from reportgen.engine.load import blank_like
from reportgen.sources.files import sql_string
from reportgen.sources.presets.base import BLANK_LIKE

CELLS = [
    None, "", " ", "   ", "-", " - ", "—", " — ", "n/a", "N/A", " N/a ", "(none)", "(NONE)", " (None) ",
    "none", "na", "n/ a", "-1", "--", "T00000001", "Shipping", "nobody", "Néant", "NÉANT", " néant",
    "\u00a0n/a\u00a0", "\u3000-", "\tn/a", "n/a\n", "\u212a", "k", "K", "kein", "\u212aEIN", "İ", "i̇", "ß",
    "SS", "ss", "x" * 40, " " * 30 + "-", "\u2014\u2014",
]


@pytest.mark.parametrize("blanks", [
    BLANK_LIKE,
    BLANK_LIKE | {"néant", "kein", "ss", "\u2014\u2014"},
    frozenset({"i̇", "k"}),
    frozenset(),
])
def test_blank_like_is_the_plain_definition(blanks: frozenset[str]) -> None:
    """The first-character shortcut never changes the answer of the plain test (a cell up to
    16 bytes longer than the longest blank value, equal to one once trimmed and in lower case)."""
    con = duckdb.connect()
    longest = max((len(v.encode()) for v in blanks), default=0) + 16
    listed = ", ".join(sql_string(v) for v in sorted(blanks)) or "NULL"
    values = ", ".join("(NULL::VARCHAR)" if c is None else f"({sql_string(c)})" for c in CELLS)
    rows = con.execute(
        f"SELECT x, {blank_like('x', blanks)}, x IS NULL OR coalesce(strlen(x) <= {longest} "
        f"AND lower(trim(x)) IN ({listed}), false) "
        f"FROM (VALUES {values}) t(x)"
    ).fetchall()
    assert len(rows) == len(CELLS)
    for cell, fast, plain in rows:
        assert bool(fast) == bool(plain), repr(cell)
    # the list is not trivial: some cells are blank-like, some are not
    assert {bool(plain) for _, _, plain in rows} == {True, False}
