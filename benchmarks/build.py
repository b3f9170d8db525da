"""The build benchmark: `reportgen build` against pandas + an openpyxl writer, one command.

    python benchmarks/build.py [--tickets 1000000] [--surveys 200000] [--months 12] [--repeat 3]

Generates 12 months of data (cached; the tickets are spread over the months),
then times, interleaved, as child processes (the minimum of ``--repeat`` runs is the result):

* ``reportgen build --no-cache`` end to end (from no history: reads, computes every month,
  fills history, writes the workbook);
* ``pandas_openpyxl_build.py``: pandas computes the same window's KPIs and
  openpyxl writes the same report model (pickled before timing starts).

It also times the two writers alone, in this process, on the same model:
reportgen's xlsxwriter renderer against ``openpyxl_writer.py``. Ratios, not
absolute times, are the result: the machines are noisy.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as kpis_bench  # noqa: E402  (sibling script: data cache, measuring, reportgen path)

BUILD_RATIO_TARGET = 0.2


def time_writers(model_path: Path, folder: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each writer on the same model."""
    from openpyxl_writer import write_openpyxl

    from reportgen.render.xlsx import write_xlsx

    report, currency = pickle.loads(model_path.read_bytes())
    writers = {"xlsxwriter (reportgen)": write_xlsx, "openpyxl": write_openpyxl}
    seconds: dict[str, list[float]] = {name: [] for name in writers}
    for index in range(repeat):
        order = list(writers.items()) if index % 2 == 0 else list(writers.items())[::-1]
        for name, writer in order:
            started = time.perf_counter()
            writer(report, folder / f"writer-{name.split()[0]}.xlsx", currency)
            seconds[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in seconds.items()}


def write_model(config_path: Path, month: str, model_path: Path) -> None:
    # imported here, not at the top: the measuring process stays small
    from reportgen.api import compute_month
    from reportgen.config import load_config
    from reportgen.report import build_report

    config = load_config(config_path)
    model_path.write_bytes(pickle.dumps((build_report(compute_month(config, month)),
                                         config.report.currency)))


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--write-model"]:
        write_model(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--no-multiline", action="store_true")
    args = parser.parse_args(argv)

    folder = (args.keep or Path(tempfile.gettempdir()) / (
        f"reportgen-bench-v{kpis_bench.generate.GENERATOR_VERSION}-{args.tickets}t-{args.surveys}s-"
        f"{args.months}m-{args.month}-seed{args.seed}{'-plain' if args.no_multiline else ''}")).resolve()
    manifest = kpis_bench.ensure_data(folder, args)
    config_path = folder / "config.yaml"

    # the model both contenders write, prepared before any timing, in a child process so
    # that this process stays small (see run.ensure_data on why that matters for peak memory)
    kpis_bench.forget_history(folder)
    model_path = folder / "report-model.pickle"
    subprocess.run([sys.executable, __file__, "--write-model", str(config_path), args.month,
                    str(model_path)], check=True)

    tools = [
        kpis_bench.Tool("reportgen build", [*kpis_bench.reportgen_command(), "build", "--config",
                                            str(config_path), "--month", args.month, "--no-cache",
                                            "--out", str(folder / "out-reportgen.xlsx")]),
        kpis_bench.Tool("pandas+openpyxl", [sys.executable, str(HERE / "pandas_openpyxl_build.py"),
                                            "--config", str(config_path), "--month", args.month,
                                            "--model", str(model_path),
                                            "--out", str(folder / "out-openpyxl.xlsx")]),
    ]
    print(f"machine: {kpis_bench.os.cpu_count()} CPUs, {kpis_bench.versions()}")
    print(kpis_bench.compile_package())
    for index in range(args.repeat):
        for tool in tools if index % 2 == 0 else tools[::-1]:
            kpis_bench.forget_history(folder)
            result = kpis_bench.measure(tool.command, folder)
            tool.runs.append(result)
            print(f"  run {index + 1}/{args.repeat} {tool.name:<16} {result.seconds:7.2f} s "
                  f"{result.peak_mib:8.1f} MiB" + ("" if result.returncode == 0 else
                                                   f"  exit {result.returncode}"), flush=True)
            if result.returncode != 0:
                print(f"\n{tool.name} failed:\n{result.stderr.strip()[-3000:]}")
                return 2
    writers = time_writers(model_path, folder, args.repeat)

    baseline = tools[1]
    print()
    print(f"{manifest['ticket_rows']:,} ticket rows and {manifest['survey_rows']:,} survey rows over "
          f"{args.months} months; report month {args.month}; {args.repeat} run(s) each")
    print(f"{'end to end':<24} {'min s':>7} {'median s':>9} {'peak MiB':>9} {'vs baseline':>12} "
          f"{'min cpu s':>10} {'cpu vs baseline':>16}")
    for tool in tools:
        print(f"{tool.name:<24} {tool.best:7.2f} {tool.median:9.2f} {tool.peak:9.1f} "
              f"{tool.best / baseline.best:11.2f}× {tool.best_cpu:10.2f} "
              f"{tool.best_cpu / baseline.best_cpu:15.2f}×")
    ratios = [ours.seconds / theirs.seconds
              for ours, theirs in zip(tools[0].runs, tools[1].runs, strict=True)]
    verdict = "PASS" if max(ratios) <= BUILD_RATIO_TARGET else "FAIL"
    print(f"target  build ≤ {BUILD_RATIO_TARGET:.1f} × pandas + openpyxl in every run: "
          f"{' '.join(f'{r:.2f}×' for r in ratios)}  {verdict}")
    print()
    base_writer = writers["openpyxl"]
    print(f"{'writer alone (same model)':<24} {'median s':>9} {'vs openpyxl':>12}")
    for name, seconds in writers.items():
        print(f"{name:<24} {seconds:9.3f} {seconds / base_writer:11.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
