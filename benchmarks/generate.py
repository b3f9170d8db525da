"""Deterministic benchmark data: tickets, surveys, business figures and a config.

    python benchmarks/generate.py OUT_DIR [--tickets 1000000] [--surveys 200000]
                                          [--months 1] [--end-month 2026-10] [--seed 42]

Writes ``tickets.csv``, ``surveys.csv``, ``business.csv``, ``config.yaml`` and
``manifest.json`` (the parameters, so callers can reuse a folder) into OUT_DIR.

The data looks like a real helpdesk export: timestamps with an offset, with ``Z``
(some with milliseconds) or naive (wall-clock time in Europe/Rome, some with a
space, some with ``T``, a few date-only); first responses missing for ~10 % of
tickets and resolutions for ~15 %; 6 categories, 5 channels, ~40 agents; ~2 % of
tickets created in the two weeks before the first month (so "resolved in M" and
the backlog include older tickets); a few survey comments spanning two lines
(quoted newlines; ``--no-multiline`` leaves them out); ~0.1 % duplicates (a later row, last one
wins) and ~0.1 % invalid values of every kind CONTRACT.md names.

numpy draws the random numbers when it is installed; otherwise the ``random``
module does (same distributions, different but equally deterministic data).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

try:
    import numpy as np
except ImportError:  # pragma: no cover - the fallback is exercised only without numpy
    np = None  # type: ignore[assignment]

TIMEZONE = "Europe/Rome"
GENERATOR_VERSION = 1

CATEGORIES = ["Billing", "Shipping", "Returns", "Technical", "Account", "Product"]
CATEGORY_WEIGHTS = [0.22, 0.24, 0.14, 0.2, 0.12, 0.08]
CHANNELS = ["email", "chat", "phone", "web", "social"]
CHANNEL_WEIGHTS = [0.38, 0.27, 0.17, 0.13, 0.05]
_FIRST = ["Anna", "Marco", "Giulia", "Luca", "Sofia", "Matteo", "Chiara", "Paolo", "Elena", "Davide",
          "Sara", "Andrea", "Marta", "Simone", "Laura", "Pietro", "Irene", "Fabio", "Noemi", "Diego"]
_LAST = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco",
         "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Giordano", "Mancini", "Rizzo", "Lombardi",
         "Moretti", "Barbieri"]
AGENTS = [f"{_FIRST[i % 20]} {_LAST[(i * 7 + i // 20) % 20]}" for i in range(40)]
NPS_WEIGHTS = [0.03, 0.02, 0.02, 0.03, 0.03, 0.05, 0.07, 0.10, 0.15, 0.22, 0.28]
CSAT_WEIGHTS = [0.05, 0.07, 0.13, 0.35, 0.40]
CES_WEIGHTS = [0.06, 0.10, 0.19, 0.35, 0.30]
COMMENTS = [
    "", "", "", "", "", "", "Great support, thanks!", "Slow answer", "Ottimo servizio, grazie!",
    "très rapide", "Problem solved on the first call", 'Agent said "wait" twice', "ok",
    "Had to repeat myself, twice", "Refund still pending", "Fast and friendly", "meh",
    "Still waiting for the parcel; please call me", "Non risolto", "10/10 would contact again",
    "Too many steps to reset the password", "Nice, but the chat dropped", "👍",
]
TICKET_HEADER = ["ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                 "agent", "replies", "reopens", "customer_id"]
SURVEY_HEADER = ["response_id", "submitted_at", "survey", "score", "ticket_id", "comment"]
BUSINESS_HEADER = ["month", "customers_start", "customers_end", "customers_new", "customers_lost",
                   "sales_marketing_spend", "revenue", "customer_lifespan_years"]
BAD_TIMESTAMPS = ["not a date", "2026-10-32 10:00:00", "10/03/2026 14:00", "soon", "n/a",
                  "2026-13-01T08:00:00Z"]


class Draws:
    """Random draws as Python lists, from numpy when available else from ``random``."""

    def __init__(self, seed: int, use_numpy: bool = True):
        """``use_numpy=False`` forces the pure-Python path."""
        self.np = np.random.default_rng(seed) if (np is not None and use_numpy) else None
        self.py = random.Random(seed)

    def uniform(self, n: int) -> list[float]:
        if self.np is not None:
            return self.np.random(n).tolist()  # type: ignore[no-any-return]
        r = self.py.random
        return [r() for _ in range(n)]

    def ints(self, low: int, high: int, n: int) -> list[int]:
        """Integers in [low, high)."""
        if self.np is not None:
            return self.np.integers(low, high, n).tolist()  # type: ignore[no-any-return]
        r = self.py.randrange
        return [r(low, high) for _ in range(n)]

    def choice(self, weights: Sequence[float], n: int) -> list[int]:
        """Indices into ``weights`` drawn with those (unnormalised) weights."""
        total = float(sum(weights))
        if self.np is not None:
            p = np.asarray(weights, dtype=float) / total
            return self.np.choice(len(weights), size=n, p=p).tolist()  # type: ignore[no-any-return]
        return self.py.choices(range(len(weights)), weights=weights, k=n)

    def lognormal(self, median: float, sigma: float, n: int) -> list[float]:
        if self.np is not None:
            return self.np.lognormal(math.log(median), sigma, n).tolist()  # type: ignore[no-any-return]
        mu, r = math.log(median), self.py.lognormvariate
        return [r(mu, sigma) for _ in range(n)]


# ---- time -------------------------------------------------------------------------

def month_start(month: str, zone: ZoneInfo) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=zone)


def shift_month(month: str, delta: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Clock:
    """Formats epoch seconds as the timestamp styles of real exports, fast (cached per hour)."""

    STYLES = ("offset", "zulu", "naive_space", "naive_t")
    STYLE_WEIGHTS = (0.4, 0.2, 0.25, 0.15)

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._local: dict[int, tuple[str, str, int]] = {}
        self._utc: dict[int, str] = {}

    def _local_hour(self, hour: int) -> tuple[str, str, int]:
        """(local 'YYYY-MM-DDTHH', its '+HH:MM' offset, offset seconds) for an absolute UTC hour."""
        found = self._local.get(hour)
        if found is None:
            local = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.zone)
            offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
            sign = "+" if offset >= 0 else "-"
            text = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
            found = (local.strftime("%Y-%m-%dT%H"), text, offset)
            self._local[hour] = found
        return found

    def _utc_hour(self, hour: int) -> str:
        found = self._utc.get(hour)
        if found is None:
            found = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H")
            self._utc[hour] = found
        return found

    def offset_seconds(self, epoch: float) -> int:
        return self._local_hour(int(epoch // 3600))[2]

    def format(self, epoch: float, style: int, millis: bool = False, foreign: int = 0) -> str:
        """One instant as text; ``foreign``: write it with that fixed offset (seconds) instead."""
        if style == 1:  # Z
            hour, rest = divmod(epoch, 3600)
            minute, second = divmod(rest, 60)
            tail = f"{second:06.3f}" if millis else f"{int(second):02d}"
            return f"{self._utc_hour(int(hour))}:{int(minute):02d}:{tail}Z"
        if style == 0 and foreign:
            moved = epoch + foreign
            hour, rest = divmod(int(moved), 3600)
            sign = "+" if foreign >= 0 else "-"
            return (f"{self._utc_hour(hour)}:{rest // 60:02d}:{rest % 60:02d}"
                    f"{sign}{abs(foreign) // 3600:02d}:{abs(foreign) % 3600 // 60:02d}")
        prefix, offset_text, offset = self._local_hour(int(epoch // 3600))
        local = int(epoch) + offset
        # the local hour prefix is cached by UTC hour: the offset is whole hours in this zone
        rest = local % 3600
        clock = f"{prefix}:{rest // 60:02d}:{rest % 60:02d}"
        if style == 0:
            return clock + offset_text
        if style == 2:
            return clock.replace("T", " ")
        return clock


def hour_weights(start: int, end: int, clock: Clock) -> tuple[list[int], list[float]]:
    """Absolute UTC hours in [start, end) and a weight each: busy on weekday working hours."""
    by_hour = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.0, 1.9, 1.5, 1.6, 1.9, 1.9,
               1.8, 1.6, 1.3, 1.0, 0.8, 0.6, 0.4, 0.25]
    hours = list(range(start // 3600, end // 3600))
    weights = []
    for hour in hours:
        local = datetime.fromtimestamp(hour * 3600 + clock.offset_seconds(hour * 3600), UTC)
        weights.append(by_hour[local.hour] * (0.55 if local.weekday() >= 5 else 1.0))
    return hours, weights


def instants(draws: Draws, hours: list[int], weights: list[float], n: int) -> list[float]:
    """``n`` epoch seconds: an hour by weight, then a uniform second within it."""
    picked = draws.choice(weights, n)
    within = draws.ints(0, 3600, n)
    return [hours[h] * 3600.0 + s for h, s in zip(picked, within, strict=True)]


# ---- datasets --------------------------------------------------------------------------

def _spread(draws: Draws, n: int, rate: float) -> set[int]:
    """About ``rate`` × n distinct row indices."""
    count = round(n * rate)
    return set(draws.ints(0, n, count)) if n else set()


def ticket_rows(draws: Draws, clock: Clock, n: int, start: int, end: int) -> list[list[str]]:
    """Ticket rows in export order (by creation), duplicates and invalid values included."""
    lead_in = round(n * 0.02)
    hours, weights = hour_weights(start, end, clock)
    created = instants(draws, hours, weights, n - lead_in)
    created += [start - 14 * 86400 + u * 14 * 86400 for u in draws.uniform(lead_in)]
    created.sort()
    style = draws.choice(Clock.STYLE_WEIGHTS, n)
    foreign_pick = draws.uniform(n)
    millis = draws.uniform(n)
    has_fr = draws.uniform(n)
    fr_hours = draws.lognormal(1.6, 1.35, n)
    has_res = draws.uniform(n)
    res_hours = draws.lognormal(16.0, 1.25, n)
    category = draws.choice([*CATEGORY_WEIGHTS, 0.02], n)
    channel = draws.choice([*CHANNEL_WEIGHTS, 0.01], n)
    agent = draws.ints(0, len(AGENTS), n)
    no_agent = draws.uniform(n)
    replies = draws.choice([0.07, 0.45, 0.22, 0.12, 0.07, 0.04, 0.02, 0.01], n)
    reopens = draws.choice([0.86, 0.07, 0.03, 0.01, 0.03], n)  # 4 = empty
    customer = draws.ints(1, 250_000, n)
    oddity = draws.uniform(n)

    rows: list[list[str]] = []
    for i in range(n):
        t0 = created[i]
        s = style[i]
        foreign = (-5 * 3600 if foreign_pick[i] < 0.03 else 0) if s == 0 else 0
        ms = s == 1 and millis[i] < 0.25
        if ms:
            t0 = int(t0) + int(millis[i] * 1e6 % 1000) / 1000
        fr = t0 + fr_hours[i] * 3600 if has_fr[i] >= 0.10 else None
        if fr is not None and oddity[i] < 0.001:
            fr = t0  # answered at the very second it was created: 0 hours, valid
        res = None
        if has_res[i] >= 0.15:
            res = (fr if fr is not None else t0) + res_hours[i] * 3600
            res = min(res, t0 + 60 * 86400)
        fr_text = "" if fr is None else clock.format(round(fr, 3) if ms else int(fr), s, ms, foreign)
        res_text = "" if res is None else clock.format(round(res, 3) if ms else int(res), s, ms, foreign)
        cat = CATEGORIES[category[i]] if category[i] < len(CATEGORIES) else ""
        if cat and 0.001 <= oddity[i] < 0.0015:
            cat = f" {cat} "  # stray spaces: trimmed on reading
        rep = str(replies[i])
        if 0.0015 <= oddity[i] < 0.002:
            rep = f"{replies[i]}.0"  # "3.0" is 3
        rows.append([
            f"T{i + 1:08d}",
            clock.format(t0, s, ms, foreign),
            fr_text,
            res_text,
            cat,
            CHANNELS[channel[i]] if channel[i] < len(CHANNELS) else "",
            AGENTS[agent[i]] if no_agent[i] >= 0.05 else "",
            rep,
            "" if reopens[i] == 4 else str(reopens[i]),
            f"C{customer[i]:06d}",
        ])
    _corrupt_tickets(draws, rows, clock)
    return _with_duplicates(draws, rows, _ticket_update(draws, clock))


def _corrupt_tickets(draws: Draws, rows: list[list[str]], clock: Clock) -> None:
    """~0.1 % of rows get one invalid value of each kind the contract counts."""
    n = len(rows)
    kinds: list[Callable[[list[str]], None]] = [
        lambda r: r.__setitem__(0, ""),                                    # missing_ticket_id
        lambda r: r.__setitem__(1, ""),                                    # missing_created_at
        lambda r: r.__setitem__(1, BAD_TIMESTAMPS[len(r[0]) % 3]),         # invalid_created_at
        lambda r: r.__setitem__(2, BAD_TIMESTAMPS[3 + len(r[4]) % 3]),     # invalid_first_response_at
        lambda r: r.__setitem__(2, _earlier(r[1])),                        # first_response_before_created
        lambda r: r.__setitem__(3, BAD_TIMESTAMPS[len(r[5]) % 6]),         # invalid_resolved_at
        lambda r: r.__setitem__(3, _earlier(r[1])),                        # resolved_before_created
        lambda r: r.__setitem__(7, ["two", "-1", "1.5"][len(r[5]) % 3]),   # invalid_replies
        lambda r: r.__setitem__(8, ["x", "-2", "0.5"][len(r[5]) % 3]),     # invalid_reopens
        lambda r: r.__setitem__(1, r[1][:10]),                             # date only: midnight, valid
    ]
    picked = sorted(_spread(draws, n, 0.001))
    which = draws.ints(0, len(kinds), len(picked))
    for index, kind in zip(picked, which, strict=True):
        kinds[kind](rows[index])


def _earlier(created: str) -> str:
    """A naive timestamp a day before ``created`` (an invalid one when created is unparseable)."""
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return "2020-01-01 00:00:00"
    return (moment - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


def _ticket_update(draws: Draws, clock: Clock) -> Callable[[list[str], int], list[str]]:
    """How a duplicate differs from its original: resolved later, one more reply, sometimes broken."""
    def update(row: list[str], k: int) -> list[str]:
        new = list(row)
        if k % 20 == 0:
            new[1] = "garbage"  # the last occurrence is invalid: the whole ticket is excluded
        elif k % 3 == 0:
            new[6] = AGENTS[k % len(AGENTS)]
        elif new[1] and not new[3]:
            try:
                moment = datetime.fromisoformat(new[1].replace("Z", "+00:00"))
                new[3] = (moment + timedelta(hours=30 + k % 50)).isoformat()
            except ValueError:
                pass
        if new[7].isdigit():
            new[7] = str(int(new[7]) + 1)
        return new
    return update


def _with_duplicates(draws: Draws, rows: list[list[str]],
                     update: Callable[[list[str], int], list[str]]) -> list[list[str]]:
    """Insert ~0.1 % modified copies, each somewhere after its original (last one wins)."""
    n = len(rows)
    originals = sorted(_spread(draws, n, 0.001))
    gaps = draws.uniform(len(originals))
    after: dict[int, list[list[str]]] = {}
    for k, (index, gap) in enumerate(zip(originals, gaps, strict=True)):
        if not rows[index][0]:
            continue
        target = min(n - 1, index + 1 + int(gap * min(n - index - 1, 50_000)))
        after.setdefault(target, []).append(update(rows[index], k))
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        out.append(row)
        out.extend(after.get(i, ()))
    return out


def survey_rows(draws: Draws, clock: Clock, m: int, start: int, end: int,
                tickets: int, multiline: bool = True) -> list[list[str]]:
    """Survey responses in submission order, duplicates and invalid values included."""
    hours, weights = hour_weights(start, end, clock)
    submitted = sorted(instants(draws, hours, weights, m))
    style = draws.choice(Clock.STYLE_WEIGHTS, m)
    kind = draws.choice([0.5, 0.35, 0.15], m)
    shout = draws.uniform(m)
    nps = draws.choice(NPS_WEIGHTS, m)
    csat = draws.choice(CSAT_WEIGHTS, m)
    ces = draws.choice(CES_WEIGHTS, m)
    half = draws.uniform(m)
    link = draws.uniform(m)
    ticket = draws.ints(1, max(tickets, 1) + 1, m)
    comment = draws.ints(0, len(COMMENTS), m)
    names = ("nps", "csat", "ces")
    rows: list[list[str]] = []
    for i in range(m):
        k = kind[i]
        name = names[k]
        if shout[i] < 0.03:
            name = name.upper() if shout[i] < 0.02 else f" {name.capitalize()} "
        if k == 0:
            score = str(nps[i])
        else:
            value = (csat if k == 1 else ces)[i] + 1
            score = f"{value - 0.5}" if (half[i] < 0.005 and value > 1) else str(value)
        text = COMMENTS[comment[i]]
        if multiline and text and half[i] > 0.9998:
            text = text + "\nsecond line"
        rows.append([
            f"R{i + 1:08d}", clock.format(submitted[i], style[i]), name, score,
            f"T{ticket[i]:08d}" if link[i] < 0.8 else "", text,
        ])
    kinds: list[Callable[[list[str]], object]] = [
        lambda r: r.__setitem__(0, ""),                                  # missing_response_id
        lambda r: r.__setitem__(1, ""),                                  # missing_submitted_at
        lambda r: r.__setitem__(1, BAD_TIMESTAMPS[len(r[5]) % 3]),       # invalid_submitted_at
        lambda r: r.__setitem__(2, ""),                                  # missing_survey
        lambda r: r.__setitem__(2, ["sms", "nsp", "star"][len(r[5]) % 3]),  # unknown_survey_kind
        lambda r: r.__setitem__(3, ""),                                  # missing_score
        lambda r: r.__setitem__(3, ["ten", "4/5", "good"][len(r[5]) % 3]),  # invalid_score
        lambda r: (r.__setitem__(2, "nps"), r.__setitem__(3, ["11", "7.5", "-1"][len(r[5]) % 3])),
        lambda r: (r.__setitem__(2, "csat"), r.__setitem__(3, ["0", "6", "5.5"][len(r[5]) % 3])),
        lambda r: (r.__setitem__(2, "ces"), r.__setitem__(3, ["7", "0"][len(r[5]) % 2])),
    ]
    picked = sorted(_spread(draws, m, 0.001))
    for index, which in zip(picked, draws.ints(0, len(kinds), len(picked)), strict=True):
        kinds[which](rows[index])

    def update(row: list[str], k: int) -> list[str]:
        new = list(row)
        kind_now = new[2].strip().lower()
        if kind_now == "nps":
            new[3] = str((k * 7) % 11)
        elif kind_now in ("csat", "ces"):
            new[3] = str(1 + k % 5)
        new[5] = "edited" if k % 2 else new[5]
        return new
    return _with_duplicates(draws, rows, update)


def business_rows(months: list[str]) -> list[list[str]]:
    """One row per month; customers_lost is left empty in some months (default S + N − E)."""
    rows = []
    customers = 48_000
    for index, month in enumerate(months):
        new = 2_100 + (index * 137) % 400
        lost = 1_300 + (index * 89) % 500
        end = customers + new - lost
        spend = 95_000 + (index * 3_911) % 20_000
        revenue = round(customers * 31.5 + index * 1_250.25, 2)
        rows.append([month, str(customers), str(end), str(new), "" if index % 3 == 1 else str(lost),
                     f"{spend:.2f}", f"{revenue:.2f}", ""])
        customers = end
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


CONFIG_TEXT = """\
# reportgen benchmark config (written by benchmarks/generate.py)
report:
  title: "Benchmark"
  timezone: "{tz}"
  currency: "EUR"
