"""A seeded, realistic sample project for ``reportgen demo``.

The demo must work with no config and no account, yet look like a real support
team's year: a growing subscription business, a channel mix with email on top,
fast chat/phone and slower email, a few never-answered and unresolved tickets,
survey scores that slowly improve, and a Shipping spike in the last month (a
carrier disruption) so the charts and the email's "spiking category" have a
story to tell. A handful of deliberate data problems (re-exported duplicates,
a hand-typed date, a resolution before creation) give the Data Quality tab
something to show.

Everything comes from ``random.Random`` seeded by ``seed`` and from
``end_month`` — never the clock or hash order — so one seed gives byte-identical
files, which keeps the demo report and its tests reproducible.
"""

from __future__ import annotations

import csv
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from reportgen.errors import ReportgenError

__all__ = ["AGENTS", "CATEGORIES", "CHANNELS", "DEMO_TIMEZONE", "write_demo_project"]

DEMO_TIMEZONE = "Europe/Rome"
_TZ = ZoneInfo(DEMO_TIMEZONE)

CATEGORIES: tuple[str, ...] = ("Sales question", "Technical issue", "Cancellation", "Return", "Shipping",
                               "Product availability")
CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "web form", "social")
AGENTS: tuple[str, ...] = ("Giulia", "Marco", "Sofia", "Luca", "Chiara", "Omar", "Elena", "Tom")

_SPIKE_CATEGORY = "Shipping"
_MARKER = "# Written by `reportgen demo`"
# the demo's last month of tickets holds two rows made wrong on purpose (see _write_tickets), so the
# Data Quality tab and the excluded-rows notice have something to show; `reportgen demo` says so
PLANTED_PROBLEMS = ("The sample data has 2 tickets made wrong on purpose, to show how reportgen reports "
                    "bad rows: one with a day-first date (excluded) and one resolved before it was created "
                    "(its resolution time discarded).")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# Base shares of each category / channel (a monthly draw shifts them a little).
_CATEGORY_WEIGHTS = {"Sales question": 0.17, "Technical issue": 0.25, "Cancellation": 0.08, "Return": 0.15,
                     "Shipping": 0.19, "Product availability": 0.16}
_CHANNEL_WEIGHTS = {"email": 0.39, "chat": 0.25, "phone": 0.17, "web form": 0.13, "social": 0.06}
_SPIKE_CHANNELS = {"email": 0.6, "web form": 0.3, "social": 0.1}  # "where is my parcel?" is written
# Calendar seasonality of ticket volume: the holiday peak, a January return wave, a quiet August.
_SEASON = {1: 1.08, 2: 0.96, 3: 0.97, 4: 0.95, 5: 0.96, 6: 0.93, 7: 0.92, 8: 0.80, 9: 1.0, 10: 1.0,
           11: 1.10, 12: 1.18}
# Median hours to a first reply and to resolution (log-normal around these).
_FIRST_RESPONSE_MEDIAN = {"phone": 0.03, "chat": 0.07, "social": 1.2, "email": 2.6, "web form": 3.0}
_RESOLUTION_MEDIAN = {"Sales question": 3.0, "Technical issue": 20.0, "Cancellation": 7.0, "Return": 40.0,
                      "Shipping": 22.0, "Product availability": 6.0}
_RESOLUTION_CHANNEL = {"phone": 0.45, "chat": 0.5, "social": 0.9, "email": 1.0, "web form": 1.1}
_LIVE_CHANNELS = frozenset({"phone", "chat"})
# Support desk hours (local): asynchronous tickets arriving outside them wait for the morning.
_OPEN_HOUR, _CLOSE_HOUR = 8, 20

_COMMENTS = {
    "good": ("Quick and friendly, thanks!", "Solved on the first try.", "Great support as always.",
             "Very helpful agent.", "Clear answer, thank you.", "Fast reply, problem gone."),
    "neutral": ("OK in the end.", "Took a while but it was solved.", "Fine, nothing special.",
                "Had to explain twice.", "Answer was a bit generic."),
    "bad": ("Waited far too long for an answer.", "Still not fixed.", "Had to contact you three times.",
            "Nobody read my first message.", "Very slow, disappointed."),
}
_BAD_BY_CATEGORY = {
    "Shipping": ("My parcel is a week late and nobody knows where it is.", "Tracking never updated."),
    "Return": ("The refund took ages.", "Return label did not work."),
    "Cancellation": ("Cancelling should not be this hard.",),
    "Product availability": ("Out of stock again.",),
}


