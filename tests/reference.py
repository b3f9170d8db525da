"""An independent, deliberately simple reference implementation of the KPI contract.

Stdlib only and nothing from ``reportgen``: it follows docs/KPI_SPEC.md and
docs/CONTRACT.md line by line, favouring obviously-correct code over speed, so that
the DuckDB engine can be checked against it on hand-made and generated data.

Entry point: ``compute(tickets, surveys, business, options)`` where each dataset is a
list of rows (sequences of cell values, written to CSV as ``str(value)``; ``None`` is
an empty cell) under a header (default: the canonical headers of ``tests/conftest.py``).
Returns a ``Result`` with, per present month, the scalar KPIs and the breakdowns, and
the data-quality counts of the whole input.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TICKET_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category",
                 "channel", "agent", "replies", "reopens")
SURVEY_HEADER = ("response_id", "submitted_at", "survey", "score")
BUSINESS_HEADER = ("month", "customers_start", "customers_end", "customers_new",
                   "sales_marketing_spend", "revenue")

SCALAR_IDS = (
    "nps", "csat", "ces", "ticket_volume", "retention_rate", "churn_rate", "cac", "clv",
    "avg_first_response_hours", "avg_resolution_hours", "fcr_rate", "resolution_rate",
    "median_first_response_hours", "p90_first_response_hours", "median_resolution_hours",
    "p90_resolution_hours", "sla_first_response_rate", "reopen_rate", "backlog_open",
    "tickets_per_agent", "negative_feedback_rate", "nps_responses", "csat_responses",
    "ces_responses", "promoters", "passives", "detractors", "outbound_tickets",
)
COUNT_IDS = frozenset({"ticket_volume", "outbound_tickets", "backlog_open", "nps_responses", "csat_responses",
                       "ces_responses", "promoters", "passives", "detractors"})
RATE_IDS = ("csat", "ces", "retention_rate", "churn_rate", "fcr_rate", "resolution_rate",
            "sla_first_response_rate", "reopen_rate", "negative_feedback_rate")
BREAKDOWN_IDS = ("tickets_by_category", "tickets_by_channel", "category_share", "channel_share",
                 "agent_tickets", "agent_resolution_rate", "agent_avg_first_response_hours")

MISSING = "missing"
INVALID = "invalid"


@dataclass(frozen=True)
class Options:
    """The config settings the numbers depend on (defaults = reportgen's defaults)."""

    timezone: str = "Europe/Rome"  # report timezone
    source_timezone: str | None = None  # naive timestamps' zone; None = the report timezone
    csat_scale: tuple[float, float] = (1, 5)
    csat_satisfied_min: float = 4
    csat_negative_max: float = 2
    ces_scale: tuple[float, float] = (1, 5)
    ces_low_effort_min: float = 4
    fcr_max_replies: int = 1
    sla_hours: float = 24
    clv_lifespan_years: float | None = None
    # the tickets source's outbound_channels: (tickets the team started); () = none
    outbound_channels: tuple[str, ...] = ()

    def config_yaml(self) -> str:
        """The config.yaml fragment (``kpis:`` section) giving these options to reportgen."""
        clv = ("" if self.clv_lifespan_years is None
               else f"  clv: {{customer_lifespan_years: {self.clv_lifespan_years}}}\n")
        return (
            "kpis:\n"
            f"  csat: {{scale: [{self.csat_scale[0]}, {self.csat_scale[1]}], "
            f"satisfied_min: {self.csat_satisfied_min}, negative_max: {self.csat_negative_max}}}\n"
            f"  ces: {{scale: [{self.ces_scale[0]}, {self.ces_scale[1]}], "
            f"low_effort_min: {self.ces_low_effort_min}}}\n"
            f"  fcr: {{max_replies: {self.fcr_max_replies}}}\n"
            f"  sla: {{first_response_hours: {self.sla_hours}}}\n" + clv
        )


# ---- cells ----------------------------------------------------------------------

BLANK_LIKE = ("", "-", "—", "n/a", "(none)")  # KPI_SPEC: these texts mean "no value", any case


def cell(value: object) -> str:
    """What a CSV cell holds once read and trimmed ('' = missing, blank-like included)."""
    text = "" if value is None else str(value).strip()
    return "" if text.lower() in BLANK_LIKE else text


def shown_spelling(names: list[str]) -> dict[str, str]:
    """KPI_SPEC: names equal but for case are one; shown as the most frequent spelling (tie: sorted first),
    all-capital spellings only when the name has no other (issue 22: "WEB FORM" reached leadership)."""
    counts = Counter(names)
    shown = {}
    for name in counts:
        rivals = [other for other in counts if other.casefold() == name.casefold()]
        calm = [other for other in rivals if not other.isupper()] or rivals
        calm.sort(key=lambda other: (-counts[other], other))
        shown[name] = calm[0]
    return shown


_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_instant(text: str, zone: str) -> datetime | str:
    """An ISO 8601 cell → an aware UTC datetime, MISSING or INVALID.

    With ``Z`` or an offset: that instant. Naive: wall-clock time in ``zone``; a time in a
    spring-forward gap is shifted forward by the gap and an ambiguous fall-back time takes
    the later (standard-time) instant. Both rules pick the LATER of the two readings
    (fold=0, fold=1): in a gap fold=0 applies the pre-transition (smaller) offset, which
    is the wall time moved forward by the gap; in an overlap fold=1 is the later instant.
    """
    text = text.strip()
    if not text:
        return MISSING
    match = _TIMESTAMP.match(text)
    if not match:
        return INVALID
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        wall = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                        int(second or 0), int((fraction or "0").ljust(6, "0")))
    except ValueError:  # 2026-13-01, 2026-02-30, 25:00 ...
        return INVALID
    if offset is None:
        tz = ZoneInfo(zone)
        readings = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
        instant = max(readings)
    else:
        if offset == "Z":
            seconds = 0
        else:
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            seconds = (hours * 3600 + minutes * 60) * (1 if offset[0] == "+" else -1)
        instant = wall.replace(tzinfo=UTC) - timedelta(seconds=seconds)
    if not datetime(1900, 1, 1, tzinfo=UTC) <= instant <= datetime(2200, 1, 1, tzinfo=UTC):
        return INVALID
    return instant


