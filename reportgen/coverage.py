"""Partial months: months the data covers only in part, so no month-over-month verdict uses them.

    partial = partial_months(result.coverage, months, "Europe/Rome", tr=translator("it"))
    # {"2026-09": "dati dal 25 set 2026"}; English without ``tr``: {"2026-09": "data from 25 Sep 2026"}

The coverage of a dataset is the first and last local day of its usable rows
(``EngineResult.coverage``). The tickets decide (their volume is what a month
compares); surveys only when there are no tickets, since answers are sparse. A
month is partial when

- the data starts more than ``quality.month_gap_days`` (``TOLERANCE_DAYS``, 2, by
  default) after its first day (a first export that began on 25 September), or
- the data ends more than that before its last day (an export taken mid-month), or
- it has not ended yet in the report's time zone (the month still running), or
- it lies wholly before or after the data (its only data is the resolution of
  earlier tickets, or business figures).

A weekend without tickets at either end of a month is within the tolerance.

A month read from history (its sources no longer hold it, or hold it less completely) is judged by
the completeness it was stored with (``history.Completeness``: the days of the month its
data spanned): partial when more days are missing than the tolerance allows at both
ends together (``2 × TOLERANCE_DAYS``), so a month that was not partial when it was
computed never becomes partial from history, and the first month of a team that began
on the 25th stays marked once later exports leave it out (:func:`stored_partial_months`).

The wording a reader sees is in the catalogues (``reportgen.i18n``: ``partial.*``,
``tracker.partial_no_change``, ``email.partial_months``), in the report's language.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from reportgen.history import Completeness
from reportgen.i18n import Translator, translator
from reportgen.measures import MonthMeasures
from reportgen.model import Sheet

TOLERANCE_DAYS = 2
COVERAGE_DATASETS = ("tickets", "surveys")

PARTIAL_MARK = "◐"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def coverage_span(coverage: Mapping[str, tuple[dt.date, dt.date]]
                  ) -> tuple[str, tuple[dt.date, dt.date]] | None:
    """The dataset that decides whether a month is whole and its first and last day with data."""
    return next(((name, coverage[name]) for name in COVERAGE_DATASETS if name in coverage), None)


def lacks_tickets(coverage: Mapping[str, tuple[dt.date, dt.date]], months: Mapping[str, MonthMeasures],
                  month: str) -> bool:
    """Whether ``month`` (one of ``months``) has no ticket created while the tickets decide whether a
    month is whole: inside their span, its own export came back empty (its surveys, the resolution
    of earlier tickets or business figures do not make it whole)."""
    decided = coverage_span(coverage)
    return (decided is not None and decided[0] == "tickets" and month in months
            and not months[month].scalars.get("tickets_created"))


def month_gaps(span: tuple[dt.date, dt.date] | None, month: str, today: dt.date,
               gap_days: int = TOLERANCE_DAYS) -> tuple[bool, bool, bool]:
    """(starts late, ends early, still running) of ``month`` for data spanning ``span``.

    Late / early: more than ``gap_days`` (``quality.month_gap_days``) after the month's first
    day or before its last; a month still running is not "early" as well.
    """
    first_day, last_day = month_bounds(month)
    running = today <= last_day
    if span is None:
        return False, False, running
    first, last = span
    # the data starts late in the month or after it (a month holding only resolutions of
    # earlier tickets, or business figures), or ends early in it or before it
    return ((first - first_day).days > gap_days, not running and (last_day - last).days > gap_days,
            running)


def partial_months(coverage: Mapping[str, tuple[dt.date, dt.date]], months: Iterable[str],
                   timezone: str, today: dt.date | None = None,
                   tr: Translator | None = None, gap_days: int = TOLERANCE_DAYS,
                   measures: Mapping[str, MonthMeasures] | None = None) -> dict[str, str]:
    """month → why it is partial (e.g. "data from 25 Sep 2026"), for the ``months`` that are.

    ``measures``: the months' measures; a month inside the tickets' span without a ticket created
    (:func:`lacks_tickets`) is partial too ("data covering 0 of 30 days"). The reasons are in
    ``tr``'s language (English without it).
    """
    tr = tr or translator()
    decided = coverage_span(coverage)
    span = decided[1] if decided else None
    today = today or dt.datetime.now(ZoneInfo(timezone)).date()
    out: dict[str, str] = {}
    for month in months:
        late, early, running = month_gaps(span, month, today, gap_days)
        reasons: list[str] = []
        if span is not None and late:
            reasons.append(tr.t("partial.starts", day=tr.day(span[0])))
        if span is not None and early:
            reasons.append(tr.t("partial.ends", day=tr.day(span[1])))
        if running:
            reasons.append(tr.t("partial.running"))
        if not reasons and measures is not None and lacks_tickets(coverage, measures, month):
            first_day, last_day = month_bounds(month)
            reasons.append(tr.t("partial.days", days=0, total=(last_day - first_day).days + 1))
        if reasons:
            out[month] = tr.t("partial.separator").join(reasons)
    return out


def stored_partial_months(stored: Mapping[str, Completeness], tr: Translator | None = None,
                          gap_days: int = TOLERANCE_DAYS) -> dict[str, str]:
    """month → why it is partial, for months read from history only (by their stored completeness).

    A month whose only data are business figures (no ticket or answer: ``usable_rows`` ≤ 1)
    is not judged: it has no days to count.
    """
    tr = tr or translator()
    out: dict[str, str] = {}
    for month, completeness in sorted(stored.items()):
        first_day, last_day = month_bounds(month)
        length = (last_day - first_day).days + 1
        if completeness.usable_rows > 1 and completeness.days_with_data < length - 2 * gap_days:
            out[month] = tr.t("partial.days", days=completeness.days_with_data, total=length)
    return out


def partial_note(why: str, tr: Translator | None = None) -> str:
    """The note on a partial month's header: why it is partial and that nothing is compared with it."""
    return (tr or translator()).t("partial.note", why=why)


