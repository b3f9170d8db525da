"""Warehouse sources: the month's aggregation pushed down to PostgreSQL, BigQuery, Snowflake or DuckDB.

``pushdown.compute(config, dataset, source)`` is the entry point; ``sql``
generates and compiles the statement, ``presets`` maps a table's columns,
``connection`` owns URLs, drivers and secret masking, ``hook`` is what the
engine calls. Nothing is imported here: SQLAlchemy and sqlglot are optional
extras, loaded only when a config has a warehouse source.
"""
