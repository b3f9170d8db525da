"""Aggregate stage: the generated measure queries → :class:`MonthMeasures` per month.

Dimension values (category, channel, agent) are merged here, on the few distinct
values the queries return: names that differ only in case or surrounding spaces
are one value, shown in its most frequent spelling over the whole dataset (by
number of tickets; on a tie, the spelling that sorts first), preferring a spelling
that is not all capitals when there is one ("Web form" over a more frequent
"WEB FORM": the report is read by leadership). An empty value is
the dimension's default (``Uncategorized``, ``Unknown``) or, for agents, no agent; a
value spelled like the default in any report language ("Senza categoria", "未分類") is
the default too, so each report shows it once, in its own language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import cast
from zoneinfo import ZoneInfo

import duckdb

from reportgen.config import Config
from reportgen.engine.sqlgen import Query, measures_sql
from reportgen.kpis import shown_kpis
from reportgen.measures import (
    BUSINESS_MEASURES,
    DIMENSION_DEFAULTS,
    MEASURES,
    MonthMeasures,
    active_measures,
    default_spellings,
    needed_columns,
    segment_measure_name,
)
from reportgen.sources.outbound import outbound_channels


def label(raw: str | None, default: str | None) -> str | None:
    """A category/channel/agent name as written: trimmed, or the default when empty."""
    text = (raw or "").strip()
    return text or default


def merge_spellings(counts: Counter[str]) -> dict[str, str]:
    """Trimmed spelling → the spelling shown for it (case-insensitive groups, most frequent wins, but
    a spelling in all capitals only when the group has no other)."""
    groups: dict[str, Counter[str]] = {}
    for spelling, count in counts.items():
        groups.setdefault(spelling.casefold(), Counter())[spelling] += count
    shown: dict[str, str] = {}
    for spellings in groups.values():
        best = min(spellings, key=lambda s: (s.isupper(), -spellings[s], s))
        for spelling in spellings:
            shown[spelling] = best
    return shown


def aggregate(con: duckdb.DuckDBPyConnection, config: Config, dataset: str,
              months: dict[str, MonthMeasures]) -> None:
    """Run every generated query of ``dataset`` over its cleaned view and file the values by month."""
    for query in measures_sql(dataset, config.kpis, business_hours=config.has_business_hours,
                              outbound=outbound_channels(config), merge_dimensions=True, hour_sums="exact"):
        rows = con.execute(query.sql).fetchall()
        if query.per_dimension:  # several dimensions at once: each filed as its own query's rows
            offset = 0
            for dimension, measures in query.per_dimension:
                part = replace(query, dimension=dimension, measures=measures, per_dimension=())
                file_dimension(part, [(month, raw, *values[offset:offset + len(measures)])
                                      for month, name, raw, *values in rows if name == dimension], months)
                offset += len(measures)
        elif query.dimension is None:
            for month, *values in rows:
                months.setdefault(month, MonthMeasures()).scalars.update(
                    zip(query.measures, values, strict=True))
        else:
            file_dimension(query, rows, months)


def file_dimension(query: Query, rows: list[tuple[object, ...]], months: dict[str, MonthMeasures]) -> None:
    """File a dimension query's rows ``(month, raw value, value…)`` by month under the merged
    spelling of each value (also used for rows a warehouse computed)."""
    dimension = query.dimension
    assert dimension in DIMENSION_DEFAULTS
    default = DIMENSION_DEFAULTS[dimension]
    aliases = default_spellings(dimension)

    def name_of(raw: object) -> str | None:  # the default also when written in any language
        name = label(None if raw is None else str(raw), default)
        return default if name is not None and name.casefold() in aliases else name

    spellings: Counter[str] = Counter()
    for _, raw, first, *_ in rows:  # an empty value is the default, merged with its other spellings
        name = name_of(raw)
        if name is not None:
            spellings[name] += int(cast(float, first))
    shown = merge_spellings(spellings)
    for month, raw, *values in rows:
        name = name_of(raw)
        if name is None:
            continue
        key = shown[name]
        dims = months.setdefault(str(month), MonthMeasures()).dims
        for measure, value in zip(query.measures, values, strict=True):
            per_key = dims.setdefault(measure, {})
            per_key[key] = per_key.get(key, 0) + cast(float, value)


# per dimension, the measure whose spellings every other measure of the dimension takes: the tickets
# created, whose query merges every month's spellings at once (``file_dimension``)
_SPELLED_BY = {"category": "category_tickets", "channel": "channel_tickets", "agent": "agent_tickets"}


def one_spelling(months: dict[str, MonthMeasures]) -> None:
    """Spell each category, channel and agent alike in every measure of its dimension.

    Each query merges the spellings of its own rows: the tickets created by agent saw "Ann",
    "ann" and "ANN" and show "Ann", but the survey scores by agent (``drivers.agent.*``, through
    the ticket a response names) saw only "ann" and showed that, so the report and the JSON
    held the same agent under two keys. Every measure of a dimension now takes the spelling
    its tickets-created measure chose (a name no ticket has keeps its own)."""
    for dimension, spelled_by in _SPELLED_BY.items():
        chosen: dict[str, str] = {}
        for measures in months.values():
            for name in measures.dims.get(spelled_by, {}):
                chosen.setdefault(name.casefold(), name)
        if not chosen:
            continue
        segments = segment_measure_name(dimension, "")
        for measures in months.values():
            for key, values in measures.dims.items():
                info = MEASURES.get(key)
                if key == spelled_by or not ((info is not None and info.dimension == dimension)
                                             or key.startswith(segments)):
                    continue
                # one query filled each measure: a spelling group has one name in it, so no two collide
                measures.dims[key] = {chosen.get(name.casefold(), name): value
                                      for name, value in values.items()}


def absent_inputs(config: Config, columns: set[str], *, read: bool = True) -> list[str]:
    """A note (for `validate`) per optional ticket column no source has.

    ``read``: False when a ticket source or file could not be read (its error is the message):
    ``columns`` then lacks what it holds, so no note is made.
    """
    if not read or not config.sources.of("tickets"):
        return []
    helpdesk, business_clock = _from_helpdesk(config), config.kpis.sla.clock == "business"
    needs = {info.name: set(needed_columns(info, helpdesk, business_clock))
             for info in active_measures(config.has_business_hours)}
    needed = set().union(*needs.values())
    notes = []
    for column in sorted(needed - columns):
        kpis = [k.id for k in shown_kpis(config.has_business_hours) if k.breakdown is None
                and any(column in needs.get(name, ()) for name in k.expression.measures())]
        named = f" ({', '.join(kpis)})" if kpis else ""
        notes.append(f"tickets: no source has a {column} column — the KPIs computed from it{named} "
                     "have no value (not 0)")
    return notes


def _from_helpdesk(config: Config) -> bool:
    return config.business_hours is not None and config.business_hours.from_helpdesk


def coverage(con: duckdb.DuckDBPyConnection, relation: str, column: str,
             report_tz: str) -> tuple[dt.date, dt.date] | None:
    """First and last local day (report zone) of a usable row's main timestamp; None without rows."""
    # the first and last instants, made local here: no per-row time-zone conversion
    row = con.execute(f"SELECT min({column}), max({column}) FROM {relation}").fetchone()
    if row is None or row[0] is None:
        return None
    zone = ZoneInfo(report_tz)
    return row[0].astimezone(zone).date(), row[1].astimezone(zone).date()


