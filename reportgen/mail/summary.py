"""What the monthly email says, computed from the engine's measures (MonthData).

Nothing here reads the workbook back: every number comes from
``MonthData.measures`` through the KPI registry, and the month-over-month
change and the status vs target come from the same code that fills the
workbook's KPI Tracker (``reportgen.verdicts``), so the email and the
workbook cannot disagree. Values are formatted by their unit
(``reportgen.units``: the same table as the workbook's number formats) so
the HTML and plain-text bodies, the terminal and the workbook show the same text.
Words, months and numbers are in ``report.language`` (``reportgen.i18n``); the
templates take their sentences from the same catalogues (``t``, ``tn`` and
``html`` in the template context).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportgen.blocks import MonthBlocks, report_blocks
from reportgen.coverage import PARTIAL_MARK, marked_month, partial_list
from reportgen.i18n import Translator, translator
from reportgen.measures import dimension_value_in
from reportgen.monthdata import MonthData
from reportgen.months import shift
from reportgen.render.styles import BAD_FILL, BAD_FONT, GOOD_FILL, GOOD_FONT, GREY
from reportgen.units import format_change, format_value

from .settings import google_sheet_url
from .voice import EmailVoice, email_voice, row_marks

TOP_CATEGORIES = 5
SPIKE_TRAILING_MONTHS = 3
SPIKE_RATIO = 1.5
SPIKE_MIN_INCREASE = 5
EMAIL_DRIVERS = 3  # "why it changed" sentences under the headline KPIs

TONE_COLOURS: dict[str, tuple[str, str]] = {  # tone → (text colour, background), as in the workbook
    "good": (GOOD_FONT, GOOD_FILL),
    "bad": (BAD_FONT, BAD_FILL),
    "neutral": (GREY, "#F2F2F2"),
}


@dataclass(frozen=True)
class HeadlineRow:
    """One primary KPI of the month, formatted: value, change vs last month, status vs target."""

    id: str
    label: str
    value: str
    raw_value: float | None
    change: str  # "+1.2 pp", "−0.5 h", "" when there is no previous month (in the report's language)
    change_word: str  # "better" | "worse" | "no change" | "" (no direction or no previous month)
    change_tone: str  # good | bad | neutral
    target: str  # "" without a target
    status: str  # "On target" | "Below target" | "Above target" | "No target" | "No data" (translated)
    status_tone: str  # good | bad | neutral
    sample: str = ""  # "n = 4": a survey KPI from too few answers (greyed, no verdict)
    unusual: str = ""  # "⚠ unusual" (``reportgen.unusual``)
    unusual_note: str = ""  # its usual range

    @property
    def change_colour(self) -> str:
        return TONE_COLOURS[self.change_tone][0]

    @property
    def status_colour(self) -> str:
        return TONE_COLOURS[self.status_tone][0]

    @property
    def status_background(self) -> str:
        return TONE_COLOURS[self.status_tone][1]


@dataclass(frozen=True)
class CategoryRow:
    name: str
    tickets: str
    share: str
    raw_tickets: float


@dataclass(frozen=True)
class Spike:
    """A category whose tickets this month rose well above its trailing average (see ``find_spikes``)."""

    name: str
    tickets: str
    average: str
    increase: str  # "+85%", or "new" when the trailing average is 0
    raw_tickets: float
    raw_average: float


@dataclass(frozen=True)
class TrendPoint:
    month: str
    label: str  # as drawn in the chart image (Latin script: '2026/10' in Japanese)
    tickets: float | None
    partial: bool = False  # covered only in part: drawn with the ◐ mark


@dataclass
class EmailSummary:
    """Everything the templates show (see templates/email.html.j2 for how)."""

    title: str
    month: str
    month_label: str
    previous_label: str
    headline: list[HeadlineRow]
    top_categories: list[CategoryRow]
    spikes: list[Spike]
    trend: list[TrendPoint]
    sheet_url: str | None
    data_quality: str | None
    partial_months: str | None
    total_tickets: str
    currency: str
    raw_total_tickets: float | None = None
    tr: Translator = field(default_factory=lambda: translator("en"))
    workbook_name: str = ""
    chart_cid: str | None = None  # "cid:…" target of the inline chart, set when the chart is attached
    chart_alt: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    voice: EmailVoice | None = None  # the manager's note and customers' quotes (``mail.voice``)
    min_responses: int = 30  # report.min_responses (the "n = …" legend)
    drivers: list[str] = field(default_factory=list)  # why KPIs changed: sentences, largest change first

    def context(self) -> dict[str, object]:
        """The names templates (body and subject) can use."""
        return {
            "title": self.title, "month": self.month, "month_label": self.month_label,
            "previous_label": self.previous_label, "headline": self.headline,
            "top_categories": self.top_categories, "spikes": self.spikes, "trend": self.trend,
            "sheet_url": self.sheet_url, "data_quality": self.data_quality,
            "partial_months": self.partial_months,
            "total_tickets": self.total_tickets, "raw_total_tickets": self.raw_total_tickets or 0,
            "currency": self.currency,
            "workbook_name": self.workbook_name, "chart_cid": self.chart_cid, "chart_alt": self.chart_alt,
            "spike_rule": spike_rule_text(self.tr), "colours": TONE_COLOURS,
            "language": self.tr.language, "t": self.tr.t, "tn": self.tr.tn, "html": self.tr.html,
            "spike_months": SPIKE_TRAILING_MONTHS, "drivers": self.drivers, "voice": self.voice,
            "min_responses": self.tr.number(self.min_responses), **self.extra,
        }


def spike_rule_text(tr: Translator | None = None) -> str:
    tr = tr or translator("en")
    return tr.t("email.spike_rule", ratio=tr.number(SPIKE_RATIO, 1 if SPIKE_RATIO % 1 else 0, grouping=False),
                months=SPIKE_TRAILING_MONTHS, min_increase=SPIKE_MIN_INCREASE)


def _translator(data: MonthData) -> Translator:
    return translator(data.config.report.language)


def headline_rows(data: MonthData, blocks: MonthBlocks | None = None) -> list[HeadlineRow]:
    """The primary scalar KPIs of the month, in registry order (the report's KPI rows: ``reportgen.blocks``;
    no month-over-month verdict against a partial month, either side)."""
    tr = _translator(data)
    currency = data.config.report.currency
    rows: list[HeadlineRow] = []
    for block in (blocks or report_blocks(data, tr)).kpis:
        kpi = block.kpi
        if kpi.group != "primary" or kpi.breakdown is not None:
            continue
        row = block.rows[0]
        value, target, change, change_tone = row.value, row.target, row.change, row.change_tone
        status, status_tone, word = row.status_shown, row.status_tone, row.change_word
        change_text = "" if change is None else format_change(change, kpi.unit, currency, tr)
        marks = row_marks(row, tr, currency)
        if marks.sample:  # too few answers: the count instead of a verdict
            status = ""
        rows.append(HeadlineRow(
            id=kpi.id, label=kpi.label_in(tr), value=format_value(value, kpi.unit, currency, tr),
            raw_value=value, change=change_text, change_word=tr.t(word) if word else "",
            change_tone=change_tone,
            target="" if target is None else format_value(target, kpi.unit, currency, tr),
            status=tr.t(status) if status else marks.sample, status_tone=status_tone,
            sample=marks.sample, unusual=marks.unusual, unusual_note=marks.unusual_note,
        ))
    return rows


def _category_counts(data: MonthData, month: str) -> dict[str, float] | None:
    """Tickets per category of a month; None when the month has no data at all."""
    if month not in data.breakdowns:
        return None
    return data.breakdowns[month].get("tickets_by_category", {})


def top_categories(data: MonthData, limit: int = TOP_CATEGORIES, blocks: MonthBlocks | None = None
                   ) -> list[CategoryRow]:
    """The busiest categories of the month: the report's category table (``reportgen.blocks``)."""
    tr = _translator(data)
    table = next(t for t in (blocks or report_blocks(data, tr)).channels if t.key_header == "common.category")
    return [CategoryRow(name, format_value(count, "count", tr=tr), format_value(share, "percent", tr=tr),
                        count or 0) for name, (count, share) in table.rows[:limit]]


