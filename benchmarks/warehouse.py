"""Warehouse push-down benchmark: the month's KPIs computed inside PostgreSQL vs pulling the rows.

    python benchmarks/warehouse.py [--tickets 1000000 10000000] [--month 2024-06] [--repeat 3]

For each size, a throwaway PostgreSQL 15 cluster (tests/postgres.py) gets that many
tickets, generated in SQL with ``generate_series`` (12 months, 8 categories, 5
channels, 40 agents, ~1 % duplicates, no key on the id). Then, each timed end to end
including the connection, ``--repeat`` times in turn (the minimum is kept):

* monthly: ``compute_all`` for the report month alone (what a run computes when history
  holds the earlier months: ``monthdata.months_needed``);
* hand-written: the same month's KPIs, breakdowns and backlog in one statement written
  by hand (de-duplication, ``FILTER``, ``GROUPING SETS``, array percentiles: ``HAND_WRITTEN``);
* first run: ``compute_all`` of every month (empty history);
* hand-written, every month: the first run's KPIs and breakdowns in one statement written by
  hand (month keys by comparison with the months' boundaries, ``GROUPING SETS`` over them:
  ``HAND_WRITTEN_ALL``): what one pass over every month costs at best;
* pull: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` of every row to a local CSV,
  then the file engine on it (what a tool without push-down must do).

It prints the table of minimum seconds and the ratios (targets: monthly ≤ 1.5× the
hand-written query and faster than pull; first run no slower than pull; hand_all/pull: whether
one pass can be as cheap as pulling at all), rows returned
(the driver's count and the server's, from ``pg_stat_statements``), and checks that the
month's KPIs agree every way (the hand-written query's counts and backlog too). A
measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import psycopg  # noqa: E402
from postgres import running_server  # noqa: E402

from reportgen.config import load_config, parse_config  # noqa: E402
from reportgen.engine import Engine  # noqa: E402
from reportgen.engine.warehouse.pushdown import compute_all  # noqa: E402
from reportgen.engine.warehouse.sql import Span  # noqa: E402
from reportgen.kpis import scalar_values  # noqa: E402
from reportgen.months import shift  # noqa: E402

TIMEZONE = "Europe/Rome"

GENERATE = """
CREATE TABLE bench.tickets AS
SELECT CASE WHEN i % 100 = 0 THEN (i - 1)::text ELSE i::text END AS ticket_id,
       c AS created_at,
       CASE WHEN i % 10 < 9 THEN c + ((i * 37) % 2880) * interval '1 minute' END AS first_response_at,
       CASE WHEN i % 4 < 3 THEN c + ((i * 53) % 20160) * interval '1 minute' END AS resolved_at,
       (ARRAY['Billing','Shipping','Returns','Account','Bug','Feature','Other','-'])[1 + i % 8] AS category,
       (ARRAY['email','chat','phone','web','api'])[1 + (i / 7) % 5] AS channel,
       'agent' || lpad(((i * 13) % 40)::text, 2, '0') AS agent,
       (i % 5) AS replies, (i % 17 = 0)::int AS reopens
FROM (SELECT i, timestamptz '2024-01-01 00:00+00' + ((i * 7919) % 31536000) * interval '1 second' AS c
      FROM generate_series(1::bigint, {count}) AS i) g
