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
from reportgen.errors import Location, ReportgenError
from reportgen.measures import MonthMeasures
from reportgen.sources.business import parse_business_rows
from reportgen.sources.files import (
    StagedFile,
    explain_read_error,
    resolve_files,
    sql_string,
    stage_file,
)
from reportgen.sources.presets import get_preset
from reportgen.sources.schema import COLUMNS

# canonical columns read and validated but not needed by any KPI yet
_NOT_USED = {"tickets": frozenset({"customer_id"}), "surveys": frozenset({"ticket_id", "comment"})}

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

    @property
    def row_excluded(self) -> bool:
        """True when the whole row is left out; False when only this value is ignored."""
        return self.reason not in _TICKET_DISCARDS


@dataclass
class EngineResult:
    months: dict[str, MonthMeasures]
    quality: dict[str, DatasetQuality]
    problems: list[RowProblem]
    fatal: list[ReportgenError] = field(default_factory=list)  # only when collecting (validate)

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


def _sane(column: str) -> str:
    """A parsed instant, or NULL unless finite and within 1900–2200 (guards 'infinity', year 99999)."""
    return (f"CASE WHEN isfinite({column}) AND {column} BETWEEN TIMESTAMPTZ '1900-01-01 00:00:00+00' "
            f"AND TIMESTAMPTZ '2200-01-01 00:00:00+00' THEN {column} END")


def _whole(column: str) -> str:
    """A parsed DOUBLE → BIGINT when it is a whole number ≥ 0 (``3.0`` counts), else NULL."""
    return (f"CASE WHEN isfinite({column}) AND {column} >= 0 AND {column} = floor({column}) "
            f"AND {column} < 1e15 THEN CAST({column} AS BIGINT) END")


def _blank(column: str) -> str:
    """True when a text cell is missing or only whitespace."""
    return f"({column} IS NULL OR trim({column}) = '')"


def _present(stem: str) -> str:
    """True when the cell held something: it parsed (``{stem}_c``/``_d``) or its text is not blank."""
    parsed = f"{stem}_d" if stem in ("replies", "reopens") else f"{stem}_c"
    return f"({parsed} IS NOT NULL OR NOT {_blank(stem + '_s')})"


def label(raw: str | None, default: str | None) -> str | None:
    """A category/channel/agent name as shown: trimmed, or the default when empty."""
    text = (raw or "").strip()
    return text or default