def find_spikes(data: MonthData) -> list[Spike]:
    """Categories spiking above their trailing 3-month average.

    The rule, precisely: let ``c`` be a category's tickets created in the
    report month and ``a`` the mean of its tickets created in each of the
    ``SPIKE_TRAILING_MONTHS`` (3) calendar months just before it (a month with
    data but no ticket in that category counts as 0). The category spikes when
    ``c >= SPIKE_RATIO × a`` (1.5×) **and** ``c − a >= SPIKE_MIN_INCREASE`` (5
    tickets) — the second condition keeps tiny categories (1 → 2 tickets)
    quiet. When any of the three previous months has no data at all (before
    the history starts, or outside ``report.window_months``), there is no
    baseline and nothing is flagged. A category with ``a = 0`` spikes as soon as
    ``c >= 5``. Spikes are listed biggest increase first.
    """
    current = _category_counts(data, data.month) or {}
    trailing_months = [shift(data.month, -k) for k in range(1, SPIKE_TRAILING_MONTHS + 1)]
    trailing = [_category_counts(data, month) for month in trailing_months]
    if not current or any(months is None for months in trailing):
        return []
    if any(month in data.partial for month in [data.month, *trailing_months]):
        return []  # a partial month is no baseline, and a partial report month no spike
    spikes: list[Spike] = []
    tr = _translator(data)
    for name, count in current.items():
        average = sum((months or {}).get(name, 0) for months in trailing) / SPIKE_TRAILING_MONTHS
        if count >= SPIKE_RATIO * average and count - average >= SPIKE_MIN_INCREASE:
            rise = tr.number((count / average - 1) * 100, 0, grouping=False) if average else ""
            increase = tr.t("email.spike_increase", percent=rise) if average else tr.t("email.spike_new")
            spikes.append(Spike(dimension_value_in("category", name, tr), format_value(count, "count", tr=tr),
                                tr.number(average, 1), increase,
                                count, average))
    spikes.sort(key=lambda s: (-(s.raw_tickets - s.raw_average), s.name))
    return spikes


