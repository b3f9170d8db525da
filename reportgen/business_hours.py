"""Business hours: the team's working intervals as instants, and the small SQL table built from them.

KPI_SPEC "Business hours": the business duration from a to b is the length of
[a, b) ∩ the working intervals, each interval placed on its local date in the
schedule's zone and converted to an instant, holidays (whole local days) left out.

The engine never walks tickets in Python. It computes, per ticket, F(b) − F(a)
where F(t) is the working time before t (from an arbitrary origin), read from a
table with one row per UTC day (day number = floor(epoch / 86 400)):

    bh_day    the UTC day number
    bh_cum    working seconds before the day starts
    bh_s<k>, bh_e<k>   the day's working intervals (epoch seconds, clipped to the day);
                       unused slots are empty (start = end = the day's start)

    F(t) = bh_cum + Σ_k max(0, min(t, bh_e<k>) − bh_s<k>)      (the row of t's UTC day)

so every ticket needs one equality join per timestamp on a table of a few
hundred rows, in DuckDB or in a warehouse (the table is a VALUES list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from reportgen.config import BusinessHoursOptions

DAY_SECONDS = 86_400
_UTC = dt.UTC


def local_instant(day: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """The instant of the wall-clock time ``minutes`` after local midnight of ``day`` (24:00 is the
    next midnight). In the hour repeated when clocks go back, the later instant; in the hour
    skipped when they go forward, moved forward by the gap (KPI_SPEC "Periods")."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    # fold=0 is the earlier reading of a repeated time and the pre-gap offset (→ later) of a
    # skipped one; fold=1 the opposite: the later of the two is the rule in both cases
    return max(wall.replace(tzinfo=zone, fold=0).astimezone(_UTC),
               wall.replace(tzinfo=zone, fold=1).astimezone(_UTC))


def holiday_dates(options: BusinessHoursOptions, first: dt.date, last: dt.date) -> set[dt.date]:
    """The listed holidays and the country's public holidays between ``first`` and ``last``."""
    days = {day for day in options.holidays if first <= day <= last}
    if options.country:
        from holidays import country_holidays

        public = country_holidays(options.country, subdiv=options.subdivision,
                                  years=range(first.year, last.year + 1))
        days |= {day for day in public if first <= day <= last}
    return days


def working_intervals(options: BusinessHoursOptions, zone_name: str, first: dt.date, last: dt.date
                      ) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working intervals of the local dates ``first``…``last`` as UTC instants, in order."""
    assert options.week is not None, "a computed schedule has a week"
    zone = ZoneInfo(zone_name)
    closed = holiday_dates(options, first, last)
    out = []
    day = first
    while day <= last:
        if day not in closed:
            for start, end in options.week.of(day.weekday()):
                begin, finish = local_instant(day, start, zone), local_instant(day, end, zone)
                if finish > begin:  # an interval inside a skipped hour has no length
                    out.append((begin, finish))
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class DayTable:
    """The per-UTC-day table of F(t) (see the module's docstring): rows and slot count."""

    rows: list[tuple[float, ...]]  # (bh_day, bh_cum, bh_s1, bh_e1, …)
    slots: int

    @property
    def columns(self) -> list[str]:
        return ["bh_day", "bh_cum"] + [f"bh_{kind}{k}" for k in range(1, self.slots + 1) for kind in "se"]

    def values_sql(self, alias: str = "bh_days") -> str:
        """``(VALUES (…), …) AS bh_days(bh_day, …)``: the table inline, for any SQL dialect."""
        body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in self.rows)
        return f"(VALUES {body}) AS {alias}({', '.join(self.columns)})"

    def typed_sql(self) -> str:
        """A SELECT of the table with typed columns (a warehouse infers VALUES' types per literal)."""
        columns = ", ".join(f"CAST({name} AS {'BIGINT' if name == 'bh_day' else 'DOUBLE'}) AS {name}"
                            for name in self.columns)
        return f"SELECT {columns} FROM {self.values_sql('bh_values')}"

    def working_seconds_before(self, column: str, alias: str) -> str:
        """SQL: F(t) for the epoch seconds ``column``, reading the row joined as ``alias``."""
        slots = range(1, self.slots + 1)
        terms = [f"{alias}.bh_cum"] + [f"greatest(0, least({column}, {alias}.bh_e{k}) - {alias}.bh_s{k})"
                                       for k in slots]
        return "(" + " + ".join(terms) + ")"