class Engine:
    """Computes measures for every month present in a config's sources."""

    def __init__(self, config: Config, max_problems: int | None = 0, collect: bool = False):
        """``max_problems``: how many offending rows to list per dataset (None: all; for `validate`).

        ``collect``: record fatal problems in ``fatal`` and go on without the file or
        row at fault instead of raising the first one (for `validate`).
        """
        self.config = config
        self.max_problems = max_problems
        self.report_tz = sql_string(config.report.timezone)
        # per dataset, the path of each file read (``_file`` in the raw tables indexes it)
        self._files: dict[str, list[str]] = {}
        self._no_replies = False
        self.collect = collect
        self.fatal: list[ReportgenError] = []
        self._skip: dict[str, set[str]] = {}
        self._current: str | None = None

    def run(self) -> EngineResult:
        with tempfile.TemporaryDirectory(prefix="reportgen-") as workdir, self._connect(workdir) as con:
            sources = self.config.sources
            quality: dict[str, DatasetQuality] = {}
            problems: list[RowProblem] = []
            months: dict[str, MonthMeasures] = {}
            quality["tickets"], has_replies = self._load_source(con, "tickets", sources.tickets,
                                                                Path(workdir))
            self._prepare_tickets(con, sources.tickets)
            self._count_quality(con, "tickets", quality["tickets"])
            problems += self._problems(con, "tickets")
            self._ticket_measures(con, months)
            self._no_replies = not has_replies
            quality["surveys"] = DatasetQuality()
            if sources.surveys is not None:
                quality["surveys"], _ = self._load_source(con, "surveys", sources.surveys, Path(workdir))
                self._prepare_surveys(con, sources.surveys)
                self._count_quality(con, "surveys", quality["surveys"])
                problems += self._problems(con, "surveys")
                self._survey_measures(con, months)
            quality["business"] = DatasetQuality()
            business_months: dict[str, dict[str, float | None]] = {}
            if sources.business is not None:
                quality["business"], _ = self._load_source(con, "business", sources.business, Path(workdir))
                parsed = parse_business_rows(self._business_rows(con), self.fatal if self.collect else None)
                quality["business"].rows_used = len(parsed)
                business_months = {month: figures.values for month, figures in parsed.items()}
                for month in business_months:
                    months.setdefault(month, MonthMeasures())
            self._finish(months, business_months)
            return EngineResult(dict(sorted(months.items())), quality, problems, list(self.fatal))

    # ---- plumbing -----------------------------------------------------------
    @contextmanager
    def _connect(self, workdir: str) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(":memory:")
        try:
            options = self.config.engine
            con.execute(f"SET memory_limit = {sql_string(options.memory_limit)}")
            con.execute(f"SET temp_directory = {sql_string(workdir)}")
            if options.threads:
                con.execute(f"SET threads = {int(options.threads)}")
            # rowid then follows the order of reading: "last occurrence wins" relies on it
            con.execute("SET preserve_insertion_order = true")
            yield con
        finally:
            con.close()

    def _load(self, con: duckdb.DuckDBPyConnection, dataset: str, source: SourceConfig,
              workdir: Path) -> tuple[DatasetQuality, bool]:
        """Every file of a source into table ``{dataset}_raw`` (canonical text columns + _file)."""
        files = resolve_files(self.config, source, dataset, self._skip.get(dataset, ()))
        preset = get_preset(source.preset)
        # timestamps and numbers are parsed while reading; their text is kept only where
        # parsing failed (for messages), which keeps a million rows small in memory
        stored = _stored_columns(dataset)
        _create_raw_table(con, dataset)
        self._set_tz(con, source)
        quality = DatasetQuality(files=[str(p) for p in files])
        self._files[dataset] = quality.files
        replies_seen = False
        for index, path in enumerate(files):
            self._current = str(path)
            readable = preset.prepare(path, source, workdir) if preset.prepare else path
            try:
                staged = stage_file(con, readable, source, workdir)
                if preset.header_rows > 1:  # sub-header rows (SurveyMonkey, Qualtrics) are not records
                    skip = int(preset.header_rows)
                    staged = StagedFile(staged.path, staged.header,
                                        f"SELECT * FROM ({staged.sql}) WHERE _row > {skip}")
                expressions = preset.columns(dataset, staged.header, source, path)
                replies_seen = replies_seen or "replies" in expressions
                select = ", ".join(
                    template.format(x=expressions.get(column, "NULL::VARCHAR"))
                    for _, _, column, template in stored
                )
                try:
                    con.execute(f"INSERT INTO {dataset}_raw "
                                f"SELECT {select}, {index}, _row FROM ({staged.sql})")
                except duckdb.Error as exc:
                    raise explain_read_error(exc, staged) from None
            except ReportgenError as exc:
                if readable != path:
                    raise _about_original(exc, readable, path, preset.name) from None
                raise
        quality.rows_read = self._count(con, f"SELECT count(*) FROM {dataset}_raw")
        return quality, replies_seen

    @staticmethod
    def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _load_source(self, con: duckdb.DuckDBPyConnection, dataset: str, source: SourceConfig,
                     workdir: Path) -> tuple[DatasetQuality, bool]:
        """``_load``; when collecting (validate), a fatal problem is recorded and its file left out."""
        if not self.collect:
            return self._load(con, dataset, source, workdir)
        skipped: set[str] = set()
        self._skip[dataset] = skipped
        while True:
            self._current = None
            try:
                return self._load(con, dataset, source, workdir)
            except ReportgenError as exc:
                self.fatal.append(exc)
                culprit = self._current or (str(exc.location.file) if exc.location and exc.location.file
                                            else None)
                if culprit is None or culprit in skipped:  # the source as a whole: go on without it
                    _create_raw_table(con, dataset)
                    self._files[dataset] = []
                    return DatasetQuality(), False
                skipped.add(culprit)

    def _path_of(self, dataset: str, file_index: int) -> str:
        return self._files[dataset][file_index]

    def _set_tz(self, con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
        """Naive timestamps are wall-clock time in the source's zone."""
        con.execute(f"SET TimeZone = {sql_string(self.config.source_timezone(source))}")

    def _month(self, column: str) -> str:
        return f"strftime(timezone({self.report_tz}, {column}), '%Y-%m')"

    # ---- tickets -------------------------------------------------------------
    def _prepare_tickets(self, con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
        self._set_tz(con, source)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE tickets_all AS
            WITH raw AS (
                SELECT rowid AS _rid, *, nullif(trim(ticket_id), '') AS id FROM tickets_raw
            ), last_of AS (
                SELECT id, max(_rid) AS keep FROM raw WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1
            ), parsed AS (
                SELECT raw.*, last_of.keep FROM raw LEFT JOIN last_of ON raw.id = last_of.id
            ), typed AS (
                SELECT *, {_sane('created_c')} AS created,
                       {_sane('first_response_c')} AS first_response_any,
                       {_sane('resolved_c')} AS resolved_any,
                       {_whole('replies_d')} AS replies_ok, {_whole('reopens_d')} AS reopens_ok
                FROM parsed
            )
            SELECT _rid, _file,
                CASE WHEN id IS NULL THEN 'missing_ticket_id'
                     WHEN keep IS NOT NULL AND _rid <> keep THEN 'duplicate'
                     WHEN created IS NULL AND NOT {_present('created')} THEN 'missing_created_at'
                     WHEN created IS NULL THEN 'invalid_created_at' END AS excluded,
                created,
                CASE WHEN resolved_any >= created THEN resolved_any END AS resolved,
                category, channel, agent, replies_ok AS replies, coalesce(reopens_ok, 0) AS reopens,
                {self._month('created')} AS created_month,
                CASE WHEN resolved_any >= created THEN {self._month('resolved_any')} END AS resolved_month,
                CASE WHEN first_response_any >= created
                     THEN (epoch(first_response_any) - epoch(created)) / 3600.0 END AS first_response_hours,
                CASE WHEN resolved_any >= created
                     THEN (epoch(resolved_any) - epoch(created)) / 3600.0 END AS resolution_hours,
                {", ".join(f"{condition} AS {reason}" for reason, condition in _TICKET_DISCARDS.items())}
            FROM typed
        """)
        con.execute("CREATE OR REPLACE TEMP VIEW tickets AS SELECT * FROM tickets_all WHERE excluded IS NULL")

    def _ticket_measures(self, con: duckdb.DuckDBPyConnection, months: dict[str, MonthMeasures]) -> None:
        sla = float(self.config.kpis.sla.first_response_hours)
        max_replies = int(self.config.kpis.fcr.max_replies)
        created_names = ("tickets_created", "tickets_created_resolved", "first_response_count",
                         "first_response_hours_sum", "first_response_median_hours",
                         "first_response_p90_hours", "sla_met")
        for row in con.execute(f"""
            SELECT created_month, count(*), count(resolved), count(first_response_hours),
                   coalesce(sum(first_response_hours), 0),
                   quantile_cont(first_response_hours, 0.5), quantile_cont(first_response_hours, 0.9),
                   count(*) FILTER (WHERE first_response_hours <= {sla})
            FROM tickets GROUP BY 1
        """).fetchall():
            scalars = months.setdefault(row[0], MonthMeasures()).scalars
            scalars.update(zip(created_names, row[1:], strict=True))
        resolved_names = ("tickets_resolved", "resolution_hours_sum", "resolution_median_hours",
                          "resolution_p90_hours", "fcr_resolved", "reopened_resolved")
        for row in con.execute(f"""
            SELECT resolved_month, count(*), coalesce(sum(resolution_hours), 0),
                   quantile_cont(resolution_hours, 0.5), quantile_cont(resolution_hours, 0.9),
                   count(*) FILTER (WHERE replies <= {max_replies} AND reopens = 0),
                   count(*) FILTER (WHERE reopens > 0)
            FROM tickets WHERE resolved_month IS NOT NULL GROUP BY 1
        """).fetchall():
            scalars = months.setdefault(row[0], MonthMeasures()).scalars
            scalars.update(zip(resolved_names, row[1:], strict=True))
        # names are trimmed in Python after grouping: grouping raw text is far cheaper than
        # trimming a million cells, and the few distinct values merge exactly the same
        for measure, column, default in (("category_tickets", "category", "Uncategorized"),
                                         ("channel_tickets", "channel", "Unknown")):
            for month, raw, count in con.execute(
                f"SELECT created_month, {column}, count(*) FROM tickets GROUP BY 1, 2"
            ).fetchall():
                key = label(raw, default)
                assert key is not None
                counts = months[month].dims.setdefault(measure, {})
                counts[key] = counts.get(key, 0) + count
        agent_names = ("agent_tickets", "agent_resolved", "agent_first_response_count",
                       "agent_first_response_hours_sum")
        for month, raw, *values in con.execute("""
            SELECT created_month, agent, count(*), count(resolved), count(first_response_hours),
                   coalesce(sum(first_response_hours), 0)
            FROM tickets WHERE agent IS NOT NULL GROUP BY 1, 2
        """).fetchall():
            agent = label(raw, None)
            if agent is None:
                continue
            dims = months[month].dims
            for name, value in zip(agent_names, values, strict=True):
                dims.setdefault(name, {})[agent] = dims.get(name, {}).get(agent, 0) + value
        for measures in months.values():
            per_agent = measures.dims.get("agent_tickets", {})
            measures.scalars["assigned_tickets"] = sum(per_agent.values())
            measures.scalars["distinct_agents"] = len(per_agent)

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
            CREATE OR REPLACE TEMP TABLE surveys_all AS
            WITH raw AS (
                SELECT rowid AS _rid, *, nullif(trim(response_id), '') AS id,
                       lower(trim(survey)) AS kind, score_d AS score
                FROM surveys_raw
            ), last_of AS (
                SELECT id, max(_rid) AS keep FROM raw WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1
            ), parsed AS (
                SELECT raw.*, last_of.keep FROM raw LEFT JOIN last_of ON raw.id = last_of.id
            ), typed AS (
                SELECT *, {_sane('submitted_c')} AS submitted FROM parsed
            )
            SELECT _rid, _file,
                CASE WHEN id IS NULL THEN 'missing_response_id'
                     WHEN keep IS NOT NULL AND _rid <> keep THEN 'duplicate'
                     WHEN submitted IS NULL AND NOT {_present('submitted')} THEN 'missing_submitted_at'
                     WHEN submitted IS NULL THEN 'invalid_submitted_at'
                     WHEN kind IS NULL OR kind = '' THEN 'missing_survey'
                     WHEN kind NOT IN ('nps', 'csat', 'ces') THEN 'unknown_survey_kind'
                     WHEN score IS NULL AND {_blank('score_s')} THEN 'missing_score'
                     WHEN score IS NULL OR NOT isfinite(score) THEN 'invalid_score'
                     WHEN (kind = 'nps' AND (score < 0 OR score > 10 OR score <> floor(score)))
                       OR (kind = 'csat' AND (score < {csat_lo} OR score > {csat_hi}))
                       OR (kind = 'ces' AND (score < {ces_lo} OR score > {ces_hi}))
                     THEN 'score_out_of_scale' END AS excluded,
                kind, score, {self._month('submitted')} AS month
            FROM typed
        """)
        con.execute("CREATE OR REPLACE TEMP VIEW surveys AS SELECT * FROM surveys_all WHERE excluded IS NULL")

    def _survey_measures(self, con: duckdb.DuckDBPyConnection, months: dict[str, MonthMeasures]) -> None:
        options = self.config.kpis
        satisfied = float(options.csat.satisfied_min)
        negative = float(options.csat.negative_max)
        low_effort = float(options.ces.low_effort_min)
        names = ("nps_responses", "promoters", "passives", "detractors", "csat_responses",
                 "csat_satisfied", "csat_negative", "ces_responses", "ces_low_effort")
        for row in con.execute(f"""
            SELECT month,
                count(*) FILTER (WHERE kind = 'nps'),
                count(*) FILTER (WHERE kind = 'nps' AND score >= 9),
                count(*) FILTER (WHERE kind = 'nps' AND score >= 7 AND score < 9),
                count(*) FILTER (WHERE kind = 'nps' AND score <= 6),
                count(*) FILTER (WHERE kind = 'csat'),
                count(*) FILTER (WHERE kind = 'csat' AND score >= {satisfied}),
                count(*) FILTER (WHERE kind = 'csat' AND score <= {negative}),
                count(*) FILTER (WHERE kind = 'ces'),
                count(*) FILTER (WHERE kind = 'ces' AND score >= {low_effort})
            FROM surveys GROUP BY 1
        """).fetchall():
            months.setdefault(row[0], MonthMeasures()).scalars.update(zip(names, row[1:], strict=True))

    # ---- business -------------------------------------------------------------
    def _business_rows(self, con: duckdb.DuckDBPyConnection
                       ) -> list[tuple[Path, int, dict[str, str | None]]]:
        columns = [c.name for c in COLUMNS["business"]]
        rows = []
        for *values, file_index, row in con.execute(
            f"SELECT {', '.join(columns)}, _file, _row FROM business_raw ORDER BY rowid"
        ).fetchall():
            rows.append((Path(self._path_of("business", file_index)), int(row),
                         dict(zip(columns, values, strict=True))))
        return rows

    # ---- quality ----------------------------------------------------------------
    def _count_quality(self, con: duckdb.DuckDBPyConnection, dataset: str,
                       quality: DatasetQuality) -> None:
        for reason, count in con.execute(
            f"SELECT excluded, count(*) FROM {dataset}_all WHERE excluded IS NOT NULL GROUP BY 1"
        ).fetchall():
            if reason == "duplicate":
                quality.duplicates = count
            else:
                quality.excluded[reason] = count
        quality.rows_used = quality.rows_read - quality.duplicates - sum(quality.excluded.values())
        if dataset == "tickets":
            counts = ", ".join(f"count(*) FILTER (WHERE {reason})" for reason in _TICKET_DISCARDS)
            row = con.execute(f"SELECT {counts} FROM tickets").fetchone()
            assert row is not None
            for reason, count in zip(_TICKET_DISCARDS, row, strict=True):
                if count:
                    quality.values_discarded[reason] = count

    def _problems(self, con: duckdb.DuckDBPyConnection, dataset: str) -> list[RowProblem]:
        """Excluded rows and discarded values with their locations (for validate), in file order."""
        if self.max_problems is not None and self.max_problems <= 0:
            return []
        limit = "" if self.max_problems is None else f"LIMIT {int(self.max_problems)}"
        reasons = TICKET_REASONS if dataset == "tickets" else SURVEY_REASONS

        def shown(column: str) -> str:
            text = _TEXT_OF[column]
            return f"coalesce({text}, CAST({_PARSED[column]} AS VARCHAR))" if column in _PARSED else text

        value = "CASE a.excluded " + " ".join(
            f"WHEN {sql_string(reason)} THEN {shown(column)}" for reason, column in reasons.items()
        ) + " END"
        selects = [
            f"SELECT a._file, a._rid, a.excluded, {value}, r._row FROM {dataset}_all a JOIN "
            f"(SELECT rowid AS _id, * FROM {dataset}_raw) r ON r._id = a._rid "
            f"WHERE a.excluded IS NOT NULL AND a.excluded <> 'duplicate' ORDER BY a._rid {limit}"
        ]
        if dataset == "tickets":
            selects += [
                f"SELECT t._file, t._rid, {sql_string(reason)}, {shown(TICKET_REASONS[reason])}, r._row "
                f"FROM tickets t JOIN (SELECT rowid AS _id, * FROM tickets_raw) r ON r._id = t._rid "
                f"WHERE t.{reason} ORDER BY t._rid {limit}"
                for reason in _TICKET_DISCARDS
            ]
        found = [row for sql in selects for row in con.execute(sql).fetchall()]
        problems = []
        for file_index, _rid, reason, text, row in sorted(found, key=lambda r: (r[1], r[2])):
            problems.append(RowProblem(self._path_of(dataset, file_index), int(row),
                                       reasons[reason], reason, None if text is None else str(text)))
        return problems

    # ---- finishing ------------------------------------------------------------------
    def _finish(self, months: dict[str, MonthMeasures],
                business: dict[str, dict[str, float | None]]) -> None:
        """Backlog, zero-filled counts, business figures and the business defaults.

        Runs once every month is known (survey- or business-only months included):
        the backlog of a month without ticket activity is still the open tickets.
        """
        self._backlog(months)
        lifespan_config = self.config.kpis.clv.customer_lifespan_years
        for month, measures in months.items():
            scalars = measures.scalars
            for name in _ZERO_DEFAULT:
                if scalars.get(name) is None:
                    scalars[name] = 0
            if self._no_replies:
                scalars["fcr_resolved"] = None
            for name in ("first_response_median_hours", "first_response_p90_hours",
                         "resolution_median_hours", "resolution_p90_hours"):
                scalars.setdefault(name, None)
            figures = business.get(month, {})
            for name in _BUSINESS:
                scalars[name] = figures.get(name)
            start, end, new = (scalars["customers_start"], scalars["customers_end"],
                               scalars["customers_new"])
            if scalars["customers_lost"] is None and start is not None and end is not None \
                    and new is not None:
                scalars["customers_lost"] = start + new - end
            if scalars["customer_lifespan_years"] is None:
                scalars["customer_lifespan_years"] = lifespan_config
            lost = scalars["customers_lost"]
            if scalars["customer_lifespan_years"] is None and start and lost is not None and lost > 0:
                scalars["customer_lifespan_years"] = 1 / (12 * (lost / start))


# discarded optional values: reason → condition on the typed ticket columns
_TICKET_DISCARDS = {
    "invalid_first_response_at": f"first_response_any IS NULL AND {_present('first_response')}",
    "first_response_before_created": "first_response_any < created",
    "invalid_resolved_at": f"resolved_any IS NULL AND {_present('resolved')}",
    "resolved_before_created": "resolved_any < created",
    "invalid_replies": f"replies_ok IS NULL AND {_present('replies')}",
    "invalid_reopens": f"reopens_ok IS NULL AND {_present('reopens')}",
}


def _about_original(error: ReportgenError, readable: Path, original: Path,
                    preset: str) -> ReportgenError:
    """An error about a preset's rewritten scratch file, told about the user's own file instead."""
    location = error.location
    if location is None or Path(str(location.file)) != readable:
        return error
    row = f"record {location.row - 1} of " if location.row is not None else ""
    problem = f"{row}the {preset} export: {error.problem}" if row else error.problem
    return type(error)(problem, Location(file=original, column=location.column), error.hint)


def _create_raw_table(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """An empty ``{dataset}_raw``: the stored columns plus the file index and the file's row number."""
    col_defs = ", ".join(f"{name} {kind}" for name, kind, _, _ in _stored_columns(dataset))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {dataset}_raw ({col_defs}, _file INTEGER, _row BIGINT)")


def _stored_columns(dataset: str) -> list[tuple[str, str, str, str]]:
    """(stored name, SQL type, canonical column, template over its text ``{x}``) for ``{dataset}_raw``."""
    if dataset == "business":
        return [(c.name, "VARCHAR", c.name, "{x}") for c in COLUMNS["business"]]
    stored: list[tuple[str, str, str, str]] = []
    for column in COLUMNS[dataset]:
        name = column.name
        if name in _NOT_USED.get(dataset, ()):
            continue
        if name in _TIMESTAMPS:
            parse = "try_cast({x} AS TIMESTAMPTZ)"
        elif name in _NUMBERS:
            parse = "try_cast({x} AS DOUBLE)"
        else:
            stored.append((name, "VARCHAR", name, "{x}"))
            continue
        kind = "TIMESTAMPTZ" if name in _TIMESTAMPS else "DOUBLE"
        stored.append((_PARSED[name], kind, name, parse))
        stored.append((_TEXT_OF[name], "VARCHAR", name, f"CASE WHEN {parse} IS NULL THEN {{x}} END"))
    return stored


_TIMESTAMPS = frozenset({"created_at", "first_response_at", "resolved_at", "submitted_at"})
_NUMBERS = frozenset({"replies", "reopens", "score"})
_PARSED = {"created_at": "created_c", "first_response_at": "first_response_c", "resolved_at": "resolved_c",
           "submitted_at": "submitted_c", "replies": "replies_d", "reopens": "reopens_d", "score": "score_d"}
# canonical column → the stored text: the whole cell for text columns, the unparsed text otherwise
_TEXT_OF = {
    "ticket_id": "ticket_id", "created_at": "created_s", "first_response_at": "first_response_s",
    "resolved_at": "resolved_s", "replies": "replies_s", "reopens": "reopens_s",
    "response_id": "response_id", "submitted_at": "submitted_s", "survey": "survey", "score": "score_s",
    "category": "category", "channel": "channel", "agent": "agent",
}