@dataclass
class _Business:
    month: str
    start: int
    end: int
    new: int
    lost: int
    spend: float
    revenue: float


@dataclass
class _Ticket:
    number: int
    month_index: int
    created: datetime  # aware, UTC
    category: str
    channel: str
    agent: str | None
    customer: str
    first_response: datetime | None = None
    resolved: datetime | None = None
    replies: int = 0
    reopens: int = 0
    style: str = "offset"  # how its timestamps are written: offset, naive or utc


@dataclass
class _Response:
    submitted: datetime
    kind: str
    score: int
    ticket: _Ticket | None
    comment: str = ""
    style: str = "offset"


@dataclass
class _Month:
    index: int
    year: int
    month: int
    start: datetime = field(init=False)  # aware UTC instants of the month's bounds
    end: datetime = field(init=False)

    def __post_init__(self) -> None:
        following = (self.year + self.month // 12, self.month % 12 + 1)
        self.start = datetime(self.year, self.month, 1, tzinfo=_TZ).astimezone(UTC)
        self.end = datetime(*following, 1, tzinfo=_TZ).astimezone(UTC)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def days(self) -> int:
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return (following - date(self.year, self.month, 1)).days


def write_demo_project(folder: Path, *, end_month: str = "2026-10", months: int = 12, seed: int = 7) -> Path:
    """Write data/tickets-YYYY-MM.csv (one per month), data/surveys.csv, data/business.csv and config.yaml
    into folder; return the config path.

    The folder is the demo's own: its config, sample files and history store are
    replaced (a stale history would keep an earlier demo's numbers). A folder
    whose config.yaml was not written by the demo is refused, so a real project
    is never overwritten.
    """
    match = _MONTH.match(end_month)
    if not match:
        raise ReportgenError(f"demo: '{end_month}' is not a month", hint="use YYYY-MM (e.g. 2026-10)")
    if months < 2:
        raise ReportgenError(f"demo: months must be at least 2, got {months}")
    folder = Path(folder)
    config_path = folder / "config.yaml"
    if config_path.exists() and not config_path.read_text(encoding="utf-8").startswith(_MARKER):
        raise ReportgenError(f"{config_path} exists and was not written by `reportgen demo`",
                             hint="pass --dir with a new or empty folder")
    year, month = int(match.group(1)), int(match.group(2))
    first = year * 12 + month - 1 - (months - 1)
    calendar = [_Month(i, (first + i) // 12, (first + i) % 12 + 1) for i in range(months)]

    business = _business(random.Random(f"{seed}:business"), calendar)
    tickets = _tickets(random.Random(f"{seed}:tickets"), calendar, business)
    responses = _surveys(random.Random(f"{seed}:surveys"), calendar, tickets)

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    written = _write_tickets(random.Random(f"{seed}:problems"), data, calendar, tickets)
    for stale in sorted(data.glob("tickets-*.csv")):
        if stale not in written:
            stale.unlink()
    _write_surveys(data / "surveys.csv", responses)
    _write_business(data / "business.csv", business)
    for name in ("reportgen-history.duckdb", "reportgen-history.duckdb.wal"):
        (folder / name).unlink(missing_ok=True)
    config_path.write_text(_config_text(), encoding="utf-8", newline="\n")
    return config_path


# ---- business ------------------------------------------------------------------------------------

def _business(rng: random.Random, calendar: Sequence[_Month]) -> list[_Business]:
    """A growing subscription business: churn easing from ~3.6 % to ~2.4 %, CAC around 280 EUR."""
    rows: list[_Business] = []
    customers = 2080
    last = len(calendar) - 1
    for m in calendar:
        t = m.index / last
        campaign = 1.15 if m.month in (11, 12) else 1.0
        new = round((125 + 45 * t) * campaign + rng.gauss(0, 8))
        churn = min(0.04, max(0.02, 0.036 - 0.012 * t + rng.gauss(0, 0.0015)))
        lost = round(customers * churn)
        end = customers + new - lost
        cac = 265 + 25 * campaign + rng.gauss(0, 15)
        arpu = 46.0 + 0.35 * m.index + rng.gauss(0, 0.4)
        rows.append(_Business(m.label, customers, end, new, lost, round(new * cac, -1),
                              round((customers + end) / 2 * arpu, 2)))
        customers = end
    return rows


# ---- tickets -------------------------------------------------------------------------------------

def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


def _local_instant(day: date, hour: int, rng: random.Random) -> datetime:
    """A wall-clock moment of that day in the demo zone, as a UTC instant."""
    wall = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), _TZ)
    return wall.astimezone(UTC)


def _created(rng: random.Random, m: _Month, channel: str, spike: bool) -> datetime:
    """Weekdays busier than weekends; live channels only while the desk is open; no 02:xx (DST)."""
    if spike:  # the carrier disruption hit in the middle of the month
        day = date(m.year, m.month, rng.randint(6, min(24, m.days)))
    else:
        days = [date(m.year, m.month, d) for d in range(1, m.days + 1)]
        day = rng.choices(days, [1.15 if d.weekday() < 5 else 0.6 for d in days])[0]
    if channel in _LIVE_CHANNELS:
        hour = rng.choices(range(_OPEN_HOUR, _CLOSE_HOUR),
                           [3, 5, 6, 6, 5, 4, 5, 5, 4, 3, 2, 1])[0]
    else:
        hours = [h for h in range(24) if h != 2]
        hour = rng.choices(hours, [0.4 if h < 7 else 3 if h < 9 else 5 if h < 19 else 2 for h in hours])[0]
    return _local_instant(day, hour, rng)


def _desk_open_after(instant: datetime) -> datetime:
    """The instant itself when the desk is open, else the next opening (08:00 local)."""
    local = instant.astimezone(_TZ)
    if _OPEN_HOUR <= local.hour < _CLOSE_HOUR:
        return instant
    day = local.date() if local.hour < _OPEN_HOUR else local.date() + timedelta(days=1)
    return datetime.combine(day, time(_OPEN_HOUR), _TZ).astimezone(UTC)


def _tickets(rng: random.Random, calendar: Sequence[_Month], business: Sequence[_Business]) -> list[_Ticket]:
    """Every ticket of the year, with the state it has at the export (the end of the last month)."""
    export = calendar[-1].end
    last = len(calendar) - 1
    speed = {agent: rng.uniform(0.75, 1.3) for agent in AGENTS}
    tickets: list[_Ticket] = []
    for m, biz in zip(calendar, business, strict=True):
        t = m.index / last
        volume = round((biz.start + biz.end) / 2 * 0.158 * _SEASON[m.month] * rng.uniform(0.96, 1.04))
        categories = {c: w * rng.uniform(0.9, 1.1) for c, w in _CATEGORY_WEIGHTS.items()}
        if m.month in (11, 12):
            categories["Shipping"] *= 1.3
        if m.month == 1:
            categories["Return"] *= 1.5
        # the last month's carrier disruption: +12–20 % tickets, all Shipping (total kept near 600)
        extra_spike = 0
        if m.index == last:
            extra_spike = max(round(volume * 0.12), min(round(volume * 0.2), 600 - volume))
        team = AGENTS if m.index >= 3 else AGENTS[:-1]  # Tom joined in the fourth month
        for n in range(volume + extra_spike):
            spike = n >= volume
            category = _SPIKE_CATEGORY if spike else _pick(rng, categories)
            channel = _pick(rng, _SPIKE_CHANNELS if spike else _CHANNEL_WEIGHTS)
            customer = f"C{rng.randint(1, biz.end) + 10000:05d}"
            ticket = _Ticket(0, m.index, _created(rng, m, channel, spike), category, channel,
                             rng.choice(team), customer)
            _lifecycle(rng, ticket, t, speed, export, slow=spike)
            tickets.append(ticket)
    tickets.sort(key=lambda tk: (tk.created, tk.category, tk.channel, tk.customer))
    for number, ticket in enumerate(tickets, start=24001):
        ticket.number = number
    return tickets


def _lifecycle(rng: random.Random, ticket: _Ticket, t: float, speed: dict[str, float], export: datetime,
               *, slow: bool) -> None:
    """First reply, resolution, replies and reopens; the team gets a little faster over the year."""
    assert ticket.agent is not None
    factor = speed[ticket.agent] * (1 - 0.25 * t)
    roll = rng.random()
    ticket.style = "naive" if roll < 0.02 else "utc" if roll < 0.04 else "offset"
    answered = ticket.channel in _LIVE_CHANNELS or rng.random() > 0.045
    if answered:
        median = _FIRST_RESPONSE_MEDIAN[ticket.channel] * factor
        delay = timedelta(hours=median * math.exp(rng.gauss(0, 0.9)))
        if ticket.channel in _LIVE_CHANNELS:
            ticket.first_response = ticket.created + delay
        else:
            ticket.first_response = _desk_open_after(ticket.created + delay)
            if ticket.first_response != ticket.created + delay:
                ticket.first_response += timedelta(minutes=rng.randint(5, 150) * factor)
        live = ticket.channel in _LIVE_CHANNELS
        ticket.replies = rng.choices((1, 2, 3, 4, 5), (75, 17, 6, 1, 1) if live else (42, 31, 16, 7, 4))[0]
        if ticket.category == "Technical issue" and rng.random() < 0.3:
            ticket.replies += 1
    else:
        ticket.agent = None if rng.random() < 0.7 else ticket.agent
    closes = rng.random() > (0.03 if answered else 0.6)
    if closes:
        median = _RESOLUTION_MEDIAN[ticket.category] * _RESOLUTION_CHANNEL[ticket.channel] * (1 - 0.15 * t)
        median *= 1.8 if slow else 1.0
        hours = median * math.exp(rng.gauss(0, 1.0))
        start = ticket.first_response or ticket.created
        ticket.resolved = max(ticket.created + timedelta(hours=hours),
                              start + timedelta(minutes=rng.randint(1, 30)))
        ticket.reopens = rng.choices((0, 1, 2), (91, 8, 1))[0] if answered else 0
        if ticket.reopens:
            ticket.resolved += timedelta(hours=rng.uniform(12, 96))
        if ticket.resolved != _desk_open_after(ticket.resolved):  # closed by the morning shift
            ticket.resolved = _desk_open_after(ticket.resolved) + timedelta(minutes=rng.randint(5, 120))
    # the export shows each ticket as it stood at the end of the last month
    if ticket.first_response is not None and ticket.first_response >= export:
        ticket.first_response, ticket.replies = None, 0
    if ticket.resolved is not None and ticket.resolved >= export:
        ticket.resolved, ticket.reopens = None, 0


# ---- surveys -------------------------------------------------------------------------------------

def _quota_scores(rng: random.Random, count: int, bands: Sequence[tuple[float, Sequence[int],
                  Sequence[float]]]) -> list[int]:
    """Scores for `count` respondents ordered worst experience first, band by band (worst band first).

    Drawing band sizes from the target shares (plus a little noise) instead of
    scoring each response independently keeps the year's trend visible in
    small monthly samples.
    """
    scores: list[int] = []
    for share, values, weights in bands[:-1]:
        size = max(0, round(count * (share + rng.gauss(0, 0.012))))
        scores.extend(rng.choices(values, weights, k=min(size, count - len(scores))))
    values, weights = bands[-1][1], bands[-1][2]
    scores.extend(rng.choices(values, weights, k=count - len(scores)))
    # within the list, worse scores first so they go to the worse experiences
    return sorted(scores)


def _surveys(rng: random.Random, calendar: Sequence[_Month], tickets: Sequence[_Ticket]) -> list[_Response]:
    """CSAT and CES a few hours after resolution, NPS a few days later; scores track the experience.

    Who answers and when is drawn first; scores are then dealt per submission
    month (the month a KPI counts them in), so each month meets its target mix.
    """
    export = calendar[-1].end
    last = len(calendar) - 1
    rates = {"nps": 0.2, "csat": 0.3, "ces": 0.12}
    answered: dict[tuple[int, str], list[tuple[datetime, _Ticket | None]]] = {}

    def answer(kind: str, ticket: _Ticket | None, submitted: datetime) -> None:
        if submitted < export:  # later answers were not in the export yet
            index = next(m.index for m in calendar if submitted < m.end)
            answered.setdefault((index, kind), []).append((submitted, ticket))

    for ticket in tickets:
        if ticket.resolved is None:
            continue
        for kind in ("nps", "csat", "ces"):
            if rng.random() < rates[kind]:
                answer(kind, ticket, _submitted(rng, kind, ticket))
    for m in calendar:  # the relational NPS mail also reaches customers without a ticket
        for _ in range(8):
            answer("nps", None, m.start + timedelta(days=rng.uniform(0, m.days - 0.5)))

    responses: list[_Response] = []
    for (index, kind), group in sorted(answered.items(), key=lambda item: item[0]):
        group.sort(key=lambda entry: (entry[0], entry[1].number if entry[1] else 0))
        ranked = sorted(((_badness(rng, tk), i, when, tk) for i, (when, tk) in enumerate(group)),
                        key=lambda x: x[:2], reverse=True)
        scores = _quota_scores(rng, len(ranked), _score_plan(kind, index / last))
        for (_, _, submitted, linked), score in zip(ranked, scores, strict=True):
            roll = rng.random()
            style = "utc" if roll < 0.03 else "naive" if roll < 0.05 else "offset"
            comment = _comment(rng, kind, score, linked)
            responses.append(_Response(submitted, kind, score, linked, comment, style))
    responses.sort(key=lambda r: (r.submitted, r.kind, r.ticket.number if r.ticket else 0, r.score))
    return responses


def _score_plan(kind: str, t: float) -> list[tuple[float, Sequence[int], Sequence[float]]]:
    """Score bands, worst first, as (share, scores, weights); the last band takes the rest.

    At t = 0 (first month) NPS ≈ 32, CSAT ≈ 82 %, CES ≈ 73 %; by the last month
    NPS ≈ 44, CSAT ≈ 88 %, CES ≈ 81 %.
    """
    if kind == "nps":
        promoters, detractors = 0.48 + 0.08 * t, 0.16 - 0.04 * t
        return [(detractors, range(7), (1, 1, 1, 2, 3, 5, 8)),
                (1 - promoters - detractors, (7, 8), (45, 55)), (promoters, (9, 10), (45, 55))]
    if kind == "csat":
        return [(0.08 - 0.025 * t, (1, 2), (45, 55)), (0.10 - 0.03 * t, (3,), (1,)), (0.0, (4, 5), (40, 60))]
    return [(0.11 - 0.03 * t, (1, 2), (40, 60)), (0.16 - 0.05 * t, (3,), (1,)), (0.0, (4, 5), (50, 50))]


def _badness(rng: random.Random, ticket: _Ticket | None) -> float:
    """How bad the ticket's experience was: slow, many replies, reopened (plus personal taste)."""
    noise = rng.gauss(0, 1.3)
    if ticket is None or ticket.resolved is None:
        return noise + 2.0  # about a typical ticket's experience
    hours = (ticket.resolved - ticket.created).total_seconds() / 3600
    return noise + 0.5 * math.log1p(hours) + 0.4 * (ticket.replies - 1) + 1.2 * ticket.reopens


def _submitted(rng: random.Random, kind: str, ticket: _Ticket) -> datetime:
    """When the customer answered: CSAT/CES hours after the resolution mail, NPS days later."""
    assert ticket.resolved is not None
    if kind == "nps":
        submitted = ticket.resolved + timedelta(days=rng.uniform(1, 7))
    else:
        submitted = ticket.resolved + timedelta(hours=3 * math.exp(rng.gauss(0, 1.2)))
    local = submitted.astimezone(_TZ)
    if local.hour < 7:  # few people answer surveys at night: the mail is read in the morning
        morning = datetime.combine(local.date(), time(7), _TZ).astimezone(UTC)
        submitted = morning + timedelta(minutes=rng.randint(0, 180))
    return submitted


def _comment(rng: random.Random, kind: str, score: int, ticket: _Ticket | None) -> str:
    if kind == "nps":
        mood = "good" if score >= 9 else "neutral" if score >= 7 else "bad"
    else:
        mood = "good" if score >= 4 else "neutral" if score == 3 else "bad"
    if rng.random() > {"good": 0.25, "neutral": 0.2, "bad": 0.55}[mood]:
        return ""
    options = _COMMENTS[mood]
    if mood == "bad" and ticket is not None and ticket.category in _BAD_BY_CATEGORY and rng.random() < 0.6:
        options = _BAD_BY_CATEGORY[ticket.category]
    return rng.choice(options)


# ---- writing -------------------------------------------------------------------------------------

def _stamp(instant: datetime | None, style: str) -> str:
    """ISO 8601 with the local offset, or (as real exports mix them) naive local wall clock or UTC `Z`."""
    if instant is None:
        return ""
    local = instant.astimezone(_TZ)
    ambiguous = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    if style == "naive" and not ambiguous:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if style == "utc":
        return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat(timespec="seconds")


_TICKET_HEADER = ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                  "agent", "replies", "reopens", "customer_id")


