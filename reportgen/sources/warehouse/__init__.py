"""Warehouse sources: the month's aggregation pushed down to PostgreSQL, BigQuery, Snowflake or DuckDB.

``compute(config, dataset, source)`` is the entry point (see ``pushdown``);
``sql`` generates and compiles the statement, ``presets`` maps a table's
columns, ``connection`` owns URLs, drivers and secret masking.
"""

from reportgen.sources.warehouse.connection import BACKENDS, masked, parse_url
from reportgen.sources.warehouse.pushdown import WarehouseResult, check_source, compute
from reportgen.sources.warehouse.sql import Pushdown, build, compile_sql

__all__ = ["BACKENDS", "Pushdown", "WarehouseResult", "build", "check_source", "compile_sql", "compute",
           "masked", "parse_url"]
