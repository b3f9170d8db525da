"""Source files → canonical tables in DuckDB → measures per month.

One pass of SQL per dataset: read every file as text, keep the last row of
each id, type and validate values (counting every exclusion by reason), then
aggregate the measures the KPI registry needs. Nothing is dropped silently.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from reportgen.config import Config, SourceConfig
from reportgen.measures import MonthMeasures
from reportgen.sources.business import parse_business_rows
from reportgen.sources.files import (
    explain_read_error,
    resolve_files,
    sql_string,
    stage_file,
)
from reportgen.sources.presets import get_preset
from reportgen.sources.schema import COLUMNS

_WS = "' \t\r\n'"

# measures that are sums or counts: 0 for a present month where nothing happened
_ZERO_DEFAULT = (
    "tickets_created", "tickets_created_resolved", "first_response_count",
    "first_response_hours_sum", "tickets_resolved", "resolution_hours_sum", "fcr_resolved",
    "reopened_resolved", "sla_met", "backlog_open", "assigned_tickets", "distinct_agents",
    "nps_responses", "promoters", "passives", "detractors", "csat_responses", "csat_satisfied",
    "csat_negative", "ces_responses", "ces_low_effort",
)
_BUSINESS = (
    "customers_start", "customers_end", "customers_new", "customers_lost",
    "sales_marketing_spend", "revenue", "customer_lifespan_years",
)


@dataclass
class DatasetQuality:
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    duplicates: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    values_discarded: dict[str, int] = field(default_factory=dict)

    def as_dict(self, with_rows_only: bool = False) -> dict[str, Any]:
        if with_rows_only:
            return {"files": self.files, "rows_read": self.rows_read, "rows_used": self.rows_used}
        return {
            "files": self.files, "rows_read": self.rows_read, "rows_used": self.rows_used,
            "duplicates": self.duplicates, "excluded": dict(sorted(self.excluded.items())),
            "values_discarded": dict(sorted(self.values_discarded.items())),
        }


@dataclass
class RowProblem:
    """One excluded row or discarded value, for `reportgen validate`."""

    file: str
    row: int
    column: str
    reason: str
    value: str | None


@dataclass
class EngineResult:
    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    problems: list[RowProblem]

    def quality_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, quality in self.quality.items():
            out[name] = quality.as_dict(with_rows_only=name == "business")
        return out


# reason → the canonical column it is about
TICKET_REASONS = {
    "missing_ticket_id": "ticket_id", "missing_created_at": "created_at",
    "invalid_created_at": "created_at", "invalid_first_response_at": "first_response_at",
    "first_response_before_created": "first_response_at", "invalid_resolved_at": "resolved_at",
    "resolved_before_created": "resolved_at", "invalid_replies": "replies",
    "invalid_reopens": "reopens",
}
SURVEY_REASONS = {
    "missing_response_id": "response_id", "missing_submitted_at": "submitted_at",
    "invalid_submitted_at": "submitted_at", "missing_survey": "survey",
    "unknown_survey_kind": "survey", "missing_score": "score", "invalid_score": "score",
    "score_out_of_scale": "score",
}


def _clean(column: str) -> str:
    return f"nullif(trim({column}, {_WS}), '')"


def _instant(text_column: str) -> str:
    """Text → TIMESTAMPTZ under the session time zone; NULL unless a sane, finite instant."""
    cast = f"try_cast({text_column} AS TIMESTAMPTZ)"
    return (f"CASE WHEN isfinite({cast}) AND {cast} BETWEEN TIMESTAMPTZ '1900-01-01 00:00:00+00' "
            f"AND TIMESTAMPTZ '2200-01-01 00:00:00+00' THEN {cast} END")


def _whole(text_column: str) -> str:
    """Text → BIGINT when it is a whole number ≥ 0 (``3.0`` counts), else NULL."""
    cast = f"try_cast({text_column} AS DOUBLE)"
    return (f"CASE WHEN isfinite({cast}) AND {cast} >= 0 AND {cast} = floor({cast}) "
            f"AND {cast} < 1e15 THEN CAST({cast} AS BIGINT) END")


class Engine:
    """Computes measures for every month present in a config's sources."""

    def __init__(self, config: Config, max_problems: int = 200):
        self.config = config
        self.max_problems = max_problems
        self.report_tz = sql_string(config.report.timezone)
        self._file_names: dict[str, list[str]] = {}
        self._no_replies = False

    def run(self) -> EngineResult:
        with tempfile.TemporaryDirectory(prefix="reportgen-") as workdir, self._connect() as con:
            quality: dict[str, DatasetQuality] = {}
            problems: list[RowProblem] = []
            months: dict[str, MonthMeasures] = {}
            sources = self.config.sources
            ticket_quality, has_replies = self._load(con, "tickets", sources.tickets, Path(workdir))
            quality["tickets"] = ticket_quality
            self._prepare_tickets(con, sources.tickets)
            problems += self._problems(con, "tickets")
            self._count_quality(con, "tickets", ticket_quality)
            if sources.surveys is not None:
                survey_quality, _ = self._load(con, "surveys", sources.surveys, Path(workdir))
                quality["surveys"] = survey_quality
                self._prepare_surveys(con, sources.surveys)
                problems += self._problems(con, "surveys")
                self._count_quality(con, "surveys", survey_quality)
            else:
                quality["surveys"] = DatasetQuality()
            business_months: dict[str, dict[str, float | None]] = {}
            if sources.business is not None:
                business_quality, _ = self._load(con, "business", sources.business, Path(workdir))
                quality["business"] = business_quality
                rows = self._business_rows(con)
                parsed = parse_business_rows(rows)
                business_quality.rows_used = len(parsed)
                business_months = {k: v.values for k, v in parsed.items()}
            else:
                quality["business"] = DatasetQuality()
            self._ticket_measures(con, months, has_replies)
            if sources.surveys is not None:
                self._survey_measures(con, months)
            for month in business_months:
                months.setdefault(month, MonthMeasures())
            self._finish(months, business_months)
            return EngineResult(dict(sorted(months.items())), quality, problems)

    # ---- plumbing -----------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET preserve_insertion_order = true")
            yield con
        finally:
            con.close()

    def _load(self, con: duckdb.DuckDBPyConnection, dataset: str, source: SourceConfig,
              workdir: Path) -> tuple[DatasetQuality, bool]:
        """Every file of a source into table ``{dataset}_raw`` (text columns + _file, _row)."""
        files = resolve_files(self.config, source, dataset)
        preset = get_preset(source.preset)
        columns = [c.name for c in COLUMNS[dataset]]
        col_defs = ", ".join(f"{c} VARCHAR" for c in columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {dataset}_raw ({col_defs}, _file INTEGER, _row BIGINT)")
        quality = DatasetQuality(files=[str(p) for p in files])
        self._file_names[dataset] = quality.files
        replies_seen = False
        for index, path in enumerate(files):
            staged = stage_file(con, path, source, workdir)
            expressions = preset.columns(dataset, staged.header, source, path)
            replies_seen = replies_seen or "replies" in expressions
            select = ", ".join(expressions.get(c, "NULL::VARCHAR") for c in columns)
            try:
                con.execute(
                    f"INSERT INTO {dataset}_raw SELECT {select}, {index}, _row FROM ({staged.sql})"
                )
            except duckdb.Error as exc:
                raise explain_read_error(exc, staged) from None
        quality.rows_read = con.execute(f"SELECT count(*) FROM {dataset}_raw").fetchone()[0]  # type: ignore[index]
        return quality, replies_seen

    def _set_tz(self, con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
        con.execute(f"SET TimeZone = {sql_string(self.config.source_timezone(source))}")

    def _month(self, column: str) -> str:
        return f"strftime(timezone({self.report_tz}, {column}), '%Y-%m')"

    # ---- tickets -------------------------------------------------------------
    def _prepare_tickets(self, con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
        self._set_tz(con, source)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE tickets_checked AS
            WITH raw AS (
                SELECT {_clean('ticket_id')} AS id, {_clean('created_at')} AS created_s,
                       {_clean('first_response_at')} AS first_response_s,
                       {_clean('resolved_at')} AS resolved_s,
                       {_clean('category')} AS category, {_clean('channel')} AS channel,
                       {_clean('agent')} AS agent, {_clean('replies')} AS replies_s,
                       {_clean('reopens')} AS reopens_s, _file, _row
                FROM tickets_raw
            ), ranked AS (
                SELECT *, CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (
                    PARTITION BY id ORDER BY _file DESC, _row DESC) END AS _rank
                FROM raw
            ), typed AS (
                SELECT *, {_instant('created_s')} AS created,
                       {_instant('first_response_s')} AS first_response_any,
                       {_instant('resolved_s')} AS resolved_any,
                       {_whole('replies_s')} AS replies_ok, {_whole('reopens_s')} AS reopens_ok
                FROM ranked
            )
            SELECT *,
                CASE WHEN id IS NULL THEN 'missing_ticket_id'
                     WHEN _rank > 1 THEN 'duplicate'
                     WHEN created_s IS NULL THEN 'missing_created_at'
                     WHEN created IS NULL THEN 'invalid_created_at' END AS excluded
            FROM typed
        """)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE tickets AS
            SELECT id, created,
                CASE WHEN first_response_any >= created THEN first_response_any END AS first_response,
                CASE WHEN resolved_any >= created THEN resolved_any END AS resolved,
                coalesce(category, 'Uncategorized') AS category,
                coalesce(channel, 'Unknown') AS channel, agent,
                replies_ok AS replies, coalesce(reopens_ok, 0) AS reopens,
                {self._month('created')} AS created_month,
                CASE WHEN resolved_any >= created THEN {self._month('resolved_any')} END AS resolved_month,
                CASE WHEN first_response_any >= created
                     THEN (epoch(first_response_any) - epoch(created)) / 3600.0 END AS first_response_hours,
                CASE WHEN resolved_any >= created
                     THEN (epoch(resolved_any) - epoch(created)) / 3600.0 END AS resolution_hours
            FROM tickets_checked WHERE excluded IS NULL
        """)

    def _ticket_measures(self, con: duckdb.DuckDBPyConnection, months: dict[str, MonthMeasures],
                         has_replies: bool) -> None:
        sla = float(self.config.kpis.sla.first_response_hours)
        max_replies = int(self.config.kpis.fcr.max_replies)
        created = con.execute(f"""
            SELECT created_month, count(*), count(resolved), count(first_response_hours),
                   coalesce(sum(first_response_hours), 0),
                   quantile_cont(first_response_hours, 0.5), quantile_cont(first_response_hours, 0.9),
                   count(*) FILTER (WHERE first_response_hours <= {sla}),
                   count(agent), count(DISTINCT agent)
            FROM tickets GROUP BY 1
        """).fetchall()
        names = ("tickets_created", "tickets_created_resolved", "first_response_count",
                 "first_response_hours_sum", "first_response_median_hours",
                 "first_response_p90_hours", "sla_met", "assigned_tickets", "distinct_agents")
        for row in created:
            scalars = months.setdefault(row[0], MonthMeasures()).scalars
            scalars.update(zip(names, row[1:], strict=True))
        resolved = con.execute(f"""
            SELECT resolved_month, count(*), coalesce(sum(resolution_hours), 0),
                   quantile_cont(resolution_hours, 0.5), quantile_cont(resolution_hours, 0.9),
                   count(*) FILTER (WHERE replies <= {max_replies} AND reopens = 0),
                   count(*) FILTER (WHERE reopens > 0)
            FROM tickets WHERE resolved_month IS NOT NULL GROUP BY 1
        """).fetchall()
        resolved_names = ("tickets_resolved", "resolution_hours_sum", "resolution_median_hours",
                          "resolution_p90_hours", "fcr_resolved", "reopened_resolved")
        for row in resolved:
            scalars = months.setdefault(row[0], MonthMeasures()).scalars
            scalars.update(zip(resolved_names, row[1:], strict=True))
        for measure, column in (("category_tickets", "category"), ("channel_tickets", "channel")):
            for month, key, count in con.execute(
                f"SELECT created_month, {column}, count(*) FROM tickets GROUP BY 1, 2"
            ).fetchall():
                months[month].dims.setdefault(measure, {})[key] = count
        for month, agent, count, solved, answered, hours in con.execute("""
            SELECT created_month, agent, count(*), count(resolved), count(first_response_hours),
                   coalesce(sum(first_response_hours), 0)
            FROM tickets WHERE agent IS NOT NULL GROUP BY 1, 2
        """).fetchall():
            dims = months[month].dims
            dims.setdefault("agent_tickets", {})[agent] = count
            dims.setdefault("agent_resolved", {})[agent] = solved
            dims.setdefault("agent_first_response_count", {})[agent] = answered
            dims.setdefault("agent_first_response_hours_sum", {})[agent] = hours
        self._backlog(months)
        self._no_replies = not has_replies

    @staticmethod
    def _backlog(months: dict[str, MonthMeasures]) -> None:
        """Open at the end of M = created up to M − resolved up to M (resolved ≥ created)."""
        created_total = resolved_total = 0.0
        for month in sorted(months):
            scalars = months[month].scalars
            created_total += float(scalars.get("tickets_created") or 0)
            resolved_total += float(scalars.get("tickets_resolved") or 0)
            scalars["backlog_open"] = created_total - resolved_total

    # ---- surveys -------------------------------------------------------------
    def _prepare_surveys(self, con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
        options = self.config.kpis
        csat_lo, csat_hi = (float(v) for v in options.csat.scale)
        ces_lo, ces_hi = (float(v) for v in options.ces.scale)
        self._set_tz(con, source)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE surveys_checked AS
            WITH raw AS (
                SELECT {_clean('response_id')} AS id, {_clean('submitted_at')} AS submitted_s,
                       {_clean('survey')} AS survey_s, lower({_clean('survey')}) AS kind,
                       {_clean('score')} AS score_s, {_clean('ticket_id')} AS ticket_id, _file, _row
                FROM surveys_raw
            ), ranked AS (
                SELECT *, CASE WHEN id IS NULL THEN 1 ELSE row_number() OVER (
                    PARTITION BY id ORDER BY _file DESC, _row DESC) END AS _rank
                FROM raw
            ), typed AS (
                SELECT *, {_instant('submitted_s')} AS submitted,
                       try_cast(score_s AS DOUBLE) AS score
                FROM ranked
            )
            SELECT *,
                CASE WHEN id IS NULL THEN 'missing_response_id'
                     WHEN _rank > 1 THEN 'duplicate'
                     WHEN submitted_s IS NULL THEN 'missing_submitted_at'
                     WHEN submitted IS NULL THEN 'invalid_submitted_at'
                     WHEN survey_s IS NULL THEN 'missing_survey'
                     WHEN kind NOT IN ('nps', 'csat', 'ces') THEN 'unknown_survey_kind'
                     WHEN score_s IS NULL THEN 'missing_score'
                     WHEN score IS NULL OR NOT isfinite(score) THEN 'invalid_score'
                     WHEN (kind = 'nps' AND (score < 0 OR score > 10 OR score <> floor(score)))
                       OR (kind = 'csat' AND (score < {csat_lo} OR score > {csat_hi}))
                       OR (kind = 'ces' AND (score < {ces_lo} OR score > {ces_hi}))
                     THEN 'score_out_of_scale' END AS excluded
            FROM typed
        """)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE surveys AS
            SELECT id, submitted, kind, score, ticket_id, {self._month('submitted')} AS month
            FROM surveys_checked WHERE excluded IS NULL
        """)

    def _survey_measures(self, con: duckdb.DuckDBPyConnection,
                         months: dict[str, MonthMeasures]) -> None:
        options = self.config.kpis
        rows = con.execute(f"""
            SELECT month,
                count(*) FILTER (WHERE kind = 'nps'),
                count(*) FILTER (WHERE kind = 'nps' AND score >= 9),
                count(*) FILTER (WHERE kind = 'nps' AND score >= 7 AND score < 9),
                count(*) FILTER (WHERE kind = 'nps' AND score <= 6),
                count(*) FILTER (WHERE kind = 'csat'),
                count(*) FILTER (WHERE kind = 'csat' AND score >= {float(options.csat.satisfied_min)}),
                count(*) FILTER (WHERE kind = 'csat' AND score <= {float(options.csat.negative_max)}),
                count(*) FILTER (WHERE kind = 'ces'),
                count(*) FILTER (WHERE kind = 'ces' AND score >= {float(options.ces.low_effort_min)})
            FROM surveys GROUP BY 1
        """).fetchall()
        names = ("nps_responses", "promoters", "passives", "detractors", "csat_responses",
                 "csat_satisfied", "csat_negative", "ces_responses", "ces_low_effort")
        for row in rows:
            scalars = months.setdefault(row[0], MonthMeasures()).scalars
            scalars.update(zip(names, row[1:], strict=True))

    # ---- business -------------------------------------------------------------
    def _business_rows(self, con: duckdb.DuckDBPyConnection
                       ) -> list[tuple[Path, int, dict[str, str | None]]]:
        columns = [c.name for c in COLUMNS["business"]]
        fetched = con.execute(
            f"SELECT {', '.join(columns)}, _file, _row FROM business_raw ORDER BY _file, _row"
        ).fetchall()
        paths = [Path(name) for name in self._file_names["business"]]
        return [(paths[row[-2]], int(row[-1]), dict(zip(columns, row[:-2], strict=True)))
                for row in fetched]

    # ---- quality ----------------------------------------------------------------
    def _count_quality(self, con: duckdb.DuckDBPyConnection, dataset: str,
                       quality: DatasetQuality) -> None:
        for reason, count in con.execute(
            f"SELECT excluded, count(*) FROM {dataset}_checked WHERE excluded IS NOT NULL GROUP BY 1"
        ).fetchall():
            if reason == "duplicate":
                quality.duplicates = count
            else:
                quality.excluded[reason] = count
        quality.rows_used = con.execute(f"SELECT count(*) FROM {dataset}").fetchone()[0]  # type: ignore[index]
        if dataset == "tickets":
            row = con.execute(f"SELECT {', '.join(_TICKET_DISCARDS.values())} FROM tickets_checked "
                              "WHERE excluded IS NULL").fetchone()
            assert row is not None
            for reason, count in zip(_TICKET_DISCARDS, row, strict=True):
                if count:
                    quality.values_discarded[reason] = count

    def _problems(self, con: duckdb.DuckDBPyConnection, dataset: str) -> list[RowProblem]:
        """A bounded sample of excluded rows and discarded values, with locations."""
        reasons = TICKET_REASONS if dataset == "tickets" else SURVEY_REASONS
        raw_column = {
            "ticket_id": "id", "created_at": "created_s", "first_response_at": "first_response_s",
            "resolved_at": "resolved_s", "replies": "replies_s", "reopens": "reopens_s",
            "response_id": "id", "submitted_at": "submitted_s", "survey": "survey_s",
            "score": "score_s",
        }
        rows = con.execute(
            f"SELECT _file, _row, excluded FROM {dataset}_checked WHERE excluded IS NOT NULL "
            f"AND excluded <> 'duplicate' ORDER BY _file, _row LIMIT {self.max_problems}"
        ).fetchall()
        problems: list[RowProblem] = []
        for file_index, row, reason in rows:
            column = reasons[reason]
            value = con.execute(
                f"SELECT {raw_column[column]} FROM {dataset}_checked WHERE _file = ? AND _row = ?",
                [file_index, row],
            ).fetchone()
            problems.append(RowProblem(self._file_names[dataset][file_index], row, column, reason,
                                       None if value is None else value[0]))
        if dataset == "tickets":
            for reason, condition in _TICKET_DISCARD_CONDITIONS.items():
                column = reasons[reason]
                for file_index, row, value in con.execute(
                    f"SELECT _file, _row, {raw_column[column]} FROM tickets_checked "
                    f"WHERE excluded IS NULL AND {condition} ORDER BY _file, _row "
                    f"LIMIT {self.max_problems}"
                ).fetchall():
                    problems.append(RowProblem(self._file_names[dataset][file_index], row, column,
                                               reason, value))
        return problems

    # ---- finishing ------------------------------------------------------------------
    def _finish(self, months: dict[str, MonthMeasures],
                business: dict[str, dict[str, float | None]]) -> None:
        """Zero-fill counts, attach business figures and derive the business defaults."""
        lifespan_config = self.config.kpis.clv.customer_lifespan_years
        for month, measures in months.items():
            scalars = measures.scalars
            for name in _ZERO_DEFAULT:
                if name == "fcr_resolved" and self._no_replies:
                    scalars[name] = None
                    continue
                if scalars.get(name) is None:
                    scalars[name] = 0
            for name in ("first_response_median_hours", "first_response_p90_hours",
                         "resolution_median_hours", "resolution_p90_hours"):
                scalars.setdefault(name, None)
            figures = business.get(month, {})
            for name in _BUSINESS:
                scalars[name] = figures.get(name)
            start, end, new = (scalars["customers_start"], scalars["customers_end"],
                               scalars["customers_new"])
            if scalars["customers_lost"] is None and None not in (start, end, new):
                scalars["customers_lost"] = start + new - end  # type: ignore[operator]
            if scalars["customer_lifespan_years"] is None:
                scalars["customer_lifespan_years"] = lifespan_config
            lost = scalars["customers_lost"]
            if scalars["customer_lifespan_years"] is None and start and lost is not None and lost > 0:
                scalars["customer_lifespan_years"] = 1 / (12 * (lost / start))


_TICKET_DISCARD_CONDITIONS = {
    "invalid_first_response_at": "first_response_s IS NOT NULL AND first_response_any IS NULL",
    "first_response_before_created": "first_response_any < created",
    "invalid_resolved_at": "resolved_s IS NOT NULL AND resolved_any IS NULL",
    "resolved_before_created": "resolved_any < created",
    "invalid_replies": "replies_s IS NOT NULL AND replies_ok IS NULL",
    "invalid_reopens": "reopens_s IS NOT NULL AND reopens_ok IS NULL",
}
_TICKET_DISCARDS = {
    reason: f"count(*) FILTER (WHERE {condition})"
    for reason, condition in _TICKET_DISCARD_CONDITIONS.items()
}

