"""Why a row is excluded or a value discarded: each reason declared once.

Every reason names its dataset, the canonical column it is about, whether the
whole row is left out (``excluded``) or only that value is ignored
(``discarded``); what it means in plain language (shown on the Data Quality
tab and by ``reportgen validate``) is the catalogues' ``reason.<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportgen.i18n import Translator, translator

Effect = Literal["excluded", "discarded"]


@dataclass(frozen=True)
class Reason:
    name: str
    dataset: Literal["tickets", "surveys"]
    column: str
    effect: Effect

    @property
    def meaning(self) -> str:
        """What it means, in English: the catalogues' ``reason.<name>`` (``meaning_in``: another language)."""
        return self.meaning_in(translator("en"))

    def meaning_in(self, tr: Translator) -> str:
        return tr.t(f"reason.{self.name}")

    def label_in(self, tr: Translator) -> str:
        """Its short name for readers (the Data Quality tab's reason column): ``reason_label.<name>``."""
        return tr.t(f"reason_label.{self.name}")

    @property
    def row_excluded(self) -> bool:
        return self.effect == "excluded"


REASONS: dict[str, Reason] = {
    reason.name: reason
    for reason in (
        Reason("missing_ticket_id", "tickets", "ticket_id", "excluded"),
        Reason("missing_created_at", "tickets", "created_at", "excluded"),
        Reason("invalid_created_at", "tickets", "created_at", "excluded"),
        Reason("invalid_first_response_at", "tickets", "first_response_at", "discarded"),
        Reason("first_response_before_created", "tickets", "first_response_at", "discarded"),
        Reason("invalid_resolved_at", "tickets", "resolved_at", "discarded"),
        Reason("resolved_before_created", "tickets", "resolved_at", "discarded"),
        Reason("invalid_replies", "tickets", "replies", "discarded"),
        Reason("invalid_reopens", "tickets", "reopens", "discarded"),
        Reason("missing_response_id", "surveys", "response_id", "excluded"),
        Reason("missing_submitted_at", "surveys", "submitted_at", "excluded"),
        Reason("invalid_submitted_at", "surveys", "submitted_at", "excluded"),
        Reason("missing_survey", "surveys", "survey", "excluded"),
        Reason("unknown_survey_kind", "surveys", "survey", "excluded"),
        Reason("missing_score", "surveys", "score", "excluded"),
        Reason("invalid_score", "surveys", "score", "excluded"),
        Reason("score_out_of_scale", "surveys", "score", "excluded"),
    )
}

CONTROL_CHARACTERS = "control_characters"
"""Not a reason anything is left out, but listed beside the reasons on the Data Quality tab and by
`validate`: the rows whose ids or names had control characters dropped (``sources.text``); what it
means is the catalogues' ``quality.control_characters``."""

# reason → the canonical column it is about, per dataset (the shape older callers use)
TICKET_REASONS: dict[str, str] = {r.name: r.column for r in REASONS.values() if r.dataset == "tickets"}
SURVEY_REASONS: dict[str, str] = {r.name: r.column for r in REASONS.values() if r.dataset == "surveys"}
DISCARDED: frozenset[str] = frozenset(r.name for r in REASONS.values() if r.effect == "discarded")


def reasons_of(dataset: str) -> dict[str, str]:
    """reason → column for one dataset."""
    return {r.name: r.column for r in REASONS.values() if r.dataset == dataset}
