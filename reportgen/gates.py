"""The quality gate: a run whose data cannot be trusted stops before anything goes out.

    failures = gate_failures(result, config)   # one line per dataset over the gate
    lines = exclusion_summary(result)          # one line per dataset that lost rows

A report month fails the whole-month gate (``check_whole_month``) when its data starts
more than ``quality.month_gap_days`` after its first day, ends more than that before
its last, or the month has not ended (``reportgen.coverage``); ``--allow-partial``
lets it through, marked ◐ and without verdicts. A report month inside the tickets' first and
last day with no ticket created in it (a month's export that came back empty) fails it too;
surveys do not make it whole.

A dataset fails the quality gate when it has rows but none usable, or when more than
``quality.max_excluded_share`` of its rows are excluded (duplicates are not
exclusions: the last copy of a ticket is used; nor are routine skips, ``EXPECTED_SKIPS``,
unless nothing is left). The tickets fail it also when their sources yield no row at all
(every file holds only its header, a pull or a worksheet holds no ticket, a warehouse
returns none, ``NO_ROWS_LINE``): a report would say "0 tickets" of an export that came
back empty. A source that could not be read at all is told by its own error instead
(`validate` lists both kinds). ``MonthRun._gates`` raises
``QualityGateError`` before the history store, the workbook, the Sheet or the
email are touched; ``reportgen validate`` reports the same lines and exits 1.

Reader-visible wording lives in the module-level constants below.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from reportgen.config import ApiSource, Config, FileSource, SheetSource, SourceConfig, WarehouseSource
from reportgen.coverage import PARTIAL_MARK, coverage_span, lacks_tickets, month_bounds, month_gaps
from reportgen.engine.result import DatasetQuality, EngineResult
from reportgen.errors import DataError
from reportgen.i18n import translator

GATED_DATASETS = ("tickets", "surveys")

# survey rows a respondent left without an answer (a Typeform partial response, a skipped
# question): excluded as the spec says, but routine, so `validate` does not fail on them alone
EXPECTED_SKIPS = frozenset({"missing_score", "missing_submitted_at"})

# the tab as the workbook names it, in the report's language (the rest of a message is English)
SUMMARY_LINE = "{dataset}: {excluded} of {read} rows excluded ({reasons}) — see the {tab} tab"
NO_USABLE_ROW = "no usable row"
OVER_SHARE = "more than {share} of the rows (quality.max_excluded_share: {limit})"
GATE_LINE = "{dataset}: {excluded} of {read} rows excluded ({reasons}): {what} — {fix}"

_DATE_FIX = ("the dates are in no format reportgen reads (ISO 8601, or day-first/month-first as the "
             "column shows) — set date_format: on sources.{dataset} (a strptime format such as "
             "\"%d-%m-%Y %H:%M\"), or re-export the dates as text; `reportgen validate` lists every row")
FIXES: dict[str, str] = {
    "invalid_created_at": _DATE_FIX,
    "invalid_submitted_at": _DATE_FIX,
    "missing_created_at": "the creation time column is empty — check sources.{dataset}.preset and "
                          "columns: (which header holds the creation time?)",
    "missing_submitted_at": "the submission time column is empty — check sources.{dataset}.preset and "
                            "columns:, or export completed responses only",
    "missing_ticket_id": "the ticket id column is empty — check sources.{dataset}.columns: ticket_id",
    "missing_response_id": "the response id column is empty — check sources.{dataset}.columns: response_id",
    "missing_survey": "no survey kind — set the survey column, or options: {{survey: nps|csat|ces}}",
    "unknown_survey_kind": "the survey kind must be nps, csat or ces — check the survey column",
    "missing_score": "no score — check sources.{dataset}.columns: score (or options.score_column)",
    "invalid_score": ("the scores are not numbers — check the score column (or options.score_labels; "
                      "decimal: \",\" on the source for scores such as 4,5)"),
    "score_out_of_scale": "the scores are outside the scale — check kpis.csat.scale / kpis.ces.scale "
                          "and the survey kind",
}
DEFAULT_FIX = "fix the export or the source's settings; `reportgen validate` lists every row"

# the tickets' sources yielded no row: "<dataset>: <sources>: <n files, >no rows — <fix>"
NO_ROWS_LINE = "{dataset}: {sources}: {count}no rows — {fix}"
NO_ROWS_FILES = "{files} files, "
NO_ROWS_FIXES = {
    "path": "the export came back empty (only its header); check its filter or date range and export again",
    "api": "the pull stored no ticket; check the source's start: and filter, then `reportgen pull` again",
    "google_sheet": "the worksheet holds only its header; check sources.{dataset}.worksheet",
    "warehouse": "the table or query returned no row for the months computed; check sources.{dataset}",
}
# the datasets whose sources must yield rows (surveys may be few or none in a month)
REQUIRED_ROWS = ("tickets",)


PARTIAL_LINE = ("{month} is a partial month: {what} (quality.month_gap_days: {gap}) — {fix}, or add "
                "--allow-partial to send it marked {mark} and without verdicts")
PARTIAL_DATA = "{dataset} data from {first} to {last}, {short}"
PARTIAL_STARTS = "{days} days after {month_first}"
PARTIAL_ENDS = "{days} days before {month_last}"
PARTIAL_RUNNING = "it has not ended yet ({dataset} data until {last})"
PARTIAL_FIXES = {"path": "export the whole month again", "api": "pull again (`reportgen pull`)"}
PARTIAL_FIX_OTHER = "read the whole month again"
PARTIAL_RUNNING_FIX = "report it once the month has ended"
# the report month lies inside the tickets' first and last day, yet no ticket was created in it
NO_TICKET_LINE = ("{month} has no ticket: tickets data from {first} to {last}, none created in {month} — "
                  "{fix} (its export may have come back empty), or add --allow-partial to send it as it is")


class PartialMonthError(DataError):
    """The report month's data covers it only in part: no report goes out as if it were whole."""


