"""The load stage's SQL helpers, checked against their plain definitions in DuckDB itself."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import duckdb
import pytest

from reportgen.config import SourceConfig, load_config
from reportgen.engine import Engine
from reportgen.engine.load import blank_like
from reportgen.errors import DataError
from reportgen.sources.files import sql_string, stage_file
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


def _quoted_export(path: Path, rows: int, line_break_at: int | None) -> None:
    """A tickets export with every field quoted (as helpdesks write them); ``line_break_at``: the
    record whose category holds a line break."""
    lines = ['"ticket_id","created_at","category","channel","agent"']
    for i in range(rows):
        category = "Billing\nrefund" if i == line_break_at else "Billing"
        lines.append(f'"T{i:06d}","2026-10-{1 + i % 28:02d}T08:00:00Z","{category}","email, web","Ann ""A"" Lee"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("line_break_at", [None, 3, 5_000])
def test_quoted_line_breaks_read_in_parallel(tmp_path: Path, line_break_at: int | None) -> None:
    """Quotes, and line breaks inside them, anywhere in the file, are read by the parallel
    reader (without null padding): every record once, the multi-line value whole, and the
    serial reader never runs (its SQL is made unusable to prove it)."""
    rows = 6_000  # ~520 KB: record 5,000 lies past the 256 KB sample
    _quoted_export(tmp_path / "tickets.csv", rows, line_break_at)
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "UTC"}\nsources:\n  tickets: {path: tickets.csv}\n', encoding="utf-8")
    loaded = load_config(config)
    staged = stage_file(duckdb.connect(), tmp_path / "tickets.csv", loaded.sources.of("tickets")[0], tmp_path)
    assert "parallel=true" in staged.sql and "null_padding=false" in staged.sql
    assert staged.serial_sql is not None and "parallel=false" in staged.serial_sql
    assert "null_padding=true" in staged.serial_sql
    with patch("reportgen.sources.files.find_unclosed_quote", side_effect=AssertionError("serial read")):
        result = Engine(loaded).run()
    assert result.quality["tickets"].rows_read == rows and not result.quality["tickets"].excluded
    october = result.months["2026-10"]
    assert october.scalars["tickets_created"] == rows
    expected = {"Billing": rows} if line_break_at is None else {"Billing": rows - 1, "Billing\nrefund": 1}
    assert october.dims["category_tickets"] == expected
    assert october.dims["channel_tickets"] == {"email, web": rows}
    assert october.dims["agent_tickets"] == {'Ann "A" Lee': rows}


def test_a_short_row_after_a_quoted_line_break_reads_serially_padded(tmp_path: Path) -> None:
    """A row with fewer fields than the header stops the parallel read; the serial reader
    pads it with empty values, the quoted line break before it read whole."""
    lines = ["ticket_id,created_at,category,agent"]
    lines += [f"T{i},2026-10-0{1 + i % 9}T08:00:00Z,Billing,Ann" for i in range(5_000)]
    lines[10] = 'T9,2026-10-01T08:00:00Z,"Billing\nrefund",Ann'
    lines.append("T-short,2026-10-02T08:00:00Z,Billing")  # no agent
    (tmp_path / "tickets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "UTC"}\nsources:\n  tickets: {path: tickets.csv}\n', encoding="utf-8")
    result = Engine(load_config(config)).run()
    october = result.months["2026-10"]
    assert october.scalars["tickets_created"] == 5_001
    assert october.dims["category_tickets"] == {"Billing": 5_000, "Billing\nrefund": 1}
    assert october.dims["agent_tickets"] == {"Ann": 5_000}


def test_a_quote_never_closed_is_an_error_naming_its_row(tmp_path: Path) -> None:
    """The parallel reader stops on it; the check before the serial read names the row."""
    text = 'ticket_id,created_at,category\nT1,2026-10-01T08:00:00Z,a\nT2,2026-10-01T08:00:00Z,"b\nT3,x,c\n'
    (tmp_path / "tickets.csv").write_text(text, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text('report: {timezone: "UTC"}\nsources:\n  tickets: {path: tickets.csv}\n', encoding="utf-8")
    with pytest.raises(DataError, match="never closed") as caught:
        Engine(load_config(config)).run()
    assert caught.value.location is not None and caught.value.location.row == 3


def test_a_file_without_quotes_reads_in_parallel(tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text("ticket_id,created_at\nT1,2026-10-01T08:00:00Z\n", encoding="utf-8")
    staged = stage_file(duckdb.connect(), tmp_path / "tickets.csv", SourceConfig(path="tickets.csv"), tmp_path)
    assert "parallel=true" in staged.sql


def _rows_named(tmp_path: Path, text: str, name: str = "tickets.csv", extra: str = "") -> dict[str, int | None]:
    """ticket id → the row `validate` names for its invalid created_at."""
    (tmp_path / name).write_bytes(text.encode("utf-8"))
    config = tmp_path / "config.yaml"
    config.write_text(f'report: {{timezone: "UTC"}}\nsources:\n  tickets: {{path: {name}{extra}}}\n',
                      encoding="utf-8")
    result = Engine(load_config(config), max_problems=None).run()
    return {str(p.value): p.row for p in result.problems}


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rows_after_blank_lines_are_named_by_their_spreadsheet_row(tmp_path: Path, newline: str) -> None:
    """DuckDB skips empty lines; a spreadsheet shows them as rows. A quoted line break keeps its
    record on one row (and a blank line inside quotes is part of the value, not a row)."""
    text = ("ticket_id,created_at,category\n"
            "T1,2026-10-01T08:00:00Z,a\n"           # row 2
            "\n\n"                                  # rows 3, 4
            "T2,2026-10-01T08:00:00Z,a\n"           # row 5
            "T3,bad-3,a\n"                          # row 6
            'T4,bad-4,"two\n\nlines"\n'             # row 7
            "\n"                                    # row 8
            "T5,bad-5,a\n")                         # row 9
    assert _rows_named(tmp_path, text.replace("\n", newline)) == {"bad-3": 6, "bad-4": 7, "bad-5": 9}


def test_rows_after_blank_lines_in_a_parallel_read_and_without_blank_lines(tmp_path: Path) -> None:
    without = "ticket_id,created_at\nT1,2026-10-01T08:00:00Z\nT2,bad-2\nT3,\"bad-3\"\n"
    assert _rows_named(tmp_path, without) == {"bad-2": 3, "bad-3": 4}
    lines = ["ticket_id,created_at"] + [f"T{i},2026-10-01T08:00:00Z" for i in range(20_000)]
    lines[10:10] = ["", ""]
    lines.append("T-last,bad-last")
    assert _rows_named(tmp_path, "\n".join(lines) + "\n", "big.csv") == {"bad-last": 20_004}
