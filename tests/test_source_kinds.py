"""Every kind of source meets one interface (``reportgen.sources.kinds``): the load stage reads
what it yields the same way, whatever the kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import SOURCE_MODELS, load_config
from reportgen.errors import ConfigError
from reportgen.sources.kinds import Readable, kind_of


def _config(root: Path, sources: str):
    (root / "config.yaml").write_text(
        'report:\n  title: "T"\n  timezone: "Europe/Rome"\nsources:\n' + sources, encoding="utf-8")
    return load_config(root / "config.yaml")


def test_every_settings_model_has_a_kind() -> None:
    # a new kind of source is a settings model AND a kind: one without the other fails here
    kinds = {model: kind_of(model.model_construct()) for model in SOURCE_MODELS}
    assert len(set(map(type, kinds.values()))) == len(SOURCE_MODELS)
    assert [model.KIND for model, kind in kinds.items() if kind.in_warehouse] == ["warehouse"]
    assert [model.KIND for model, kind in kinds.items() if kind.local] == ["path"]


def test_files_yield_each_file_with_its_zone(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("Ticket ID,Created\n1,2026-10-01 10:00\n", encoding="utf-8")
    config = _config(tmp_path, '  tickets:\n    path: "*.csv"\n    timezone: "Asia/Tokyo"\n')
    source = config.sources.of("tickets")[0]
    readables = kind_of(source).readables(config, "tickets", source, "tickets", tmp_path)
    assert [r.path.name for r in readables] == ["a.csv", "b.csv"]
    assert {r.timezone for r in readables} == {"Asia/Tokyo"}  # the source's zone, not the report's
    assert all(isinstance(r, Readable) and r.label is None and r.relabel is None for r in readables)


def test_files_take_the_report_zone_by_default_and_change_identity(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("Ticket ID,Created\n1,2026-10-01 10:00\n", encoding="utf-8")
    config = _config(tmp_path, '  tickets:\n    path: "t.csv"\n')
    source = config.sources.of("tickets")[0]
    kind = kind_of(source)
    assert [r.timezone for r in kind.readables(config, "tickets", source, "tickets", tmp_path)] == ["Europe/Rome"]
    before = kind.identity(config, "tickets", source, None, 2.0)
    (tmp_path / "t.csv").write_text("Ticket ID,Created\n1,2026-10-01 10:00\n2,2026-10-02 10:00\n",
                                    encoding="utf-8")
    assert before is not None and kind.identity(config, "tickets", source, None, 2.0) != before


def test_a_warehouse_is_computed_there_never_read(tmp_path: Path) -> None:
    config = _config(tmp_path, '  tickets:\n    warehouse: "duckdb:///w.duckdb"\n    table: "t"\n')
    source = config.sources.of("tickets")[0]
    kind = kind_of(source)
    assert kind.in_warehouse and kind.identity(config, "tickets", source, None, 2.0) is None
    with pytest.raises(ConfigError, match="computed in the warehouse"):
        kind.readables(config, "tickets", source, "tickets", tmp_path)
