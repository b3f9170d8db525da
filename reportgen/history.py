"""The history store: measures and KPI values per month in an embedded DuckDB file.

It lets a team that feeds only this month's export still get a 12-month
tracker. Each save is one transaction: re-running a month replaces that month
and nothing else, and a crash mid-save leaves the previous state intact.

History heals: each month is stored with its :class:`Completeness` (days with
data, usable rows). A month the current sources cover more completely than the
stored copy replaces it; a month with no usable row is never stored. Two runs
at once (cron overlap) do not fail: the second waits for the file lock, bounded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import HistoryError
from reportgen.kpis import KPI_BY_ID, SCALAR_KPIS, breakdown_values, scalar_values
from reportgen.measures import MonthMeasures
from reportgen.store_file import connect_waiting, damaged_error, is_damaged, private

if TYPE_CHECKING:  # imported where the store is opened: reading a stored month's types needs no DuckDB
    import duckdb

# what to do with a damaged history file (the records pulled from APIs are in another file)
DAMAGED_HISTORY_FIX = ("run `reportgen build` again: it stores every month your sources still cover "
                       "(months older than your data come back only from a backup of the file)")

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS months (month VARCHAR, saved_at TIMESTAMP, data_quality VARCHAR);
ALTER TABLE months ADD COLUMN IF NOT EXISTS days_with_data INTEGER;
ALTER TABLE months ADD COLUMN IF NOT EXISTS usable_rows BIGINT;
CREATE TABLE IF NOT EXISTS measures (month VARCHAR, name VARCHAR, dimension VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS kpi_values (month VARCHAR, kpi VARCHAR, dimension VARCHAR, value DOUBLE);
"""




@dataclass(frozen=True, order=True)
class Completeness:
    """How completely the sources cover a month; a larger value is more complete.

    Compared as (days_with_data, usable_rows): more distinct days of the month with
    at least one usable ticket or survey first, then more usable rows.
    """

    days_with_data: int
    usable_rows: int


def replaces(new: Completeness | None, stored: bool, old: Completeness | None, forced: bool) -> bool:
    """Whether a computed month of completeness ``new`` is written over the store's copy (``stored``:
    the store has one; ``old``: its completeness, None when not recorded).

    Never a month without usable rows; always one not stored yet; the report month
    (``forced``: its figures may have been corrected) unless the stored copy covers more of
    its days (a rolling export that now starts later in the month); any other month only
    when more complete than a copy whose completeness is known.
    """
    if new is not None and new.usable_rows <= 0:
        return False
    if not stored:
        return True
    if forced:
        return new is None or old is None or new.days_with_data >= old.days_with_data
    return new is not None and old is not None and new > old


@dataclass(frozen=True)
class Stored:
    """Months read from the store: their measures, the completeness each was stored with
    (absent for months stored before completeness was recorded), and the months this call
    wrote (``save_and_load``; empty for a read)."""

    measures: dict[str, MonthMeasures]
    completeness: dict[str, Completeness]
    written: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredMonth:
    """One month in the store, as ``reportgen history list`` shows it."""

    month: str
    saved_at: datetime
    completeness: Completeness | None  # None: stored before completeness was recorded


@dataclass(frozen=True)
class StoredKpis:
    """One stored month with the KPI values stored with it (read, not recomputed)."""

    month: str
    saved_at: datetime
    completeness: Completeness | None
    kpis: dict[str, float | None]  # scalar KPI id → value (every scalar KPI of the registry)
    breakdowns: dict[str, dict[str, float]]  # per-dimension KPI id → dimension value → value
    data_quality: dict[str, Any]  # the data quality of the run that stored it