"""


def _rows_on_server(dsn: str) -> int:
    with psycopg.connect(dsn) as con:
        row = con.execute("SELECT coalesce(sum(rows), 0) FROM pg_stat_statements WHERE query NOT ILIKE "
                          "'%%pg_stat_statements%%' AND dbid = (SELECT oid FROM pg_database "
                          "WHERE datname = current_database())").fetchone()
        return int(row[0]) if row else 0


def _reset(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("SELECT pg_stat_statements_reset()")


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


# both hand-written statements start alike: the ids that repeat, and each ticket once (the latest
# creation wins) — as `t`, not materialised
DEDUPLICATED = """
WITH d AS (SELECT ticket_id FROM bench.tickets GROUP BY ticket_id HAVING count(*) > 1),
t AS NOT MATERIALIZED (
  SELECT created_at, first_response_at, resolved_at, category, channel, agent, replies, reopens
  FROM bench.tickets AS x WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.ticket_id = x.ticket_id)
  UNION ALL
  SELECT * FROM (SELECT DISTINCT ON (ticket_id) created_at, first_response_at, resolved_at, category,
                        channel, agent, replies, reopens
                 FROM bench.tickets WHERE ticket_id IN (SELECT ticket_id FROM d)
                 ORDER BY ticket_id, created_at DESC, resolved_at DESC) AS w
),
"""


# the month's KPIs as a person would write them for this table: repeated ids de-duplicated (the
# latest creation wins), the month's rows by comparison with its bounds, one pass with FILTER and
# GROUPING SETS for the breakdowns, both percentiles from one sort, the backlog one filtered count
HAND_WRITTEN = DEDUPLICATED + """m AS (
  SELECT created_at >= '{start}' AS c,
         resolved_at >= created_at AND resolved_at >= '{start}' AND resolved_at < '{end}' AS r,
         CASE WHEN first_response_at >= created_at
              THEN extract(epoch FROM first_response_at - created_at) / 3600 END AS fr,
         CASE WHEN resolved_at >= created_at
              THEN extract(epoch FROM resolved_at - created_at) / 3600 END AS res,
         category, channel, agent, replies, reopens
  FROM t WHERE (created_at >= '{start}' AND created_at < '{end}')
            OR (resolved_at >= '{start}' AND resolved_at < '{end}')
)
SELECT GROUPING(category, channel, agent) AS g, category, channel, agent,
       count(*) FILTER (WHERE c) AS created, count(*) FILTER (WHERE r) AS resolved,
       count(fr) FILTER (WHERE c) AS fr_count, sum(fr) FILTER (WHERE c) AS fr_sum,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY fr) FILTER (WHERE c) AS fr_pct,
       count(*) FILTER (WHERE c AND fr <= 24) AS sla_met,
       sum(res) FILTER (WHERE r) AS res_sum,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res) FILTER (WHERE r) AS res_pct,
       count(*) FILTER (WHERE r AND replies <= 1 AND reopens = 0) AS fcr,
       count(*) FILTER (WHERE r AND reopens > 0) AS reopened,
       (SELECT count(*) FROM t WHERE created_at < '{end}'
          AND (resolved_at IS NULL OR resolved_at < created_at OR resolved_at >= '{end}')) AS backlog
FROM m GROUP BY GROUPING SETS ((), (category), (channel), (agent))
"""


# every month at once, as a person would write it (the floor for a first run, empty history):
# the same de-duplication, month keys by comparison with the months' boundaries (no per-row
# formatting), the breakdowns as grouping sets of ONE aggregate, both percentiles from one sort
HAND_WRITTEN_ALL = DEDUPLICATED + """m AS (
  SELECT {created_month} AS cm,
         CASE WHEN resolved_at >= created_at THEN {resolved_month} END AS rm,
         CASE WHEN first_response_at >= created_at
              THEN extract(epoch FROM first_response_at - created_at) / 3600 END AS fr,
         CASE WHEN resolved_at >= created_at
              THEN extract(epoch FROM resolved_at - created_at) / 3600 END AS res,
         category, channel, agent, replies, reopens
  FROM t
)
SELECT GROUPING(cm, rm, category, channel, agent) AS g, cm, rm, category, channel, agent,
       count(*) FILTER (WHERE cm IS NOT NULL) AS created, count(*) FILTER (WHERE rm IS NOT NULL) AS resolved,
       count(fr) FILTER (WHERE cm IS NOT NULL) AS fr_count, sum(fr) FILTER (WHERE cm IS NOT NULL) AS fr_sum,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY fr) FILTER (WHERE cm IS NOT NULL) AS fr_pct,
       count(*) FILTER (WHERE cm IS NOT NULL AND fr <= 24) AS sla_met,
       sum(res) FILTER (WHERE rm IS NOT NULL) AS res_sum,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res) FILTER (WHERE rm IS NOT NULL) AS res_pct,
       count(*) FILTER (WHERE rm IS NOT NULL AND replies <= 1 AND reopens = 0) AS fcr,
       count(*) FILTER (WHERE rm IS NOT NULL AND reopens > 0) AS reopened