def _literal(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def day_table(options: BusinessHoursOptions, zone_name: str, first_day: int, last_day: int) -> DayTable:
    """The F(t) table for UTC days ``first_day``…``last_day`` (epoch day numbers)."""
    first = dt.date(1970, 1, 1) + dt.timedelta(days=first_day - 1)  # a local date may lie a day either side
    last = dt.date(1970, 1, 1) + dt.timedelta(days=last_day + 1)
    by_day: dict[int, list[tuple[float, float]]] = {}
    for begin, finish in working_intervals(options, zone_name, first, last):
        start, end = begin.timestamp(), finish.timestamp()
        while start < end:  # split at UTC midnights
            day = int(start // DAY_SECONDS)
            cut = min(end, (day + 1) * DAY_SECONDS)
            by_day.setdefault(day, []).append((start, cut))
            start = cut
    slots = max((len(parts) for parts in by_day.values()), default=1)
    rows: list[tuple[float, ...]] = []
    cum = 0.0
    for day in range(first_day, last_day + 1):
        parts = by_day.get(day, [])
        origin = float(day * DAY_SECONDS)
        padded = parts + [(origin, origin)] * (slots - len(parts))
        rows.append((day, cum, *[edge for part in padded for edge in part]))
        cum += sum(end - start for start, end in parts)
    return DayTable(rows, slots)


def epoch_day(column: str) -> str:
    """SQL: the UTC day number of an instant (the key of the F(t) table)."""
    return f"CAST(floor(epoch({column}) / {DAY_SECONDS}) AS BIGINT)"


# the business-duration columns of the cleaned tickets (reportgen.engine.sqlgen documents them)
DURATION_COLUMNS = ("first_response_business_hours", "resolution_business_hours")


def durations_sql(table: DayTable, first_response: bool = True) -> tuple[str, str]:
    """(joins, columns): the SQL that adds the business durations to a relation with the instants
    ``created``, ``first_response_any`` and ``resolved_any``, reading the F(t) table ``bh_days``.
    ``columns`` ends with a comma, to go before the select list's next column.
    ``first_response=False``: the source gives no first-response instant (only hours): no value."""
    joined = (("bh_c", "created"), ("bh_f", "first_response_any"), ("bh_r", "resolved_any"))
    joins = " ".join(f"LEFT JOIN bh_days {alias} ON {alias}.bh_day = {epoch_day(column)}"
                     for alias, column in joined if first_response or alias != "bh_f")

    def before(column: str, alias: str) -> str:
        return table.working_seconds_before(f"epoch({column})", alias)

    created = before("created", "bh_c")
    first = (f"CASE WHEN first_response_any >= created THEN ({before('first_response_any', 'bh_f')} "
             f"- {created}) / 3600.0 END" if first_response else "CAST(NULL AS DOUBLE)")
    columns = (f"{first} AS {DURATION_COLUMNS[0]}, "
               f"CASE WHEN resolved_any >= created THEN ({before('resolved_any', 'bh_r')} - {created}) "
               f"/ 3600.0 END AS {DURATION_COLUMNS[1]},")
    return joins, columns


def given_sql(first_response_minutes: str | None, resolution_minutes: str | None) -> str:
    """The business-duration columns from the helpdesk's own business minutes (``from: helpdesk``),
    exactly as given (a negative value is not a duration); NULL where the source has none."""
    def hours(minutes: str | None) -> str:
        if minutes is None:
            return "CAST(NULL AS DOUBLE)"
        return f"CASE WHEN {minutes} >= 0 THEN {minutes} / 60.0 END"

    first, resolution = DURATION_COLUMNS
    return (f"{hours(first_response_minutes)} AS {first}, "
            f"CASE WHEN resolved_any >= created THEN {hours(resolution_minutes)} END AS {resolution},")


def no_durations_sql() -> str:
    return ", ".join(f"CAST(NULL AS DOUBLE) AS {name}" for name in DURATION_COLUMNS) + ","
