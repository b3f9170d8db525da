"""A plain pandas implementation of one month's KPIs, the benchmark's baseline.

    python benchmarks/pandas_baseline.py --config C --month 2026-10

Prints the same JSON shape as ``reportgen kpis --format json`` (``month``,
``kpis``, ``breakdowns`` and ``data_quality``), following docs/CONTRACT.md. It is
what a competent analyst would write: read the CSVs with ``pandas.read_csv``,
parse timestamps with ``pd.to_datetime(..., format="ISO8601")``, deduplicate
(last occurrence wins), validate, filter the month and aggregate. Only the
``generic`` preset and CSV sources are supported.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

OFFSET = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"
LOW, HIGH = pd.Timestamp("1900-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")
SCALARS = [
    "nps", "csat", "ces", "ticket_volume", "retention_rate", "churn_rate", "cac", "clv",
    "avg_first_response_hours", "avg_resolution_hours", "fcr_rate", "resolution_rate",
    "median_first_response_hours", "p90_first_response_hours", "median_resolution_hours",
    "p90_resolution_hours", "sla_first_response_rate", "reopen_rate", "backlog_open",
    "tickets_per_agent", "negative_feedback_rate", "nps_responses", "csat_responses",
    "ces_responses", "promoters", "passives", "detractors", "outbound_tickets",
]


# ---- reading -----------------------------------------------------------------------

BLANK_LIKE = ["", "-", "—", "n/a", "(none)"]  # KPI_SPEC: cells that mean "no value"


def read_source(base: Path, source: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """Every file of a source (sorted by name) as one frame of stripped text; blanks are NaN."""
    pattern = str(base / source["path"])
    files = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    frames = []
    for name in files:
        frame = pd.read_csv(name, dtype=str, keep_default_na=False,
                            sep=source.get("delimiter") or ",",
                            encoding=source.get("encoding") or "utf-8-sig")
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        renames = {str(header).strip().lower(): canonical
                   for canonical, header in (source.get("columns") or {}).items()}
        frames.append(frame.rename(columns=renames))
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for column in data.columns:
        text = data[column].str.strip()
        data[column] = text.mask(text.str.lower().isin(BLANK_LIKE))
    return data, files


def parse_instants(text: pd.Series, tz: str) -> pd.Series:
    """ISO 8601 text → UTC instants (NaT when missing or invalid); naive values are wall time in ``tz``."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    present = text.notna()
    aware = present & text.str.contains(OFFSET, regex=True, na=False)
    naive = present & ~aware
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
    if naive.any():
        wall = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        # contract: an ambiguous wall time takes the later (standard-time) instant; a
        # non-existent one is shifted forward by the gap (one hour in European zones)
        local = wall.dt.tz_localize(tz, ambiguous=np.zeros(len(wall), dtype=bool),
                                    nonexistent=pd.Timedelta(hours=1))
        out[naive] = local.dt.tz_convert("UTC")
    return out.where((out >= LOW) & (out < HIGH))