class QualityGateError(DataError):
    """Too many of a dataset's rows were excluded to trust the report."""


def _reasons(quality: DatasetQuality) -> list[tuple[str, int]]:
    """Excluded rows per reason, most first (ties by name)."""
    return sorted(((r, n) for r, n in quality.excluded.items() if n), key=lambda item: (-item[1], item[0]))


def _reason_text(quality: DatasetQuality) -> str:
    return ", ".join(f"{reason} {count:,}" for reason, count in _reasons(quality))


def excluded_rows(quality: DatasetQuality) -> int:
    return sum(quality.excluded.values())


def over_gate(quality: DatasetQuality, max_share: float) -> str | None:
    """Why the dataset fails the gate (the ``what`` of the line), or None when it passes."""
    excluded = excluded_rows(quality)
    if not quality.rows_read or not excluded:
        return None
    if quality.rows_used <= 0:
        return NO_USABLE_ROW
    skipped = sum(count for reason, count in quality.excluded.items() if reason in EXPECTED_SKIPS)
    if (excluded - skipped) / quality.rows_read > max_share:
        return OVER_SHARE.format(share=f"{max_share:.0%}", limit=max_share)
    return None


def source_name(source: SourceConfig) -> str:
    """How the no-rows line names a source: its path or glob as configured, ``api: zendesk``, the
    sheet, the warehouse's table (never its URL, which may hold a password)."""
    if isinstance(source, FileSource):
        return source.path
    if isinstance(source, ApiSource):
        return f"api: {source.api}"
    if isinstance(source, SheetSource):
        return f"google_sheet: {source.google_sheet}" + (f" ({source.worksheet})" if source.worksheet else "")
    if isinstance(source, WarehouseSource):
        return f"warehouse table {source.table}" if source.table else "warehouse query"
    return source.kind


def no_rows_failure(result: EngineResult, config: Config, dataset: str) -> str | None:
    """The line stopping a run whose ``dataset`` sources yielded no row at all; None when they did,
    or when nothing was read because a source failed (its own error says why: ``validate``)."""
    sources = config.sources.of(dataset)
    quality = result.quality.get(dataset)
    if not sources or quality is None or quality.rows_read:
        return None
    if not quality.files and result.fatal:
        return None  # no file was read: the source's own error is the message
    count = NO_ROWS_FILES.format(files=f"{len(quality.files):,}") if len(quality.files) > 1 else ""
    kinds = list(dict.fromkeys(source.kind for source in sources))
    fix = "; ".join(NO_ROWS_FIXES.get(kind, DEFAULT_FIX) for kind in kinds).format(dataset=dataset)
    return NO_ROWS_LINE.format(dataset=dataset, sources=", ".join(source_name(s) for s in sources),
                               count=count, fix=fix)


