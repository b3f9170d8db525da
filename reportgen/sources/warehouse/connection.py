"""Warehouse connections: SQLAlchemy URLs, optional drivers, secrets kept out of messages.

A ``warehouse:`` value is a SQLAlchemy URL. Its backend picks the driver (an
optional extra of reportgen) and the SQL dialect the generated SQL is compiled
to. The password (usually ``${ENV}`` in config.yaml) never appears in a message:
URLs are shown through :func:`masked`, and a driver's error text is scrubbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from reportgen.errors import ConfigError, DataError, one_line
from reportgen.redact import Redactor


@dataclass(frozen=True)
class Backend:
    """One supported warehouse: its URL scheme, the extra installing its driver, the sqlglot dialect."""

    scheme: str
    extra: str
    dialect: str
    driver: str | None  # SQLAlchemy driver used when the URL names none
    module: str  # the driver's import name (to tell a missing driver)


BACKENDS: dict[str, Backend] = {
    b.scheme: b for b in (
        Backend("postgresql", "postgres", "postgres", "psycopg", "psycopg"),
        Backend("bigquery", "bigquery", "bigquery", None, "sqlalchemy_bigquery"),
        Backend("snowflake", "snowflake", "snowflake", None, "snowflake.sqlalchemy"),
        Backend("duckdb", "duckdb", "duckdb", None, "duckdb_engine"),
    )
}


def parse_url(text: str, where: str) -> URL:
    """The URL of a ``warehouse:`` value; the URL itself is never quoted back (it may hold a password)."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigError(f"{where}: not a SQLAlchemy URL",
                          hint="write e.g. postgresql://user:${PGPASSWORD}@host:5432/db, bigquery://project/"
                               "dataset, snowflake://user:${SNOWFLAKE_PASSWORD}@account/db/schema "
                               "or duckdb:///path.duckdb") from None
    backend_of(url, where)
    return url


def backend_of(url: URL, where: str) -> Backend:
    backend = BACKENDS.get(url.get_backend_name())
    if backend is None:
        known = ", ".join(f"{name}://" for name in BACKENDS)
        name = url.get_backend_name()
        raise ConfigError(f"{where}: warehouse '{name}://' is not supported (known: {known})")
    return backend


def masked(url: URL) -> str:
    """The URL as messages and the data-quality report show it: password replaced by ***."""
    return url.render_as_string(hide_password=True)


def scrub(text: str, url: URL) -> str:
    """A driver's message on one line, without the URL's password."""
    flat = one_line(text.strip().splitlines()[0] if text.strip() else text, 400)
    # as given, as written in the URL (escaped) and in base64 (reportgen.redact)
    return Redactor([str(url.password) if url.password else None], [url.username])(flat)


def create_engine(url: URL, where: str) -> sqlalchemy.Engine:
    """A SQLAlchemy engine for ``url``; a missing driver is one line naming the extra to install."""
    backend = backend_of(url, where)
    if backend.driver and "+" not in url.drivername:
        url = url.set(drivername=f"{url.drivername}+{backend.driver}")
    try:
        return sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    except (NoSuchModuleError, ImportError):
        raise DataError(f"{where}: the {backend.scheme} driver is not installed",
                        hint=f"pip install 'reportgen[{backend.extra}]'") from None
