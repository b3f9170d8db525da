"""The pull benchmark of the HubSpot and Qualtrics connectors against their local fakes.

    python benchmarks/pull_vendors.py [--api hubspot|qualtrics] [--records 200000] [--compare 10000]

Like benchmarks/pull.py (Zendesk): for each size it starts the fake account
(tests/fakes/<vendor>.py, real HTTP on 127.0.0.1, no rate limit) in one child
process and runs the pull in another, then reports records per second, records
per CPU-second of the puller (user + system: what load on a shared machine does
not depress) and the puller's peak memory (``ru_maxrss`` from ``wait4``).
HubSpot is paged 200 tickets a search page and restarts its search after the
last id every 10,000 results; Qualtrics is one export (ndjson in a zip) stored
1,000 responses a page. The targets: ≥ 20,000 records per CPU-second, and peak
memory flat in the number of records (it grows by less than 1 KiB per extra
record). Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from pull import measure_pull  # noqa: E402  (a sibling script: the same child-process measurement)

TOKEN = "bench-token-0000"
SURVEY = "SV_bench0000000000"


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: object) -> None:
        pass


def _moment(i: int) -> str:
    """The i-th minute of a 12-month year of 28-day months (2025), UTC."""
    day, minute = divmod(i, 1440)
    return f"2025-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d}T{minute // 60:02d}:{minute % 60:02d}:00Z"


def serve(api: str, count: int) -> None:
    """Child: a fake account with ``count`` records; prints its URL, serves until killed."""
    sys.path.insert(0, str(ROOT / "tests"))
    fake: object
    if api == "hubspot":
        from fakes.hubspot import HubSpotFake

        hubspot = HubSpotFake(TOKEN)
        for owner in range(1, 51):
            hubspot.add_owner(owner, "Agent", str(owner))
        categories = ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
        for i in range(1, count + 1):
            created = _moment(i)
            closed = i % 3 != 0
            hubspot.add_ticket(i, created, first_reply=created, closed=created if closed else None,
                               is_closed=closed, category=categories[i % 4],
                               source=("EMAIL", "CHAT", "PHONE", "FORM")[i % 4], owner=1 + i % 50)
        hubspot.requests = _Discard()
        fake = hubspot
    else:
        from fakes.qualtrics import QualtricsFake

        qualtrics = QualtricsFake(TOKEN, SURVEY, polls=0)
        for i in range(count):
            qualtrics.add_response(f"R_{i:08d}", _moment(i), i % 11, ticket=f"T{i}",
                                   comment="ok" if i % 5 else None)
        qualtrics.requests = _Discard()
        fake = qualtrics
    url = fake.start()  # type: ignore[attr-defined]
    print(url, flush=True)
    while True:
        time.sleep(3600)


def puller(api: str, url: str, folder: str) -> None:
    """Child: one pull into a fresh store; prints its summary as JSON."""
    from reportgen.config import parse_config
    from reportgen.sources.api import pull

    config_path = Path(folder) / "config.yaml"
    if api == "hubspot":
        source = f'{{api: hubspot, url: "{url}", token: "{TOKEN}", start: "2024-12-01"}}'
        text = f'history: {{path: "store.duckdb"}}\nsources:\n  tickets: {source}\n'
    else:
        source = (f'{{api: qualtrics, url: "{url}", token: "{TOKEN}", survey_id: "{SURVEY}", '
                  f'start: "2024-12-01", options: {{question: QID1, survey: nps, ticket_field: ticket_id, '
                  f'comment: QID2_TEXT}}}}')
        text = (f'history: {{path: "store.duckdb"}}\nsources:\n  tickets: {{path: t.csv}}\n'
                f"  surveys: {source}\n")
    config_path.write_text(text, encoding="utf-8")
    config = parse_config(text, config_path)
    started = time.perf_counter()
    summary = pull(config)
    seconds = time.perf_counter() - started
    done = summary.sources[0]
    print(json.dumps({"records": done.records, "pages": done.pages, "seconds": seconds, "kept": done.kept}))


def measure(api: str, count: int) -> dict[str, float]:
    return measure_pull(__file__, [api, str(count)], [api])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", choices=("hubspot", "qualtrics"), default="hubspot")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--compare", type=int, default=10_000)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--pull", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    if args.pull:
        puller(*args.pull)
        return 0
    results = {n: measure(args.api, n) for n in (args.compare, args.records)}
    for n, r in results.items():
        print(f"{args.api} {n:>9,}: {r['records']:,} records in {r['seconds']:.2f} s = {r['rate']:,.0f} "
              f"records/s ({r['cpu_rate']:,.0f} per CPU-second of the puller); {r['pages']} pages; "
              f"puller peak {r['peak_mib']:.0f} MiB")
    small, big = results[args.compare], results[args.records]
    growth = big["peak_mib"] - small["peak_mib"]
    per_record = growth * 1024 / max(1, args.records - args.compare)
    print(f"peak memory growth from {args.compare:,} to {args.records:,}: {growth:+.0f} MiB "
          f"({per_record:.2f} KiB per extra record)")
    ok = big["cpu_rate"] >= 20_000 and per_record < 1 and big["kept"] == args.records
    print("targets (≥ 20,000 records per CPU-second, memory flat): " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