def whole_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values that are whole numbers ≥ 0 else NaN, mask of present-but-invalid cells)."""
    number = pd.to_numeric(text, errors="coerce")
    ok = np.isfinite(number) & (number >= 0) & (number == np.floor(number)) & (number < 1e15)
    return number.where(ok), text.notna() & ~ok


def keep_last(data: pd.DataFrame, id_column: str, quality: dict[str, Any]) -> pd.DataFrame:
    """Drop rows without an id, then keep the last occurrence of each id."""
    missing = data[id_column].isna()
    if missing.any():
        quality["excluded"][f"missing_{id_column}"] = int(missing.sum())
    data = data[~missing]
    kept = data.drop_duplicates(subset=id_column, keep="last")
    quality["duplicates"] = len(data) - len(kept)
    return kept


def new_quality(files: list[str], rows: int) -> dict[str, Any]:
    return {"files": files, "rows_read": rows, "rows_used": 0, "duplicates": 0, "excluded": {},
            "values_discarded": {}}


def exclude(data: pd.DataFrame, bad: pd.Series, reason: str, quality: dict[str, Any]) -> pd.DataFrame:
    if bad.any():
        quality["excluded"][reason] = int(bad.sum())
    return data[~bad]


# ---- tickets ------------------------------------------------------------------------

def load_tickets(base: Path, source: dict[str, Any], tz: str) -> tuple[pd.DataFrame, dict[str, Any], bool]:
    raw, files = read_source(base, source)
    quality = new_quality(files, len(raw))
    has_replies = "replies" in raw.columns
    for column in ("first_response_at", "resolved_at", "category", "channel", "agent", "replies",
                   "reopens"):
        if column not in raw.columns:
            raw[column] = np.nan
    t = keep_last(raw, "ticket_id", quality)
    created = parse_instants(t["created_at"], tz)
    t = exclude(t, t["created_at"].isna(), "missing_created_at", quality)
    created = created[t.index]
    t = exclude(t, created.isna(), "invalid_created_at", quality)
    created = created[t.index]
    discarded = quality["values_discarded"]

    def optional_instant(column: str, reason: str, before: str) -> pd.Series:
        value = parse_instants(t[column], tz)
        invalid = t[column].notna() & value.isna()
        early = value < created
        if invalid.any():
            discarded[reason] = int(invalid.sum())
        if early.any():
            discarded[before] = int(early.sum())
        return value.where(~early)

    first_response = optional_instant("first_response_at", "invalid_first_response_at",
                                      "first_response_before_created")
    resolved = optional_instant("resolved_at", "invalid_resolved_at", "resolved_before_created")
    replies, bad_replies = whole_numbers(t["replies"])
    reopens, bad_reopens = whole_numbers(t["reopens"])
    if bad_replies.any():
        discarded["invalid_replies"] = int(bad_replies.sum())
    if bad_reopens.any():
        discarded["invalid_reopens"] = int(bad_reopens.sum())
    quality["values_discarded"] = dict(sorted(discarded.items()))
    quality["excluded"] = dict(sorted(quality["excluded"].items()))
    quality["rows_used"] = len(t)
    tickets = pd.DataFrame({
        "id": t["ticket_id"],
        "created": created,
        "resolved": resolved,
        "first_response_hours": (first_response - created).dt.total_seconds() / 3600,
        "resolution_hours": (resolved - created).dt.total_seconds() / 3600,
        "category": t["category"].fillna("Uncategorized"),
        "channel": t["channel"].fillna("Unknown"),
        "agent": t["agent"],
        "replies": replies,
        "reopens": reopens.fillna(0),
    })
    return tickets, quality, has_replies


def ticket_kpis(t: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, options: dict[str, Any],
                has_replies: bool) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    created_in = t[(t["created"] >= start) & (t["created"] < end)]
    resolved_in = t[(t["resolved"] >= start) & (t["resolved"] < end)]
    volume = len(created_in)
    fr = created_in["first_response_hours"].dropna()
    res = resolved_in["resolution_hours"]
    max_replies = options["fcr"]["max_replies"]
    sla = options["sla"]["first_response_hours"]
    assigned = created_in[created_in["agent"].notna()]
    agents = assigned["agent"].nunique()
    fcr = ((resolved_in["replies"] <= max_replies) & (resolved_in["reopens"] == 0)).sum()
    kpis = {
        "ticket_volume": volume,
        "avg_first_response_hours": ratio(fr.sum(), len(fr)),
        "avg_resolution_hours": ratio(res.sum(), len(res)),
        "fcr_rate": ratio(fcr, len(resolved_in)) if has_replies else None,
        "resolution_rate": ratio(created_in["resolved"].notna().sum(), volume),
        "median_first_response_hours": quantile(fr, 0.5),
        "p90_first_response_hours": quantile(fr, 0.9),
        "median_resolution_hours": quantile(res, 0.5),
        "p90_resolution_hours": quantile(res, 0.9),
        "sla_first_response_rate": ratio((fr <= sla).sum(), volume),
        "reopen_rate": ratio((resolved_in["reopens"] > 0).sum(), len(resolved_in)),
        "backlog_open": int(((t["created"] < end) & ~(t["resolved"] < end)).sum()),
        "tickets_per_agent": ratio(len(assigned), agents),
    }
    by_category = created_in["category"].value_counts()
    by_channel = created_in["channel"].value_counts()
    per_agent = assigned.groupby("agent").agg(
        tickets=("created", "size"), resolved=("resolved", "count"),
        avg_fr=("first_response_hours", "mean"))
    breakdowns = {
        "tickets_by_category": counts(by_category),
        "tickets_by_channel": counts(by_channel),
        "category_share": {k: v / volume for k, v in counts(by_category).items()},
        "channel_share": {k: v / volume for k, v in counts(by_channel).items()},
        "agent_tickets": counts(per_agent["tickets"]),
        "agent_resolution_rate": floats(per_agent["resolved"] / per_agent["tickets"]),
        "agent_avg_first_response_hours": floats(per_agent["avg_fr"]),
    }
    return kpis, breakdowns


# ---- surveys --------------------------------------------------------------------------

def load_surveys(base: Path, source: dict[str, Any], tz: str,
                 options: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    raw, files = read_source(base, source)
    quality = new_quality(files, len(raw))
    s = keep_last(raw, "response_id", quality)
    submitted = parse_instants(s["submitted_at"], tz)
    kind = s["survey"].str.lower()
    score = pd.to_numeric(s["score"], errors="coerce")
    csat_lo, csat_hi = options["csat"]["scale"]
    ces_lo, ces_hi = options["ces"]["scale"]
    out_of_scale = (
        ((kind == "nps") & ((score < 0) | (score > 10) | (score != np.floor(score))))
        | ((kind == "csat") & ((score < csat_lo) | (score > csat_hi)))
        | ((kind == "ces") & ((score < ces_lo) | (score > ces_hi)))
    )
    checks = [  # in the contract's order: a row counts under its first failing reason
        ("missing_submitted_at", s["submitted_at"].isna()),
        ("invalid_submitted_at", submitted.isna()),
        ("missing_survey", kind.isna()),
        ("unknown_survey_kind", ~kind.isin(["nps", "csat", "ces"])),
        ("missing_score", s["score"].isna()),
        ("invalid_score", ~np.isfinite(score)),
        ("score_out_of_scale", out_of_scale),
    ]
    failed = pd.Series(False, index=s.index)
    for reason, bad in checks:
        first = bad.fillna(True) & ~failed
        if first.any():
            quality["excluded"][reason] = int(first.sum())
        failed |= first
    quality["excluded"] = dict(sorted(quality["excluded"].items()))
    quality["rows_used"] = int((~failed).sum())
    ticket = s["ticket_id"] if "ticket_id" in s.columns else pd.Series(np.nan, index=s.index)
    return (pd.DataFrame({"submitted": submitted, "kind": kind, "score": score, "ticket": ticket})[~failed],
            quality)


def survey_kpis(s: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                options: dict[str, Any]) -> dict[str, Any]:
    month = s[(s["submitted"] >= start) & (s["submitted"] < end)]
    nps = month.loc[month["kind"] == "nps", "score"]
    csat = month.loc[month["kind"] == "csat", "score"]
    ces = month.loc[month["kind"] == "ces", "score"]
    promoters, detractors = int((nps >= 9).sum()), int((nps <= 6).sum())
    nps_value = ratio(promoters - detractors, len(nps))
    return {
        "nps": None if nps_value is None else nps_value * 100,
        "csat": ratio((csat >= options["csat"]["satisfied_min"]).sum(), len(csat)),
        "ces": ratio((ces >= options["ces"]["low_effort_min"]).sum(), len(ces)),
        "negative_feedback_rate": ratio((csat <= options["csat"]["negative_max"]).sum(), len(csat)),
        "nps_responses": len(nps), "csat_responses": len(csat), "ces_responses": len(ces),
        "promoters": promoters, "passives": len(nps) - promoters - detractors, "detractors": detractors,
    }


def segment_scores(s: pd.DataFrame, tickets: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                   options: dict[str, Any]) -> dict[str, dict[str, float]]:
    """CSAT, NPS and CES per agent, category and channel of the ticket each response names
    (responses naming no known ticket, and tickets without an agent, are in no segment)."""
    month = s[(s["submitted"] >= start) & (s["submitted"] < end)]
    linked = month.merge(tickets[["id", "category", "channel", "agent"]], left_on="ticket", right_on="id")
    out: dict[str, dict[str, float]] = {}
    for dimension in ("agent", "category", "channel"):
        rows = linked[linked[dimension].notna()]
        for kind in ("csat", "nps", "ces"):
            scores = rows[rows["kind"] == kind].groupby(dimension)["score"]
            if kind == "nps":
                values = scores.apply(lambda x: ((x >= 9).sum() - (x <= 6).sum()) / len(x) * 100)
            elif kind == "csat":
                values = scores.apply(lambda x: (x >= options["csat"]["satisfied_min"]).sum() / len(x))
            else:
                values = scores.apply(lambda x: (x >= options["ces"]["low_effort_min"]).sum() / len(x))
            out[f"{dimension}_{kind}"] = floats(values)
    return out


# ---- business ---------------------------------------------------------------------------

def business_kpis(base: Path, source: dict[str, Any] | None, month: str,
                  options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    empty = dict.fromkeys(("retention_rate", "churn_rate", "cac", "clv"))
    if source is None:
        return empty, {"files": [], "rows_read": 0, "rows_used": 0}
    raw, files = read_source(base, source)
    quality = {"files": files, "rows_read": len(raw), "rows_used": len(raw)}
    rows = raw[raw["month"] == month]
    if rows.empty:
        return empty, quality
    row = rows.iloc[0]

    def number(name: str) -> float | None:
        value = row.get(name)
        return None if value is None or pd.isna(value) else float(value)

    start, end, new = number("customers_start"), number("customers_end"), number("customers_new")
    spend, revenue = number("sales_marketing_spend"), number("revenue")
    lost = number("customers_lost")
    if lost is None and None not in (start, end, new):
        lost = start + new - end  # type: ignore[operator]
    lifespan = number("customer_lifespan_years") or options.get("clv", {}).get("customer_lifespan_years")
    if lifespan is None and start and lost is not None and lost > 0:
        lifespan = 1 / (12 * (lost / start))
    cac = ratio(spend, new)
    clv = None
    if None not in (revenue, start, end, lifespan, cac) and start + end != 0:  # type: ignore[operator]
        clv = revenue * 12 / ((start + end) / 2) * lifespan - cac  # type: ignore[operator]
    return {
        "retention_rate": None if None in (end, new) else ratio(end - new, start),  # type: ignore[operator]
        "churn_rate": ratio(lost, start),
        "cac": cac,
        "clv": clv,
    }, quality


# ---- helpers ------------------------------------------------------------------------------

def ratio(numerator: Any, denominator: Any) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def quantile(values: pd.Series, q: float) -> float | None:
    return None if values.empty else float(values.quantile(q))


def counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(series.items()) if v}


def floats(series: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in sorted(series.items()) if not math.isnan(v)}


def kpi_options(config: dict[str, Any]) -> dict[str, Any]:
    """The config's ``kpis`` section with CONTRACT defaults filled in."""
    given = config.get("kpis") or {}
    defaults: dict[str, dict[str, Any]] = {
        "csat": {"scale": [1, 5], "satisfied_min": 4, "negative_max": 2},
        "ces": {"scale": [1, 5], "low_effort_min": 4},
        "fcr": {"max_replies": 1}, "sla": {"first_response_hours": 24},
        "clv": {"customer_lifespan_years": None},
    }
    return {key: {**value, **(given.get(key) or {})} for key, value in defaults.items()}


