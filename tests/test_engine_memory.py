"""A file bigger than the engine's memory limit is read (DuckDB spills), not refused.

DuckDB's CSV reader sizes its buffer at 16 × max_line_size by default: a single 305 MiB
block, larger than the default 256 MB limit, so any file over ~256 MB failed with "could
not allocate block". The reader's buffer is now set explicitly; this reads a 110 MB file
under a 100 MB limit, which the default buffer (the whole 110 MB file in one block) cannot.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import load_config
from reportgen.engine import Engine

pytestmark = [pytest.mark.slow]  # reads a file larger than the memory limit


def test_a_file_larger_than_the_memory_limit_is_read_whole(tmp_path: Path) -> None:
    rows = 2_800_000
    with (tmp_path / "tickets.csv").open("w", encoding="utf-8") as handle:
        handle.write("ticket_id,created_at,category,comment_padding\n")
        for i in range(rows):
            handle.write(f"T{i:08d},2026-10-{1 + i % 28:02d}T09:00:00Z,Billing,{'x' * 8}\n")
    assert (tmp_path / "tickets.csv").stat().st_size > 110_000_000
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        'report: {title: "Big", timezone: "UTC", currency: "EUR"}\n'
        'sources: {tickets: {path: "tickets.csv"}}\n'
        'engine: {memory_limit: "100MB", threads: 1}\n', encoding="utf-8")
    result = Engine(load_config(config_path)).run()
    assert result.quality["tickets"].rows_read == rows
    assert result.months["2026-10"].scalars["tickets_created"] == rows
