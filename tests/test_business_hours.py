"""Business-hour KPIs (KPI_SPEC "Business hours") against the day-by-day reference in
tests/business_reference.py, never against the engine's own output."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from business_reference import business_hours, summary
from conftest import ProjectFactory

from reportgen.api import compute_month, kpis_document
from reportgen.config import load_config, parse_config
from reportgen.errors import ConfigError

BUSINESS_IDS = ("avg_first_response_business_hours", "median_first_response_business_hours",
                "p90_first_response_business_hours", "avg_resolution_business_hours",
                "median_resolution_business_hours", "p90_resolution_business_hours")

# the schedule, in the report's zone (Europe/Rome)
WEEK = {"mon": ["09:00-13:00", "14:00-18:00"], "tue": ["09:00-13:00", "14:00-18:00"],
        "wed": ["09:00-13:00", "14:00-18:00"], "thu": ["09:00-13:00", "14:00-18:00"],
        "fri": ["09:00-16:00"]}
HOLIDAYS = [date(2026, 12, 8), date(2026, 12, 25)]


def yaml_week(week: dict[str, list[str]]) -> str:
    return "\n".join(f"    {day}: [{', '.join(repr(i).replace(chr(39), chr(34)) for i in hours)}]"
                     for day, hours in week.items())


def business_config(week: dict[str, list[str]] = WEEK, zone: str | None = None,
                    holidays: list[date] = HOLIDAYS, sla: str = "") -> str:
    lines = ["business_hours:"]
    if zone:
        lines.append(f'  timezone: "{zone}"')
    lines += ["  week:", yaml_week(week)]
    if holidays:
        lines.append(f"  holidays: [{', '.join(str(d) for d in holidays)}]")
    if sla:
        lines += ["kpis:", f"  sla: {sla}"]
    return "\n".join(lines) + "\n"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def report_month(text: str) -> str:
    return instant(text).astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m")


def month_doc(config: Path, month: str) -> dict[str, Any]:
    return kpis_document(compute_month(load_config(config), month, save=False))


# ---- one ticket per case: its first-response and resolution business hours ----------------------
# (created, answered = resolved, schedule, zone, month)
ROME_DAY = {"sun": ["00:00-24:00"], "mon": ["09:00-18:00"]}
CASES = {
    # Mon 5 Oct: 10:00–13:00 and 14:00–15:30 = 4.5 h (the lunch break is not working time)
    "split day": ("2026-10-05T10:00:00+02:00", "2026-10-05T15:30:00+02:00", WEEK, None),
    # Fri 9 Oct 15:00–16:00, the weekend closed, Mon 12 Oct 09:00–10:00 = 2 h
    "closed days": ("2026-10-09T15:00:00+02:00", "2026-10-12T10:00:00+02:00", WEEK, None),
    # Mon 7 Dec 17:00–18:00, Tue 8 Dec a holiday, Wed 9 Dec 09:00–10:00 = 2 h
    "holiday": ("2026-12-07T17:00:00+01:00", "2026-12-09T10:00:00+01:00", WEEK, None),
    # Sunday 25 Oct 2026 in Rome has 25 hours (clocks back at 03:00); + Mon 09:00–10:00 = 26 h
    "DST end Rome": ("2026-10-24T23:00:00+02:00", "2026-10-26T10:00:00+01:00", ROME_DAY, None),
    # Sunday 1 Nov 2026 in New York has 25 hours; the report is in Rome (another zone)
    "DST end New York": ("2026-10-31T20:00:00-04:00", "2026-11-02T10:00:00-05:00", ROME_DAY,
                         "America/New_York"),
    # Sunday 29 Mar 2026 in Rome has 23 hours: 01:00–04:00 is 2 real hours
    "DST start Rome": ("2026-03-28T12:00:00+01:00", "2026-03-30T12:00:00+02:00",
                       {"sun": ["01:00-04:00"]}, None),
    # Saturday 10 Oct, created and answered outside hours = 0 h
    "outside hours": ("2026-10-10T10:00:00+02:00", "2026-10-10T12:00:00+02:00", WEEK, None),
    # Fri 9 Oct 17:00 → Mon 12 Oct 08:00: nothing between = 0 h
    "over a weekend, outside hours": ("2026-10-09T17:00:00+02:00", "2026-10-12T08:00:00+02:00", WEEK, None),
    # a schedule in Tokyo: Mon 5 Oct 09:00–18:00 JST is 02:00–11:00 in Rome
    "zone other than the report's": ("2026-10-05T01:00:00+02:00", "2026-10-05T05:30:00+02:00", WEEK,
                                     "Asia/Tokyo"),
    # 1 Oct → 15 Dec: eleven weeks with the 8 Dec holiday and the DST change between
    "many weeks": ("2026-10-01T11:15:00+02:00", "2026-12-15T16:45:00+01:00", WEEK, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_ticket_business_durations_match_the_reference(make_project: ProjectFactory, case: str) -> None:
    created, answered, week, zone = CASES[case]
    expected = business_hours(instant(created), instant(answered), week, zone or "Europe/Rome", HOLIDAYS)
    config = make_project(tickets=[("t1", created, answered, answered, "", "", "", "", "")],
                          extra=business_config(week, zone))
    kpis = month_doc(config, report_month(created))["kpis"]
    assert kpis["avg_first_response_business_hours"] == pytest.approx(expected, abs=1e-9)
    assert kpis["median_first_response_business_hours"] == pytest.approx(expected, abs=1e-9)
    resolved = month_doc(config, report_month(answered))["kpis"]
    assert resolved["avg_resolution_business_hours"] == pytest.approx(expected, abs=1e-9)
    assert resolved["p90_resolution_business_hours"] == pytest.approx(expected, abs=1e-9)
    # the calendar KPIs keep their meaning
    calendar = (instant(answered) - instant(created)).total_seconds() / 3600
    assert kpis["avg_first_response_hours"] == pytest.approx(calendar)


def test_reference_hand_checks() -> None:
    """The reference itself on the cases worked out by hand in CASES' comments."""
    def hours(case: str) -> float:
        created, answered, week, zone = CASES[case]
        return business_hours(instant(created), instant(answered), week, zone or "Europe/Rome", HOLIDAYS)

    assert hours("split day") == 4.5
    assert hours("closed days") == 2
    assert hours("holiday") == 2
    assert hours("DST end Rome") == 26
    assert hours("DST end New York") == 26
    assert hours("DST start Rome") == 2
    assert hours("outside hours") == 0
    assert hours("over a weekend, outside hours") == 0
    assert hours("zone other than the report's") == 3.5  # 02:00–05:30 Rome = 09:00–12:30 Tokyo


