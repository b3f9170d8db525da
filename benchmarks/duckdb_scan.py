"""The floor: DuckDB scanning the same CSV files once, typing every value (no KPI rules).

    python benchmarks/duckdb_scan.py --config C

Reads each dataset's files with DuckDB's CSV reader (its default, parallel where it
can), casts every timestamp to TIMESTAMPTZ and every number to DOUBLE, and counts the
parsed values: the least work any engine reading these files must do. Prints JSON counts.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path

import duckdb
import yaml

TYPED = {
    "tickets": {"created_at": "TIMESTAMPTZ", "first_response_at": "TIMESTAMPTZ",
                "resolved_at": "TIMESTAMPTZ", "replies": "DOUBLE", "reopens": "DOUBLE"},
    "surveys": {"submitted_at": "TIMESTAMPTZ", "score": "DOUBLE"},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    zone = (config.get("report") or {}).get("timezone", "UTC")
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    out = {}
    for dataset, typed in TYPED.items():
        source = config["sources"].get(dataset)
        if not source:
            continue
        files = sorted(glob.glob(str(args.config.parent / source["path"])))
        counts = ", ".join(f"count(try_cast({column} AS {kind}))" for column, kind in typed.items())
        row = con.execute(f"SELECT count(*), {counts} FROM read_csv({files!r}, header=true, all_varchar=true)"
                          ).fetchone()
        out[dataset] = list(row) if row else []
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
