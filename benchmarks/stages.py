"""Where the engine's time goes: wall and CPU seconds of each stage, per dataset.

    python benchmarks/stages.py --config C [--threads N] [--memory-limit 256MB] [--repeat 3]

Runs ``Engine(config).run()`` in this process with every stage function of
``reportgen.engine.run`` (load, clean, quality, aggregate, drivers, coverage, comments,
finish) timed,
and prints the median of each over ``--repeat`` runs. CPU seconds are this
process's user + system time, so with ``--threads 1`` they show the work itself and
with more threads how well a stage runs in parallel. Process start and imports are
not included (``benchmarks/run.py`` measures the whole command).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reportgen.engine.run as engine_run
from reportgen.config import load_config

STAGES = ("load_dataset", "clean_tickets", "clean_surveys", "count_quality", "row_problems", "aggregate",
          "ticket_drivers", "coverage", "survey_drivers", "link_surveys", "finish")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(name: str, function: Callable[..., Any], into: dict[str, list[tuple[float, float]]]
           ) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return function(*args, **kwargs)
        finally:
            dataset = next((a for a in args if a in ("tickets", "surveys", "business")), None)
            loaded = next((getattr(a, "dataset", None) for a in args if hasattr(a, "dataset")), None)
            key = f"{name}[{dataset or loaded}]" if (dataset or loaded) else name
            into[key].append((time.perf_counter() - wall, _cpu() - cpu))
    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: the config's)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit (default: the config's)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    engine: dict[str, Any] = {}
    if args.threads:
        engine["threads"] = args.threads
    if args.memory_limit:
        engine["memory_limit"] = args.memory_limit
    if engine:
        config = config.model_copy(update={"engine": config.engine.model_copy(update=engine)})
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name in STAGES:
        setattr(engine_run, name, _timed(name, getattr(engine_run, name), runs))
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), _cpu()
        engine_run.Engine(config).run()
        runs["engine (total)"].append((time.perf_counter() - wall, _cpu() - cpu))
    print(f"{'stage':28s} {'wall s':>8s} {'cpu s':>8s}   (median of {args.repeat})")
    for key, values in runs.items():
        per_run = len(values) // args.repeat or 1  # a stage called several times per run: summed
        walls = [sum(w for w, _ in values[i:i + per_run]) for i in range(0, len(values), per_run)]
        cpus = [sum(c for _, c in values[i:i + per_run]) for i in range(0, len(values), per_run)]
        print(f"{key:28s} {statistics.median(walls):8.3f} {statistics.median(cpus):8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