def test_a_month_of_tickets_mean_median_p90_and_business_sla(make_project: ProjectFactory) -> None:
    rows = [
        ("a", "2026-10-05T10:00:00+02:00", "2026-10-05T15:30:00+02:00", "2026-10-20T11:00:00+02:00"),
        ("b", "2026-10-09T15:00:00+02:00", "2026-10-12T10:00:00+02:00", ""),
        ("c", "2026-10-10T10:00:00+02:00", "2026-10-12T18:00:00+02:00", "2026-10-13T09:30:00+02:00"),
        ("d", "2026-10-23T17:00:00+02:00", "2026-10-27T09:00:00+01:00", "2026-10-30T15:59:00+01:00"),
        ("e", "2026-10-28T08:00:00+01:00", "", ""),  # never answered: no duration, breaches the SLA
        ("f", "2026-10-01T11:15:00+02:00", "2026-10-01T11:16:00+02:00", "2026-10-02T09:00:00+02:00"),
    ]
    tickets = [(i, c, f, r, "", "", "", "", "") for i, c, f, r in rows]
    config = make_project(tickets=tickets, extra=business_config(sla="{first_response_hours: 8, clock: business}"))
    kpis = month_doc(config, "2026-10")["kpis"]

    def durations(column: int) -> list[float]:
        return [business_hours(instant(row[1]), instant(row[column]), WEEK, "Europe/Rome", HOLIDAYS)
                for row in rows if row[column]]

    first = summary(durations(2))
    resolution = summary(durations(3))
    assert first is not None and resolution is not None
    got_first = tuple(kpis[f"{kind}_first_response_business_hours"] for kind in ("avg", "median", "p90"))
    got_resolution = tuple(kpis[f"{kind}_resolution_business_hours"] for kind in ("avg", "median", "p90"))
    assert got_first == pytest.approx(first, abs=1e-9)
    assert got_resolution == pytest.approx(resolution, abs=1e-9)
    # business clock: a 4.5 h, b 2 h, c 8 h (Mon 9–13, 14–18), d 8 h (Fri after closing, Mon 8 h,
    # Tue at opening), f 1 min are within 8 h; e was never answered → 5 / 6 (calendar: a and f, 2 / 6)
    assert kpis["sla_first_response_rate"] == pytest.approx(5 / 6)


