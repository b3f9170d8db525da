"""The engine facade: listing rows (validate) or not (kpis, build) computes the same numbers.

Without rows to list, the cleaned tables keep no row ids and the raw rows are dropped
before the aggregates; the counts, measures and coverage must not change, and the
rows listed with ``max_problems=None`` are the ones the hand-made files hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import SURVEY_HEADER, TICKET_HEADER, write_rows

from reportgen.config import load_config
from reportgen.engine import Engine


def _files(root: Path) -> Path:
    write_rows(root / "a.csv", TICKET_HEADER, [
        ("T1", "2026-10-01T08:00:00Z", "2026-10-01T09:00:00Z", "2026-10-02T08:00:00Z", "Billing", "chat", "Ann",
         "1", "0"),
        ("T2", "2026-10-03T08:00:00Z", "2026-10-03T07:00:00Z", "garbage", "billing ", "web", "", "x", "-1"),
        ("T3", "2026-10-04T08:00:00Z", "", "2026-10-04T06:00:00Z", "", "", "Bob", "2.0", "1"),
        ("", "2026-10-05T08:00:00Z", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T4", "not a date", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T5", "n/a", "", "", "Returns", "chat", "Ann", "1", "0"),
        ("T1", "2026-09-30T08:00:00Z", "", "", "Shipping", "email", "Cid", "0", "0"),  # duplicate, this file
    ])
    write_rows(root / "b.csv", TICKET_HEADER, [
        # T3 again in a later file: this one wins, the one in a.csv is the duplicate
        ("T3", "2026-10-06T08:00:00Z", "2026-10-06T08:30:00Z", "2026-10-07T08:00:00Z", "Product", "chat", "Bob",
         "1", "0"),
    ])
    write_rows(root / "survey.csv", SURVEY_HEADER, [
        ("R1", "2026-10-01T08:00:00Z", "nps", "9"), ("R1", "2026-10-01T09:00:00Z", "nps", "3"),
        ("R2", "2026-10-02T08:00:00Z", "csat", "9"), ("R3", "2026-10-02T08:00:00Z", "ces", "n/a"),
    ])
    config = root / "config.yaml"
    config.write_text('report: {timezone: "Europe/Rome"}\nsources:\n'
                      '  tickets: {path: "?.csv"}\n  surveys: {path: survey.csv}\n', encoding="utf-8")
    return config


def test_listing_rows_or_not_gives_the_same_numbers(tmp_path: Path) -> None:
    config = load_config(_files(tmp_path))
    listed = Engine(config, max_problems=None).run()
    counted = Engine(config, max_problems=0).run()
    assert counted.problems == []
    assert counted.months == listed.months
    assert counted.quality_dict() == listed.quality_dict()
    assert counted.coverage == listed.coverage

    tickets = counted.quality["tickets"]
    assert (tickets.rows_read, tickets.duplicates) == (8, 2)
    assert tickets.excluded == {"missing_ticket_id": 1, "invalid_created_at": 1, "missing_created_at": 1}
    assert tickets.values_discarded == {
        "first_response_before_created": 1, "invalid_resolved_at": 1, "invalid_replies": 1,
        "invalid_reopens": 1,
    }
    assert counted.quality["surveys"].excluded == {"score_out_of_scale": 1, "missing_score": 1}
    # T1's later row (a.csv, row 8) is from September; T3's winner is b.csv's
    assert counted.months["2026-09"].scalars["tickets_created"] == 1
    october = counted.months["2026-10"]
    assert october.scalars["tickets_created"] == 2
    assert october.dims["category_tickets"] == {"billing": 1, "Product": 1}
    assert counted.coverage["tickets"] == (dt.date(2026, 9, 30), dt.date(2026, 10, 6))

    rows = {(Path(p.file).name, p.row, p.reason) for p in listed.problems}
    assert rows == {
        ("a.csv", 3, "first_response_before_created"), ("a.csv", 3, "invalid_resolved_at"),
        ("a.csv", 3, "invalid_replies"), ("a.csv", 3, "invalid_reopens"),
        ("a.csv", 5, "missing_ticket_id"), ("a.csv", 6, "invalid_created_at"),
        ("a.csv", 7, "missing_created_at"), ("survey.csv", 4, "score_out_of_scale"),
        ("survey.csv", 5, "missing_score"),
    }