FROM m GROUP BY GROUPING SETS ((cm), (rm), (cm, category), (cm, channel), (cm, agent))
"""


def _bound(month: str) -> str:
    return f"{month}-01 00:00 {TIMEZONE}"


def _timed(function: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def measure(count: int, month: str, workdir: Path, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"tickets": count}
    with running_server() as server:
        dsn = server.dsn()
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute("CREATE SCHEMA bench")
            con.execute(GENERATE.format(count=count))
            con.execute("ANALYZE bench.tickets")
        out["load_seconds"] = round(time.perf_counter() - started, 2)
        config = parse_config(f'report: {{timezone: "{TIMEZONE}"}}\nsources:\n'
                              f'  tickets: {{warehouse: "{server.url()}", table: bench.tickets}}\n')
        csv_path = workdir / f"tickets-{count}.csv"
        project = workdir / "pull.yaml"
        # the file engine's default memory_limit is for laptops; give it room at 10M rows
        project.write_text(f'report: {{timezone: "{TIMEZONE}"}}\nengine: {{memory_limit: "4GB"}}\nsources:\n'
                           f'  tickets: {{path: "{csv_path}"}}\n', encoding="utf-8")

        def monthly() -> Any:
            return compute_all(config, Span(month, month, TIMEZONE))

        def first_run() -> Any:
            return compute_all(config)

        def hand() -> Any:
            sql = HAND_WRITTEN.format(start=_bound(month), end=_bound(shift(month, 1)))
            with psycopg.connect(dsn) as con:
                return con.execute(sql).fetchall()

        def hand_all() -> Any:
            # the generated data's months (2024-01 … 2025-01 with the resolutions), keys by comparison
            months = Span("2024-01", "2025-02", TIMEZONE)
            sql = HAND_WRITTEN_ALL.format(created_month=months.month("created_at"),
                                          resolved_month=months.month("resolved_at"))
            with psycopg.connect(dsn) as con:
                return con.execute(sql).fetchall()

        def pull() -> Any:
            with psycopg.connect(dsn) as con, csv_path.open("wb") as handle, con.cursor().copy(
                    "COPY (SELECT ticket_id, created_at, first_response_at, resolved_at, category, channel, "
                    "agent, replies, reopens FROM bench.tickets) TO STDOUT (FORMAT csv, HEADER)") as copy:
                for chunk in copy:
                    handle.write(chunk)
            return Engine(load_config(project)).run()

        runs = {"monthly": monthly, "hand_written": hand, "first_run": first_run,
                "hand_written_all": hand_all, "pull": pull}
        seconds: dict[str, list[float]] = {name: [] for name in runs}
        values: dict[str, Any] = {}
        for _ in range(repeat):  # in turn, so a busy machine slows every way alike
            for name, function in runs.items():
                _reset(dsn)
                elapsed, values[name] = _timed(function)
                seconds[name].append(elapsed)
                if name == "monthly":
                    out["monthly_rows_returned_server"] = _rows_on_server(dsn)
        for name, measured in seconds.items():
            out[f"{name}_seconds"] = round(min(measured), 2)
        print(json.dumps({"seconds": seconds}), flush=True)
        out["monthly_rows_returned_driver"] = values["monthly"].results["tickets"].rows_fetched
        out["pull_rows_returned"] = count
        csv_path.unlink(missing_ok=True)
    local = scalar_values(values["pull"].months[month])
    out["same_kpis"] = all(_close(scalar_values(run.months[month])[k], local[k])
                           for run in (values["monthly"], values["first_run"]) for k in local)
    total = next(row for row in values["hand_written"] if row[0] == 7)
    measures = values["pull"].months[month].scalars
    out["hand_written_agrees"] = (int(total[4]) == measures["tickets_created"]
                                  and int(total[-1]) == measures["backlog_open"])
    # against the first run: of two rows sharing an id both keep the latest creation, where a file
    # keeps the last row read (a pair straddling a month's end then counts in the other month)
    created = {row[1]: int(row[6]) for row in values["hand_written_all"] if row[0] == 0b01111}
    first = values["first_run"].months
    out["hand_written_all_agrees"] = all(created.get(month, 0) == measured.scalars["tickets_created"]
                                         for month, measured in first.items())
    out["monthly_vs_hand_written"] = round(out["monthly_seconds"] / out["hand_written_seconds"], 2)
    out["monthly_vs_pull"] = round(out["monthly_seconds"] / out["pull_seconds"], 2)
    out["first_run_vs_pull"] = round(out["first_run_seconds"] / out["pull_seconds"], 2)
    out["hand_written_all_vs_pull"] = round(out["hand_written_all_seconds"] / out["pull_seconds"], 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--month", default="2024-06")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="reportgen-wh-bench-") as workdir:
        for count in args.tickets:
            result = measure(count, args.month, Path(workdir), args.repeat)
            results.append(result)
            print(json.dumps(result), flush=True)
    print(f"\n{'tickets':>10} {'monthly':>8} {'hand':>8} {'first':>8} {'hand_all':>8} {'pull':>8} "
          f"{'mon/hand':>9} {'mon/pull':>9} {'first/pull':>10} {'hand_all/pull':>13}  "
          f"(seconds, minimum of {args.repeat})")
    for r in results:
        print(f"{r['tickets']:>10,} {r['monthly_seconds']:8.2f} {r['hand_written_seconds']:8.2f} "
              f"{r['first_run_seconds']:8.2f} {r['hand_written_all_seconds']:8.2f} {r['pull_seconds']:8.2f} "
              f"{r['monthly_vs_hand_written']:9.2f} {r['monthly_vs_pull']:9.2f} "
              f"{r['first_run_vs_pull']:10.2f} {r['hand_written_all_vs_pull']:13.2f}")
    return 0 if all(r["same_kpis"] and r["hand_written_agrees"] and r["hand_written_all_agrees"]
                    for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
