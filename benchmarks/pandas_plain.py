"""The pandas script a user writes for the month's KPIs: ``read_csv`` with ``parse_dates``, groupbys.

    python benchmarks/pandas_plain.py --config C --month 2026-10

Beside ``pandas_baseline.py`` (the same rules as reportgen, so the outputs can be
compared), this is the script an analyst writes in an afternoon: no per-row validation,
no exclusion reasons, no row numbers — read, parse the dates, keep the last row of an id,
filter the month, group. Its numbers are close to reportgen's, not equal (invalid values
are coerced, not counted); it is timed, not compared. Prints JSON.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

DATES = {"tickets": ["created_at", "first_response_at", "resolved_at"], "surveys": ["submitted_at"]}


def read(config_path: Path, dataset: str, zone: str) -> pd.DataFrame:
    source = yaml.safe_load(config_path.read_text(encoding="utf-8"))["sources"][dataset]
    files = sorted(glob.glob(str(config_path.parent / source["path"])))
    frame = pd.concat([pd.read_csv(name, parse_dates=DATES[dataset]) for name in files], ignore_index=True)
    for column in DATES[dataset]:  # mixed offsets and naive times come back as text: coerce them
        if not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
        frame[column] = frame[column].dt.tz_convert(zone)
    return frame


def hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--month", required=True)
    args = parser.parse_args(argv)
    zone = (yaml.safe_load(args.config.read_text(encoding="utf-8")).get("report") or {}).get(
        "timezone", "UTC")
    start = pd.Timestamp(f"{args.month}-01", tz=zone)
    end = start + pd.offsets.MonthBegin(1)

    tickets = read(args.config, "tickets", zone).drop_duplicates("ticket_id", keep="last")
    for column in ("replies", "reopens"):  # a stray text in a count: not a number
        tickets[column] = pd.to_numeric(tickets[column], errors="coerce")
    created = tickets[(tickets.created_at >= start) & (tickets.created_at < end)]
    resolved = tickets[(tickets.resolved_at >= start) & (tickets.resolved_at < end)]
    first = hours(created.first_response_at, created.created_at)
    resolution = hours(resolved.resolved_at, resolved.created_at)
    kpis: dict[str, Any] = {
        "ticket_volume": len(created),
        "resolution_rate": created.resolved_at.notna().mean(),
        "avg_first_response_hours": first.mean(),
        "median_first_response_hours": first.median(),
        "p90_first_response_hours": first.quantile(0.9),
        "avg_resolution_hours": resolution.mean(),
        "median_resolution_hours": resolution.median(),
        "p90_resolution_hours": resolution.quantile(0.9),
        "fcr_rate": (resolved.replies == 1).mean(),
        "reopen_rate": (resolved.reopens > 0).mean(),
        "backlog_open": int(((tickets.created_at < end) &
                             (tickets.resolved_at.isna() | (tickets.resolved_at >= end))).sum()),
        "tickets_per_agent": len(created) / max(created.agent.nunique(), 1),
    }
    breakdowns = {
        f"tickets_by_{column}": created.groupby(column).size().to_dict()
        for column in ("category", "channel", "agent")
    }
    breakdowns["resolution_hours_by_category"] = (
        resolution.groupby(resolved.category).median().to_dict())

    surveys = read(args.config, "surveys", zone).drop_duplicates("response_id", keep="last")
    month = surveys[(surveys.submitted_at >= start) & (surveys.submitted_at < end)]
    kind = month.survey.str.strip().str.lower()
    score = pd.to_numeric(month.score, errors="coerce")
    nps = score[kind == "nps"]
    kpis["nps"] = ((nps >= 9).mean() - (nps <= 6).mean()) * 100
    kpis["csat"] = (score[kind == "csat"] >= 4).mean()
    kpis["ces"] = score[kind == "ces"].mean()
    kpis["nps_responses"] = int(nps.notna().sum())
    json.dump({"month": args.month, "kpis": kpis, "breakdowns": breakdowns}, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
