"""The engine run inside a warehouse (push-down): ``sql`` builds the cleaned relation from the
user's table and the generated measure SQL, compiled to the warehouse's dialect; ``pushdown``
executes it and files the rows. This module is the engine's entry: import-light, so configs
without a warehouse never load SQLAlchemy/sqlglot (optional extras)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportgen.config import Config
from reportgen.errors import DataError
from reportgen.sources.kinds import kind_of

if TYPE_CHECKING:
    from reportgen.engine.warehouse.pushdown import Filed, WarehouseResult


def pushed_down(config: Config, dataset: str, result: Filed, collect: bool, max_problems: int | None = 0,
                months: tuple[str, str] | None = None) -> WarehouseResult | None:
    """Compute ``dataset`` in its warehouse and file it into ``result``; None when it reads no warehouse.

    ``max_problems``: rows to list per reason (``pushdown.compute``); ``months``: only the months
    first … last (None: every month)."""
    if not any(kind_of(source).in_warehouse for source in config.sources.of(dataset)):
        return None
    try:
        from reportgen.engine.warehouse.pushdown import push_down
    except ImportError as exc:
        needed = exc.name or "SQLAlchemy and sqlglot"
        extras = "pip install 'reportgen[postgres]' (or [bigquery], [snowflake], [duckdb])"
        raise DataError(f"sources.{dataset}: warehouse sources need {needed}", hint=extras) from None
    return push_down(config, dataset, result, collect, max_problems, months)
