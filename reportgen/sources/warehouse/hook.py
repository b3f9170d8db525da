"""The engine's entry to the warehouse: import-light, so configs without a warehouse never
load SQLAlchemy/sqlglot (optional extras) and the engine does not import this package eagerly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportgen.config import Config
from reportgen.errors import DataError

if TYPE_CHECKING:
    from reportgen.sources.warehouse.pushdown import Filed, WarehouseResult


def is_warehouse(config: Config, dataset: str) -> bool:
    return any(source.kind == "warehouse" for source in config.sources.of(dataset))


def pushed_down(config: Config, dataset: str, result: Filed, collect: bool) -> WarehouseResult | None:
    """Compute ``dataset`` in its warehouse and file it into ``result``; None when it reads no warehouse."""
    if not is_warehouse(config, dataset):
        return None
    try:
        from reportgen.sources.warehouse.pushdown import push_down
    except ImportError as exc:
        needed = exc.name or "SQLAlchemy and sqlglot"
        extras = "pip install 'reportgen[postgres]' (or [bigquery], [snowflake], [duckdb])"
        raise DataError(f"sources.{dataset}: warehouse sources need {needed}", hint=extras) from None
    return push_down(config, dataset, result, collect)
