"""Why a row is excluded or a value discarded: each reason declared once.

Every reason names its dataset, the canonical column it is about, whether the
whole row is left out (``excluded``) or only that value is ignored
(``discarded``), and what it means in plain language (shown on the Data Quality
tab and by ``reportgen validate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Effect = Literal["excluded", "discarded"]


@dataclass(frozen=True)
class Reason:
    name: str
    dataset: Literal["tickets", "surveys"]
    column: str
    effect: Effect
    meaning: str

    @property
    def row_excluded(self) -> bool:
        return self.effect == "excluded"


REASONS: dict[str, Reason] = {
    reason.name: reason
    for reason in (
        Reason("missing_ticket_id", "tickets", "ticket_id", "excluded",
               "No ticket id: the row cannot be identified, so it is excluded."),
        Reason("missing_created_at", "tickets", "created_at", "excluded",
               "No creation time: the ticket cannot be placed in a month; excluded."),
        Reason("invalid_created_at", "tickets", "created_at", "excluded",
               "Creation time is not an ISO 8601 timestamp; excluded."),
        Reason("invalid_first_response_at", "tickets", "first_response_at", "discarded",
               "First response time did not parse; treated as never answered."),
        Reason("first_response_before_created", "tickets", "first_response_at", "discarded",
               "First response before creation; treated as never answered."),
        Reason("invalid_resolved_at", "tickets", "resolved_at", "discarded",
               "Resolution time did not parse; treated as unresolved."),
        Reason("resolved_before_created", "tickets", "resolved_at", "discarded",
               "Resolved before creation; treated as unresolved."),
        Reason("invalid_replies", "tickets", "replies", "discarded",
               "Replies is not a whole number ≥ 0; ignored (the ticket does not count as FCR)."),
        Reason("invalid_reopens", "tickets", "reopens", "discarded",
               "Reopens is not a whole number ≥ 0; treated as 0."),
        Reason("missing_response_id", "surveys", "response_id", "excluded", "No response id; excluded."),
        Reason("missing_submitted_at", "surveys", "submitted_at", "excluded",
               "No submission time; excluded."),
        Reason("invalid_submitted_at", "surveys", "submitted_at", "excluded",
               "Submission time is not an ISO 8601 timestamp; excluded."),
        Reason("missing_survey", "surveys", "survey", "excluded", "No survey kind; excluded."),
        Reason("unknown_survey_kind", "surveys", "survey", "excluded",
               "Survey kind is not nps, csat or ces; excluded."),
        Reason("missing_score", "surveys", "score", "excluded", "No score; excluded."),
        Reason("invalid_score", "surveys", "score", "excluded", "Score is not a number; excluded."),
        Reason("score_out_of_scale", "surveys", "score", "excluded",
               "Score outside the survey's scale; excluded."),
    )
}

# reason → the canonical column it is about, per dataset (the shape older callers use)
TICKET_REASONS: dict[str, str] = {r.name: r.column for r in REASONS.values() if r.dataset == "tickets"}
SURVEY_REASONS: dict[str, str] = {r.name: r.column for r in REASONS.values() if r.dataset == "surveys"}
REASON_MEANINGS: dict[str, str] = {r.name: r.meaning for r in REASONS.values()}
DISCARDED: frozenset[str] = frozenset(r.name for r in REASONS.values() if r.effect == "discarded")


def reasons_of(dataset: str) -> dict[str, str]:
    """reason → column for one dataset."""
    return {r.name: r.column for r in REASONS.values() if r.dataset == dataset}