def finish(months: dict[str, MonthMeasures], config: Config, business: dict[str, dict[str, float | None]],
           columns: set[str], opening_backlog: float = 0) -> None:
    """Derived measures, zero-filled counts, business figures and the business defaults.

    Runs once every month is known (survey- or business-only months included):
    the backlog of a month without ticket activity is still the open tickets.
    ``columns``: the canonical ticket columns the sources have; a measure that ``needs``
    one they lack has no value (``MeasureInfo.needs``). ``opening_backlog``: the tickets open
    when the first month starts (a warehouse computing only some months counts them).
    """
    for month in business:
        months.setdefault(month, MonthMeasures())
    one_spelling(months)
    created_total, resolved_total = float(opening_backlog), 0.0
    for month in sorted(months):
        scalars = months[month].scalars
        created_total += float(scalars.get("tickets_created") or 0)
        resolved_total += float(scalars.get("tickets_resolved") or 0)
        scalars["backlog_open"] = created_total - resolved_total
        per_agent = months[month].dims.get("agent_tickets", {})
        scalars["assigned_tickets"] = sum(per_agent.values())
        scalars["distinct_agents"] = len(per_agent)
    lifespan_config = config.kpis.clv.customer_lifespan_years
    active = active_measures(config.has_business_hours)
    helpdesk, business_clock = _from_helpdesk(config), config.kpis.sla.clock == "business"
    unknown = [info for info in active if not set(needed_columns(info, helpdesk, business_clock)) <= columns]
    for month, measures in months.items():
        scalars = measures.scalars
        for info in active:
            if info.dimension is None and info.aggregation != "business":
                if info.zero_when_absent and scalars.get(info.name) is None:
                    scalars[info.name] = 0
                scalars.setdefault(info.name, None)
        for info in unknown:
            if info.dimension is None:
                scalars[info.name] = None
            else:
                measures.dims.pop(info.name, None)
        figures = business.get(month, {})
        for name in BUSINESS_MEASURES:
            scalars[name] = figures.get(name)
        start, end, new = (scalars["customers_start"], scalars["customers_end"], scalars["customers_new"])
        if scalars["customers_lost"] is None and start is not None and end is not None and new is not None:
            scalars["customers_lost"] = start + new - end
        if scalars["customer_lifespan_years"] is None:
            scalars["customer_lifespan_years"] = lifespan_config
        lost = scalars["customers_lost"]
        if scalars["customer_lifespan_years"] is None and start and lost is not None and lost > 0:
            scalars["customer_lifespan_years"] = 1 / (12 * (lost / start))
