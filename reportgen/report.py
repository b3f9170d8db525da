"""The report's blocks (``reportgen.blocks``) → the spreadsheet grid of one month, in the report's language.

The grid (``reportgen.model``: cells, A1 formulas, widths, page breaks) is what
the xlsx and Google Sheets renderers (``render/``) draw; what is shown — KPI rows
with values, targets and verdicts, the series, the breakdown tables — comes
from the blocks every output reads. The Calculator's formulas come from the
same KPI expressions, and their cached values are the engine's values. Every
text comes from the message catalogues (``reportgen.i18n``) of ``report.language``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from reportgen.blocks import KpiRow, SeriesBlock, Table, report_blocks
from reportgen.config import Config
from reportgen.coverage import PARTIAL_MARK, mark_partial_tabs, partial_legend, partial_list, partial_note
from reportgen.engine.reasons import CONTROL_CHARACTERS, REASONS
from reportgen.i18n import Translator, display_width, translator
from reportgen.kpis import MEASURES, RESOLUTION_RATE_NOTE_ID, Kpi, shown_kpis
from reportgen.model import LineChart, Range, Report, Series, Sheet, a1
from reportgen.monthdata import MonthData
from reportgen.report_survey import (
    put_note,
    put_score_table,
    put_tracker_marks,
    tracker_legend,
    unusual_text,
    voice_sheet,
)
from reportgen.report_why import WHY, why_sheet
from reportgen.units import change_factor

# the tabs' names in English (other languages: the catalogues' "tab.*" messages)
TRACKER = "KPI Tracker"
VOLUME = "Ticket Volume"
CALCULATOR = "Calculator"
DEFINITIONS = "Definitions"
AGENTS = "Agents"
CHANNELS = "Channels"
VOICE = "Voice of the customer"
QUALITY = "Data Quality"
DATA = "Data"
TAB_ORDER = (TRACKER, WHY, VOLUME, CALCULATOR, DEFINITIONS, AGENTS, CHANNELS, VOICE, QUALITY, DATA)

def reason_meaning(tr: Translator, reason: str) -> str:
    """What a Data Quality reason code means, in the report's language ("" for an unknown code)."""
    if reason == CONTROL_CHARACTERS:
        return tr.t("quality.control_characters")
    return REASONS[reason].meaning_in(tr) if reason in REASONS else ""


def reason_label(tr: Translator, reason: str) -> str:
    """A Data Quality reason's short name in the report's language (the code for an unknown one)."""
    return REASONS[reason].label_in(tr) if reason in REASONS else reason


def fit_width(minimum: float, texts: Iterable[str], extra: float = 2, lines: int = 1) -> float:
    """A column width showing the longest of ``texts`` in ``lines`` lines; at least ``minimum``."""
    longest = max((display_width(text) for text in texts), default=0)
    return max(minimum, math.ceil(longest / lines) + extra)


def fit_header_row(sheet: Sheet, row: int, height: float = 30) -> None:
    """Two lines for a header row when a header is wider than its column (long labels in some languages)."""
    spans = {c1: sum(sheet.column_widths.get(c, 8.43) for c in range(c1, c2 + 1))
             for r1, c1, _, c2 in sheet.merges if r1 == row}
    for (r, col), cell in sheet.cells.items():
        width = spans.get(col, sheet.column_widths.get(col, 8.43))
        if r == row and isinstance(cell.value, str) and display_width(cell.value) > width:
            sheet.row_heights[row] = max(sheet.row_heights.get(row, 0), height)
            return


