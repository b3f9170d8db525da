"""Warehouse sources: where a team's tickets and surveys live in PostgreSQL, BigQuery, Snowflake or DuckDB.

``connection`` owns URLs, drivers and secret masking; ``presets`` maps a table's
columns (``generic``, ``dbt_zendesk``). The month is computed inside the warehouse
by ``reportgen.engine.warehouse`` (the engine's generated SQL, compiled to the
warehouse's dialect). Nothing is imported here: SQLAlchemy and sqlglot are optional
extras, loaded only when a config has a warehouse source.
"""
