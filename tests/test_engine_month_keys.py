"""The month lookup (``engine.month_keys``) against Python's own conversion of each instant.

The expected month of an instant is ``instant.astimezone(zone).strftime('%Y-%m')``:
a direct conversion, not the boundary search the SQL does.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from reportgen.engine.month_keys import MonthKeys

UTC = dt.UTC
ZONES = ["Europe/Rome", "America/Sao_Paulo", "Asia/Beirut", "Australia/Lord_Howe", "Pacific/Apia",
         "Asia/Kathmandu", "Pacific/Kiritimati", "America/St_Johns", "UTC", "Asia/Tokyo",
         "Europe/Bucharest", "America/Los_Angeles"]


def months_by_sql(zone: str, instants: list[dt.datetime]) -> list[str | None]:
    keys = MonthKeys(zone, min(instants), max(instants))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (i INTEGER, x TIMESTAMPTZ)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(instants)))
    return [row[0] for row in con.execute(f"SELECT {keys.sql('x')} FROM t ORDER BY i").fetchall()]


def expected(zone: str, instants: list[dt.datetime]) -> list[str]:
    return [x.astimezone(ZoneInfo(zone)).strftime("%Y-%m") for x in instants]


def month_edges(zone: str, years: range) -> list[dt.datetime]:
    """Every local month's first instant in ``years``, one microsecond before it, and a minute after."""
    out = []
    for year in years:
        for month in range(1, 13):
            edge = dt.datetime(year, month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
            out += [edge - dt.timedelta(microseconds=1), edge, edge + dt.timedelta(minutes=1)]
    return out


@pytest.mark.parametrize("zone", ZONES)
def test_every_month_edge_falls_in_the_right_month(zone: str) -> None:
    instants = month_edges(zone, range(2008, 2013)) + month_edges(zone, range(2024, 2027))
    assert months_by_sql(zone, instants) == expected(zone, instants)


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None)
@given(zone=st.sampled_from(ZONES),
       instants=st.lists(st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2199, 1, 1),
                                      timezones=st.just(UTC)), min_size=1, max_size=40))
def test_any_instant_between_1901_and_2199(zone: str, instants: list[dt.datetime]) -> None:
    assert months_by_sql(zone, instants) == expected(zone, instants)


def test_a_clock_set_back_across_a_months_first_midnight_uses_the_exact_conversion() -> None:
    # Newfoundland ended summer time at 00:01 on Sunday 1 November 2009: the clock went back to
    # 23:01 on 31 October, so that hour is October again after November had begun
    zone = "America/St_Johns"
    start = dt.datetime(2009, 11, 1, 2, 31, tzinfo=UTC)  # 00:01 NDT on 1 November
    keys = MonthKeys(zone, start - dt.timedelta(days=40), start + dt.timedelta(days=40))
    assert not keys.exact
    assert "strftime" in keys.sql("x")
    instants = [start - dt.timedelta(minutes=1), start + dt.timedelta(minutes=1),
                start + dt.timedelta(minutes=58), start + dt.timedelta(minutes=61)]
    assert expected(zone, instants) == ["2009-11", "2009-10", "2009-10", "2009-11"]
    assert months_by_sql(zone, instants) == expected(zone, instants)


def test_a_zone_without_such_a_change_uses_the_lookup() -> None:
    keys = MonthKeys("Europe/Rome", dt.datetime(1990, 1, 1, tzinfo=UTC), dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert keys.exact
    assert "strftime" not in keys.sql("x") and "timezone" not in keys.sql("x")
