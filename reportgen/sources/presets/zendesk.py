"""Zendesk: the account CSV export and the Incremental Ticket Export (JSON).

``zendesk`` (tickets)

=====================  ====================================================================
canonical              Zendesk account CSV header
=====================  ====================================================================
ticket_id              ``Id``
created_at             ``Created at``
first_response_at      ``Created at`` + ``First reply time in minutes`` (``… within business
                       hours`` with ``options: {business_hours: true}``); empty = no reply
resolved_at            ``Solved at``
category               ``category_tags`` / ``category_tag_prefix`` on ``Tags``, else
                       ``category_column``, else ``Ticket Category [list]``, else ``Ticket type``
channel                ``Via``
agent                  ``Assignee``
replies                ``Replies``
reopens                ``Reopens``
customer_id            ``Requester id``
first_response_        ``First reply time in minutes within business hours`` (read with
business_minutes       ``business_hours: {from: helpdesk}``)
resolution_business_   ``Full resolution time in minutes within business hours`` (likewise)
minutes
=====================  ====================================================================

Timestamps in the CSV carry no offset: they are wall-clock time in the
account's time zone, so set the source's ``timezone:`` to it.

A ``.json`` / ``.jsonl`` file is an Incremental Ticket Export
(``/api/v2/incremental/tickets/cursor.json?include=metric_sets``): one page
(``{"tickets": [...], "metric_sets": [...]}``), a list of pages, a JSON Lines
file with one page per line, or a plain list of tickets. ``prepare`` flattens
it into the CSV layout above (``via.channel`` → ``Via``, ``assignee_id`` →
``Assignee``, ``type`` → ``Ticket type``, the metric set's ``solved_at``,
``replies``, ``reopens``, ``reply_time_in_minutes.calendar`` / ``.business`` and
``full_resolution_time_in_minutes.business``;
each custom field as ``custom_field_<id>``); deleted tickets are left out and
API timestamps are UTC. The mapping is then the same.

``zendesk_csat`` (surveys): one CSAT response per ticket rated ``Good`` or
``Bad`` in ``Satisfaction Score`` (``satisfaction_rating.score`` in JSON).
Tickets ``Offered``, ``Not Offered`` or unrated are not responses and are
left out while reading. ``Good`` → 5 and ``Bad`` → 1 (``good_score`` /
``bad_score``): with the default CSAT settings (scale 1–5, satisfied ≥ 4,
negative ≤ 2) csat = Good / (Good + Bad), Zendesk's own formula, and
negative_feedback_rate = Bad / (Good + Bad). response_id and ticket_id are
``Id``; submitted_at is ``Solved at`` (else ``Updated at``; the export has no
rating time), or the column named by ``date_column``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from reportgen.config import SourceConfig
from reportgen.errors import DataError, Location
from reportgen.sources.presets.base import (
    Preset,
    Reader,
    csv_rows,
    read_json_document,
    write_csv,
)
from reportgen.sources.schema import normalise

TICKET_OPTIONS = {
    "category_column": "vendor header holding the category (default: Ticket Category [list], "
                       "else Ticket type)",
    "category_tags": "{tag: Category}: the category from the ticket's tags (first listed match wins)",
    "category_tag_prefix": "the category is the first tag with this prefix, prefix removed",
    "business_hours": "true: first response from 'First reply time in minutes within business hours'",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}
CSAT_OPTIONS = {
    "good_score": "score of a Good rating (default 5)",
    "bad_score": "score of a Bad rating (default 1)",
    "date_column": "vendor header of the response time (default: Solved at, else Updated at)",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}

# the flattened JSON's columns: the account CSV's names, so one mapping reads both
_FLAT = ("Id", "Created at", "Updated at", "Subject", "Status", "Priority", "Via", "Ticket type",
         "Assignee", "Group", "Requester id", "Organization", "Tags", "Satisfaction Score",
         "Satisfaction Comment", "Solved at", "Replies", "Reopens", "First reply time in minutes",
         "First reply time in minutes within business hours", "Full resolution time in minutes",
         "Full resolution time in minutes within business hours")


def ticket_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                   path: Path) -> dict[str, str]:
    r = Reader("zendesk", dataset, header, source, path, TICKET_OPTIONS)
    created = r.timestamp(r.need("created_at", "Created at"))
    minutes = ("First reply time in minutes within business hours"
               if r.bool_option("business_hours", False) else "First reply time in minutes")
    reply = r.find(minutes)
    solved = r.find("Solved at")
    via, assignee = r.find("Via"), r.find("Assignee")
    replies, reopens, requester = r.find("Replies"), r.find("Reopens"), r.find("Requester id")
    reply_business = r.find("First reply time in minutes within business hours")
    resolution_business = r.find("Full resolution time in minutes within business hours")
    return r.finish({
        "ticket_id": f"c{r.need('ticket_id', 'Id', 'Ticket id')}",
        "created_at": created,
        "first_response_at": None if reply is None else r.plus_minutes(created, reply),
        "resolved_at": None if solved is None else r.timestamp(solved),
        "category": r.category(("Ticket Category [list]", "Ticket type"), r.find("Tags")),
        "channel": None if via is None else f"c{via}",
        "agent": None if assignee is None else f"c{assignee}",
        "replies": None if replies is None else f"c{replies}",
        "reopens": None if reopens is None else f"c{reopens}",
        "customer_id": None if requester is None else f"c{requester}",
        "first_response_business_minutes": None if reply_business is None else f"c{reply_business}",
        "resolution_business_minutes": None if resolution_business is None else f"c{resolution_business}",
    })


def csat_columns(dataset: str, header: Sequence[str], source: SourceConfig,
                 path: Path) -> dict[str, str]:
    r = Reader("zendesk_csat", dataset, header, source, path, CSAT_OPTIONS)
    ticket = r.need("response_id", "Id", "Ticket id")
    rating = r.need("score", "Satisfaction Score")
    chosen = r.column_option("date_column", "for submitted_at")
    if chosen is not None:
        submitted = r.timestamp(chosen)
    else:
        dates = [i for i in (r.find("Solved at"), r.find("Updated at")) if i is not None]
        if not dates:
            raise r.missing("Solved at", "needed for submitted_at",
                            hint="or name the response time with options: {date_column: \"…\"}")
        submitted = f"coalesce({', '.join(r.timestamp(i) for i in dates)})"
    good = r.number_option("good_score", 5)
    bad = r.number_option("bad_score", 1)
    comment = r.find("Satisfaction Comment")
    return r.finish({
        "response_id": f"c{ticket}",
        "submitted_at": submitted,
        "survey": "'csat'",
        "score": (f"CASE lower(trim(c{rating})) WHEN 'good' THEN '{good:g}' WHEN 'bad' THEN '{bad:g}' "
                  f"ELSE c{rating} END"),
        "ticket_id": f"c{ticket}",
        "comment": None if comment is None else f"c{comment}",
    })


# ---- prepare: JSON flattening and the CSAT filter ------------------------------------------

def _is_json(path: Path) -> bool:
    return path.suffix.lower() in (".json", ".jsonl", ".ndjson")


def prepare_tickets(path: Path, source: SourceConfig, workdir: Path) -> Path:
    """An Incremental Export JSON → the account-CSV layout; any other file is read as is."""
    if not _is_json(path):
        return path
    return write_csv(_flat_rows(path, rated_only=False), workdir, path)


def prepare_csat(path: Path, source: SourceConfig, workdir: Path) -> Path:
    """Keep only tickets rated Good or Bad (JSON is flattened first)."""
    if _is_json(path):
        return write_csv(_flat_rows(path, rated_only=True), workdir, path)
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return path
    rows = csv_rows(path, source)
    header = next(rows, None)
    if header is None:
        return path
    keys = [normalise(h) for h in header]
    if "satisfaction score" not in keys:
        return path  # the mapping then reports the missing column
    column = keys.index("satisfaction score")

    def kept() -> Iterator[list[str]]:
        yield header
        for row in rows:
            if column < len(row) and row[column].strip().lower() in ("good", "bad"):
                yield row

    return write_csv(kept(), workdir, path)


def _pages(path: Path) -> Iterator[dict[str, Any]]:
    """Every page-like object of an export file (a bare ticket list becomes one page)."""
    for value in read_json_document(path):
        if isinstance(value, dict) and "tickets" in value:
            yield value
        elif isinstance(value, dict) and "ticket" in value:
            yield {"tickets": [value["ticket"]]}
        elif isinstance(value, dict) and "id" in value:
            yield {"tickets": [value]}
        elif isinstance(value, list):
            tickets = [v for v in value if isinstance(v, dict) and "tickets" not in v]
            yield from (v for v in value if isinstance(v, dict) and "tickets" in v)
            if tickets:
                yield {"tickets": tickets}
        else:
            raise DataError("not a Zendesk ticket export (expected {\"tickets\": [...]})",
                            Location(file=path),
                            hint="export with /api/v2/incremental/tickets/cursor.json?include=metric_sets")


def _calendar(value: Any, basis: str = "calendar") -> Any:
    return value.get(basis) if isinstance(value, dict) else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)


def _flat_rows(path: Path, rated_only: bool) -> Iterator[list[str]]:
    tickets: list[dict[str, Any]] = []
    metrics: dict[str, dict[str, Any]] = {}
    for page in _pages(path):
        for metric in page.get("metric_sets") or []:
            if isinstance(metric, dict) and metric.get("ticket_id") is not None:
                metrics[str(metric["ticket_id"])] = metric
        tickets.extend(t for t in page.get("tickets") or [] if isinstance(t, dict))
    custom_ids: list[str] = []
    for ticket in tickets:
        for field in ticket.get("custom_fields") or []:
            if isinstance(field, dict) and str(field.get("id")) not in custom_ids:
                custom_ids.append(str(field.get("id")))
    yield [*_FLAT, *(f"custom_field_{i}" for i in custom_ids)]
    for ticket in tickets:
        if str(ticket.get("status", "")).lower() == "deleted":
            continue
        rating = ticket.get("satisfaction_rating")
        rating = rating if isinstance(rating, dict) else {}
        score = str(rating.get("score") or "")
        if rated_only and score.lower() not in ("good", "bad"):
            continue
        metric = ticket.get("metric_set")
        if not isinstance(metric, dict):
            metric = metrics.get(str(ticket.get("id")), {})
        via = ticket.get("via")
        customs = {str(f.get("id")): f.get("value") for f in ticket.get("custom_fields") or []
                   if isinstance(f, dict)}
        row = [
            ticket.get("id"), ticket.get("created_at"), ticket.get("updated_at"), ticket.get("subject"),
            ticket.get("status"), ticket.get("priority"),
            via.get("channel") if isinstance(via, dict) else via, ticket.get("type"),
            ticket.get("assignee_id"), ticket.get("group_id"), ticket.get("requester_id"),
            ticket.get("organization_id"), ticket.get("tags"), score, rating.get("comment"),
            metric.get("solved_at"), metric.get("replies"), metric.get("reopens"),
            _calendar(metric.get("reply_time_in_minutes")),
            _calendar(metric.get("reply_time_in_minutes"), "business"),
            _calendar(metric.get("full_resolution_time_in_minutes")),
            _calendar(metric.get("full_resolution_time_in_minutes"), "business"),
        ]
        yield [_text(v) for v in row] + [_text(customs.get(i)) for i in custom_ids]


ZENDESK = Preset("zendesk", ("tickets",), ticket_columns,
                 "Zendesk account CSV export or Incremental Ticket Export JSON (include=metric_sets)",
                 prepare=prepare_tickets, options=TICKET_OPTIONS)
ZENDESK_CSAT = Preset("zendesk_csat", ("surveys",), csat_columns,
                      "CSAT from Zendesk's Satisfaction Score (Good → 5, Bad → 1)",
                      prepare=prepare_csat, options=CSAT_OPTIONS)