history:
  path: "history.duckdb"
sources:
  tickets:
    path: "tickets.csv"
    preset: generic
  surveys:
    path: "surveys.csv"
    preset: generic
  business:
    path: "business.csv"
"""


def generate(out: Path, tickets: int = 1_000_000, surveys: int = 200_000, months: int = 1,
             end_month: str = "2026-10", seed: int = 42, use_numpy: bool = True,
             multiline: bool = True) -> dict[str, Any]:
    """Write the data set into ``out``; returns the manifest (parameters and row counts)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(TIMEZONE)
    first = shift_month(end_month, -(months - 1))
    start = int(month_start(first, zone).timestamp())
    end = int(month_start(shift_month(end_month, 1), zone).timestamp())
    clock = Clock(zone)
    draws = Draws(seed, use_numpy)
    ticket_data = ticket_rows(draws, clock, tickets, start, end)
    write_csv(out / "tickets.csv", TICKET_HEADER, ticket_data)
    survey_data = survey_rows(draws, clock, surveys, start, end, tickets, multiline)
    write_csv(out / "surveys.csv", SURVEY_HEADER, survey_data)
    month_list = [shift_month(first, i) for i in range(months)]
    write_csv(out / "business.csv", BUSINESS_HEADER, business_rows(month_list))
    (out / "config.yaml").write_text(CONFIG_TEXT.format(tz=TIMEZONE), encoding="utf-8")
    manifest: dict[str, Any] = {
        "version": GENERATOR_VERSION, "tickets": tickets, "surveys": surveys, "months": months,
        "end_month": end_month, "seed": seed, "numpy": draws.np is not None, "multiline": multiline,
        "ticket_rows": len(ticket_data), "survey_rows": len(survey_data),
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=1, help="months of data ending with --end-month")
    parser.add_argument("--end-month", default="2026-10")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-numpy", action="store_true", help="use the random module even if numpy exists")
    parser.add_argument("--no-multiline", action="store_true",
                        help="no survey comment spans two lines (quoted newlines)")
    args = parser.parse_args(argv)
    if args.months < 1 or args.tickets < 0 or args.surveys < 0:
        parser.error("--months must be ≥ 1 and counts ≥ 0")
    manifest = generate(args.out, args.tickets, args.surveys, args.months, args.end_month, args.seed,
                        not args.no_numpy, not args.no_multiline)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