def month_document(config_path: Path, month: str) -> dict[str, Any]:
    """The KPI document of ``month`` for the sources a reportgen config names."""
    return window_documents(config_path, [month])[0]


def window_documents(config_path: Path, months: list[str]) -> list[dict[str, Any]]:
    """The KPI documents of several months, reading the sources once (the build benchmark's need)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    base = config_path.parent
    report_tz = (config.get("report") or {}).get("timezone", "UTC")
    options = kpi_options(config)
    sources = config["sources"]
    for name in ("tickets", "surveys", "business"):
        if sources.get(name) and sources[name].get("preset", "generic") != "generic":
            raise SystemExit(f"{name}: only the generic preset is supported by the baseline")
    tickets_src = sources["tickets"]
    tickets, t_quality, has_replies = load_tickets(base, tickets_src,
                                                   tickets_src.get("timezone") or report_tz)
    surveys = None
    s_quality = new_quality([], 0)
    if sources.get("surveys"):
        surveys_src = sources["surveys"]
        surveys, s_quality = load_surveys(base, surveys_src, surveys_src.get("timezone") or report_tz,
                                          options)
    documents = []
    for month in months:
        start = pd.Timestamp(f"{month}-01", tz=report_tz)
        end = start + pd.DateOffset(months=1)
        kpis, breakdowns = ticket_kpis(tickets, start, end, options, has_replies)
        survey_values: dict[str, Any] = dict.fromkeys(
            ("nps", "csat", "ces", "negative_feedback_rate"))
        survey_values.update(dict.fromkeys(("nps_responses", "csat_responses", "ces_responses",
                                            "promoters", "passives", "detractors"), 0))
        if surveys is not None:
            survey_values = survey_kpis(surveys, start, end, options)
            breakdowns.update(segment_scores(surveys, tickets, start, end, options))
        kpis.update(survey_values)
        kpis["outbound_tickets"] = 0  # the generic preset declares no outbound channel
        business, b_quality = business_kpis(base, sources.get("business"), month, options)
        kpis.update(business)
        documents.append({
            "month": month,
            "kpis": {key: kpis[key] for key in SCALARS},
            "breakdowns": breakdowns,
            "data_quality": {"tickets": t_quality, "surveys": s_quality, "business": b_quality},
        })
    return documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    args = parser.parse_args(argv)
    document = month_document(args.config.resolve(), args.month)
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
