"""Warehouse push-down benchmark: the month's KPIs computed inside PostgreSQL vs pulling the rows.

    python benchmarks/warehouse.py [--tickets 1000000 10000000] [--month 2024-06]

For each size, a throwaway PostgreSQL 15 cluster (tests/postgres.py) gets that many
tickets, generated in SQL with ``generate_series`` (12 months, 8 categories, 5
channels, 40 agents, ~1 % duplicates). Then, each timed end to end including the
connection:

* push-down: ``reportgen.engine.warehouse.pushdown.compute_all`` + the month's KPIs
  (what ``reportgen kpis`` does for a warehouse source);
* pull: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` of every row to a local CSV,
  then the file engine on it (what a tool without push-down must do).

It reports wall times, rows returned to reportgen (the driver's count and the
server's, from ``pg_stat_statements``), bytes of SQL sent and bytes received,
and checks both ways give the same KPIs. A measurement, not a test.
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
from reportgen.kpis import scalar_values  # noqa: E402

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


def measure(count: int, month: str, workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"tickets": count}
    with running_server() as server:
        dsn = server.dsn()
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute("CREATE SCHEMA bench")
            con.execute(GENERATE.format(count=count))
            con.execute("ANALYZE bench.tickets")
        out["load_seconds"] = round(time.perf_counter() - started, 2)

        # push-down
        config = parse_config('report: {timezone: "Europe/Rome"}\nsources:\n'
                              f'  tickets: {{warehouse: "{server.url()}", table: bench.tickets}}\n')
        _reset(dsn)
        started = time.perf_counter()
        run = compute_all(config)
        pushed = scalar_values(run.months[month])
        out["pushdown_seconds"] = round(time.perf_counter() - started, 2)
        result = run.results["tickets"]
        out["pushdown_rows_returned_driver"] = result.rows_fetched
        out["pushdown_rows_returned_server"] = _rows_on_server(dsn)
        out["pushdown_sql_bytes_sent"] = sum(len(s.encode()) for s in result.statements)
        print(json.dumps({"partial": out}), flush=True)

        # pull every row, then compute locally
        csv_path = workdir / f"tickets-{count}.csv"
        _reset(dsn)
        started = time.perf_counter()
        received = 0
        with psycopg.connect(dsn) as con, csv_path.open("wb") as handle, con.cursor().copy(
                "COPY (SELECT ticket_id, created_at, first_response_at, resolved_at, category, channel, "
                "agent, replies, reopens FROM bench.tickets) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                handle.write(chunk)
                received += len(chunk)
        pulled_seconds = time.perf_counter() - started
        project = workdir / "pull.yaml"
        # the file engine's default memory_limit (320MB) is for laptops; give it room at 10M rows
        project.write_text('report: {timezone: "Europe/Rome"}\nengine: {memory_limit: "4GB"}\nsources:\n'
                           f'  tickets: {{path: "{csv_path}"}}\n', encoding="utf-8")
        local = Engine(load_config(project)).run()
        out["pull_seconds"] = round(time.perf_counter() - started, 2)
        out["pull_transfer_seconds"] = round(pulled_seconds, 2)
        out["pull_rows_returned"] = count
        out["pull_bytes_received"] = received
        local_kpis = scalar_values(local.months[month])
        csv_path.unlink()
    out["same_kpis"] = all(_close(pushed[k], local_kpis[k]) for k in pushed)
    out["speedup"] = round(out["pull_seconds"] / out["pushdown_seconds"], 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--month", default="2024-06")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="reportgen-wh-bench-") as workdir:
        for count in args.tickets:
            result = measure(count, args.month, Path(workdir))
            results.append(result)
            print(json.dumps(result), flush=True)
    return 0 if all(r["same_kpis"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