def _ticket_row(ticket: _Ticket) -> list[str]:
    return [str(ticket.number), _stamp(ticket.created, ticket.style),
            _stamp(ticket.first_response, ticket.style), _stamp(ticket.resolved, ticket.style),
            ticket.category, ticket.channel, ticket.agent or "",
            str(ticket.replies), str(ticket.reopens), ticket.customer]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_tickets(rng: random.Random, data: Path, calendar: Sequence[_Month],
                   tickets: Sequence[_Ticket]) -> list[Path]:
    """One export per month, plus the deliberate problems of real exports.

    - the last export overlaps the previous one by a day: three tickets of its
      final day appear again, updated (the later row wins);
    - one ticket of the last month has a hand-typed created_at (``14/10/2026 09:32``);
    - one resolved ticket of the last month has a resolved_at a day before it was created.
    """
    by_month: list[list[list[str]]] = [[] for _ in calendar]
    for ticket in tickets:
        by_month[ticket.month_index].append(_ticket_row(ticket))
    last, previous = calendar[-1], calendar[-2]
    overlap = [tk for tk in tickets if tk.month_index == previous.index][-3:]
    for ticket in overlap:
        # the previous export was taken at the end of its month: later changes were not in it yet
        row = by_month[previous.index][[r[0] for r in by_month[previous.index]].index(str(ticket.number))]
        if ticket.resolved is None or ticket.resolved >= previous.end:
            row[3], row[8] = "", "0"
        if ticket.first_response is None or ticket.first_response >= previous.end:
            row[2], row[7] = "", "0"
    by_month[last.index][:0] = [_ticket_row(tk) for tk in overlap]

    rows = by_month[last.index]
    candidates = [i for i, r in enumerate(rows) if i >= len(overlap) and
                  int(r[1][8:10]) > 12 and r[1][-6] in "+-" and r[3]]
    bad_date, bad_resolution = rng.sample(candidates, 2)
    local = datetime.fromisoformat(rows[bad_date][1]).astimezone(_TZ)
    rows[bad_date][1] = local.strftime("%d/%m/%Y %H:%M")
    created = datetime.fromisoformat(rows[bad_resolution][1])
    rows[bad_resolution][3] = (created - timedelta(days=1, minutes=rng.randint(5, 300))).isoformat()

    paths = []
    for m, month_rows in zip(calendar, by_month, strict=True):
        path = data / f"tickets-{m.label}.csv"
        _write_csv(path, _TICKET_HEADER, month_rows)
        paths.append(path)
    return paths


