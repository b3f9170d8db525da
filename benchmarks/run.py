"""The performance benchmark: reportgen against pandas scripts and DuckDB's typed scan.

    python benchmarks/run.py [--points 1000000,5000000,10000000] [--repeat 3] [--months 1]

For each point (tickets; surveys = tickets / 5): generates the data (cached), then
runs, as child processes, interleaved, ``--repeat`` times each:

* ``reportgen kpis --format json --no-cache`` (a cold run, from no history);
* ``reportgen kpis`` again on the same inputs (the cron's second command: the cached
  engine result; its history, a file of its own, is kept between these runs, as in a real
  project);
* ``pandas_baseline.py``: pandas with reportgen's rules (same JSON; compared, exit 1 when
  the two disagree) — only up to ``--same-max`` tickets (it needs several GiB beyond);
* ``pandas_plain.py``: the script a user writes (``read_csv`` + ``parse_dates`` + groupbys);
* ``duckdb_scan.py``: DuckDB reading the same CSVs once, typing every value (the floor).

reportgen's modules are compiled to bytecode first (``compile_package``), as installing
a wheel does. Reports the minimum (and median) wall time and the peak resident memory of each, the
ratios of one run, the scale curve over the points and the targets.

Exit status: 0 after a completed benchmark whatever the timings (it is a
measurement, not a test); 1 when reportgen and the same-rules pandas disagree; 2 when a
tool fails.
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

PLAIN_RATIO_TARGET = 0.7  # × the plain pandas script a user writes
SCAN_RATIO_TARGET = {1_000_000: 2.5}  # × DuckDB's typed scan of the same files (the floor) …
SCAN_RATIO_TARGET_BIG = 3.0  # … beyond 1M tickets
CACHED_RATIO_TARGET = 1.0  # × the scan: the repeated command on unchanged inputs
PEAK_MIB_TARGET = 1024.0
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
    cpu: float = 0.0  # user + system seconds of the child (and what it waited for)


@dataclass
class Tool:
    """A contender: its command line and its measured runs."""

    name: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)

    keep_history: bool = False  # a repeated command: the history of the run before stays

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def best(self) -> float:
        """The minimum: the run the machine disturbed least (these machines are shared)."""
        return min(r.seconds for r in self.runs)

    @property
    def best_cpu(self) -> float:
        """The least CPU seconds of a run: on a loaded machine, the work itself."""
        return min(r.cpu for r in self.runs)

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
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   usage.ru_utime + usage.ru_stime)


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
    """The libraries' versions, read from their metadata: importing them (pandas: ~80 MiB) would
    raise this process's peak memory above the contenders' and hide theirs."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("duckdb", "pandas", "numpy"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} (not installed)")
    return ", ".join(found)


def compile_package() -> str:
    """Compile reportgen's modules to bytecode before anything is timed, as ``pip install`` of a
    wheel does; a checkout run with PYTHONDONTWRITEBYTECODE (or a read-only one) would
    otherwise recompile every module in every timed run. Returns a line saying what was done."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("reportgen")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        return "bytecode: reportgen not found"
    done = all(compileall.compile_dir(folder, quiet=1) for folder in folders)
    return (f"bytecode: reportgen's modules compiled first ({', '.join(folders)}), as an install does"
            if done else "bytecode: could not compile reportgen's modules; timings include compiling")


def again_config(config: Path) -> Path:
    """The config of the repeated command: the same sources with a history (and its cache) of
    its own, so the cold runs between its runs never change the history it finds (as in a cron:
    build, then email, then publish, nothing else writing that history in between)."""
    text = config.read_text(encoding="utf-8")
    again = text.replace('path: "history.duckdb"', 'path: "history-again.duckdb"')
    if again == text:
        raise SystemExit(f"{config}: no history path to replace")
    target = config.with_name("config-again.yaml")
    if not target.exists() or target.read_text(encoding="utf-8") != again:
        target.write_text(again, encoding="utf-8")
    return target


def data_folder(tickets: int, surveys: int, months: int, month: str, seed: int, plain: bool) -> Path:
    """The cache folder of one data set (shared by every benchmark script)."""
    return (Path(tempfile.gettempdir()) / (
        f"reportgen-bench-v{generate.GENERATOR_VERSION}-{tickets}t-{surveys}s-"
        f"{months}m-{month}-seed{seed}{'-plain' if plain else ''}")).resolve()


def forget_history(folder: Path) -> None:
    """No history (and no kept engine result): every cold run starts as a new project's."""
    for stale in [*folder.glob("history.duckdb*"), *folder.glob("history-again.duckdb*")]:
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()


