"""Every performance figure of the README in one command.

    python benchmarks/all.py [--quick]

1. ``run.py --points 1000000,5000000,10000000``: ``kpis`` (cold, and repeated on the same
   inputs) against DuckDB's typed scan, and at 1M the plain and the same-rules pandas
   scripts; ratios of the same run, the scale curve and peak memory;
2. ``build.py``: ``build`` of 12 months from an empty history against pandas + openpyxl.

Each takes the minimum of 3 interleaved runs. ``--quick``: 100k and 1M tickets only.
Generating the 5M and 10M data sets the first time takes several minutes (cached after).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build  # noqa: E402  (sibling scripts)
import run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k and 1M tickets only")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    points = "100000,1000000" if args.quick else "1000000,5000000,10000000"
    print(f"== kpis: {points} tickets ==", flush=True)
    # the pandas scripts at 1M only: beyond, each run takes minutes (and the same-rules one GiBs)
    status = run.main(["--points", points, "--repeat", str(args.repeat), "--plain-max", "1000000"])
    if status == 2:
        return status
    print("\n== build: 1M tickets over 12 months ==", flush=True)
    return build.main(["--repeat", str(args.repeat)]) or status


if __name__ == "__main__":
    sys.exit(main())
