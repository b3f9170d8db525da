"""The performance benchmark: reportgen against a plain pandas script and DuckDB's typed scan.

    python benchmarks/run.py [--tickets 1000000] [--surveys 200000] [--repeat 3] [--keep DIR]

Generates the data (cached), then runs ``reportgen kpis --format json``,
``benchmarks/pandas_baseline.py`` and ``benchmarks/duckdb_scan.py`` (the floor) as
child processes, interleaved, ``--repeat``
times each. Reports the median wall time and the peak resident memory of each,
checks that both compute the same KPIs, and prints the targets with PASS/FAIL.

Exit status: 0 after a completed benchmark whatever the timings (it is a
measurement, not a test); 1 when the two outputs disagree; 2 when a tool fails.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (a sibling script, not a package)

TIME_RATIO_TARGET = 0.7  # × the plain pandas script
SCAN_RATIO_TARGET = 2.0  # × DuckDB's typed scan of the same files (the floor)
PEAK_MIB_TARGET = 350.0
REL_TOL = 1e-6
ABS_TOL = 1e-9


@dataclass
class Run:
    """One measured child process."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Tool:
    """A contender: its command line and its measured runs."""

    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak(self) -> float:
        return max(r.peak_mib for r in self.runs)


def measure(command: list[str], cwd: Path) -> Run:
    """Run ``command``; wall time and peak RSS of that child alone (``wait4`` on its pid).

    ``wait4`` returns the resource usage of exactly this child (including any
    descendants it waited for), so runs never mix, unlike RUSAGE_CHILDREN deltas.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux (bytes on macOS)
        scale = 1024 * 1024 if sys.platform == "darwin" else 1024
        if usage.ru_maxrss <= resource.getrusage(resource.RUSAGE_SELF).ru_maxrss:
            print("  warning: this process is larger than the child; its peak memory is hidden",
                  file=sys.stderr)
        return Run(seconds, usage.ru_maxrss / scale, process.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def reportgen_command() -> list[str]:
    """The ``reportgen`` console script of this Python (no pyenv shim in between), else ``-m``."""
    beside = Path(sys.executable).with_name("reportgen")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("reportgen")
    return [found] if found else [sys.executable, "-m", "reportgen"]


def ensure_data(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Reuse ``folder`` when its manifest matches the parameters, else generate into it."""
    wanted = {"version": generate.GENERATOR_VERSION, "tickets": args.tickets, "surveys": args.surveys,
              "months": args.months, "end_month": args.month, "seed": args.seed,
              "multiline": not args.no_multiline}
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(k) == v for k, v in wanted.items()):
            print(f"data: reusing {folder} ({manifest['ticket_rows']:,} ticket rows, "
                  f"{manifest['survey_rows']:,} survey rows)")
            return manifest
    print(f"data: generating {args.tickets:,} tickets and {args.surveys:,} surveys over "
          f"{args.months} month(s) into {folder} …", flush=True)
    # in a child process: the generator's memory must not stay in this process, because a
    # child's ru_maxrss starts from its parent's high-water mark at fork (Linux keeps it
    # across exec), which would hide the contenders' real peaks
    command = [sys.executable, str(HERE / "generate.py"), str(folder), "--tickets", str(args.tickets),
               "--surveys", str(args.surveys), "--months", str(args.months), "--end-month", args.month,
               "--seed", str(args.seed), *(["--no-multiline"] if args.no_multiline else [])]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    print(f"data: generated in {manifest['seconds']:.1f} s")
    return manifest


# ---- comparing outputs --------------------------------------------------------------

