"""The pulled records and their cursors, in the embedded DuckDB file.

The file is the history's neighbour (``api.split``: ``reportgen-history-pulled.duckdb``
beside ``reportgen-history.duckdb``), so a damaged one is rebuilt with ``pull --full``
without touching the history. Its tables:

``pulled_records``  (source, record_id, seq) → the vendor record as pulled
                    (JSON), its ``updated_at``, a ``deleted`` flag and the pull
                    ``generation`` that wrote it. Rows are appended; the row
                    of the latest page (``seq``) is the record's version, and
                    superseded rows are removed when a pull reaches the end of
                    the stream. (Appending costs half of an upsert through a
                    primary-key index, and memory does not grow with an index.)
``pulled_lookups``  (source, kind, key) → value: side-loaded names (users,
                    agents, dropdown options) the canonical rows need;
``pull_cursors``    source → where the next pull continues (JSON), whether the
                    last pull reached the end of the stream, and whether a
                    ``--full`` pull is still under way.

Every page is written in ONE transaction together with the cursor that
follows it, so a process killed at any instant (kill -9) leaves the store at
the end of the last committed page: the next pull continues from exactly
there. A record seen again replaces its earlier version (no duplicate), and
nothing after the committed cursor was stored (no loss).

A ``--full`` pull bumps the generation and starts from ``start`` while the
previous records stay readable; when it reaches the end of the stream, the
records it did not see again (deleted since, or before a later ``start``)
are removed. Connections are opened per operation and closed at once, so the
file is never held between pages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from reportgen.errors import HistoryError
from reportgen.store_file import connect_waiting, damaged_error, is_damaged, private

# everything in this file can be pulled again; the history is kept in its own file
DAMAGED_FIX = "run `reportgen pull --full` to pull every record again (the history is not in this file)"

# DuckDB's buffer cache would otherwise keep every page written during a long pull in memory
MEMORY_LIMIT = "64MB"

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS pulled_seq;
CREATE TABLE IF NOT EXISTS pulled_records (
    source VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    seq BIGINT NOT NULL,  -- the page that wrote the row: a later page's row replaces an earlier one
    updated_at VARCHAR,
    deleted BOOLEAN NOT NULL,
    generation INTEGER NOT NULL,
    data VARCHAR  -- the record's JSON (text: no second parse on insert)
);
CREATE TABLE IF NOT EXISTS pulled_lookups (
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR,
    PRIMARY KEY (source, kind, key)
);
CREATE TABLE IF NOT EXISTS pull_cursors (
    source VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    api VARCHAR NOT NULL,
    cursor JSON,
    generation INTEGER NOT NULL,
    full_pending BOOLEAN NOT NULL,
    complete BOOLEAN NOT NULL,
    ever_complete BOOLEAN NOT NULL,
    pages BIGINT NOT NULL,
    committed_at VARCHAR NOT NULL
);
"""
SCHEMA = _SCHEMA  # for moving the tables out of an older project's history file (api.split)
PULLED_TABLES = ("pulled_records", "pulled_lookups", "pull_cursors")

# each record's current version: the row of the latest page that held it
_LATEST = ("SELECT record_id, arg_max(data, seq) AS data, arg_max(deleted, seq) AS deleted "
           "FROM pulled_records WHERE source = ? GROUP BY record_id")


@dataclass(frozen=True)
class PulledRecord:
    """One vendor record as stored: its id, its version time, deleted or not, and its fields.

    ``data`` is a mapping (or a msgspec Struct) encoded to JSON on write, or JSON already encoded
    (bytes); it is read back as a dict.
    """

    record_id: str
    updated_at: str | None
    deleted: bool
    data: Mapping[str, Any] | msgspec.Struct | bytes


_encode = msgspec.json.Encoder().encode


def _json_text(data: Mapping[str, Any] | msgspec.Struct | bytes) -> str:
    return (data if isinstance(data, bytes) else _encode(data)).decode()


@dataclass(frozen=True)
class CursorState:
    """Where a source's pulls stand."""

    cursor: dict[str, Any] | None  # None: the next pull starts from `start`
    generation: int
    full_pending: bool  # a --full pull has not reached the end of the stream yet
    complete: bool  # the last pull reached the end of the stream
    ever_complete: bool  # some pull of this source reached the end of the stream
    pages: int  # pages committed since the last start from `start`
    committed_at: str  # UTC time of the last committed page


