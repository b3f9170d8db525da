"""The history store: measures and KPI values per month in an embedded DuckDB file.

It lets a team that feeds only this month's export still get a 12-month
tracker. Each save is one transaction: re-running a month replaces that month
and nothing else, and a crash mid-save leaves the previous state intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from reportgen.errors import HistoryError
from reportgen.measures import MonthMeasures, breakdown_values, scalar_values

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS months (month VARCHAR, saved_at TIMESTAMP, data_quality VARCHAR);
CREATE TABLE IF NOT EXISTS measures (month VARCHAR, name VARCHAR, dimension VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS kpi_values (month VARCHAR, kpi VARCHAR, dimension VARCHAR, value DOUBLE);
"""


class HistoryStore:
    """Per-month measures in a DuckDB file; dimension '' marks a scalar measure."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            con = duckdb.connect(":memory:")
            con.execute(_SCHEMA)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" in text.lower():
                    raise HistoryError(f"{self.path}: the history store is in use by another process",
                                       hint="wait for the other reportgen run to finish") from None
                raise HistoryError(f"{self.path}: cannot open the history store ({text.splitlines()[0]})",
                                   hint="check the path and permissions of history.path") from None
            except (duckdb.Error, OSError) as exc:
                raise HistoryError(
                    f"{self.path}: not a reportgen history store ({str(exc).splitlines()[0]})",
                    hint="point history.path at a new file; do not reuse other databases",
                ) from None
            if not read_only:
                con.execute(_SCHEMA)
                self._check_version(con)
        try:
            yield con
        finally:
            con.close()

    def _check_version(self, con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        elif row[0] != SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: history schema {row[0]} is not supported "
                               f"(this reportgen writes {SCHEMA_VERSION})",
                               hint="upgrade reportgen or start a new history file")

    def stored_months(self) -> list[str]:
        with self._connect(read_only=True) as con:
            return [r[0] for r in con.execute("SELECT month FROM months ORDER BY month").fetchall()]

    def save(self, months: dict[str, MonthMeasures], replace: Iterable[str],
             data_quality: dict[str, Any] | None = None) -> list[str]:
        """Write ``replace`` months (overwriting) and any other month not stored yet.

        Returns the months written. One transaction: all or nothing.
        """
        replace = set(replace)
        with self._connect() as con:
            stored = {r[0] for r in con.execute("SELECT month FROM months").fetchall()}
            to_write = sorted(m for m in months if m in replace or m not in stored)
            if not to_write:
                return []
            measure_rows: list[tuple[str, str, str, float | None]] = []
            kpi_rows: list[tuple[str, str, str, float | None]] = []
            for month in to_write:
                measures = months[month]
                measure_rows += [(month, n, "", _num(v)) for n, v in measures.scalars.items()]
                for name, by_key in measures.dims.items():
                    measure_rows += [(month, name, k, _num(v)) for k, v in by_key.items()]
                kpi_rows += [(month, k, "", _num(v)) for k, v in scalar_values(measures).items()]
                for kpi_id, by_key in breakdown_values(measures).items():
                    kpi_rows += [(month, kpi_id, k, _num(v)) for k, v in by_key.items()]
            quality = json.dumps(data_quality or {}, sort_keys=True)
            now = datetime.now(UTC).replace(tzinfo=None)
            con.execute("BEGIN TRANSACTION")
            try:
                placeholders = ", ".join("?" for _ in to_write)
                for table in ("months", "measures", "kpi_values"):
                    con.execute(f"DELETE FROM {table} WHERE month IN ({placeholders})", to_write)
                con.executemany("INSERT INTO months VALUES (?, ?, ?)",
                                [(m, now, quality) for m in to_write])
                self._insert(con, "measures", measure_rows)
                self._insert(con, "kpi_values", kpi_rows)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return to_write

    @staticmethod
    def _insert(con: duckdb.DuckDBPyConnection, table: str,
                rows: list[tuple[str, str, str, float | None]]) -> None:
        if not rows:
            return
        # one statement per table keeps saves fast even with hundreds of agents
        con.execute("CREATE OR REPLACE TEMP TABLE _rows (a VARCHAR, b VARCHAR, c VARCHAR, d DOUBLE)")
        con.executemany("INSERT INTO _rows VALUES (?, ?, ?, ?)", rows)
        con.execute(f"INSERT INTO {table} SELECT * FROM _rows")

    def load(self, months: Iterable[str]) -> dict[str, MonthMeasures]:
        """Measures of the requested months that are stored (missing months are absent)."""
        wanted = sorted(set(months))
        if not wanted:
            return {}
        out: dict[str, MonthMeasures] = {}
        with self._connect(read_only=True) as con:
            placeholders = ", ".join("?" for _ in wanted)
            for (month,) in con.execute(
                f"SELECT month FROM months WHERE month IN ({placeholders})", wanted
            ).fetchall():
                out[month] = MonthMeasures()
            for month, name, dimension, value in con.execute(
                f"SELECT month, name, dimension, value FROM measures WHERE month IN ({placeholders})",
                wanted,
            ).fetchall():
                measures = out.setdefault(month, MonthMeasures())
                if dimension == "":
                    measures.scalars[name] = value
                else:
                    measures.dims.setdefault(name, {})[dimension] = value
        return out


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)