def partial_list(partial: Mapping[str, str], tr: Translator | None = None) -> str:
    """The partial months and why, for a legend or a sentence: 'Sep 2026 (data from 25 Sep 2026)'."""
    tr = tr or translator()
    return tr.t("partial.separator").join(tr.t("partial.month", month=tr.month(month), why=why)
                                          for month, why in partial.items())


def partial_legend(partial: Mapping[str, str], tr: Translator | None = None) -> str:
    """The KPI Tracker's legend of the mark: '◐ partial month — Sep 2026 (…); no change or verdict …'."""
    tr = tr or translator()
    return tr.t("partial.legend", mark=PARTIAL_MARK, months=partial_list(partial, tr))


def marked_month(label: str, why: str, tr: Translator | None = None) -> str:
    """A month's label marked partial and why: 'Nov 2026 ◐ (data until 4 Nov 2026)'."""
    return (tr or translator()).t("partial.month", month=f"{label} {PARTIAL_MARK}", why=why)


LEGEND_ROW = 2  # under a tab's title and subtitle


def mark_partial_tabs(sheets: Iterable[Sheet], partial: Mapping[str, str], tr: Translator | None = None
                      ) -> None:
    """Say on every tab that its month is partial: the legend under the title (the KPI Tracker has
    its own), or a note on the first cell of a tab without a title (the tidy Data tab)."""
    legend = partial_legend(partial, tr)
    for sheet in sheets:
        first = sheet.cells.get((0, 0))
        if first is not None and first.style == "title":
            if (LEGEND_ROW, 0) not in sheet.cells:  # the KPI Tracker has its legend there already
                sheet.put(LEGEND_ROW, 0, legend, "subtitle")
        elif first is not None:
            sheet.put(0, 0, first.value, first.style, first.formula, legend)
