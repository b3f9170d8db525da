"""The month's survey comments, each with the segment of the ticket its response names.

A response's ``ticket_id`` links it to a ticket; the ticket's category, channel and
agent are shown beside the comment (the scores per segment are the drivers stage's
measures, ``reportgen.engine.drivers``, read by ``kpis.SEGMENT_KPIS``).

The two datasets are cleaned side by side on connections of their own; each leaves its
cleaned table in the database they share (``drivers.TICKETS``, ``drivers.SURVEYS``).
Once both are done, :func:`link_surveys` picks the ``report.comments`` lowest-scored
comments per month from the responses alone, then looks up the tickets of those few.
A dataset pushed down to a warehouse leaves no table: no comments (or no segments).
"""

from __future__ import annotations

import duckdb

from reportgen.config import Config
from reportgen.engine.aggregate import label
from reportgen.engine.drivers import SURVEYS, TICKETS, shared_relations
from reportgen.engine.result import SurveyComment
from reportgen.measures import DIMENSION_DEFAULTS

COMMENT_READ = 501  # characters of a comment read (shown: 500, cut with an ellipsis)




def _scale_position(config: Config) -> str:
    """SQL: a response's score as a share of its survey's scale (0 the worst, 1 the best)."""
    csat_lo, csat_hi = (float(v) for v in config.kpis.csat.scale)
    ces_lo, ces_hi = (float(v) for v in config.kpis.ces.scale)
    return (f"CASE kind WHEN 'nps' THEN score / 10.0 "
            f"WHEN 'csat' THEN (score - {csat_lo}) / {max(csat_hi - csat_lo, 1e-9)} "
            f"ELSE (score - {ces_lo}) / {max(ces_hi - ces_lo, 1e-9)} END")


def comments_sql(config: Config, tickets: str | None = TICKETS) -> str:
    """The month's ``report.comments`` comments with the lowest scores (as a share of their
    scale), earliest first on a tie; with the segment of their ticket in ``tickets`` (None: none).

    The comments are chosen among the responses alone; only the chosen ones are joined."""
    fields = ("submitted_month", "submitted", "kind", "score", "ticket_ref", "comment", "_position",
              "_response")
    rows = (f"SELECT submitted_month, submitted, kind, score, ticket_ref, "
            f"left(link_comment, {COMMENT_READ}) AS comment, {_scale_position(config)} AS _position, "
            f"link_response AS _response FROM {SURVEYS} "
            f"WHERE submitted_month IS NOT NULL AND link_comment IS NOT NULL AND trim(link_comment) <> ''")
    # the month's lowest (position, submitted, id): min_by keeps n per month, no sort of every comment
    row = "{" + ", ".join(f"'{f}': {f}" for f in fields) + "}"
    order = "{'p': _row._position, 's': _row.submitted, 'r': _row._response}"
    chosen = (f"SELECT unnest(min_by(_row, {order}, {int(config.report.comments)}), recursive := true) "
              f"FROM (SELECT submitted_month AS _month, {row} AS _row FROM ({rows})) GROUP BY _month")
    if tickets is None:
        return (f"SELECT submitted_month, submitted, kind, score, comment, FALSE, NULL, NULL, NULL "
                f"FROM ({chosen}) ORDER BY 1, _position, submitted, _response")
    return (f"SELECT c.submitted_month, c.submitted, c.kind, c.score, c.comment, t.id IS NOT NULL, "
            f"t.category, t.channel, t.agent FROM {tickets} t RIGHT JOIN ({chosen}) c ON c.ticket_ref = t.id "
            f"ORDER BY 1, c._position, c.submitted, c._response")


def link_surveys(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, list[SurveyComment]]:
    """The comments per month (``report.comments`` of each, lowest score first)."""
    comments: dict[str, list[SurveyComment]] = {}
    tables = shared_relations(con)
    if not config.report.comments or SURVEYS not in tables:
        return comments
    sql = comments_sql(config) if TICKETS in tables else comments_sql(config, None)
    for month, submitted, kind, score, text, linked, category, channel, agent in con.execute(sql).fetchall():
        comments.setdefault(str(month), []).append(SurveyComment(
            str(month), submitted.isoformat(), str(kind), float(score), str(text),
            label(category, DIMENSION_DEFAULTS["category"]) if linked else None,
            label(channel, DIMENSION_DEFAULTS["channel"]) if linked else None,
            label(agent, None)))
    return comments
