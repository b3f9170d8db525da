"""Plain-text views for the terminal: the KPI table and the validation report.

Every line goes through ``errors.one_line``: a name from the data (a category, an agent, a
file name) never brings a control character to the terminal (``ESC ]0;…BEL`` retitles it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.config import Config
from reportgen.coverage import PARTIAL_MARK
from reportgen.engine import SURVEY_REASONS, TICKET_REASONS, EngineResult, RowProblem
from reportgen.engine.reasons import CONTROL_CHARACTERS, REASONS
from reportgen.errors import ReportgenError, one_line
from reportgen.gates import EXPECTED_SKIPS
from reportgen.kpis import KPI_BY_ID, shown_kpis
from reportgen.sources.schema import ID_COLUMN
from reportgen.units import format_value


def kpi_table(document: dict[str, Any], config: Config) -> str:
    partial = (f"  {PARTIAL_MARK} partial month ({document.get('partial_reason', '')}): no verdicts"
               if document.get("partial") else "")
    lines = [f"{config.report.title} — {document['month']}{partial}", ""]
    scalar_kpis = [k for k in shown_kpis(config.has_business_hours) if k.breakdown is None]
    width = max(len(k.label) for k in scalar_kpis)
    for group in ("primary", "secondary"):
        lines.append(f"{group.upper()} KPIs")
        for kpi in (k for k in scalar_kpis if k.group == group):
            value = format_value(document["kpis"][kpi.id], kpi.unit, config.report.currency)
            target = config.targets.get(kpi.id)
            shown = f"   target {format_value(target, kpi.unit, config.report.currency)}" if target else ""
            lines.append(f"  {kpi.label:<{width}}  {value:>14}{shown}")
        lines.append("")
    for kpi_id in ("tickets_by_category", "tickets_by_channel"):
        counts = document["breakdowns"][kpi_id]
        lines.append(KPI_BY_ID[kpi_id].label)
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {one_line(key):<30} {count:>8}")
        lines.append("")
    lines.append(_quality_summary(document["data_quality"]))
    return _printable(lines).rstrip()


def _printable(lines: Sequence[str]) -> str:
    """The lines joined for a terminal: control characters in any of them escaped."""
    return "\n".join(one_line(line) for line in lines)


def _quality_summary(quality: dict[str, Any]) -> str:
    parts = []
    for name in ("tickets", "surveys"):
        q = quality.get(name) or {}
        if not q.get("rows_read"):
            continue
        dropped = q["rows_read"] - q["rows_used"]
        parts.append(f"{name}: {q['rows_used']:,} of {q['rows_read']:,} rows used"
                     + (f" ({dropped:,} excluded or duplicate)" if dropped else ""))
    return "Data quality — " + ("; ".join(parts) if parts else "no rows read")


def validation_report(result: EngineResult,
                      settings_problems: Sequence[ReportgenError] = ()) -> tuple[str, bool]:
    """Every problem found (fatal ones first), the counts per dataset and a summary line.

    ``settings_problems`` (the outputs: settings) are fatal problems like the engine's.

    ok is False when anything is fatal (`reportgen build` would stop, the quality gate
    included: pass its lines as ``settings_problems``) or rows had to be excluded for
    a reason other than a routine skip (``reportgen.gates.EXPECTED_SKIPS``: a survey
    question left unanswered); discarded optional values alone do not fail.
    """
    fatal_problems = [*settings_problems, *result.fatal]
    lines: list[str] = [f"error: {problem}" for problem in fatal_problems]
    for problem in result.problems:
        value = "(empty)" if problem.value is None else repr(one_line(problem.value, 60))
        effect = "row excluded" if problem.row_excluded else "value ignored"
        lines.append(f"{problem.file}, {_where(problem)}, column '{problem.column}': "
                     f"{problem.reason.replace('_', ' ')} {value} — {effect}")
    if lines:
        lines.append("")
    excluded_total = discarded_total = unexpected = 0
    for name, reasons in (("tickets", TICKET_REASONS), ("surveys", SURVEY_REASONS)):
        quality = result.quality[name]
        if not quality.files:
            continue
        excluded = sum(quality.excluded.values())
        unexpected += sum(n for reason, n in quality.excluded.items() if reason not in EXPECTED_SKIPS)
        discarded = sum(quality.values_discarded.values())
        excluded_total += excluded
        discarded_total += discarded
        lines.append(f"{name}: {len(quality.files)} file(s), {quality.rows_read:,} rows read, "
                     f"{quality.rows_used:,} used, {quality.duplicates:,} duplicates, "
                     f"{excluded:,} excluded, {discarded:,} values discarded")
        for reason in reasons:
            count = quality.excluded.get(reason) or quality.values_discarded.get(reason)
            if count:
                lines.append(f"  {reason}: {count:,}")
        if quality.control_characters:
            lines.append(f"  {CONTROL_CHARACTERS}: {quality.control_characters:,} (rows whose ids or names "
                         "had control characters removed; the rows are used)")
    business = result.quality["business"]
    if business.files:
        lines.append(f"business: {business.rows_used} month(s)")
    months = ", ".join(result.months) or "none"
    lines.append(f"months in the data: {months}")
    fatal = len(fatal_problems)
    ok = fatal == 0 and unexpected == 0
    if ok and not result.problems:
        lines.append("OK: no problems found")
    else:
        counts = (f"{_plural(fatal, 'fatal problem')}, {_plural(excluded_total, 'row')} excluded, "
                  f"{_plural(discarded_total, 'value')} discarded")
        if fatal:
            lines.append(f"FAILED: {counts} — fix the fatal problems (lines starting with 'error:'); "
                         "build, publish or email would stop at them")
        else:
            lines.append(f"problems found: {counts} — the rows listed above are excluded or their "
                         "values ignored")
    return _printable(lines), ok


def _where(problem: RowProblem) -> str:
    """A file's row by number; a warehouse's by its id (``ticket_id 'T-9'``, or 'a row without ticket_id')."""
    if problem.row is not None:
        return f"row {problem.row}"
    id_column = ID_COLUMN[REASONS[problem.reason].dataset]
    return f"{id_column} {one_line(problem.key, 60)!r}" if problem.key else f"a row without {id_column}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
