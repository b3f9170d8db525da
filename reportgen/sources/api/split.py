"""What can be pulled again lives apart from what cannot: the pulled records get their own file.

The history (``history.path``) holds months that may no longer be in any source; the
pulled records, lookups and cursors can always be pulled again (``reportgen pull --full``).
Kept in one file, a damaged file meant moving both aside. Now the pulled tables live in
``<history stem>-pulled<suffix>`` beside the history (``reportgen-history-pulled.duckdb``).

A project whose history file still holds the pulled tables (written before the split) is
moved once, the first time the store is needed: the tables are copied into a temporary file
beside it, which is renamed to the pulled store only when complete, and then dropped from the
history file. A crash before the rename leaves the history file as it was (the next run copies
again); a crash after it leaves unused tables in the history file, nothing lost.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reportgen.sources.api.store import PULLED_TABLES, SCHEMA
from reportgen.store_file import connect_waiting


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def move_pulled_tables(history: Path, pulled: Path) -> bool:
    """Move the pulled tables an older reportgen kept in ``history`` to ``pulled``; True if it did."""
    if pulled.exists() or not history.exists():
        return False
    con = connect_waiting(history, what="the history store")
    try:
        found = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if not set(PULLED_TABLES) <= found:
            return False
        temporary = pulled.with_name(f".{pulled.name}.{os.getpid()}.tmp")
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        row = con.execute("SELECT current_database(), coalesce(max(seq), 0) + 1 "
                          "FROM pulled_records").fetchone()
        assert row is not None
        own, next_seq = _quoted(str(row[0])), int(row[1])
        con.execute(f"ATTACH '{str(temporary).replace(chr(39), chr(39) * 2)}' AS moved")
        con.execute("USE moved")
        # later pages must get higher page numbers than the moved rows (the latest page wins)
        con.execute(f"CREATE SEQUENCE pulled_seq START WITH {next_seq}")
        con.execute(SCHEMA)
        for table in PULLED_TABLES:
            con.execute(f"INSERT INTO moved.main.{table} SELECT * FROM {own}.main.{table}")
        con.execute(f"USE {own}")
        con.execute("CHECKPOINT moved")
        con.execute("DETACH moved")
        os.replace(temporary, pulled)
        for table in PULLED_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("DROP SEQUENCE IF EXISTS pulled_seq")
        con.execute("CHECKPOINT")
        return True
    finally:
        con.close()