def scan_target(tickets: int) -> float:
    return SCAN_RATIO_TARGET.get(tickets, SCAN_RATIO_TARGET_BIG if tickets > 1_000_000 else 2.5)


def bench_point(args: argparse.Namespace, tickets: int, surveys: int) -> dict[str, Any] | None:
    """Every contender at one data size; None when a tool failed."""
    data = argparse.Namespace(tickets=tickets, surveys=surveys, months=args.months, month=args.month,
                              seed=args.seed, no_multiline=args.no_multiline)
    folder = args.keep or data_folder(tickets, surveys, args.months, args.month, args.seed,
                                      args.no_multiline)
    manifest = ensure_data(folder.resolve(), data)
    folder = folder.resolve()
    config = folder / "config.yaml"
    kpis = [*reportgen_command(), "kpis", "--config", str(config), "--month", args.month, "--format", "json"]
    at = kpis.index("--config") + 1
    repeated = [*kpis[:at], str(again_config(config)), *kpis[at + 1:]]
    tools = [
        Tool("reportgen", [*kpis, "--no-cache"]),
        Tool("reportgen again", repeated, keep_history=True),
        Tool("duckdb scan", [sys.executable, str(HERE / "duckdb_scan.py"), "--config", str(config)]),
    ]
    if tickets <= args.plain_max:
        tools.insert(2, Tool("pandas plain", [sys.executable, str(HERE / "pandas_plain.py"), "--config",
                                              str(config), "--month", args.month]))
    if tickets <= args.same_max:
        tools.insert(2, Tool("pandas rules", [sys.executable, str(HERE / "pandas_baseline.py"), "--config",
                                              str(config), "--month", args.month]))
    forget_history(folder)  # the repeated command's first run (not timed) keeps its result
    if measure(repeated, folder).returncode != 0:
        print("reportgen failed on its first run")
        return None
    for index in range(args.repeat):
        order = tools if index % 2 == 0 else tools[::-1]  # interleaved, alternating who goes first
        for tool in order:
            if not tool.keep_history:  # (the repeated command's history is another file)
                for stale in folder.glob("history.duckdb*"):
                    if stale.is_file():
                        stale.unlink()  # the kept engine result (a folder) stays for "again"
            run = measure(tool.command, folder)
            tool.runs.append(run)
            print(f"  {tickets:>10,} run {index + 1}/{args.repeat} {tool.name:<15} {run.seconds:7.2f} s "
                  f"{run.peak_mib:8.1f} MiB" + ("" if run.returncode == 0 else f"  exit {run.returncode}"),
                  flush=True)
            if run.returncode != 0:
                print(f"\n{tool.name} failed (exit {run.returncode}):\n{run.stderr.strip()[-3000:]}")
                return None
    forget_history(folder)

    by_name = {tool.name: tool for tool in tools}
    reportgen, again, scan = (by_name[name] for name in ("reportgen", "reportgen again", "duckdb scan"))
    plain = by_name.get("pandas plain")
    problems: list[str] = []
    if "pandas rules" in by_name:
        problems = compare(json.loads(reportgen.runs[-1].stdout),
                           json.loads(by_name["pandas rules"].runs[-1].stdout))
    # DuckDB's parallel sums may differ in the last bits from run to run: compared with tolerance
    problems += [f"repeated run: {line}" for line in compare(json.loads(again.runs[-1].stdout),
                                                             json.loads(reportgen.runs[-1].stdout))]
    print()
    print(f"{manifest['ticket_rows']:,} ticket rows, {manifest['survey_rows']:,} survey rows, "
          f"{args.months} month(s) to {args.month}, {args.repeat} run(s) each")
    print(f"{'tool':<16} {'min s':>7} {'median s':>9} {'peak MiB':>9} {'vs scan':>8} {'vs plain':>9} "
          f"{'min cpu s':>10} {'cpu vs scan':>12}")
    for tool in tools:
        versus_plain = f"{tool.best / plain.best:8.2f}×" if plain else f"{'-':>9}"
        print(f"{tool.name:<16} {tool.best:7.2f} {tool.median:9.2f} {tool.peak:9.1f} "
              f"{tool.best / scan.best:7.2f}× {versus_plain} "
              f"{tool.best_cpu:10.2f} {tool.best_cpu / scan.best_cpu:11.2f}×")
    scan_ratio = reportgen.best / scan.best
    again_ratio = again.best / scan.best
    targets = [
        (f"kpis ≤ {scan_target(tickets):.1f} × the typed scan", f"{scan_ratio:.2f}×",
         scan_ratio <= scan_target(tickets)),
    ]
    if plain:
        plain_ratio = reportgen.best / plain.best
        targets.append((f"kpis ≤ {PLAIN_RATIO_TARGET:.1f} × the plain pandas script", f"{plain_ratio:.2f}×",
                        plain_ratio <= PLAIN_RATIO_TARGET))
    targets += [
        (f"repeated kpis ≤ {CACHED_RATIO_TARGET:.1f} × the scan", f"{again_ratio:.2f}×",
         again_ratio <= CACHED_RATIO_TARGET),
        (f"kpis peak ≤ {PEAK_MIB_TARGET:.0f} MiB", f"{reportgen.peak:.0f} MiB",
         reportgen.peak <= PEAK_MIB_TARGET),
    ]
    for text, value, ok in targets:
        print(f"target  {text:<44} {value:>9}  {'PASS' if ok else 'FAIL'}")
    if problems:
        print(f"\noutputs DISAGREE ({len(problems)} difference(s), rel tol {REL_TOL:g}):")
        for line in problems[:60]:
            print(f"  {line}")
    elif "pandas rules" in by_name:
        print(f"\noutputs agree with the same-rules pandas script (rel tol {REL_TOL:g})")
    print()
    return {"tickets": tickets, "surveys": surveys, "data": manifest, "problems": problems,
            "targets": [{"target": t, "value": v, "ok": ok} for t, v, ok in targets],
            "tools": {t.name: {"min_seconds": t.best, "median_seconds": t.median, "peak_mib": t.peak,
                               "min_cpu_seconds": t.best_cpu,
                               "runs": [{"seconds": r.seconds, "peak_mib": r.peak_mib} for r in t.runs]}
                      for t in tools}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", default="1000000",
                        help="ticket counts, comma-separated (surveys: a fifth of each)")
    parser.add_argument("--tickets", type=int, default=None, help="one point (with --surveys)")
    parser.add_argument("--surveys", type=int, default=None)
    parser.add_argument("--months", type=int, default=1, help="months of data ending with --month")
    parser.add_argument("--month", default="2026-10", help="the report month")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool (the minimum is taken)")
    parser.add_argument("--same-max", type=int, default=1_000_000,
                        help="run the same-rules pandas script up to this many tickets")
    parser.add_argument("--plain-max", type=int, default=10_000_000,
                        help="run the plain pandas script up to this many tickets")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the generated data of a single point (kept and reused)")
    parser.add_argument("--no-multiline", action="store_true",
                        help="generate no survey comment that spans two lines")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")
    if args.tickets is not None:
        points = [(args.tickets, args.surveys if args.surveys is not None else args.tickets // 5)]
    else:
        points = [(int(p), int(p) // 5) for p in args.points.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {versions()}")
    print(compile_package())
    results = []
    for tickets, surveys in points:
        result = bench_point(args, tickets, surveys)
        if result is None:
            return 2
        results.append(result)
    print("scale curve (minimum wall seconds; ratios of the same run)")
    print(f"{'tickets':>11} {'kpis s':>7} {'scan s':>7} {'vs scan':>8} {'plain s':>8} {'vs plain':>9} "
          f"{'again s':>8} {'kpis peak MiB':>14} {'cpu vs scan':>12}")
    for result in results:
        tools = result["tools"]
        ours, scan, plain = tools["reportgen"], tools["duckdb scan"], tools.get("pandas plain")
        again = tools["reportgen again"]
        versus = (f"{plain['min_seconds']:8.2f} {ours['min_seconds'] / plain['min_seconds']:8.2f}×"
                  if plain else f"{'-':>8} {'-':>9}")
        print(f"{result['tickets']:>11,} {ours['min_seconds']:7.2f} {scan['min_seconds']:7.2f} "
              f"{ours['min_seconds'] / scan['min_seconds']:7.2f}× {versus} {again['min_seconds']:8.2f} "
              f"{ours['peak_mib']:14.0f} {ours['min_cpu_seconds'] / scan['min_cpu_seconds']:11.2f}×")
    if args.json:
        args.json.write_text(json.dumps({"month": args.month, "repeat": args.repeat, "points": results},
                                        indent=2) + "\n", encoding="utf-8")
    return 1 if any(result["problems"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
