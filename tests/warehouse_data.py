"""Rows shared by the warehouse tests: the same records go to a CSV (file engine), to a
real PostgreSQL server and to a DuckDB database file (push-down)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

CATEGORIES = ("Billing", "billing ", "Shipping", "-", "", "Returns", "n/a")
CHANNELS = ("email", "chat", "Phone", "EMAIL", "")
AGENTS = ("Anna", "anna", "Bo", "Chen", "", "(none)")

Row = tuple[Any, ...]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def tickets(count: int = 400, seed: int = 11) -> list[Row]:
    """Canonical ticket rows (ids, aware datetimes, ints) with every rule exercised:
    duplicates (later wins), missing id/created, blank-like names, spelling variants,
    answers/resolutions before creation, negative replies/reopens, month edges in Rome."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(hours=1)  # Rome's first January hour
    rows: list[Row] = []
    for index in range(count):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 100))  # Jan → early April
        first = created + timedelta(minutes=rng.randrange(-60, 60 * 48)) if rng.random() < 0.85 else None
        resolved = created + timedelta(minutes=rng.randrange(-120, 60 * 24 * 20)) if rng.random() < 0.7 else None
        replies = rng.choice([0, 1, 1, 2, 3, None, -1])
        reopens = rng.choice([0, 0, 0, 1, None, -2])
        rows.append((str(1000 + index), created, first, resolved, rng.choice(CATEGORIES),
                     rng.choice(CHANNELS), rng.choice(AGENTS), replies, reopens))
    # duplicates: the later row wins
    for index in range(0, count, 37):
        original = rows[index]
        rows.append((original[0], original[1] + timedelta(hours=3), None, original[3], "Returns",
                     "chat", "Bo", 1, 0))
    rows.append((None, start + timedelta(days=3), None, None, "Billing", "chat", "Bo", 1, 0))
    rows.append(("9999", None, None, None, "Billing", "chat", "Bo", 1, 0))
    # 23:30 UTC on 31 January is 00:30 on 1 February in Rome
    rows.append(("8888", datetime(2024, 1, 31, 23, 30, tzinfo=UTC), None,
                 datetime(2024, 2, 29, 23, 30, tzinfo=UTC), "Billing", "email", "Chen", 1, 0))
    return rows


def surveys(count: int = 300, seed: int = 5) -> list[Row]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows: list[Row] = []
    for index in range(count):
        kind = rng.choice(["nps", "NPS ", "csat", "ces", "csat", "other", "-"])
        score: float | None = (rng.randrange(0, 11) if kind.strip().lower() == "nps" else rng.randrange(0, 7))
        if rng.random() < 0.03:
            score = None
        submitted = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 90))
        rows.append((f"r{index}", submitted, kind, score))
    rows.append((f"r{count - 1}", start + timedelta(days=40), "csat", 5))  # duplicate: wins
    rows.append((None, start, "nps", 9))
    return rows


BUSINESS: list[Row] = [
    ("2024-01", 1000, 1010, 40, 20000.0, 150000.0),
    ("2024-02", 1010, 1005, 30, 18000.0, 148000.0),
    ("2024-03", 1005, 1030, 45, 21000.0, 155000.0),
]


def csv_cells(rows: Sequence[Row]) -> list[list[str]]:
    """The rows as CSV cells (instants with their offset, empty for None)."""
    out = []
    for row in rows:
        out.append(["" if v is None else _iso(v) if isinstance(v, datetime) else str(v) for v in row])
    return out


def assert_same(left: Any, right: Any, where: str = "") -> None:
    """``left`` equals ``right`` all the way down (dicts by key, tuples and lists by position), floats
    to 1e-9: a warehouse's sums are its own floating-point sums, the file engine's are exact."""
    if isinstance(left, dict):
        assert isinstance(right, dict) and set(left) == set(right), f"{where}: {left} != {right}"
        for key in left:
            assert_same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, tuple | list):
        assert isinstance(right, tuple | list) and len(left) == len(right), f"{where}: {left} != {right}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(left, float) or isinstance(right, float):
        assert left is not None and right is not None, f"{where}: {left} != {right}"
        assert left == pytest.approx(right, rel=1e-9, abs=1e-9), f"{where}: {left} != {right}"
    else:
        assert left == right, f"{where}: {left} != {right}"
