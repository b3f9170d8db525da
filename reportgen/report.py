"""History + registry → the neutral report model of one month.

Every number placed here comes from the engine's measures through the KPI
registry; the Calculator's formulas come from the same KPI expressions, and
their cached values are the engine's values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from reportgen.coverage import PARTIAL_LEGEND, PARTIAL_MARK, partial_note
from reportgen.engine.reasons import REASON_MEANINGS
from reportgen.kpis import KPIS, MEASURES, RESOLUTION_RATE_NOTE, Kpi
from reportgen.model import LineChart, Range, Report, Series, Sheet, a1
from reportgen.monthdata import MonthData
from reportgen.units import change_factor
from reportgen.verdicts import month_change, target_status

TRACKER = "KPI Tracker"
VOLUME = "Ticket Volume"
CALCULATOR = "Calculator"
DEFINITIONS = "Definitions"
AGENTS = "Agents"
CHANNELS = "Channels"
QUALITY = "Data Quality"
DATA = "Data"
PARTIAL_NO_CHANGE = "No change is shown: this month or the one before it is a partial month"
TAB_ORDER = (TRACKER, VOLUME, CALCULATOR, DEFINITIONS, AGENTS, CHANNELS, QUALITY, DATA)



def month_date(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_label(month: str) -> str:
    return month_date(month).strftime("%b %Y")


def value_style(kpi: Kpi) -> str:
    """Number style of a KPI: counts that are averages get one decimal."""
    if kpi.unit == "count" and kpi.has_calculator:
        return "ratio"
    return kpi.unit


class ReportBuilder:
    """Lays out every tab of the report for one month."""

    def __init__(self, data: MonthData):
        self.data = data
        self.config = data.config
        self.month = data.month
        self.window = data.window
        self.scalars = data.scalars  # the run's KPI values, computed once for every view
        self.breakdowns = data.breakdowns
        self.partial = data.partial  # months covered only in part: marked, never compared

    @property
    def title(self) -> str:
        return self.config.report.title

    def build(self) -> Report:
        sheets = [self.tracker(), self.volume(), self.calculator(), self.definitions(),
                  self.agents(), self.channels(), self.quality(), self.tidy_data()]
        for sheet in sheets:
            fit_row_heights(sheet)
            place_page_breaks(sheet)
        return Report(self.title, self.month, sheets)

    # ---- helpers ---------------------------------------------------------------
    def _heading(self, sheet: Sheet, title: str, subtitle: str) -> None:
        sheet.put(0, 0, title, "title")
        sheet.put(1, 0, subtitle, "subtitle")

    def _keys(self, kpi_id: str) -> list[str]:
        """Dimension values seen in the window, busiest in the report month first."""
        totals: dict[str, float] = {}
        for month in self.window:
            for key, value in self.breakdowns.get(month, {}).get(kpi_id, {}).items():
                totals[key] = totals.get(key, 0) + value
        current = self.breakdowns.get(self.month, {}).get(kpi_id, {})
        return sorted(totals, key=lambda k: (-current.get(k, 0), -totals[k], k))

    # ---- 1. KPI Tracker ---------------------------------------------------------
    def tracker(self) -> Sheet:
        sheet = Sheet(TRACKER, tab_color="#1F4E79")
        span = f"{month_label(self.window[0])} – {month_label(self.window[-1])}"
        self._heading(sheet, f"{self.title} — {month_label(self.month)}",
                      f"KPI Tracker · {span} · times in {self.config.report.timezone} · "
                      f"money in {self.config.report.currency}")
        header = 3
        n = len(self.window)
        target_col, status_col, change_col = n + 1, n + 2, n + 3
        sheet.put(header, 0, "KPI", "header_left")
        for index, month in enumerate(self.window):
            if month in self.partial:  # a text header with the mark; the note says why
                sheet.put(header, 1 + index, f"{month_label(month)} {PARTIAL_MARK}", "month_header",
                          note=partial_note(self.partial[month]))
            else:
                sheet.put(header, 1 + index, month_date(month), "month_header")
        if self.partial:
            months = ", ".join(f"{month_label(m)} ({why})" for m, why in self.partial.items())
            sheet.put(2, 0, PARTIAL_LEGEND.format(mark=PARTIAL_MARK, months=months), "subtitle")
        sheet.put(header, target_col, "Target", "header")
        sheet.put(header, status_col, f"Status {month_label(self.month)}", "header")
        sheet.put(header, change_col, "Change vs previous month", "header")
        row = header + 1
        for group, heading in (("primary", "Primary KPIs"), ("secondary", "Secondary KPIs")):
            for col in range(change_col + 1):
                sheet.put(row, col, heading if col == 0 else None, "group")
            row += 1
            for kpi in (k for k in KPIS if k.group == group):
                row = self._tracker_kpi(sheet, kpi, row, target_col, status_col, change_col)
        sheet.column_widths = {0: 46, **{1 + i: 10.5 for i in range(n)},
                               target_col: 11, status_col: 14, change_col: 13}
        sheet.freeze = (header + 1, 1)
        sheet.row_heights = {0: 24, header: 30}
        return sheet

    def _tracker_kpi(self, sheet: Sheet, kpi: Kpi, row: int, target_col: int, status_col: int,
                     change_col: int) -> int:
        unit = value_style(kpi)
        if kpi.breakdown is None:
            series = [self.scalars.get(m, {}).get(kpi.id) for m in self.window]
            self._tracker_row(sheet, row, kpi.label, "label", kpi, unit, series, target_col, status_col,
                              change_col, with_target=True)
            return row + 1
        sheet.put(row, 0, kpi.label, "label")
        if kpi.breakdown == "agent":
            sheet.put(row, 1, "per agent: see the Agents tab", "subtitle")
            return row + 1
        for col in range(1, change_col + 1):
            sheet.put(row, col, None, "value")
        row += 1
        for key in self._keys(kpi.id):
            series = [self.breakdowns.get(m, {}).get(kpi.id, {}).get(key) for m in self.window]
            self._tracker_row(sheet, row, key, "sublabel", kpi, unit, series, target_col, status_col,
                              change_col, with_target=False)
            row += 1
        return row

    def _tracker_row(self, sheet: Sheet, row: int, label: str, label_style: str, kpi: Kpi, unit: str,
                     series: list[float | None], target_col: int, status_col: int, change_col: int,
                     with_target: bool) -> None:
        sheet.put(row, 0, label, label_style)
        for index, value in enumerate(series):
            sheet.put(row, 1 + index, value, f"value:{unit}")
        target = self.config.targets.get(kpi.id) if with_target else None
        sheet.put(row, target_col, target, f"value:{unit}")
        current = series[-1]
        status, status_tone = target_status(kpi, current, target)
        style = {"good": "status_good", "bad": "status_bad"}.get(status_tone, "status_none")
        sheet.put(row, status_col, status or None, style)
        if len(series) < 2:
            sheet.put(row, change_col, None, "change")
            return
        previous = series[-2]
        if self.window[-1] in self.partial or self.window[-2] in self.partial:
            sheet.put(row, change_col, "", "change", note=PARTIAL_NO_CHANGE)
            return
        current_ref, previous_ref = a1(row, target_col - 1), a1(row, target_col - 2)
        factor = f"*{change_factor(kpi.unit)}" if change_factor(kpi.unit) != 1 else ""
        formula = (f'=IF(OR({current_ref}="",{previous_ref}=""),"",'
                   f"({current_ref}-{previous_ref}){factor})")
        change, tone = month_change(kpi, previous, current)
        sheet.put(row, change_col, "" if change is None else change, f"change:{unit}:{tone}",
                  formula=formula)

    # ---- 2. Ticket Volume ---------------------------------------------------------
    def volume(self) -> Sheet:
        sheet = Sheet(VOLUME, tab_color="#2E75B6")
        self._heading(sheet, f"Ticket volume — {month_label(self.window[0])} to "
                             f"{month_label(self.window[-1])}",
                      "Tickets created per month, by category and by channel")
        end = self._volume_block(sheet, 3, "tickets_by_category", "Category", "Tickets by category")
        self._volume_block(sheet, end + 2, "tickets_by_channel", "Channel", "Tickets by channel")
        widths = {0: 12.0}
        for (_, col), cell in sheet.cells.items():
            if col and cell.style == "header" and isinstance(cell.value, str):
                widths[col] = max(widths.get(col, 12.0), min(30.0, len(cell.value) * 1.1 + 2))
        sheet.column_widths = widths
        sheet.freeze = (0, 1)
        return sheet

    def _volume_block(self, sheet: Sheet, top: int, kpi_id: str, dimension: str, title: str) -> int:
        keys = self._keys(kpi_id)
        sheet.put(top, 0, title, "kpi_name")
        header = top + 1
        sheet.row_heights[header] = 30
        sheet.put(header, 0, "Month", "header_left")
        for index, key in enumerate(keys):
            sheet.put(header, 1 + index, key, "header")
        total_col = len(keys) + 1
        sheet.put(header, total_col, "Total", "header")
        first = header + 1
        for offset, month in enumerate(self.window):
            row = first + offset
            sheet.put(row, 0, month_date(month), "month_row")
            counts = self.breakdowns.get(month, {}).get(kpi_id)
            for index, key in enumerate(keys):
                value = None if counts is None else counts.get(key, 0)
                sheet.put(row, 1 + index, value, "value:count")
            span = f"{a1(row, 1)}:{a1(row, max(1, total_col - 1))}"
            total: float | str = "" if counts is None else sum(counts.get(k, 0) for k in keys)
            sheet.put(row, total_col, total, "total",
                      formula=f'=IF(COUNT({span})=0,"",SUM({span}))' if keys else None)
        last = first + len(self.window) - 1
        series = tuple(
            Series(key, (header, 1 + index), Range(sheet.name, first, 1 + index, last, 1 + index))
            for index, key in enumerate(keys)
        )
        chart_top = last + 2
        if series:
            sheet.charts.append(LineChart(
                title=f"{title}, per month",
                categories=Range(sheet.name, first, 0, last, 0),
                series=series, anchor=(chart_top, 0),
                x_title="Month", y_title="Tickets created",
            ))
        return chart_top + 20  # the chart is about 19 rows tall

    # ---- 3. Calculator --------------------------------------------------------------
    def calculator(self) -> Sheet:
        sheet = Sheet(CALCULATOR, tab_color="#548235")
        self._heading(sheet, "KPI calculator",
                      f"Yellow cells are inputs, pre-filled with {month_label(self.month)}'s figures. "
                      "Change one and the green result recalculates.")
        sheet.put(3, 0, "KPI and its inputs", "header_left")
        sheet.put(3, 1, "Value", "header")
        sheet.put(3, 2, "What it means / how it is calculated", "header_left")
        scalars = self.data.current.scalars
        row = 5
        for kpi in (k for k in KPIS if k.has_calculator):
            block_start = row
            sheet.put(row, 0, kpi.label, "kpi_name")
            sheet.put(row, 2, kpi.definition, "note")
            row += 1
            cells: dict[str, str] = {}
            for name in kpi.inputs:
                info = MEASURES[name]
                sheet.put(row, 0, info.label, "label")
                sheet.put(row, 1, scalars.get(name), f"input:{info.unit}")
                cells[name] = a1(row, 1)
                row += 1
            value = kpi.value(scalars)
            sheet.put(row, 0, f"= {kpi.label}", "label")
            sheet.put(row, 1, "" if value is None else value, f"result:{value_style(kpi)}",
                      formula=kpi.sheet_formula(cells))
            sheet.put(row, 2, kpi.formula_text, "note")
            sheet.keep_together.append((block_start, row))  # printing: a KPI block never splits
            row += 2
        sheet.column_widths = {0: 44, 1: 16, 2: 90}
        sheet.freeze = (4, 0)
        sheet.landscape = True
        return sheet

    # ---- 4. Definitions ----------------------------------------------------------------
    def definitions(self) -> Sheet:
        sheet = Sheet(DEFINITIONS, tab_color="#7F6000")
        self._heading(sheet, "Definitions", "Every KPI in this report, how it is computed and the "
                                            "options in force")
        headers = ("ID", "KPI", "Group", "Unit", "Better when", "Definition", "Formula", "Target")
        for col, text in enumerate(headers):
            sheet.put(3, col, text, "header_left")
        row = 4
        for kpi in KPIS:
            unit = kpi.unit + (f" per {kpi.breakdown}" if kpi.breakdown else "")
            better = {"higher": "higher", "lower": "lower", None: "—"}[kpi.direction]
            target = self.config.targets.get(kpi.id)
            for col, value in enumerate((kpi.id, kpi.label, kpi.group, unit, better, kpi.definition,
                                         kpi.formula_text)):
                sheet.put(row, col, value, "wrap")
            sheet.put(row, 7, target, f"value:{value_style(kpi)}")
            row += 1
        row += 1
        sheet.put(row, 0, "Options in force", "kpi_name")
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
        sheet.put(row, 0, "Note on the overall resolution rate", "kpi_name")
        row += 1
        sheet.put(row, 0, RESOLUTION_RATE_NOTE, "note")
        sheet.merges.append((row, 0, row, 6))
        sheet.column_widths = {0: 26, 1: 30, 2: 11, 3: 16, 4: 11, 5: 60, 6: 50, 7: 10}
        sheet.freeze = (4, 1)
        return sheet

    def _options(self) -> Iterable[tuple[str, str]]:
        options = self.config.kpis
        lifespan = options.clv.customer_lifespan_years
        yield "Report time zone (months start at local midnight)", self.config.report.timezone
        yield "Currency", self.config.report.currency
        yield "CSAT scale", f"{options.csat.scale[0]:g} to {options.csat.scale[1]:g}"
        yield "CSAT: satisfied when score ≥", f"{options.csat.satisfied_min:g}"
        yield "CSAT: negative feedback when score ≤", f"{options.csat.negative_max:g}"
        yield "CES scale", f"{options.ces.scale[0]:g} to {options.ces.scale[1]:g}"
        yield "CES: low effort when score ≥", f"{options.ces.low_effort_min:g}"
        yield "NPS: promoters / passives / detractors", "9–10 / 7–8 / 0–6"
        yield "FCR: resolved with at most this many agent replies, never reopened", \
            f"{options.fcr.max_replies}"
        yield "SLA: first response within (hours)", f"{options.sla.first_response_hours:g}"
        yield "CLV: customer lifespan (years)", (
            f"{lifespan:g}" if lifespan else "business data, else 1 ÷ (12 × monthly churn rate)")
        yield "Duplicates", "the last occurrence of an id wins (files read in name order)"
        yield "Durations", "real elapsed time in hours (daylight-saving changes accounted for)"

    # ---- 5. Agents and Channels -----------------------------------------------------------
    def agents(self) -> Sheet:
        sheet = Sheet(AGENTS, tab_color="#C55A11")
        self._heading(sheet, f"Agents — {month_label(self.month)}",
                      "Tickets created in the month, by assigned agent (unassigned tickets not shown)")
        headers = ("Agent", "Tickets", "Resolved", "Resolution rate", "Answered",
                   "Avg first response")
        for col, text in enumerate(headers):
            sheet.put(3, col, text, "header" if col else "header_left")
        dims = self.data.current.dims
        tickets = dims.get("agent_tickets", {})
        breakdown = self.breakdowns.get(self.month, {})
        order = sorted(tickets, key=lambda a: (-tickets[a], a))
        for offset, agent in enumerate(order):
            row = 4 + offset
            sheet.put(row, 0, agent, "label")
            sheet.put(row, 1, tickets[agent], "value:count")
            sheet.put(row, 2, dims.get("agent_resolved", {}).get(agent), "value:count")
            sheet.put(row, 3, breakdown.get("agent_resolution_rate", {}).get(agent), "value:percent")
            sheet.put(row, 4, dims.get("agent_first_response_count", {}).get(agent), "value:count")
            sheet.put(row, 5, breakdown.get("agent_avg_first_response_hours", {}).get(agent),
                      "value:hours")
        if not order:
            sheet.put(4, 0, "No ticket had an agent this month.", "note")
        sheet.column_widths = {0: 28, 1: 10, 2: 10, 3: 15, 4: 10, 5: 18}
        sheet.freeze = (4, 1)
        return sheet

    def channels(self) -> Sheet:
        sheet = Sheet(CHANNELS, tab_color="#BF8F00")
        self._heading(sheet, f"Channels and categories — {month_label(self.month)}",
                      "Tickets created in the month and each one's share of the total")
        row = 3
        for count_id, share_id, name in (("tickets_by_channel", "channel_share", "Channel"),
                                         ("tickets_by_category", "category_share", "Category")):
            sheet.put(row, 0, name, "header_left")
            sheet.put(row, 1, "Tickets", "header")
            sheet.put(row, 2, "Share", "header")
            counts = self.breakdowns.get(self.month, {}).get(count_id, {})
            shares = self.breakdowns.get(self.month, {}).get(share_id, {})
            row += 1
            for key in sorted(counts, key=lambda k: (-counts[k], k)):
                sheet.put(row, 0, key, "label")
                sheet.put(row, 1, counts[key], "value:count")
                sheet.put(row, 2, shares.get(key), "value:percent")
                row += 1
            row += 2
        sheet.column_widths = {0: 28, 1: 10, 2: 10}
        return sheet

    # ---- 6. Data Quality ----------------------------------------------------------------------
    def quality(self) -> Sheet:
        sheet = Sheet(QUALITY, tab_color="#7030A0")
        self._heading(sheet, "Data quality", "What was read from the sources in this run, what was "
                                             "used and what was left out, and why")
        headers = ("Dataset", "Files", "Rows read", "Rows used", "Duplicates", "Rows excluded",
                   "Values discarded")
        for col, text in enumerate(headers):
            sheet.put(3, col, text, "header" if col else "header_left")
        quality = self.data.engine.quality
        row = 4
        for name in ("tickets", "surveys", "business"):
            q = quality[name]
            sheet.put(row, 0, name, "label")
            sheet.put(row, 1, len(q.files), "value:count")
            sheet.put(row, 2, q.rows_read, "value:count")
            sheet.put(row, 3, q.rows_used, "value:count")
            sheet.put(row, 4, q.duplicates, "value:count")
            sheet.put(row, 5, sum(q.excluded.values()), "value:count")
            sheet.put(row, 6, sum(q.values_discarded.values()), "value:count")
            row += 1
        row += 1
        sheet.put(row, 0, "Dataset", "header_left")
        sheet.put(row, 1, "Reason", "header_left")
        sheet.merges.append((row, 1, row, 2))
        sheet.put(row, 2, None, "header_left")
        sheet.put(row, 3, "Rows", "header")
        sheet.put(row, 4, "What happened", "header_left")
        sheet.merges.append((row, 4, row, 6))
        row += 1
        any_reason = False
        for name in ("tickets", "surveys"):
            q = quality[name]
            for reason, count in sorted({**q.excluded, **q.values_discarded}.items()):
                any_reason = True
                sheet.put(row, 0, name, "label")
                sheet.put(row, 1, reason, "wrap")
                sheet.merges.append((row, 1, row, 2))
                sheet.put(row, 2, None, "wrap")
                sheet.put(row, 3, count, "value:count")
                sheet.put(row, 4, REASON_MEANINGS.get(reason, ""), "wrap")
                sheet.merges.append((row, 4, row, 6))
                sheet.put(row, 5, None, "wrap")
                sheet.put(row, 6, None, "wrap")
                row += 1
        if not any_reason:
            sheet.put(row, 0, "Every row was used: nothing was excluded.", "subtitle")
        row += 2
        for name in ("tickets", "surveys", "business"):
            for path in quality[name].files:
                sheet.put(row, 0, f"{name} file", "subtitle")
                sheet.put(row, 1, self._shown_path(path), "subtitle")
                row += 1
        sheet.column_widths = {0: 14, 1: 12, 2: 12, 3: 12, 4: 12, 5: 14, 6: 16}
        return sheet

    def _shown_path(self, path: str) -> str:
        """A source file as leadership may see it: relative to the config's folder, else its name.

        Never the machine's absolute path (user names, mount points) on a tab that is sent out.
        """
        try:
            return Path(path).resolve().relative_to(self.config.base_dir.resolve()).as_posix()
        except ValueError:
            return Path(path).name

    # ---- 7. Data (tidy) ------------------------------------------------------------------------
    def tidy_data(self) -> Sheet:
        sheet = Sheet(DATA, landscape=False)
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
        lines = sum(max(1, math.ceil(len(part) / per_line)) for part in cell.value.split("\n"))
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
    while row <= sheet.last_row:
        if row in starts:
            block = sum(height(r) for r in range(row, starts[row] + 1))
            if used + block > PAGE_CONTENT_POINTS - (repeated if page_top else 0) and row > page_top:
                sheet.page_breaks.append(row)
                used, page_top = 0.0, row
        used += height(row)
        row += 1
    sheet.page_breaks.sort()


def build_report(data: MonthData) -> Report:
    return ReportBuilder(data).build()

