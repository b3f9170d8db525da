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


def test_the_memory_limit_follows_the_machine() -> None:
    """A quarter of the machine's memory, never under 256 MB."""
    from reportgen.engine.run import machine_memory_limit

    assert machine_memory_limit(16 * 1024**3) == "4096MiB"
    assert machine_memory_limit(6 * 1024**3) == "1536MiB"
    assert machine_memory_limit(512 * 1024**2) == "256MiB"  # a quarter would be 128
    assert machine_memory_limit(0) == "256MiB"  # unknown


def _engine_limit(tmp_path: Path, engine: str) -> str:
    """The memory_limit the engine's DuckDB connection runs with, for a config's engine: section."""
    from reportgen.engine.run import _connect

    config_path = tmp_path / "config.yaml"
    config_path.write_text(f'report: {{timezone: "UTC"}}\nsources: {{tickets: {{path: "t.csv"}}}}\n{engine}',
                           encoding="utf-8")
    with _connect(load_config(config_path), str(tmp_path)) as con:
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def test_the_engine_uses_the_machine_limit_unless_the_config_sets_one(tmp_path: Path) -> None:
    import os

    from reportgen.engine.run import machine_memory_limit

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    expected_mib = int(machine_memory_limit().removesuffix("MiB"))
    assert expected_mib >= 256 and expected_mib <= max(256, physical // 4 // 1024**2)
    # DuckDB shows the limit in its own units, cut to one decimal (e.g. "5.8 GiB")
    number, unit = _engine_limit(tmp_path, "").split()
    scale = {"MiB": 1, "GiB": 1024}[unit]
    assert abs(float(number) * scale - expected_mib) <= 0.1 * scale + 0.5
    assert _engine_limit(tmp_path, 'engine: {memory_limit: "300MB"}\n') == "286.1 MiB"  # 300 MB, in MiB
