"""Survey responses joined to the ticket they name: scores per segment, and the month's comments.

A response's ``ticket_id`` links it to a ticket; the ticket's category, channel and
agent are the response's segment (KPI_SPEC: survey KPIs take the dimension of the
ticket a response names). A response naming no ticket of the data is counted in the
headline survey KPIs only.

The two datasets are cleaned side by side on connections of their own (temporary
tables are per connection), so each keeps what the join needs in a table of the shared
database (:func:`keep_links`); once both are done, :func:`link_surveys` runs the generated
segment queries (``measures.SEGMENT_MEASURES``, the headline measures' own filters) and
reads the comments, then drops both tables. A dataset pushed down to a warehouse keeps
no table: its responses have no segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from reportgen.config import Config
from reportgen.engine.aggregate import file_dimension, label
from reportgen.engine.sqlgen import Query, aggregate_expression, option_values
from reportgen.measures import DIMENSION_DEFAULTS, SEGMENT_DIMENSIONS, SEGMENT_MEASURES, MonthMeasures

TICKET_LINKS = "segment_ticket_links"
SURVEY_LINKS = "segment_survey_links"
COMMENT_READ = 501  # characters of a comment read (shown: 500, cut with an ellipsis)


@dataclass(frozen=True)
class SurveyComment:
    """One response's comment with its score and the segment of the ticket it names."""

    month: str
    submitted: str  # ISO instant
    survey: str  # nps | csat | ces
    score: float
    comment: str  # as read (at most COMMENT_READ characters); untrusted text
    category: str | None
    channel: str | None
    agent: str | None


def keep_links(con: duckdb.DuckDBPyConnection, config: Config, dataset: str) -> None:
    """Keep what the join needs of ``dataset``'s cleaned view in a table of the shared database."""
    if dataset == "tickets":
        if not config.sources.of("surveys"):
            return
        con.execute(f"CREATE OR REPLACE TABLE {TICKET_LINKS} AS "
                    "SELECT link_id AS id, category, channel, agent FROM tickets")
        return
    wanted = ["link_ticket IS NOT NULL"]
    if config.report.comments:
        wanted.append("(link_comment IS NOT NULL AND trim(link_comment) <> '')")
    comment = "link_comment" if config.report.comments else "NULL::VARCHAR"
    con.execute(f"CREATE OR REPLACE TABLE {SURVEY_LINKS} AS "
                f"SELECT submitted_month, submitted, link_response AS response_id, kind, score, "
                f"link_ticket AS ticket_id, {comment} AS comment "
                f"FROM surveys WHERE submitted_month IS NOT NULL AND ({' OR '.join(wanted)})")


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                      [table]).fetchone()
    return bool(row and row[0])


LINKED = "segment_linked"  # the responses that name a ticket of the data, with its segment (joined once)
LINK_SQL = (f"CREATE TEMP TABLE {LINKED} AS SELECT s.submitted_month, s.kind, s.score, t.category, "
            f"t.channel, t.agent FROM {SURVEY_LINKS} s JOIN {TICKET_LINKS} t ON s.ticket_id = t.id")


def segment_queries(config: Config) -> list[Query]:
    """One query per dimension: ``(month, dimension value, segment measure…)`` over the joined
    responses (``LINK_SQL``)."""
    values = option_values(config.kpis)
    queries = []
    for dimension in SEGMENT_DIMENSIONS:
        measures = [info for info in SEGMENT_MEASURES.values() if info.dimension == dimension]
        columns = ", ".join(f'{aggregate_expression(info, values)} AS "{info.name}"' for info in measures)
        where = " WHERE agent IS NOT NULL" if dimension == "agent" else ""
        sql = f"SELECT submitted_month, {dimension}, {columns} FROM {LINKED}{where} GROUP BY 1, 2"
        queries.append(Query("surveys", "submitted", dimension, tuple(info.name for info in measures), sql))
    return queries


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


def link_surveys(con: duckdb.DuckDBPyConnection, config: Config,
                 months: dict[str, MonthMeasures]) -> dict[str, list[SurveyComment]]:
    """File the segment measures into ``months``; the comments per month. Drops the link tables."""
    has_surveys, has_tickets = _exists(con, SURVEY_LINKS), _exists(con, TICKET_LINKS)
    comments: dict[str, list[SurveyComment]] = {}
    try:
        if not has_surveys:
            return comments
        if not has_tickets:  # comments without their ticket's segment
            con.execute(f"CREATE TABLE {TICKET_LINKS} (id VARCHAR, category VARCHAR, channel VARCHAR, "
                        "agent VARCHAR)")
            has_tickets = True
        con.execute(LINK_SQL)
        for query in segment_queries(config):
            file_dimension(query, con.execute(query.sql).fetchall(), months)
        con.execute(f"DROP TABLE {LINKED}")
        if config.report.comments:
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
