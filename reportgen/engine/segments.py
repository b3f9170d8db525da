"""The month's survey comments, each with the segment of the ticket its response names.

A response's ``ticket_id`` links it to a ticket; the ticket's category, channel and
agent are shown beside the comment (the scores per segment are the drivers stage's
measures, ``reportgen.engine.drivers``, read by ``kpis.SEGMENT_KPIS``).

The two datasets are cleaned side by side on connections of their own (temporary
tables are per connection), so with ``report.comments`` each keeps what the lookup
needs in a table of the shared database (:func:`keep_links`); once both are done,
:func:`link_surveys` reads the ``report.comments`` lowest-scored comments per month and
drops both tables. A dataset pushed down to a warehouse keeps no table: no comments.
"""

from __future__ import annotations

import duckdb

from reportgen.config import Config
from reportgen.engine.aggregate import label
from reportgen.engine.result import SurveyComment
from reportgen.measures import DIMENSION_DEFAULTS

TICKET_LINKS = "comment_ticket_links"
SURVEY_LINKS = "comment_survey_rows"
COMMENT_READ = 501  # characters of a comment read (shown: 500, cut with an ellipsis)


def keep_links(con: duckdb.DuckDBPyConnection, config: Config, dataset: str) -> None:
    """Keep what the comments need of ``dataset``'s cleaned view in a table of the shared database
    (nothing with ``report.comments: 0``)."""
    if not config.report.comments:
        return
    if dataset == "tickets":
        if config.sources.of("surveys"):
            con.execute(f"CREATE OR REPLACE TABLE {TICKET_LINKS} AS "
                        "SELECT id, category, channel, agent FROM tickets")
        return
    con.execute(f"CREATE OR REPLACE TABLE {SURVEY_LINKS} AS "
                "SELECT submitted_month, submitted, link_response AS response_id, kind, score, "
                "ticket_ref AS ticket_id, link_comment AS comment FROM surveys "
                "WHERE submitted_month IS NOT NULL AND link_comment IS NOT NULL AND trim(link_comment) <> ''")


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                      [table]).fetchone()
    return bool(row and row[0])


def _scale_position(config: Config) -> str:
    """SQL: a response's score as a share of its survey's scale (0 the worst, 1 the best)."""
    csat_lo, csat_hi = (float(v) for v in config.kpis.csat.scale)
    ces_lo, ces_hi = (float(v) for v in config.kpis.ces.scale)
    return (f"CASE kind WHEN 'nps' THEN score / 10.0 "
            f"WHEN 'csat' THEN (score - {csat_lo}) / {max(csat_hi - csat_lo, 1e-9)} "
            f"ELSE (score - {ces_lo}) / {max(ces_hi - ces_lo, 1e-9)} END")


def comments_sql(config: Config) -> str:
    """The month's ``report.comments`` comments with the lowest scores (as a share of their
    scale), earliest first on a tie."""
    order = f"{_scale_position(config)}, s.submitted, s.response_id"
    return (f"SELECT s.submitted_month, s.submitted, s.kind, s.score, left(s.comment, {COMMENT_READ}), "
            f"t.id IS NOT NULL, t.category, t.channel, t.agent FROM {SURVEY_LINKS} s "
            f"LEFT JOIN {TICKET_LINKS} t ON s.ticket_id = t.id "
            f"WHERE s.comment IS NOT NULL AND trim(s.comment) <> '' "
            f"QUALIFY row_number() OVER (PARTITION BY s.submitted_month "
            f"ORDER BY {order}) <= {int(config.report.comments)} ORDER BY 1, {order}")


def link_surveys(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, list[SurveyComment]]:
    """The comments per month (``report.comments`` of each, lowest score first). Drops the tables."""
    has_surveys, has_tickets = _exists(con, SURVEY_LINKS), _exists(con, TICKET_LINKS)
    comments: dict[str, list[SurveyComment]] = {}
    try:
        if not has_surveys:
            return comments
        if not has_tickets:  # comments without their ticket's segment
            con.execute(f"CREATE TABLE {TICKET_LINKS} (id VARCHAR, category VARCHAR, channel VARCHAR, "
                        "agent VARCHAR)")
            has_tickets = True
        for month, submitted, kind, score, text, linked, category, channel, agent in \
                con.execute(comments_sql(config)).fetchall():
            comments.setdefault(str(month), []).append(SurveyComment(
                str(month), submitted.isoformat(), str(kind), float(score), str(text),
                label(category, DIMENSION_DEFAULTS["category"]) if linked else None,
                label(channel, DIMENSION_DEFAULTS["channel"]) if linked else None,
                label(agent, None)))
        return comments
    finally:
        for table, present in ((SURVEY_LINKS, has_surveys), (TICKET_LINKS, has_tickets)):
            if present:
                con.execute(f"DROP TABLE {table}")