def month_date(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_label(month: str, tr: Translator | None = None) -> str:
    """'Oct 2026' (English), 'ott 2026', 'oct. 2026', '2026年10月'."""
    return (tr or translator("en")).month(month)


def value_style(kpi: Kpi) -> str:
    """Number style of a KPI: counts that are averages get one decimal."""
    if kpi.unit == "count" and kpi.has_calculator:
        return "ratio"
    return kpi.unit


class ReportBuilder:
    """Lays out every tab of the report for one month."""

    def __init__(self, data: MonthData, tr: Translator | None = None):
        self.data = data
        self.config = data.config
        self.tr = tr or translator(data.config.report.language)
        self.month = data.month
        self.window = data.window
        self.scalars = data.scalars  # the run's KPI values, computed once for every view
        self.breakdowns = data.breakdowns
        self.partial = data.partial  # months covered only in part: marked, never compared
        self.kpis = shown_kpis(data.config.has_business_hours)  # the business-hours ones when configured
        self.blocks = report_blocks(data, self.tr)  # what every output shows; laid out here as a grid

    @property
    def title(self) -> str:
        return self.config.report.title

    def build(self) -> Report:
        why = why_sheet(self.blocks.drivers, self.month, self.tr)  # reportgen.report_why
        sheets = [self.tracker(), why, self.volume(), self.calculator(), self.definitions(),
                  self.agents(), self.channels(), *self.voice(), self.quality(), self.tidy_data()]
        if self.month in self.partial:  # a report month sent with --allow-partial: said on every tab
            mark_partial_tabs(sheets, {self.month: self.partial[self.month]}, self.tr)
        for sheet in sheets:
            fit_row_heights(sheet)
            place_page_breaks(sheet)
        return Report(self.title, self.month, sheets, language=self.tr.language)

    # ---- helpers ---------------------------------------------------------------
    def _heading(self, sheet: Sheet, title: str, subtitle: str) -> None:
        sheet.put(0, 0, title, "title")
        sheet.put(1, 0, subtitle, "subtitle")

    # ---- 1. KPI Tracker ---------------------------------------------------------
    def tracker(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.tracker"), tab_color="#1F4E79")
        span = tr.t("common.month_span", first=tr.month(self.window[0]), last=tr.month(self.window[-1]))
        self._heading(sheet, tr.t("common.title_month", title=self.title, month=tr.month(self.month)),
                      tr.t("tracker.subtitle", span=span, timezone=self.config.report.timezone,
                           currency=self.config.report.currency))
        n = len(self.window)
        target_col, status_col, change_col = n + 1, n + 2, n + 3
        unusual_col = change_col + 1  # the unusual mark (reportgen.unusual)
        note = self.blocks.note
        header = 3 if note is None else put_note(sheet, 3, note, tr, unusual_col)
        sheet.put(header, 0, tr.t("common.kpi"), "header_left")
        for index, month in enumerate(self.window):
            if month in self.partial:  # a text header with the mark; the note says why
                sheet.put(header, 1 + index, f"{tr.month(month)} {PARTIAL_MARK}", "month_header",
                          note=partial_note(self.partial[month], tr))
            else:
                sheet.put(header, 1 + index, month_date(month), "month_header")
        if self.partial:
            sheet.put(2, 0, partial_legend(self.partial, tr), "subtitle")
        target_header = tr.t("common.target")
        status_header = tr.t("tracker.status", month=tr.month(self.month))
        change_header = tr.t("tracker.change")
        sheet.put(header, target_col, target_header, "header")
        sheet.put(header, status_col, status_header, "header")
        sheet.put(header, change_col, change_header, "header")
        unusual_header = tr.t("unusual.header")
        sheet.put(header, unusual_col, unusual_header, "header")
        row = header + 1
        for group in ("primary", "secondary"):
            heading = tr.t(f"tracker.{group}")
            for col in range(unusual_col + 1):
                sheet.put(row, col, heading if col == 0 else None, "group")
            row += 1
            for block in (b for b in self.blocks.kpis if b.kpi.group == group):
                row = self._tracker_kpi(sheet, block.kpi, block.rows, row, target_col, status_col,
                                        change_col)
        tracker_legend(sheet, row + 1, self.blocks, tr)
        statuses = [tr.t(f"status.{word}") for word in ("on_target", "below_target", "above_target",
                                                             "slower_than_target", "faster_than_target")]
        month_width = fit_width(10.5, (tr.month(m) for m in self.window), extra=2)
        sheet.column_widths = {
            0: fit_width(46, (k.label_in(tr) for k in self.kpis), extra=4),
            **{1 + i: month_width for i in range(n)},
            target_col: fit_width(11, [target_header]),
            status_col: fit_width(14, [*statuses, status_header], extra=3, lines=1),
            change_col: fit_width(13, [change_header], extra=1, lines=2),
            unusual_col: fit_width(12, [unusual_header, unusual_text(tr)], extra=2),
        }
        sheet.freeze = (header + 1, 1)
        sheet.row_heights = {0: 24, header: 30}
        return sheet

    def _tracker_kpi(self, sheet: Sheet, kpi: Kpi, rows: tuple[KpiRow, ...], row: int, target_col: int,
                     status_col: int, change_col: int) -> int:
        unit = value_style(kpi)
        if kpi.breakdown is None:
            self._tracker_row(sheet, row, rows[0], "label", unit, target_col, status_col, change_col)
            return row + 1
        sheet.put(row, 0, kpi.label_in(self.tr), "label")
        if kpi.breakdown == "agent":
            sheet.put(row, 1, self.tr.t("tracker.per_agent"), "subtitle")
            return row + 1
        for col in range(1, change_col + 2):  # the unusual column too
            sheet.put(row, col, None, "value")
        row += 1
        for kpi_row in rows:
            self._tracker_row(sheet, row, kpi_row, "sublabel", unit, target_col, status_col, change_col)
            row += 1
        return row

    def _tracker_row(self, sheet: Sheet, row: int, kpi_row: KpiRow, label_style: str, unit: str,
                     target_col: int, status_col: int, change_col: int) -> None:
        kpi = kpi_row.kpi
        sheet.put(row, 0, kpi_row.label, label_style)
        for index, value in enumerate(kpi_row.values):
            few = ":few" if kpi_row.few and index == len(kpi_row.values) - 1 else ""
            sheet.put(row, 1 + index, value, f"value:{unit}{few}")
        sheet.put(row, target_col, kpi_row.target, f"value:{unit}")
        style = {"good": "status_good", "bad": "status_bad"}.get(kpi_row.status_tone, "status_none")
        sheet.put(row, status_col, self.tr.t(kpi_row.status) if kpi_row.status else None, style)
        put_tracker_marks(sheet, row, kpi_row, self.tr, status_col, change_col + 1,
                          self.config.report.currency)
        if len(kpi_row.values) < 2:
            sheet.put(row, change_col, None, "change")
            return
        if not self.blocks.comparable:
            sheet.put(row, change_col, "", "change", note=self.tr.t("tracker.partial_no_change"))
            return
        current_ref, previous_ref = a1(row, target_col - 1), a1(row, target_col - 2)
        factor = f"*{change_factor(kpi.unit)}" if change_factor(kpi.unit) != 1 else ""
        formula = (f'=IF(OR({current_ref}="",{previous_ref}=""),"",'
                   f"({current_ref}-{previous_ref}){factor})")
        change = kpi_row.change
        sheet.put(row, change_col, "" if change is None else change, f"change:{unit}:{kpi_row.change_tone}",
                  formula=formula)

    # ---- 2. Ticket Volume ---------------------------------------------------------
    def volume(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.volume"), tab_color="#2E75B6")
        first, last = tr.month(self.window[0]), tr.month(self.window[-1])
        self._heading(sheet, tr.t("volume.title", first=first, last=last), tr.t("volume.subtitle"))
        top = 3
        for block in self.blocks.volume:
            top = self._volume_block(sheet, top, block) + 2
        labels = (f"{tr.month(m)} {PARTIAL_MARK}" if m in self.partial else tr.month(m) for m in self.window)
        widths = {0: fit_width(12.0, [tr.t("common.month"), *labels])}
        for (_, col), cell in sheet.cells.items():
            if col and cell.style == "header" and isinstance(cell.value, str):
                widths[col] = max(widths.get(col, 12.0), min(30.0, display_width(cell.value) * 1.1 + 2))
        sheet.column_widths = widths
        sheet.freeze = (0, 1)
        return sheet

    def _volume_block(self, sheet: Sheet, top: int, block: SeriesBlock) -> int:
        keys, title = block.keys, block.title
        sheet.put(top, 0, title, "kpi_name")
        header = top + 1
        sheet.row_heights[header] = 30
        sheet.put(header, 0, self.tr.t("common.month"), "header_left")
        for index, key in enumerate(keys):
            sheet.put(header, 1 + index, key, "header")
        total_col = len(keys) + 1
        sheet.put(header, total_col, self.tr.t("common.total"), "header")
        for index, (label, _) in enumerate(block.apart):  # beside the total, in neither it nor the chart
            sheet.put(header, total_col + 1 + index, label, "header")
        first = header + 1
        for offset, month in enumerate(block.months):
            row = first + offset
            if month in self.partial:  # a text with the mark, as on the tracker; the note says why
                sheet.put(row, 0, f"{self.tr.month(month)} {PARTIAL_MARK}", "month_row",
                          note=partial_note(self.partial[month], self.tr))
            else:
                sheet.put(row, 0, month_date(month), "month_row")
            for index in range(len(keys)):
                sheet.put(row, 1 + index, block.values[index][offset], "value:count")
            span = f"{a1(row, 1)}:{a1(row, max(1, total_col - 1))}"
            month_total = block.totals[offset]
            total: float | str = "" if month_total is None else month_total
            sheet.put(row, total_col, total, "total",
                      formula=f'=IF(COUNT({span})=0,"",SUM({span}))' if keys else None)
            for index, (_, apart) in enumerate(block.apart):  # a month without data: empty, as its total
                value = apart[offset]
                sheet.put(row, total_col + 1 + index, "" if value is None else value, "value:count")
        last = first + len(block.months) - 1
        series = tuple(
            Series(key, (header, 1 + index), Range(sheet.name, first, 1 + index, last, 1 + index))
            for index, key in enumerate(keys)
        )
        chart_top = last + 2
        if series:
            sheet.charts.append(LineChart(
                title=self.tr.t("chart.title", title=title),
                categories=Range(sheet.name, first, 0, last, 0),
                series=series, anchor=(chart_top, 0),
                x_title=self._x_title(), y_title=self.tr.t("chart.y_axis"),
            ))
        return chart_top + 20  # the chart is about 19 rows tall

    def _x_title(self) -> str:
        """The volume charts' month axis, naming the window's partial months (◐) when there are any."""
        partial = {m: why for m, why in self.partial.items() if m in self.window}
        axis = self.tr.t("chart.x_axis")
        return f"{axis} — {PARTIAL_MARK} {partial_list(partial, self.tr)}" if partial else axis

    # ---- 3. Calculator --------------------------------------------------------------
    def calculator(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.calculator"), tab_color="#548235")
        self._heading(sheet, tr.t("calculator.title"),
                      tr.t("calculator.subtitle", month=tr.month(self.month)))
        sheet.put(3, 0, tr.t("calculator.col.kpi"), "header_left")
        sheet.put(3, 1, tr.t("common.value"), "header")
        sheet.put(3, 2, tr.t("calculator.col.meaning"), "header_left")
        names: list[str] = []
        scalars = self.data.current.scalars
        row = 5
        for kpi in (k for k in self.kpis if k.has_calculator):
            block_start = row
            sheet.put(row, 0, kpi.label_in(tr), "kpi_name")
            sheet.put(row, 2, kpi.definition_in(tr), "note")
            names.append(kpi.label_in(tr))
            row += 1
            cells: dict[str, str] = {}
            for name in kpi.inputs:
                info = MEASURES[name]
                sheet.put(row, 0, info.label_in(tr), "label")
                names.append(info.label_in(tr))
                sheet.put(row, 1, scalars.get(name), f"input:{info.unit}")
                cells[name] = a1(row, 1)
                row += 1
            value = kpi.value(scalars)
            sheet.put(row, 0, tr.t("calculator.result", kpi=kpi.label_in(tr)), "label")
            sheet.put(row, 1, "" if value is None else value, f"result:{value_style(kpi)}",
                      formula=kpi.sheet_formula(cells))
            sheet.put(row, 2, kpi.formula_text_in(tr), "note")
            sheet.keep_together.append((block_start, row))  # printing: a KPI block never splits
            row += 2
        sheet.column_widths = {0: fit_width(44, names, extra=4), 1: 16, 2: 90}
        sheet.freeze = (4, 0)
        sheet.landscape = True
        return sheet

    # ---- 4. Definitions ----------------------------------------------------------------
    def definitions(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.definitions"), tab_color="#7F6000")
        self._heading(sheet, tr.t("definitions.title"), tr.t("definitions.subtitle"))
        headers = [tr.t(f"definitions.col.{name}") for name in
                   ("id", "kpi", "group", "unit", "better", "definition", "formula", "target")]
        for col, text in enumerate(headers):
            sheet.put(3, col, text, "header_left")
        row = 4
        words: dict[int, list[str]] = {2: [], 4: []}
        for kpi in self.kpis:
            unit = kpi.unit_text_in(tr)
            better = tr.t(f"direction.{kpi.direction}") if kpi.direction else "—"
            group = tr.t(f"group.{kpi.group}")
            words[2].append(group)
            words[4].append(better)
            target = self.config.targets.get(kpi.id)
            for col, value in enumerate((kpi.id, kpi.label_in(tr), group, unit, better, kpi.definition_in(tr),
                                         kpi.formula_text_in(tr))):
                sheet.put(row, col, value, "wrap")
            sheet.put(row, 7, target, f"value:{value_style(kpi)}")
            row += 1
        row += 1
        sheet.put(row, 0, tr.t("definitions.options"), "kpi_name")
        # printing: the options and the note start their own page, with no KPI header over them
        sheet.page_breaks.append(row)
        sheet.repeat_header = False
        row += 1
        for label, value in self._options():
            sheet.put(row, 0, label, "wrap")
            sheet.put(row, 1, None, "wrap")
            sheet.merges.append((row, 0, row, 1))
            sheet.put(row, 2, value, "wrap")
            for col in (3, 4, 5):
                sheet.put(row, col, None, "wrap")
            sheet.merges.append((row, 2, row, 5))
            row += 1
        row += 1
        sheet.put(row, 0, tr.t("definitions.note_heading"), "kpi_name")
        row += 1
        sheet.put(row, 0, tr.t(RESOLUTION_RATE_NOTE_ID), "note")
        sheet.merges.append((row, 0, row, 6))
        widths = {0: 26, 1: 30, 2: 11, 3: 16, 4: 11, 5: 60, 6: 50, 7: 10}
        sheet.column_widths = {col: fit_width(width, [headers[col], *words.get(col, [])], extra=1)
                               for col, width in widths.items()}
        sheet.freeze = (4, 1)
        return sheet

    def _options(self) -> Iterable[tuple[str, str]]:
        tr = self.tr
        options = self.config.kpis
        lifespan = options.clv.customer_lifespan_years

        def scale(low: float, high: float) -> str:
            return tr.t("option.scale_value", low=number(tr, low), high=number(tr, high))

        yield tr.t("option.timezone"), self.config.report.timezone
        yield tr.t("option.currency"), self.config.report.currency
        yield tr.t("option.csat_scale"), scale(*options.csat.scale)
        yield tr.t("option.csat_satisfied"), number(tr, options.csat.satisfied_min)
        yield tr.t("option.csat_negative"), number(tr, options.csat.negative_max)
        yield tr.t("option.ces_scale"), scale(*options.ces.scale)
        yield tr.t("option.ces_low_effort"), number(tr, options.ces.low_effort_min)
        yield tr.t("option.nps_bands"), "9–10 / 7–8 / 0–6"
        yield tr.t("option.fcr_max_replies"), f"{options.fcr.max_replies}"
        sla = "option.sla_hours_business" if options.sla.clock == "business" else "option.sla_hours"
        yield tr.t(sla), number(tr, options.sla.first_response_hours)
        if self.config.business_hours is not None:
            yield tr.t("option.business_hours"), business_hours_text(self.config, tr)
        yield tr.t("option.clv_lifespan"), (
            number(tr, lifespan) if lifespan else tr.t("option.clv_lifespan_default"))
        yield tr.t("option.duplicates"), tr.t("option.duplicates_value")
        yield tr.t("option.durations"), tr.t("option.durations_value")

    # ---- 5. Agents and Channels -----------------------------------------------------------
    def agents(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.agents"), tab_color="#C55A11")
        self._heading(sheet, tr.t("agents.title", month=tr.month(self.month)), tr.t("agents.subtitle"))
        table = self.blocks.agents
        headers = self._table(sheet, 3, table)
        if not table.rows:
            sheet.put(4, 0, tr.t("agents.none"), "note")
        put_score_table(sheet, 4 + max(1, len(table.rows)) + 1, self.blocks.scores["agent"], tr)
        widths = {0: 28, 1: 10, 2: 10, 3: 15, 4: 10, 5: 18}
        sheet.column_widths = {col: fit_width(width, [headers[col]], extra=1, lines=2)
                               for col, width in widths.items()}
        sheet.column_widths[6] = 10  # the score table's last column
        fit_header_row(sheet, 3)
        sheet.freeze = (4, 1)
        return sheet

    def channels(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.channels"), tab_color="#BF8F00")
        self._heading(sheet, tr.t("channels.title", month=tr.month(self.month)), tr.t("channels.subtitle"))
        row = 3
        headers: tuple[str, ...] = ()
        outbound = self.blocks.kpi("outbound_tickets").value
        for table in self.blocks.channels:
            headers = self._table(sheet, row, table)
            row += 1 + len(table.rows) + 2
            if table.key_header == "common.channel" and outbound:  # not a channel a customer chose
                sheet.put(row - 1, 0, tr.t("channels.outbound_note", count=tr.number(outbound, 0)), "note")
                row += 1
        for dimension in ("channel", "category"):
            row = put_score_table(sheet, row, self.blocks.scores[dimension], tr)
        sheet.column_widths = {0: 28, 1: fit_width(10, [headers[1]]), 2: fit_width(10, [headers[2]]),
                               **{col: 10 for col in range(3, 7)}}
        return sheet

    def _table(self, sheet: Sheet, top: int, table: Table) -> tuple[str, ...]:
        """A breakdown table: its header row at ``top``, a row per dimension value below; the headers."""
        headers = (self.tr.t(table.key_header), *(self.tr.t(col.header) for col in table.columns))
        for col, text in enumerate(headers):
            sheet.put(top, col, text, "header" if col else "header_left")
        for offset, (key, values) in enumerate(table.rows):
            row = top + 1 + offset
            sheet.put(row, 0, key, "label")
            for index, (column, value) in enumerate(zip(table.columns, values, strict=True)):
                sheet.put(row, 1 + index, value, f"value:{column.unit}")
        return headers

    def voice(self) -> list[Sheet]:
        """The Voice of the customer tab (none with report.comments: 0)."""
        return [voice_sheet(self.blocks, self.tr, self.config)] if self.config.report.comments else []

    # ---- 6. Data Quality ----------------------------------------------------------------------
    def quality(self) -> Sheet:
        tr = self.tr
        sheet = Sheet(tr.t("tab.quality"), tab_color="#7030A0")
        self._heading(sheet, tr.t("quality.title"), tr.t("quality.subtitle"))
        headers = tuple(tr.t(f"quality.col.{name}") for name in
                        ("dataset", "files", "rows_read", "rows_used", "duplicates", "rows_excluded",
                         "values_discarded"))
        for col, text in enumerate(headers):
            sheet.put(3, col, text, "header" if col else "header_left")
        quality = self.data.engine.quality
        row = 4
        for name in ("tickets", "surveys", "business"):
            q = quality[name]
            sheet.put(row, 0, tr.t(f"dataset.{name}"), "label")
            sheet.put(row, 1, len(q.files), "value:count")
            sheet.put(row, 2, q.rows_read, "value:count")
            sheet.put(row, 3, q.rows_used, "value:count")
            sheet.put(row, 4, q.duplicates, "value:count")
            sheet.put(row, 5, sum(q.excluded.values()), "value:count")
            sheet.put(row, 6, sum(q.values_discarded.values()), "value:count")
            row += 1
        row += 1
        reason_header = row
        sheet.put(row, 0, headers[0], "header_left")
        sheet.put(row, 1, tr.t("quality.col.reason"), "header_left")
        sheet.merges.append((row, 1, row, 2))
        sheet.put(row, 2, None, "header_left")
        sheet.put(row, 3, tr.t("quality.col.rows"), "header")
        sheet.put(row, 4, tr.t("quality.col.what_happened"), "header_left")
        sheet.merges.append((row, 4, row, 6))
        row += 1
        any_reason = False
        for name in ("tickets", "surveys"):
            q = quality[name]
            cleaned = {CONTROL_CHARACTERS: q.control_characters} if q.control_characters else {}
            for reason, count in sorted({**q.excluded, **q.values_discarded, **cleaned}.items()):
                any_reason = True
                sheet.put(row, 0, tr.t(f"dataset.{name}"), "label")
                sheet.put(row, 1, reason_label(tr, reason), "wrap")
                sheet.merges.append((row, 1, row, 2))
                sheet.put(row, 2, None, "wrap")
                sheet.put(row, 3, count, "value:count")
                sheet.put(row, 4, reason_meaning(tr, reason), "wrap")
                sheet.merges.append((row, 4, row, 6))
                sheet.put(row, 5, None, "wrap")
                sheet.put(row, 6, None, "wrap")
                row += 1
        if not any_reason:
            sheet.put(row, 0, tr.t("quality.all_used"), "subtitle")
        row += 2
        for name in ("tickets", "surveys", "business"):
            for path in quality[name].files:
                sheet.put(row, 0, tr.t("quality.file", dataset=tr.t(f"dataset.{name}")), "subtitle")
                sheet.put(row, 1, self._shown_path(path), "subtitle")
                row += 1
        labels = [tr.t(f"dataset.{name}") for name in ("tickets", "surveys", "business")]
        labels += [tr.t("quality.file", dataset=label) for label in labels]
        widths = {0: 14, 1: 12, 2: 12, 3: 12, 4: 12, 5: 14, 6: 16}
        sheet.column_widths = {col: fit_width(width, [headers[col]], extra=1, lines=2)
                               for col, width in widths.items()}
        sheet.column_widths[0] = fit_width(sheet.column_widths[0], labels, extra=3)
        fit_header_row(sheet, 3)
        fit_header_row(sheet, reason_header)
        return sheet

    def _shown_path(self, path: str) -> str:
        """A source file as leadership may see it: relative to the config's folder, else its name.

        Never the machine's absolute path (user names, mount points) on a tab that is sent out.
        A warehouse source is its URL, already shown with the password masked.
        """
        if "://" in path:
            return path
        try:
            return Path(path).resolve().relative_to(self.config.base_dir.resolve()).as_posix()
        except ValueError:
            return Path(path).name

    # ---- 7. Data (tidy) ------------------------------------------------------------------------
    def tidy_data(self) -> Sheet:
        sheet = Sheet(self.tr.t("tab.data"), landscape=False, gridlines=True)
        for col, text in enumerate(("month", "metric", "dimension", "value")):
            sheet.put(0, col, text, "header_left")
        row = 1
        for month in self.window:
            if month not in self.scalars:
                continue
            for kpi_id, value in self.scalars[month].items():
                self._tidy_row(sheet, row, month, kpi_id, "", value)
                row += 1
            for kpi_id, by_key in self.breakdowns[month].items():
                for key in sorted(by_key):
                    self._tidy_row(sheet, row, month, kpi_id, key, by_key[key])
                    row += 1
        sheet.column_widths = {0: 10, 1: 32, 2: 28, 3: 14}
        sheet.freeze = (1, 0)
        return sheet

    @staticmethod
    def _tidy_row(sheet: Sheet, row: int, month: str, metric: str, dimension: str,
                  value: float | None) -> None:
        sheet.put(row, 0, month, "text")
        sheet.put(row, 1, metric, "text")
        sheet.put(row, 2, dimension or None, "text")
        sheet.put(row, 3, value, "text")


def fit_row_heights(sheet: Sheet) -> None:
    """Give rows with wrapped text the height their lines need.

    Spreadsheet files store row heights; neither xlsxwriter nor LibreOffice's
    import grows a row for wrapped text, so without this long definitions
    overlap the next row.
    """
    spans = {(r1, c1): sum(sheet.column_widths.get(c, 8.43) for c in range(c1, c2 + 1))
             for r1, c1, _, c2 in sheet.merges}
    for (row, col), cell in sheet.cells.items():
        if cell.style not in ("wrap", "note") or not isinstance(cell.value, str):
            continue
        width = spans.get((row, col), sheet.column_widths.get(col, 8.43))
        per_line = max(1.0, width * 1.15)  # characters of 10pt text per column-width unit
        lines = sum(max(1, math.ceil(display_width(part) / per_line)) for part in cell.value.split("\n"))
        if lines > 1:
            sheet.row_heights[row] = max(sheet.row_heights.get(row, 0), 13.0 * lines + 3)


# printing (A4 landscape, 0.5 in margins, fitted to the page width): the content height a page
# holds, in points at 100 %, kept below what Excel (~530) and LibreOffice (~650) fit
PAGE_CONTENT_POINTS = 480.0
DEFAULT_ROW_POINTS = 15.0


def place_page_breaks(sheet: Sheet) -> None:
    """Manual page breaks so no ``keep_together`` block is split across printed pages.

    Rows are summed with their heights (15 pt unless set); the repeated header rows
    count on every page. A block that would cross the page end starts a new page.
    """
    if not sheet.keep_together:
        return
    repeated = 0.0
    if sheet.freeze and sheet.freeze[0] and sheet.repeat_header:
        repeated = sheet.row_heights.get(sheet.freeze[0] - 1, DEFAULT_ROW_POINTS)

    def height(row: int) -> float:
        return sheet.row_heights.get(row, DEFAULT_ROW_POINTS)

    starts = {first: last for first, last in sheet.keep_together}
    used, page_top = 0.0, 0
    row = 0
    last_row = sheet.last_row  # a scan of every cell: once, not once per row
    while row <= last_row:
        if row in starts:
            block = sum(height(r) for r in range(row, starts[row] + 1))
            if used + block > PAGE_CONTENT_POINTS - (repeated if page_top else 0) and row > page_top:
                sheet.page_breaks.append(row)
                used, page_top = 0.0, row
        used += height(row)
        row += 1
    sheet.page_breaks.sort()


def number(tr: Translator, value: float) -> str:
    """An option's number as the config gives it ('2', '2.5' / '2,5'): no trailing zeros."""
    text = f"{value:g}"
    decimals = len(text.partition(".")[2]) if "e" not in text else 6
    return tr.number(value, decimals, grouping=False)


def build_report(data: MonthData, tr: Translator | None = None) -> Report:
    return ReportBuilder(data, tr).build()


def business_hours_text(config: Config, tr: Translator) -> str:
    """The working week as the Definitions tab shows it: zone, each open day's intervals, the
    closed days (listed holidays and a country's public ones)."""
    options = config.business_hours
    assert options is not None
    if options.from_helpdesk or options.week is None:
        return tr.t("option.business_hours_helpdesk")
    names = tr.locale.days["format"]["abbreviated"]  # 0 = Monday
    week = options.week
    days = [f"{names[day]} " + ", ".join(f"{_hhmm(start)}–{_hhmm(end)}" for start, end in week.of(day))
            for day in range(7) if week.of(day)]
    closed = [tr.day(day) for day in sorted(options.holidays)] + ([options.country + (
        f"-{options.subdivision}" if options.subdivision else "")] if options.country else [])
    parts = [config.business_timezone(), "; ".join(days)]
    if closed:
        parts.append(tr.t("option.business_hours_closed", days=tr.join(closed)))
    return " · ".join(parts)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