def _write_surveys(path: Path, responses: Sequence[_Response]) -> None:
    rows = [[f"R{n:06d}", _stamp(r.submitted, r.style), r.kind, str(r.score),
             str(r.ticket.number) if r.ticket else "", r.comment]
            for n, r in enumerate(responses, start=1)]
    _write_csv(path, ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment"), rows)


def _write_business(path: Path, rows: Sequence[_Business]) -> None:
    _write_csv(path, ("month", "customers_start", "customers_end", "customers_new", "customers_lost",
                      "sales_marketing_spend", "revenue"),
               [[b.month, str(b.start), str(b.end), str(b.new), str(b.lost), f"{b.spend:.2f}",
                 f"{b.revenue:.2f}"] for b in rows])


def _config_text() -> str:
    """The demo's config: config.example.yaml's structure with targets that fit the sample business."""
    return f"""{_MARKER}: sample data, safe to delete.
# Every key is explained in config.example.yaml. Relative paths are relative to this file.

report:
  title: "Customer Service Report (demo)"
  timezone: "{DEMO_TIMEZONE}"
  currency: "EUR"
  window_months: 12
  output: "reports/{{month}}.xlsx"

history:
  path: "reportgen-history.duckdb"

kpis:
  csat: {{scale: [1, 5], satisfied_min: 4, negative_max: 2}}
  ces: {{scale: [1, 5], low_effort_min: 4}}
  fcr: {{max_replies: 1}}
  sla: {{first_response_hours: 24}}
  clv: {{customer_lifespan_years: null}}  # null: 1 / (12 × monthly churn)

targets:                         # per KPI id; percent as a fraction
  nps: 40
  csat: 0.85
  ces: 0.75
  retention_rate: 0.97
  churn_rate: 0.03
  cac: 300
  clv: 1500
  avg_first_response_hours: 4
  avg_resolution_hours: 30
  fcr_rate: 0.5
  resolution_rate: 0.95
  sla_first_response_rate: 0.95

sources:
  tickets:
    path: "data/tickets-*.csv"
    preset: generic
  surveys:
    path: "data/surveys.csv"
    preset: generic
  business:
    path: "data/business.csv"
"""
