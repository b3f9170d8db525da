"""A real, throwaway PostgreSQL server for the warehouse tests.

``initdb`` + ``pg_ctl`` from Debian's postgresql package start a private cluster
in a temporary folder, on a free port on 127.0.0.1, with ``pg_stat_statements``
loaded (to count the rows each statement returned) and password authentication
(scram) for the user ``reportgen``. The server refuses to run as root, so under
root the cluster belongs to the ``postgres`` system user (``runuser``).

Outside CI missing binaries skip the tests with the reason; in CI (CI=true)
they fail, so a green CI run always includes the PostgreSQL checks.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from markers import require_marker

USER = "reportgen"
PASSWORD = "pg-secret-7f3a"  # test-only; the tests check it never appears in output
DATABASE = "support"


@dataclass(frozen=True)
class Server:
    port: int
    folder: Path

    def url(self, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{DATABASE}"

    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} password={PASSWORD} dbname={DATABASE}"


def pg_bin() -> Path:
    """The folder of initdb/pg_ctl; skip (fail in CI) when PostgreSQL is not installed."""
    require_marker("postgres")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    message = ("PostgreSQL is not installed (initdb/pg_ctl not found): apt-get install postgresql "
               "postgresql-contrib to run the warehouse tests against a real server")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """Run as the cluster owner: the postgres system user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def running_server() -> Iterator[Server]:
    """Start a private cluster; always stopped and removed at the end."""
    binaries = pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="reportgen-pg-"))
    data, sockets = folder / "data", folder / "sock"
    sockets.mkdir()
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for path in (sockets, pwfile):
            shutil.chown(path, "postgres")
    port = _free_port()
    subprocess.run(_as_owner([str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=scram-sha-256",
                              f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C"]),
                   check=True, capture_output=True)
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 "
               "-c shared_preload_libraries=pg_stat_statements -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_wal_size=4GB -c pg_stat_statements.track=all")
    log = folder / "server.log"
    started = False
    try:
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                                  "-t", "60", "-o", options, "start"]), check=True, capture_output=True)
        started = True
        server = Server(port, folder)
        import psycopg

        with psycopg.connect(server.dsn().replace(f"dbname={DATABASE}", "dbname=postgres"),
                             autocommit=True) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")
        with psycopg.connect(server.dsn(), autocommit=True) as con:
            con.execute("CREATE EXTENSION pg_stat_statements")
        yield server
    finally:
        if started:
            subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                      "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