def test_without_business_hours_the_kpis_do_not_exist(make_project: ProjectFactory) -> None:
    config = make_project(tickets=[("t1", "2026-10-05T10:00:00+02:00", "2026-10-05T15:30:00+02:00",
                                    "", "", "", "", "", "")])
    kpis = month_doc(config, "2026-10")["kpis"]
    assert not set(BUSINESS_IDS) & set(kpis)
    assert kpis["avg_first_response_hours"] == pytest.approx(5.5)


def test_without_first_response_at_the_business_kpis_have_no_value(make_project: ProjectFactory,
                                                                      tmp_path: Path) -> None:
    config = make_project(tickets=[("t1", "2026-10-05T10:00:00+02:00", "", "", "", "", "", "", "")],
                          extra=business_config())
    kpis = month_doc(config, "2026-10")["kpis"]
    assert kpis["avg_first_response_business_hours"] is None  # never 0
    assert kpis["median_first_response_business_hours"] is None


# ---- a bad schedule is a config error on its YAML line -------------------------------------------
HEAD = 'report: {timezone: "Europe/Rome"}\nsources:\n  tickets: {path: t.csv}\nbusiness_hours:\n'


@pytest.mark.parametrize(("body", "key", "line", "words"), [
    ('  week:\n    mon: "18:00-09:00"\n', "business_hours.week.mon", 6, "ends before it starts"),
    ('  week:\n    tue: "09:00-17:00"\n    mon: ["09:00-13:00", "12:00-18:00"]\n',
     "business_hours.week.mon", 7, "intervals overlap"),
    ('  week:\n    mon: "9-5"\n', "business_hours.week.mon", 6, "'9-5' is not an interval"),
    ('  week:\n    mon: "09:00-25:00"\n', "business_hours.week.mon", 6, "not a time of day"),
    ('  week:\n    monday: "09:00-18:00"\n', "business_hours.week.monday", 6, "did you mean 'mon'?"),
    ('  week: {mon: "09:00-18:00"}\n  country: "XX"\n', "business_hours.country", 6, "unknown country 'XX'"),
    ('  timezone: "Europe/Roma"\n  week: {mon: "09:00-18:00"}\n', "business_hours.timezone", 5,
     "Europe/Rome"),
    ('  week: {}\n', "business_hours", 4, "at least one weekday"),
    ('  from: zendesk\n', "business_hours.from", 5, "helpdesk"),
])
def test_bad_schedule_is_a_config_error_on_its_line(body: str, key: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(HEAD + body)
    message = str(caught.value)
    assert f"{key} (line {line}):" in message, message
    assert words in message, message


def test_business_clock_needs_business_hours() -> None:
    text = 'sources:\n  tickets: {path: t.csv}\nkpis:\n  sla: {first_response_hours: 8, clock: business}\n'
    with pytest.raises(ConfigError, match=r"kpis\.sla\.clock \(line 4\): clock: business needs business_hours"):
        parse_config(text)


def test_business_target_needs_business_hours() -> None:
    text = 'sources:\n  tickets: {path: t.csv}\ntargets:\n  avg_first_response_business_hours: 4\n'
    with pytest.raises(ConfigError, match=r"targets\.avg_first_response_business_hours \(line 4\)"):
        parse_config(text)
    config = parse_config(text + business_config())
    assert config.targets["avg_first_response_business_hours"] == 4


def test_country_and_listed_holidays() -> None:
    config = parse_config(HEAD + '  week: {mon: "09:00-18:00"}\n  country: it\n  holidays: ["2026-08-17"]\n')
    from reportgen.business_hours import holiday_dates

    assert config.business_hours is not None and config.business_hours.country == "IT"
    found = holiday_dates(config.business_hours, date(2026, 8, 1), date(2026, 12, 31))
    # Ferragosto, the listed Monday, St Francis (a national holiday again from 2026), All Saints,
    # Immacolata, Christmas, Santo Stefano
    assert found == {date(2026, 8, 15), date(2026, 8, 17), date(2026, 10, 4), date(2026, 11, 1), date(2026, 12, 8),
                     date(2026, 12, 25), date(2026, 12, 26)}


def test_random_tickets_across_both_clock_changes_match_the_reference(make_project: ProjectFactory) -> None:
    """300 random tickets (minutes to weeks long) over Sep–Dec 2026 on a split, partly 24-hour
    schedule in New York, the report in Rome: every month's six figures equal the reference's."""
    import random
    from datetime import timedelta

    rng = random.Random(2026)
    week = {"mon": ["00:00-02:30", "08:00-12:00", "13:00-24:00"], "tue": ["09:00-17:30"],
            "wed": ["01:30-03:00", "09:00-17:30"], "fri": ["09:00-12:00"], "sun": ["00:00-24:00"]}
    holidays = [date(2026, 11, 26), date(2026, 12, 25)]
    start = datetime(2026, 9, 1, tzinfo=ZoneInfo("Europe/Rome"))
    rows = []
    for number in range(300):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 110))
        answered = created + timedelta(minutes=rng.choice([rng.randrange(0, 600), rng.randrange(0, 60 * 24 * 30)]))
        resolved = answered + timedelta(minutes=rng.randrange(0, 60 * 24 * 40)) if number % 3 else None
        rows.append((f"t{number}", created.isoformat(), answered.isoformat(),
                     resolved.isoformat() if resolved else "", "", "", "", "", ""))
    lines = ["business_hours:", '  timezone: "America/New_York"', "  week:", yaml_week(week),
             f"  holidays: [{', '.join(str(d) for d in holidays)}]"]
    config = make_project(tickets=rows, extra="\n".join(lines) + "\n")
    for month in ("2026-09", "2026-10", "2026-11", "2026-12"):
        kpis = month_doc(config, month)["kpis"]

        for stem, values in (("first_response", durations(rows, 2, 1, month, week, holidays)),
                             ("resolution", durations(rows, 3, 3, month, week, holidays))):
            expected = summary(values)
            assert expected is not None, (month, stem)
            got = tuple(kpis[f"{kind}_{stem}_business_hours"] for kind in ("avg", "median", "p90"))
            assert got == pytest.approx(expected, abs=1e-9), (month, stem)


def durations(rows: list[tuple[str, ...]], column: int, of_month: int, month: str,
              week: dict[str, list[str]], holidays: list[date]) -> list[float]:
    """The reference's business hours from created to ``column`` of the rows whose ``of_month``
    instant is in ``month`` (report zone)."""
    return [business_hours(instant(r[1]), instant(r[column]), week, "America/New_York", holidays)
            for r in rows if r[column] and report_month(r[of_month]) == month]