def gate_failures(result: EngineResult, config: Config) -> list[str]:
    """One line per dataset over the quality gate: dataset, count, top reason and the fix (or, for
    the tickets, that their sources yielded no row)."""
    lines = []
    for dataset in GATED_DATASETS:
        quality = result.quality.get(dataset)
        if quality is None:
            continue
        empty = no_rows_failure(result, config, dataset) if dataset in REQUIRED_ROWS else None
        if empty is not None:
            lines.append(empty)
            continue
        what = over_gate(quality, config.quality.max_excluded_share)
        if what is None:
            continue
        top = _reasons(quality)[0][0]
        fix = FIXES.get(top, DEFAULT_FIX).format(dataset=dataset)
        lines.append(GATE_LINE.format(dataset=dataset, excluded=f"{excluded_rows(quality):,}",
                                      read=f"{quality.rows_read:,}", reasons=_reason_text(quality),
                                      what=what, fix=fix))
    return lines


def check_quality(result: EngineResult, config: Config) -> None:
    """Raise QualityGateError (the first dataset's line) when a dataset fails the gate."""
    failures = gate_failures(result, config)
    if failures:
        raise QualityGateError(failures[0] if len(failures) == 1 else "; ".join(failures))


def exclusion_summary(result: EngineResult, language: str = "en") -> list[str]:
    """One line per dataset that lost rows: the count and the reasons, most first; the Data Quality
    tab named as the workbook in ``language`` names it."""
    tab = translator(language).t("tab.quality")
    lines = []
    for dataset in GATED_DATASETS:
        quality = result.quality.get(dataset)
        if quality is None or not excluded_rows(quality):
            continue
        lines.append(SUMMARY_LINE.format(dataset=dataset, excluded=f"{excluded_rows(quality):,}",
                                         read=f"{quality.rows_read:,}", reasons=_reason_text(quality),
                                         tab=tab))
    return lines




def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"  # 4 Nov 2026: messages are English


def _reread(config: Config, dataset: str) -> str:
    """How to read the whole month again, per kind of the dataset's sources."""
    kinds = list(dict.fromkeys(source.kind for source in config.sources.of(dataset)))
    return " or ".join(PARTIAL_FIXES.get(kind, PARTIAL_FIX_OTHER) for kind in kinds) or PARTIAL_FIX_OTHER


def partial_month_failure(result: EngineResult, config: Config, month: str,
                          today: dt.date | None = None) -> str | None:
    """The line stopping a partial report month: the first and last day with data and the fix; also
    a month inside the tickets' span without a ticket created (``NO_TICKET_LINE``).

    None when the month is whole, or when no ticket or survey has a date (nothing to judge).
    """
    decided = coverage_span(result.coverage)
    if decided is None:
        return None
    dataset, (first, last) = decided
    today = today or dt.datetime.now(ZoneInfo(config.report.timezone)).date()
    gap = config.quality.month_gap_days
    late, early, running = month_gaps((first, last), month, today, gap)
    if not (late or early or running):
        if lacks_tickets(result.coverage, result.months, month):
            return NO_TICKET_LINE.format(month=month, first=_day(first), last=_day(last),
                                         fix=_reread(config, dataset))
        return None
    month_first, month_last = month_bounds(month)
    if running:
        what, fix = PARTIAL_RUNNING.format(dataset=dataset, last=_day(last)), PARTIAL_RUNNING_FIX
    else:
        short = [PARTIAL_STARTS.format(days=(first - month_first).days, month_first=_day(month_first))] \
            if late else []
        if early:
            short.append(PARTIAL_ENDS.format(days=(month_last - last).days, month_last=_day(month_last)))
        what = PARTIAL_DATA.format(dataset=dataset, first=_day(first), last=_day(last),
                                   short=" and ".join(short))
        fix = _reread(config, dataset)
    return PARTIAL_LINE.format(month=month, what=what, gap=gap, fix=fix, mark=PARTIAL_MARK)


def check_whole_month(result: EngineResult, config: Config, month: str) -> None:
    """Raise PartialMonthError (one line) when the report month's data covers it only in part.
    A month without any data is not partial: the run stops on "no data for …" (``monthdata``)."""
    if month not in result.months:
        return
    line = partial_month_failure(result, config, month)
    if line is not None:
        raise PartialMonthError(line)