def parse_number(text: str) -> float | str:
    """A plain decimal number → float, MISSING or INVALID (inf/nan/garbage)."""
    text = text.strip()
    if not text:
        return MISSING
    if not _NUMBER.match(text):
        return INVALID
    value = float(text)
    return value if math.isfinite(value) else INVALID


def parse_count(text: str) -> int | str | None:
    """replies/reopens: int, None when empty, INVALID when not a whole number ≥ 0 (3.0 is 3)."""
    value = parse_number(text)
    if value == MISSING:
        return None
    if value == INVALID:
        return INVALID
    assert isinstance(value, float)
    if value < 0 or not value.is_integer():
        return INVALID
    return int(value)


def month_of(instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.year:04d}-{local.month:02d}"


def month_end(month: str, zone: str) -> datetime:
    """First instant of the next month (local midnight) in UTC."""
    year, mon = int(month[:4]), int(month[5:7])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def hours(later: datetime, earlier: datetime) -> float:
    # both are UTC-aware: a plain difference is real elapsed time
    return (later - earlier).total_seconds() / 3600


def quantile(values: Sequence[float], q: float) -> float | None:
    """Continuous quantile with linear interpolation (numpy 'linear')."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def mean(values: Sequence[float]) -> float | None:
    return ratio(sum(values), len(values))


# ---- datasets -------------------------------------------------------------------

@dataclass
class Quality:
    rows_read: int = 0
    rows_used: int = 0
    duplicates: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    values_discarded: dict[str, int] = field(default_factory=dict)
    control_characters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"rows_read": self.rows_read, "rows_used": self.rows_used, "duplicates": self.duplicates,
                "excluded": dict(sorted(self.excluded.items())),
                "values_discarded": dict(sorted(self.values_discarded.items())),
                "control_characters": self.control_characters}


@dataclass
class Ticket:
    ticket_id: str
    created: datetime
    first_response: datetime | None
    resolved: datetime | None
    category: str
    channel: str
    agent: str | None
    replies: int | None
    reopens: int


@dataclass
class Response:
    response_id: str
    submitted: datetime
    kind: str
    score: float


# KPI_SPEC/CONTRACT: control characters (C0 but tab, LF, CR; DEL; C1) are dropped from ids and names
NAMES = frozenset({"ticket_id", "category", "channel", "agent", "response_id", "survey"})


def _is_dropped(character: str) -> bool:
    code = ord(character)
    return (code < 32 and character not in "\t\n\r") or 127 <= code <= 159


def _records(rows: Sequence[Sequence[object]], header: Sequence[str],
             quality: Quality | None = None) -> list[dict[str, str]]:
    names = [h.strip().lower() for h in header]
    records = []
    for row in rows:
        values = [cell(v) for v in row] + [""] * (len(names) - len(row))
        record: dict[str, str] = {}
        dropped = False
        for name, value in zip(names, values, strict=False):
            if name in NAMES and any(_is_dropped(c) for c in value):
                dropped = True
                value = "".join(c for c in value if not _is_dropped(c))
            record.setdefault(name, value)
        if dropped and quality is not None:
            quality.control_characters += 1
        records.append(record)
    return records


def _last_wins(records: list[dict[str, str]], id_column: str, missing_reason: str,
               quality: Quality) -> list[dict[str, str]]:
    """Drop rows without an id (counted), then keep the last row of each id (earlier: duplicates)."""
    with_id = []
    for record in records:
        if not record.get(id_column, ""):
            quality.excluded[missing_reason] = quality.excluded.get(missing_reason, 0) + 1
        else:
            with_id.append(record)
    last_index = {record[id_column]: index for index, record in enumerate(with_id)}
    kept = []
    for index, record in enumerate(with_id):
        if last_index[record[id_column]] == index:
            kept.append(record)
        else:
            quality.duplicates += 1
    return kept


def _bump(counts: dict[str, int], reason: str) -> None:
    counts[reason] = counts.get(reason, 0) + 1


def clean_tickets(rows: Sequence[Sequence[object]], header: Sequence[str],
                  zone: str) -> tuple[list[Ticket], Quality]:
    quality = Quality(rows_read=len(rows))
    tickets = []
    for record in _last_wins(_records(rows, header, quality), "ticket_id", "missing_ticket_id", quality):
        created = parse_instant(record.get("created_at", ""), zone)
        if created == MISSING:
            _bump(quality.excluded, "missing_created_at")
            continue
        if created == INVALID:
            _bump(quality.excluded, "invalid_created_at")
            continue
        assert isinstance(created, datetime)
        optional: dict[str, datetime | None] = {}
        for column, stem in (("first_response_at", "first_response"), ("resolved_at", "resolved")):
            value = parse_instant(record.get(column, ""), zone)
            if value == MISSING:
                optional[stem] = None
            elif value == INVALID:
                _bump(quality.values_discarded, f"invalid_{column}")
                optional[stem] = None
            else:
                assert isinstance(value, datetime)
                if value < created:
                    _bump(quality.values_discarded, f"{stem}_before_created")
                    optional[stem] = None
                else:
                    optional[stem] = value
        counts: dict[str, int | None] = {}
        for column in ("replies", "reopens"):
            value = parse_count(record.get(column, ""))
            if value == INVALID:
                _bump(quality.values_discarded, f"invalid_{column}")
                value = None
            assert value is None or isinstance(value, int)
            counts[column] = value
        tickets.append(Ticket(
            ticket_id=record["ticket_id"], created=created,
            first_response=optional["first_response"], resolved=optional["resolved"],
            category=record.get("category", "") or "Uncategorized",
            channel=record.get("channel", "") or "Unknown",
            agent=record.get("agent", "") or None,
            replies=counts["replies"], reopens=counts["reopens"] or 0,
        ))
    quality.rows_used = len(tickets)
    categories = shown_spelling([t.category for t in tickets if t.category != "Uncategorized"])
    channels = shown_spelling([t.channel for t in tickets if t.channel != "Unknown"])
    agents = shown_spelling([t.agent for t in tickets if t.agent is not None])
    for ticket in tickets:
        ticket.category = categories.get(ticket.category, ticket.category)
        ticket.channel = channels.get(ticket.channel, ticket.channel)
        ticket.agent = None if ticket.agent is None else agents[ticket.agent]
    return tickets, quality


def clean_surveys(rows: Sequence[Sequence[object]], header: Sequence[str], zone: str,
                  options: Options) -> tuple[list[Response], Quality]:
    quality = Quality(rows_read=len(rows))
    responses = []
    scales = {"csat": options.csat_scale, "ces": options.ces_scale}
    for record in _last_wins(_records(rows, header, quality), "response_id", "missing_response_id", quality):
        submitted = parse_instant(record.get("submitted_at", ""), zone)
        kind = record.get("survey", "").lower()
        score = parse_number(record.get("score", ""))
        if submitted == MISSING:
            reason = "missing_submitted_at"
        elif submitted == INVALID:
            reason = "invalid_submitted_at"
        elif not kind:
            reason = "missing_survey"
        elif kind not in ("nps", "csat", "ces"):
            reason = "unknown_survey_kind"
        elif score == MISSING:
            reason = "missing_score"
        elif score == INVALID:
            reason = "invalid_score"
        else:
            assert isinstance(score, float)
            if kind == "nps":
                in_scale = score.is_integer() and 0 <= score <= 10
            else:
                low, high = scales[kind]
                in_scale = low <= score <= high
            reason = "" if in_scale else "score_out_of_scale"
        if reason:
            _bump(quality.excluded, reason)
            continue
        assert isinstance(submitted, datetime) and isinstance(score, float)
        responses.append(Response(record["response_id"], submitted, kind, score))
    quality.rows_used = len(responses)
    return responses, quality


def parse_business(rows: Sequence[Sequence[object]], header: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """month → figures. Any bad value raises ValueError (the engine stops with an error)."""
    out: dict[str, dict[str, float | None]] = {}
    for record in _records(rows, header):
        if not any(record.values()):
            continue
        month = record.get("month", "")
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month) or month in out:
            raise ValueError(f"bad or duplicate month {month!r}")
        figures: dict[str, float | None] = {}
        for name in ("customers_start", "customers_end", "customers_new", "customers_lost",
                     "sales_marketing_spend", "revenue", "customer_lifespan_years"):
            value = parse_number(record.get(name, ""))
            if value == MISSING:
                figures[name] = None
                continue
            if value == INVALID or (isinstance(value, float) and value < 0):
                raise ValueError(f"bad {name} {record.get(name)!r}")
            figures[name] = value
        out[month] = figures
    return out


# ---- KPIs -----------------------------------------------------------------------

@dataclass
class Result:
    months: dict[str, dict[str, Any]]  # month → {"kpis": {...}, "breakdowns": {...}}
    quality: dict[str, dict[str, Any]]


def compute(tickets: Sequence[Sequence[object]] = (), surveys: Sequence[Sequence[object]] = (),
            business: Sequence[Sequence[object]] = (), options: Options | None = None, *,
            ticket_header: Sequence[str] = TICKET_HEADER, survey_header: Sequence[str] = SURVEY_HEADER,
            business_header: Sequence[str] = BUSINESS_HEADER) -> Result:
    options = options or Options()
    report_zone = options.timezone
    source_zone = options.source_timezone or report_zone
    ticket_list, ticket_quality = clean_tickets(tickets, ticket_header, source_zone)
    response_list, survey_quality = clean_surveys(surveys, survey_header, source_zone, options)
    figures = parse_business(business, business_header)
    columns = {h.strip().lower() for h in ticket_header}  # an optional column no file has: no value
    has_replies = "replies" in columns
    has_resolved, has_first = "resolved_at" in columns, "first_response_at" in columns
    has_reopens = "reopens" in columns  # no reopens column: the reopen rate is unknown, not 0

    present: set[str] = set(figures)
    for ticket in ticket_list:
        present.add(month_of(ticket.created, report_zone))
        if ticket.resolved is not None:
            present.add(month_of(ticket.resolved, report_zone))
    for response in response_list:
        present.add(month_of(response.submitted, report_zone))

    months = {
        month: _month_kpis(month, ticket_list, response_list, figures.get(month, {}), options, has_replies,
                           has_resolved, has_first, has_reopens)
        for month in sorted(present)
    }
    quality = {
        "tickets": ticket_quality.as_dict(),
        "surveys": survey_quality.as_dict(),
        "business": {"rows_read": len(business), "rows_used": len(figures)},
    }
    return Result(months, quality)


def _month_kpis(month: str, tickets: list[Ticket], responses: list[Response],
                figures: dict[str, float | None], options: Options, has_replies: bool,
                has_resolved: bool = True, has_first: bool = True, has_reopens: bool = True) -> dict[str, Any]:
    zone = options.timezone
    created = [t for t in tickets if month_of(t.created, zone) == month]
    resolved = [t for t in tickets if t.resolved is not None and month_of(t.resolved, zone) == month]
    # tickets customers started: a channel named (any case, surrounding spaces) in outbound_channels is
    # the team's own (docs/SPEC_NOTES.md): out of the channels and the first-response KPIs
    outbound = {name.strip().casefold() for name in options.outbound_channels}
    inbound = [t for t in created if t.channel.strip().casefold() not in outbound]
    inbound_ids = {id(t) for t in inbound}
    answered = [t for t in inbound if t.first_response is not None]
    first_response = [hours(t.first_response, t.created) for t in answered if t.first_response]
    resolution = [hours(t.resolved, t.created) for t in resolved if t.resolved]
    end = month_end(month, zone)
    backlog = [t for t in tickets if t.created < end and (t.resolved is None or t.resolved >= end)]
    assigned = [t for t in created if t.agent is not None]
    agents = {t.agent for t in assigned}

    def surveys_of(kind: str) -> list[float]:
        return [r.score for r in responses if r.kind == kind and month_of(r.submitted, zone) == month]

    nps_scores, csat_scores, ces_scores = surveys_of("nps"), surveys_of("csat"), surveys_of("ces")
    promoters = sum(1 for s in nps_scores if s >= 9)
    passives = sum(1 for s in nps_scores if 7 <= s <= 8)
    detractors = sum(1 for s in nps_scores if s <= 6)

    start = figures.get("customers_start")
    end_customers = figures.get("customers_end")
    new = figures.get("customers_new")
    lost = figures.get("customers_lost")
    if lost is None and None not in (start, end_customers, new):
        assert start is not None and end_customers is not None and new is not None
        lost = start + new - end_customers
    spend = figures.get("sales_marketing_spend")
    revenue = figures.get("revenue")
    churn = ratio(lost, start)
    lifespan = figures.get("customer_lifespan_years")
    if lifespan is None:
        lifespan = options.clv_lifespan_years
    if lifespan is None and churn is not None and churn > 0:
        lifespan = 1 / (12 * churn)
    cac = ratio(spend, new)
    clv = None
    if None not in (revenue, start, end_customers, lifespan, cac):
        assert revenue is not None and start is not None and end_customers is not None
        assert lifespan is not None and cac is not None
        annual_per_customer = ratio(revenue * 12, (start + end_customers) / 2)
        if annual_per_customer is not None:
            clv = annual_per_customer * lifespan - cac
    retention = (ratio(end_customers - new, start)
                 if end_customers is not None and new is not None else None)

    fcr = None
    if has_replies and has_resolved:
        fcr = ratio(sum(1 for t in resolved if t.replies is not None and t.replies <= options.fcr_max_replies
                        and t.reopens == 0), len(resolved))
    kpis: dict[str, Any] = {
        "nps": None if not nps_scores else (promoters - detractors) / len(nps_scores) * 100,
        "csat": ratio(sum(1 for s in csat_scores if s >= options.csat_satisfied_min), len(csat_scores)),
        "ces": ratio(sum(1 for s in ces_scores if s >= options.ces_low_effort_min), len(ces_scores)),
        "ticket_volume": len(created),
        "retention_rate": retention,
        "churn_rate": churn,
        "cac": cac,
        "clv": clv,
        "avg_first_response_hours": mean(first_response),
        "avg_resolution_hours": mean(resolution),
        "fcr_rate": fcr,
        "resolution_rate": ratio(sum(1 for t in created if t.resolved is not None), len(created)),
        "median_first_response_hours": quantile(first_response, 0.5),
        "p90_first_response_hours": quantile(first_response, 0.9),
        "median_resolution_hours": quantile(resolution, 0.5),
        "p90_resolution_hours": quantile(resolution, 0.9),
        "sla_first_response_rate": ratio(sum(1 for h in first_response if h <= options.sla_hours),
                                         len(inbound)),
        "outbound_tickets": len(created) - len(inbound),
        "reopen_rate": (ratio(sum(1 for t in resolved if t.reopens > 0), len(resolved))
                        if has_reopens else None),
        "backlog_open": len(backlog),
        "tickets_per_agent": ratio(len(assigned), len(agents)),
        "negative_feedback_rate": ratio(sum(1 for s in csat_scores if s <= options.csat_negative_max),
                                        len(csat_scores)),
        "nps_responses": len(nps_scores),
        "csat_responses": len(csat_scores),
        "ces_responses": len(ces_scores),
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
    }
    by_category = dict(Counter(t.category for t in created))
    by_channel = dict(Counter(t.channel for t in inbound))
    by_agent = dict(Counter(t.agent for t in assigned if t.agent is not None))
    agent_rate = {}
    agent_first = {}
    for agent, count in by_agent.items():
        mine = [t for t in assigned if t.agent == agent]
        agent_rate[agent] = sum(1 for t in mine if t.resolved is not None) / count
        durations = [hours(t.first_response, t.created) for t in mine
                     if t.first_response is not None and id(t) in inbound_ids]
        if durations:
            agent_first[agent] = sum(durations) / len(durations)
    breakdowns = {
        "tickets_by_category": by_category,
        "tickets_by_channel": by_channel,
        "category_share": {k: v / len(created) for k, v in by_category.items()},
        "channel_share": {k: v / len(inbound) for k, v in by_channel.items()},
        "agent_tickets": by_agent,
        "agent_resolution_rate": agent_rate,
        "agent_avg_first_response_hours": agent_first,
    }
    if not has_resolved:  # not "nothing resolved": unknown
        for kpi in ("resolution_rate", "reopen_rate", "backlog_open"):
            kpis[kpi] = None
        breakdowns["agent_resolution_rate"] = {}
    if not has_first:
        kpis["sla_first_response_rate"] = None
    return {"kpis": kpis, "breakdowns": breakdowns}


# ---- writing a project for the engine (stdlib only) ------------------------------

def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def write_project(root: Path, tickets: Sequence[Sequence[object]] = (),
                  surveys: Sequence[Sequence[object]] = (), business: Sequence[Sequence[object]] = (),
                  options: Options | None = None, *, ticket_header: Sequence[str] = TICKET_HEADER,
                  survey_header: Sequence[str] = SURVEY_HEADER,
                  business_header: Sequence[str] = BUSINESS_HEADER) -> Path:
    """Write the three CSVs and a config.yaml carrying ``options``; return the config path."""
    options = options or Options()
    write_csv(root / "data" / "tickets.csv", ticket_header, tickets)
    write_csv(root / "data" / "surveys.csv", survey_header, surveys)
    write_csv(root / "data" / "business.csv", business_header, business)
    source_tz = "" if options.source_timezone is None else f", timezone: \"{options.source_timezone}\""
    outbound = ("" if not options.outbound_channels
                else ", outbound_channels: [" + ", ".join(f'"{c}"' for c in options.outbound_channels) + "]")
    config = root / "config.yaml"
    config.write_text(
        f'report: {{title: "Reference", timezone: "{options.timezone}", currency: "EUR"}}\n'
        'history: {path: "history.duckdb"}\n'
        "sources:\n"
        f'  tickets: {{path: "data/tickets.csv", preset: generic{source_tz}{outbound}}}\n'
        f'  surveys: {{path: "data/surveys.csv", preset: generic{source_tz}}}\n'
        '  business: {path: "data/business.csv"}\n' + options.config_yaml(),
        encoding="utf-8",
    )
    return config