Lookups = dict[str, dict[str, str]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PullStore:
    """Pulled records + cursors in one DuckDB file (tables separate from the history's)."""

    def __init__(self, path: str | Path, lock_timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None):
        """``lock_timeout``/``on_wait``: the bounded wait for a file another run holds
        (``reportgen.store_file``; the same wait as the history's, in the same file)."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self._hold = False
        self._held: duckdb.DuckDBPyConnection | None = None
        self._stack = ExitStack()
        self._written: dict[tuple[str, str, str], str] = {}

    def __repr__(self) -> str:
        return f"PullStore({str(self.path)!r})"

    @contextmanager
    def holding(self) -> Iterator[PullStore]:
        """Keep one connection through a run of ``commit_page`` calls (the pull of one source).

        Opening the file costs ~25 ms, more than a page of 1000 records takes to write.
        ``release()`` closes it early: the pull calls it while it waits on the vendor, so the
        file is not held through a rate-limit pause; the next page opens it again.
        """
        self._hold = True
        try:
            yield self
        finally:
            self._hold = False
            self.release()

    def release(self) -> None:
        self._held = None
        self._stack.close()
        if not self._hold:
            self._written.clear()

    @contextmanager
    def _reuse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._hold:
            with self.connect() as con:
                yield con
            return
        if self._held is None:
            self._held = self._stack.enter_context(self.connect())
        yield self._held

    @contextmanager
    @private
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            con = duckdb.connect(":memory:")
            con.execute(_SCHEMA)
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = connect_waiting(self.path, timeout=self.lock_timeout, on_wait=self.on_wait,
                                      what="the store of pulled records")
            except duckdb.Error as exc:
                if is_damaged(exc):
                    raise damaged_error(self.path, "the store of pulled records", exc, DAMAGED_FIX) from None
                if not isinstance(exc, duckdb.IOException):
                    raise HistoryError(f"{self.path}: not a reportgen store ({str(exc).splitlines()[0]})",
                                       hint="point history.path at a new file") from None
                text = str(exc)
                raise HistoryError(f"{self.path}: cannot open the store ({text.splitlines()[0]})",
                                   hint="check the path and permissions of history.path") from None
            except OSError as exc:
                raise HistoryError(f"{self.path}: not a reportgen store ({str(exc).splitlines()[0]})",
                                   hint="point history.path at a new file") from None
        try:
            if not (read_only and not self.path.exists()):
                con.execute(_SCHEMA)
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            con.execute("SET threads = 1")  # a page is small: worker threads cost more than they save
            yield con
        except duckdb.Error as exc:
            if is_damaged(exc):
                raise damaged_error(self.path, "the store of pulled records", exc, DAMAGED_FIX) from None
            raise
        finally:
            con.close()

    # ---- cursors -------------------------------------------------------------------------------

    def state(self, source: str) -> CursorState | None:
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT cursor, generation, full_pending, complete, ever_complete, pages, "
                              "committed_at FROM pull_cursors WHERE source = ?", [source]).fetchone()
        if row is None:
            return None
        cursor = json.loads(row[0]) if row[0] is not None else None
        return CursorState(cursor, int(row[1]), bool(row[2]), bool(row[3]), bool(row[4]), int(row[5]),
                           str(row[6]))

    def begin_full(self, source: str, dataset: str, api: str) -> CursorState:
        """Start again from `start`: a new generation; the old records stay until it completes."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            row = con.execute("SELECT generation, ever_complete FROM pull_cursors WHERE source = ?",
                              [source]).fetchone()
            generation = (int(row[0]) + 1) if row else 1
            ever = bool(row[1]) if row else False
            self._put_cursor(con, source, dataset, api, None, generation, True, False, ever, 0)
            con.execute("COMMIT")
        return CursorState(None, generation, True, False, ever, 0, _now())

    def ensure(self, source: str, dataset: str, api: str) -> CursorState:
        """The source's state; a first pull is a full pull of generation 1."""
        state = self.state(source)
        return state if state is not None else self.begin_full(source, dataset, api)

    @staticmethod
    def _put_cursor(con: duckdb.DuckDBPyConnection, source: str, dataset: str, api: str,
                    cursor: dict[str, Any] | None, generation: int, full_pending: bool, complete: bool,
                    ever_complete: bool, pages: int) -> None:
        con.execute(
            "INSERT OR REPLACE INTO pull_cursors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source, dataset, api, None if cursor is None else json.dumps(cursor), generation,
             full_pending, complete, ever_complete, pages, _now()])

    def rename_source(self, old: str, new: str) -> bool:
        """Move everything stored under the key ``old`` to ``new`` (one transaction); False when
        nothing is stored under ``old``. What ``new`` already holds wins over ``old``'s."""
        if old == new or self.state(old) is None:
            return False
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                if con.execute("SELECT 1 FROM pull_cursors WHERE source = ?", [new]).fetchone():
                    for table in ("pulled_records", "pulled_lookups", "pull_cursors"):
                        con.execute(f"DELETE FROM {table} WHERE source = ?", [old])
                else:
                    for table in ("pulled_records", "pulled_lookups", "pull_cursors"):
                        con.execute(f"UPDATE {table} SET source = ? WHERE source = ?", [new, old])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            self._rewrite(con)
        return True

    def _rewrite(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the whole file afresh (the history's tables too), then put it in place, so that no
        freed block of the old file keeps what was just removed (a secret in a key)."""
        fresh = self.path.with_name(f".{self.path.name}.rewrite.tmp")
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        con.execute("CHECKPOINT")
        row = con.execute("SELECT current_database()").fetchone()
        name = str(row[0]) if row else "memory"
        target = str(fresh).replace("'", "''")
        con.execute(f"ATTACH '{target}' AS reportgen_fresh")
        try:
            con.execute(f'COPY FROM DATABASE "{name}" TO reportgen_fresh')
        finally:
            con.execute("DETACH reportgen_fresh")
        os.replace(fresh, self.path)  # still holding the old file: no other run writes in between

    # ---- pages ---------------------------------------------------------------------------------

    def commit_page(self, source: str, dataset: str, api: str, state: CursorState,
                    records: Sequence[PulledRecord], cursor: dict[str, Any], lookups: Lookups | None = None,
                    *, end_of_stream: bool = False) -> CursorState:
        """Write one page's records, lookups and the cursor after it, in one transaction.

        At the end of the stream of a --full pull, the records of older generations (not seen
        again) are removed in the same transaction. Returns the new state.
        """
        latest = list({r.record_id: r for r in records}.values())  # the last version within the page
        lookup_rows = [{"k": kind, "key": key, "v": value}
                       for kind, values in (lookups or {}).items() for key, value in values.items()
                       if self._written.get((source, kind, key)) != value]
        full_pending = state.full_pending and not end_of_stream
        ever = state.ever_complete or end_of_stream
        with self._reuse() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                if latest:  # one statement per page: the columns as lists, unnested side by side
                    con.execute(
                        "INSERT INTO pulled_records SELECT ?, unnest(?::VARCHAR[]), nextval('pulled_seq'), "
                        "unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), ?, unnest(?::VARCHAR[])",
                        [source, [r.record_id for r in latest], [r.updated_at for r in latest],
                         [r.deleted for r in latest], state.generation,
                         [_json_text(r.data) for r in latest]])
                if lookup_rows:
                    con.execute(
                        "INSERT OR REPLACE INTO pulled_lookups "
                        "SELECT ?, r->>'k', r->>'key', r->>'v' FROM (SELECT unnest(?::JSON[]) AS r)",
                        [source, _encode(lookup_rows).decode()])
                if end_of_stream and state.full_pending:
                    con.execute("DELETE FROM pulled_records WHERE source = ? AND generation < ?",
                                [source, state.generation])
                if end_of_stream:  # drop the versions later pages replaced
                    con.execute(
                        "DELETE FROM pulled_records AS r WHERE source = ? AND seq < "
                        "(SELECT max(seq) FROM pulled_records AS n "
                        " WHERE n.source = r.source AND n.record_id = r.record_id)", [source])
                self._put_cursor(con, source, dataset, api, cursor, state.generation, full_pending,
                                 end_of_stream, ever, state.pages + 1)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if self._hold:  # lookups rarely change: while holding, write only new or changed ones
            self._written.update(((source, r["k"], r["key"]), r["v"]) for r in lookup_rows)
        return CursorState(cursor, state.generation, full_pending, end_of_stream, ever, state.pages + 1,
                           _now())

    # ---- reading -------------------------------------------------------------------------------

    def lookups(self, source: str) -> Lookups:
        found: Lookups = {}
        with self.connect(read_only=True) as con:
            for kind, key, value in con.execute(
                    "SELECT kind, key, value FROM pulled_lookups WHERE source = ?", [source]).fetchall():
                found.setdefault(str(kind), {})[str(key)] = "" if value is None else str(value)
        return found

    def records(self, source: str, *, include_deleted: bool = False,
                batch: int = 10_000) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """The stored records of a source, in record_id order, in batches of (record_id, data)."""
        where = "" if include_deleted else " WHERE NOT deleted"
        with self.connect(read_only=True) as con:
            con.execute(f"SELECT record_id, data FROM ({_LATEST}){where} ORDER BY record_id", [source])
            while True:
                chunk = con.fetchmany(batch)
                if not chunk:
                    return
                yield [(str(rid), msgspec.json.decode(data)) for rid, data in chunk]

    def counts(self, source: str) -> tuple[int, int]:
        """(records kept, records marked deleted) for a source."""
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE deleted) "
                              f"FROM ({_LATEST})", [source]).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)