def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return bool(a == b)


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Every difference between the reportgen and pandas documents, as readable lines."""
    problems: list[str] = []
    kpis_a, kpis_b = ours.get("kpis", {}), theirs.get("kpis", {})
    for key in sorted(set(kpis_a) | set(kpis_b)):
        if key not in kpis_a or key not in kpis_b:
            problems.append(f"kpis.{key}: only in {'reportgen' if key in kpis_a else 'pandas'}")
        elif not same(kpis_a[key], kpis_b[key]):
            problems.append(f"kpis.{key}: reportgen {kpis_a[key]!r} vs pandas {kpis_b[key]!r}")
    maps_a, maps_b = ours.get("breakdowns", {}), theirs.get("breakdowns", {})
    for name in sorted(set(maps_a) | set(maps_b)):
        a, b = maps_a.get(name, {}), maps_b.get(name, {})
        for key in sorted(set(a) | set(b)):
            if not same(a.get(key), b.get(key)):
                problems.append(f"breakdowns.{name}[{key!r}]: "
                                f"reportgen {a.get(key)!r} vs pandas {b.get(key)!r}")
    quality_a, quality_b = ours.get("data_quality", {}), theirs.get("data_quality", {})
    for dataset in ("tickets", "surveys", "business"):
        a, b = quality_a.get(dataset, {}), quality_b.get(dataset, {})
        for key in ("rows_read", "rows_used", "duplicates", "excluded", "values_discarded"):
            if key in a and key in b and a[key] != b[key]:
                problems.append(f"data_quality.{dataset}.{key}: reportgen {a[key]!r} vs pandas {b[key]!r}")
    return problems


# ---- the benchmark ------------------------------------------------------------------------

def versions() -> str:
    found = []
    for module in ("duckdb", "pandas", "numpy"):
        try:
            found.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            found.append(f"{module} (not installed)")
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=1, help="months of data ending with --month")
    parser.add_argument("--month", default="2026-10", help="the report month")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool (median taken)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the generated data (kept and reused); default: a cache "
                             "folder under the system temp dir")
    parser.add_argument("--no-multiline", action="store_true",
                        help="generate no survey comment that spans two lines")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")

    folder = args.keep or Path(tempfile.gettempdir()) / (
        f"reportgen-bench-v{generate.GENERATOR_VERSION}-{args.tickets}t-{args.surveys}s-"
        f"{args.months}m-{args.month}-seed{args.seed}{'-plain' if args.no_multiline else ''}")
    manifest = ensure_data(folder.resolve(), args)
    folder = folder.resolve()
    config = folder / "config.yaml"
    tools = [
        Tool("reportgen", [*reportgen_command(), "kpis", "--config", str(config), "--month", args.month,
                           "--format", "json"]),
        Tool("pandas", [sys.executable, str(HERE / "pandas_baseline.py"), "--config", str(config),
                        "--month", args.month]),
        Tool("duckdb", [sys.executable, str(HERE / "duckdb_scan.py"), "--config", str(config)]),
    ]
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {versions()}")
    for tool in tools:
        print(f"{tool.name}: {' '.join(tool.command)}")
    for index in range(args.repeat):
        order = tools if index % 2 == 0 else tools[::-1]  # interleaved, alternating who goes first
        for tool in order:
            for stale in folder.glob("history.duckdb*"):  # every reportgen run starts from no history
                stale.unlink()
            run = measure(tool.command, folder)
            tool.runs.append(run)
            print(f"  run {index + 1}/{args.repeat} {tool.name:<9} {run.seconds:7.2f} s "
                  f"{run.peak_mib:8.1f} MiB" + ("" if run.returncode == 0 else f"  exit {run.returncode}"),
                  flush=True)
            if run.returncode != 0:
                print(f"\n{tool.name} failed (exit {run.returncode}):\n{run.stderr.strip()[-3000:]}")
                return 2

    ours, theirs = (json.loads(tool.runs[-1].stdout) for tool in tools[:2])
    problems = compare(ours, theirs)
    reportgen, pandas, scan = tools
    ratio = reportgen.median / pandas.median
    scan_ratio = reportgen.median / scan.median
    print()
    print(f"{manifest['ticket_rows']:,} ticket rows, {manifest['survey_rows']:,} survey rows, "
          f"month {args.month}, {args.repeat} run(s) each")
    print(f"{'tool':<10} {'median s':>9} {'runs (s)':<26} {'peak MiB':>9} {'vs pandas':>10} "
          f"{'vs scan':>8}")
    for tool in tools:
        runs = " ".join(f"{r.seconds:.2f}" for r in tool.runs)
        print(f"{tool.name:<10} {tool.median:9.2f} {runs:<26} {tool.peak:9.1f} "
              f"{tool.median / pandas.median:9.2f}× {tool.median / scan.median:7.2f}×")
    time_ok = ratio <= TIME_RATIO_TARGET
    scan_ok = scan_ratio <= SCAN_RATIO_TARGET
    peak_ok = reportgen.peak <= PEAK_MIB_TARGET
    print()
    print(f"target  reportgen time ≤ {TIME_RATIO_TARGET:.2f} × pandas   {ratio:.2f}×      "
          f"{'PASS' if time_ok else 'FAIL'}")
    print(f"target  reportgen time ≤ {SCAN_RATIO_TARGET:.2f} × DuckDB typed scan   {scan_ratio:.2f}×      "
          f"{'PASS' if scan_ok else 'FAIL'}")
    print(f"target  reportgen peak ≤ {PEAK_MIB_TARGET:.0f} MiB        {reportgen.peak:.0f} MiB   "
          f"{'PASS' if peak_ok else 'FAIL'}")
    scalar_count = len(ours.get("kpis", {}))
    if problems:
        print(f"\noutputs DISAGREE ({len(problems)} difference(s), rel tol {REL_TOL:g}):")
        for line in problems[:60]:
            print(f"  {line}")
        if len(problems) > 60:
            print(f"  … and {len(problems) - 60} more")
    else:
        print(f"\noutputs agree: {scalar_count} scalar KPIs, every breakdown and the data-quality "
              f"counts (rel tol {REL_TOL:g})")
    if args.json:
        args.json.write_text(json.dumps({
            "data": manifest, "month": args.month, "repeat": args.repeat,
            "tools": {t.name: {"median_seconds": t.median, "peak_mib": t.peak,
                               "runs": [{"seconds": r.seconds, "peak_mib": r.peak_mib} for r in t.runs]}
                      for t in tools},
            "time_ratio": ratio, "time_ok": time_ok,
            "scan_ratio": scan_ratio, "scan_ok": scan_ok, "peak_ok": peak_ok, "differences": problems,
        }, indent=2) + "\n", encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