def volume_trend(data: MonthData, blocks: MonthBlocks | None = None) -> list[TrendPoint]:
    """Tickets created per month over the report window (None for months without data)."""
    tr = _translator(data)
    volume = (blocks or report_blocks(data, tr)).kpi("ticket_volume")
    return [TrendPoint(m, tr.month_image(m), value, m in data.partial)
            for m, value in zip(data.window, volume.values, strict=True)]


def data_quality_line(data: MonthData) -> str | None:
    """One sentence when the run had to exclude rows; None when every row was used."""
    tr = _translator(data)
    parts: list[str] = []
    for name in ("tickets", "surveys"):
        quality = data.engine.quality.get(name)
        if quality is None:
            continue
        excluded = sum(quality.excluded.values())
        if excluded:
            parts.append(tr.tn(f"email.dq_{name}", quality.rows_read, excluded=tr.number(excluded),
                               read=tr.number(quality.rows_read)))
    if not parts:
        return None
    return tr.t("email.data_quality", parts=tr.join(parts))


def partial_months_line(data: MonthData) -> str | None:
    """One sentence naming the window's partial months; None when every month is complete."""
    if not data.partial:
        return None
    tr = _translator(data)
    return tr.t("email.partial_months", mark=PARTIAL_MARK, months=partial_list(data.partial, tr))


def summarize(data: MonthData) -> EmailSummary:
    """The email's content for the report month of ``data``."""
    tr = _translator(data)
    blocks = report_blocks(data, tr)  # what the workbook shows, read by the email too
    volume = blocks.kpi("ticket_volume").value
    return EmailSummary(
        title=data.config.report.title,
        month=data.month,
        # a partial report month (sent with --allow-partial) says so wherever the month is named:
        # subject, header, intro: 'Nov 2026 ◐ (data until 4 Nov 2026)'
        month_label=(marked_month(tr.month_long(data.month), data.partial[data.month], tr)
                     if data.month in data.partial else tr.month_long(data.month)),
        previous_label=tr.month_long(shift(data.month, -1)),
        headline=headline_rows(data, blocks),
        top_categories=top_categories(data, blocks=blocks),
        spikes=find_spikes(data),
        trend=volume_trend(data, blocks),
        sheet_url=google_sheet_url(data.config),
        data_quality=data_quality_line(data),
        partial_months=partial_months_line(data),
        total_tickets=format_value(volume, "count", tr=tr),
        currency=data.config.report.currency,
        raw_total_tickets=volume,
        tr=tr,
        voice=email_voice(blocks, tr, data.config),
        min_responses=data.config.report.min_responses,
        drivers=blocks.drivers.sentences(EMAIL_DRIVERS),
    )