class HistoryStore:
    """Per-month measures in a DuckDB file; dimension '' marks a scalar measure.

    ``lock_timeout``: how long to wait while another process holds the file
    (default: $REPORTGEN_HISTORY_LOCK_TIMEOUT seconds, else 10 minutes);
    ``on_wait`` receives the one line saying so (default: printed on stderr).
    """

    def __init__(self, path: str | Path, lock_timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None):
        self.path = Path(path)
        self.lock_timeout = lock_timeout  # None: $REPORTGEN_HISTORY_LOCK_TIMEOUT (store_file)
        self.on_wait = on_wait

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Connect, waiting (bounded) while another process holds the file's lock."""
        return connect_waiting(self.path, read_only=read_only, timeout=self.lock_timeout,
                               on_wait=self.on_wait)

    @contextmanager
    @private
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        import duckdb

        if read_only and not self.path.exists():
            con = duckdb.connect(":memory:")
            con.execute(_SCHEMA)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = self._open(read_only)
            except duckdb.Error as exc:
                if is_damaged(exc):
                    raise damaged_error(self.path, "the history store", exc, DAMAGED_HISTORY_FIX) from None
                if not isinstance(exc, duckdb.IOException):
                    raise HistoryError(
                        f"{self.path}: not a reportgen history store ({str(exc).splitlines()[0]})",
                        hint="point history.path at a new file; do not reuse other databases",
                    ) from None
                text = str(exc)
                raise HistoryError(f"{self.path}: cannot open the history store ({text.splitlines()[0]})",
                                   hint="check the path and permissions of history.path") from None
            except OSError as exc:
                raise HistoryError(
                    f"{self.path}: not a reportgen history store ({str(exc).splitlines()[0]})",
                    hint="point history.path at a new file; do not reuse other databases",
                ) from None
        try:
            if not read_only:
                con.execute(_SCHEMA)
                self._check_version(con)
            yield con
        except duckdb.Error as exc:
            if is_damaged(exc):  # blocks read only now (a month's rows) can be the damaged ones
                raise damaged_error(self.path, "the history store", exc, DAMAGED_HISTORY_FIX) from None
            raise
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
             data_quality: dict[str, Any] | None = None,
             completeness: Mapping[str, Completeness] | None = None) -> list[str]:
        """Write ``replace`` months (overwriting), any other month not stored yet, and any month
        whose ``completeness`` is greater than the stored copy's.

        A month whose completeness has no usable row is never written (not even in
        ``replace``). A stored month without a recorded completeness is replaced only
        through ``replace``. Months computed from data the run rejected must not be
        passed at all: the caller leaves them out. Returns the months written.
        One transaction: all or nothing.
        """
        with self._connect() as con:
            return self._save(con, months, replace, data_quality, completeness)

    def save_and_load(self, months: dict[str, MonthMeasures], replace: Iterable[str], window: Iterable[str],
                      data_quality: dict[str, Any] | None = None,
                      completeness: Mapping[str, Completeness] | None = None) -> Stored:
        """:meth:`save`, then :meth:`load_stored` of ``window``, on one connection (opened once)."""
        wanted = sorted(set(window))
        with self._connect() as con:
            written = self._save(con, months, replace, data_quality, completeness)
            return Stored(self._load(con, wanted), self._completeness(con, wanted), tuple(written))

    def load_stored(self, months: Iterable[str]) -> Stored:
        """:meth:`load`, with how completely each stored month was covered when it was stored."""
        wanted = sorted(set(months))
        with self._connect(read_only=True) as con:
            return Stored(self._load(con, wanted), self._completeness(con, wanted))

    @staticmethod
    def _completeness(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> dict[str, Completeness]:
        """Completeness of the ``wanted`` months (sorted, distinct) that recorded one."""
        if not wanted:
            return {}
        columns = {str(r[0]) for r in con.execute("DESCRIBE months").fetchall()}
        if not {"days_with_data", "usable_rows"} <= columns:  # a store from before they were kept,
            return {}  # opened read-only (a dry run): nothing is known about how complete it was
        placeholders = ", ".join("?" for _ in wanted)
        rows = con.execute(f"SELECT month, days_with_data, usable_rows FROM months WHERE month IN "
                           f"({placeholders}) AND days_with_data IS NOT NULL AND usable_rows IS NOT NULL",
                           wanted).fetchall()
        return {month: Completeness(int(days), int(rows_)) for month, days, rows_ in rows}

    def _save(self, con: duckdb.DuckDBPyConnection, months: dict[str, MonthMeasures], replace: Iterable[str],
              data_quality: dict[str, Any] | None, completeness: Mapping[str, Completeness] | None
              ) -> list[str]:
        replace = set(replace)
        completeness = dict(completeness or {})
        stored = {r[0]: (None if r[1] is None or r[2] is None else Completeness(int(r[1]), int(r[2])))
                  for r in con.execute(
                      "SELECT month, days_with_data, usable_rows FROM months").fetchall()}

        to_write = sorted(m for m in months if replaces(completeness.get(m), m in stored, stored.get(m),
                                                        forced=m in replace))
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
            con.executemany(
                "INSERT INTO months (month, saved_at, data_quality, days_with_data, usable_rows) "
                "VALUES (?, ?, ?, ?, ?)",
                [(m, now, quality, *_completeness_row(completeness.get(m))) for m in to_write])
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
        # one statement per table, its columns passed as four lists: fast even with hundreds of agents
        columns = [list(column) for column in zip(*rows, strict=True)]
        con.execute(f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                    "unnest(?::VARCHAR[]), unnest(?::DOUBLE[])", columns)

    def list_months(self) -> list[StoredMonth]:
        """Every stored month, oldest first."""
        with self._connect(read_only=True) as con:
            return self._list_months(con)

    @staticmethod
    def _list_months(con: duckdb.DuckDBPyConnection) -> list[StoredMonth]:
        columns = {str(r[0]) for r in con.execute("DESCRIBE months").fetchall()}
        extra = ("days_with_data, usable_rows" if {"days_with_data", "usable_rows"} <= columns
                 else "NULL, NULL")
        rows = con.execute(f"SELECT month, saved_at, {extra} FROM months ORDER BY month").fetchall()
        return [StoredMonth(month, saved_at,
                            None if days is None or rows_ is None else Completeness(int(days), int(rows_)))
                for month, saved_at, days, rows_ in rows]

    def stored_kpis(self) -> list[StoredKpis]:
        """Every stored month with its KPI values and data quality, oldest first (one read)."""
        with self._connect(read_only=True) as con:
            return self._stored_kpis(con)

    def archive(self) -> tuple[list[StoredKpis], dict[str, MonthMeasures]]:
        """``stored_kpis()`` and every stored month's measures, from one opening of the file (the
        site draws each month's page and why its KPIs changed from both)."""
        with self._connect(read_only=True) as con:
            stored = self._stored_kpis(con)
            return stored, self._load(con, [m.month for m in stored])

    def _stored_kpis(self, con: duckdb.DuckDBPyConnection) -> list[StoredKpis]:
        months = self._list_months(con)
        quality = dict(con.execute("SELECT month, data_quality FROM months").fetchall())
        values = con.execute("SELECT month, kpi, dimension, value FROM kpi_values").fetchall()
        scalars: dict[str, dict[str, float | None]] = {m.month: {k.id: None for k in SCALAR_KPIS}
                                                       for m in months}
        breakdowns: dict[str, dict[str, dict[str, float]]] = {m.month: {} for m in months}
        for month, kpi_id, dimension, value in values:
            if month not in scalars or kpi_id not in KPI_BY_ID:
                continue  # a KPI this version no longer has
            value = _shown(kpi_id, value)
            if dimension == "":
                scalars[month][kpi_id] = value
            elif value is not None:
                breakdowns[month].setdefault(kpi_id, {})[dimension] = value
        return [StoredKpis(m.month, m.saved_at, m.completeness, scalars[m.month], breakdowns[m.month],
                           json.loads(quality.get(m.month) or "{}")) for m in months]

    def drop(self, month: str) -> bool:
        """Forget one month (its measures and KPI values); False when it was not stored."""
        with self._connect() as con:
            if con.execute("SELECT count(*) FROM months WHERE month = ?", [month]).fetchone() == (0,):
                return False
            con.execute("BEGIN TRANSACTION")
            try:
                for table in ("months", "measures", "kpi_values"):
                    con.execute(f"DELETE FROM {table} WHERE month = ?", [month])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return True

    def load(self, months: Iterable[str]) -> dict[str, MonthMeasures]:
        """Measures of the requested months that are stored (missing months are absent)."""
        wanted = sorted(set(months))
        if not wanted:
            return {}
        with self._connect(read_only=True) as con:
            return self._load(con, wanted)

    @staticmethod
    def _load(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> dict[str, MonthMeasures]:
        """Measures of the ``wanted`` months (sorted, distinct) that are stored."""
        if not wanted:
            return {}
        out: dict[str, MonthMeasures] = {}
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


def _completeness_row(value: Completeness | None) -> tuple[int | None, int | None]:
    return (None, None) if value is None else (value.days_with_data, value.usable_rows)


def _shown(kpi_id: str, value: float | None) -> float | None:
    """A stored KPI value as the run gave it: a whole count as an int."""
    if value is not None and KPI_BY_ID[kpi_id].unit == "count" and float(value).is_integer():
        return int(value)
    return value


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)
