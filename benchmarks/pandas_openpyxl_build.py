"""The build baseline: pandas computes the tracker window's KPIs, openpyxl writes the workbook.

    python benchmarks/pandas_openpyxl_build.py --config C --month YYYY-MM --model MODEL.pickle --out OUT.xlsx

What a team would write without reportgen: pandas for the numbers of every month
of the 12-month window (sources read once), openpyxl for the workbook. The
workbook's layout is reportgen's own report model, pickled by the benchmark
before timing starts, so both contenders write the same cells, formats and charts.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from openpyxl_writer import write_openpyxl  # noqa: E402
from pandas_baseline import window_documents  # noqa: E402


def window_months(month: str, count: int = 12) -> list[str]:
    year, number = int(month[:4]), int(month[5:7])
    months = []
    for back in range(count - 1, -1, -1):
        index = year * 12 + number - 1 - back
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return months


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--month", required=True)
    parser.add_argument("--model", type=Path, required=True, help="the pickled report model")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    documents = window_documents(args.config.resolve(), window_months(args.month))
    report, currency = pickle.loads(args.model.read_bytes())
    write_openpyxl(report, args.out, currency)
    print(f"{len(documents)} months computed; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
