"""The quality gate: a run whose data cannot be trusted stops before anything goes out.

    failures = gate_failures(result, config)   # one line per dataset over the gate
    lines = exclusion_summary(result)          # one line per dataset that lost rows

A dataset fails the gate when it has rows but none usable, or when more than
``quality.max_excluded_share`` of its rows are excluded (duplicates are not
exclusions: the last copy of a ticket is used; nor are routine skips, ``EXPECTED_SKIPS``,
unless nothing is left). ``MonthRun._gates`` raises
``QualityGateError`` before the history store, the workbook, the Sheet or the
email are touched; ``reportgen validate`` reports the same lines and exits 1.

Reader-visible wording lives in the module-level constants below.
"""

from __future__ import annotations

from reportgen.config import Config
from reportgen.engine import EngineResult
from reportgen.engine.quality import DatasetQuality
from reportgen.errors import DataError

GATED_DATASETS = ("tickets", "surveys")

# survey rows a respondent left without an answer (a Typeform partial response, a skipped
# question): excluded as the spec says, but routine, so `validate` does not fail on them alone
EXPECTED_SKIPS = frozenset({"missing_score", "missing_submitted_at"})

SUMMARY_LINE = "{dataset}: {excluded} of {read} rows excluded ({reasons}) — see the Data Quality tab"
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


def gate_failures(result: EngineResult, config: Config) -> list[str]:
    """One line per dataset over the quality gate: dataset, count, top reason and the fix."""
    lines = []
    for dataset in GATED_DATASETS:
        quality = result.quality.get(dataset)
        if quality is None:
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


def exclusion_summary(result: EngineResult) -> list[str]:
    """One line per dataset that lost rows: the count and the reasons, most first."""
    lines = []
    for dataset in GATED_DATASETS:
        quality = result.quality.get(dataset)
        if quality is None or not excluded_rows(quality):
            continue
        lines.append(SUMMARY_LINE.format(dataset=dataset, excluded=f"{excluded_rows(quality):,}",
                                         read=f"{quality.rows_read:,}", reasons=_reason_text(quality)))
    return lines


