"""Scale curve: `reportgen kpis` and `reportgen build` at 100k and 1M tickets (5M, 10M with --big).

    python benchmarks/scale.py [--big] [--points 100000,1000000] [--months 12]

For each point: generate the data (cached under the system temp dir, surveys = tickets / 5,
12 months), then time one `kpis` and one `build` from an empty history; prints wall time
and peak memory per point and the time per million tickets (linear growth keeps it flat;
DuckDB spills beyond memory_limit, so peak memory should stay flat too).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as kpis_bench  # noqa: E402  (a sibling script, not a package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", action="store_true", help="add the 5M and 10M ticket points")
    parser.add_argument("--points", default="100000,1000000", help="ticket counts, comma-separated")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    points = [int(p) for p in args.points.split(",")] + ([5_000_000, 10_000_000] if args.big else [])
    print(kpis_bench.compile_package())
    print(f"{'tickets':>10} {'command':<7} {'seconds':>8} {'peak MiB':>9} {'s per 1M':>9}")
    for tickets in points:
        data = argparse.Namespace(tickets=tickets, surveys=tickets // 5, months=args.months,
                                  month=args.month, seed=args.seed, no_multiline=False)
        folder = (Path(tempfile.gettempdir()) / (
            f"reportgen-bench-v{kpis_bench.generate.GENERATOR_VERSION}-{tickets}t-{tickets // 5}s-"
            f"{args.months}m-{args.month}-seed{args.seed}")).resolve()
        kpis_bench.ensure_data(folder, data)
        config = str(folder / "config.yaml")
        commands = {
            "kpis": ["kpis", "--config", config, "--month", args.month, "--format", "json", "--no-cache"],
            "build": ["build", "--config", config, "--month", args.month,
                      "--no-cache", "--out", str(folder / "out-scale.xlsx")],
        }
        for name, command in commands.items():
            kpis_bench.forget_history(folder)
            result = kpis_bench.measure([*kpis_bench.reportgen_command(), *command], folder)
            if result.returncode != 0:
                print(f"{name} failed at {tickets:,} tickets:\n{result.stderr.strip()[-2000:]}")
                return 2
            print(f"{tickets:>10,} {name:<7} {result.seconds:8.2f} {result.peak_mib:9.1f} "
                  f"{result.seconds / tickets * 1e6:9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
