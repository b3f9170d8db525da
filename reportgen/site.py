"""The report archive: a static site of every stored month, read from history.

    result = build_site(MonthRun(config, "2026-10"), out=Path("site"))
    # site/index.html, site/2026-10/index.html, site/2026-10/2026-10.xlsx, …

Every month's page is drawn from the blocks (``reportgen.blocks``) of the KPI
values history stored for it (``HistoryStore.stored_kpis``: read, not
recomputed), with the same verdicts and unit formats (``reportgen.units``) as
the workbook and the email, in the report's language. The report month is in
history once its run has gathered it; its workbook is the run's. A month's
page also has its manager's note (``reportgen.notes``), why its KPIs changed
(``reportgen.drivers`` on the segment measures history stored for it and the
month before) and, for the report month only (history keeps no comments), its
survey comments (``reportgen.voice``). Pages are
plain HTML with inline CSS and SVG: nothing is loaded from anywhere, no script
is needed, and they work from ``file://`` as from any static host. Each file
is written to a temporary file beside it and moved into place, the month pages
before the index; a month no longer in history loses its page.
"""

from __future__ import annotations

import filecmp
import functools
import importlib.resources
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from reportgen.blocks import KpiRow, MonthBlocks, MonthValues, SeriesBlock, build_blocks
from reportgen.config import Config
from reportgen.coverage import PARTIAL_MARK, partial_note, stored_partial_months
from reportgen.drivers import KpiDrivers, month_drivers
from reportgen.drivers_text import DriversBlock, segment_name
from reportgen.errors import ConfigError
from reportgen.fileio import atomic_output
from reportgen.history import HistoryStore, StoredKpis
from reportgen.i18n import Translator, translator
from reportgen.kpis import scalar_values
from reportgen.measures import MonthMeasures, dimension_value_in
from reportgen.monthdata import MonthData
from reportgen.months import MONTH_FOLDER, shift, window
from reportgen.notes import read_note
from reportgen.render.svg import Line, legend_swatch, line_chart, sparkline
from reportgen.render.templates import bytecode_cache
from reportgen.report import reason_meaning
from reportgen.report_survey import sample_text, score_text, unusual_text, usual_note
from reportgen.run import MonthRun, from_first_month, report_path
from reportgen.units import change_value, format_change, format_value
from reportgen.voice import CommentRow, comment_rows

DEFAULT_DIR = "site"
INDEX_TEMPLATE = "site_index.html.j2"
MONTH_TEMPLATE = "site_month.html.j2"
WHY_DIMENSIONS = {"category": "common.category", "channel": "common.channel", "agent": "agents.col.agent"}
VOICE_COLUMNS = ("score", "survey", "date", "category", "channel", "agent", "comment")


@dataclass(frozen=True)
class SiteResult:
    """What a build wrote: the index, the months it has pages for (oldest first), the months whose
    pages it removed, and how long writing the pages took (seconds)."""

    index: Path
    months: tuple[str, ...]
    removed: tuple[str, ...]
    seconds: float


def site_dir(config: Config, out: str | Path | None = None) -> Path:
    """Where the site goes: ``--out``, else outputs.site.dir (default ``site``), relative to the config."""
    settings = config.outputs.get("site") or {}
    where = f"{config.config_path or 'config'}: outputs.site"
    if not isinstance(settings, dict) or set(settings) - {"dir"}:
        raise ConfigError(f"{where}: only dir: is known here", hint='e.g. outputs: {site: {dir: "site"}}')
    if not isinstance(settings.get("dir", DEFAULT_DIR), str) or not settings.get("dir", DEFAULT_DIR):
        raise ConfigError(f"{where}.dir: a folder name is needed", hint='e.g. dir: "site"')
    if out is not None:
        return Path(out)
    return config.resolve(str(settings.get("dir", DEFAULT_DIR)))


def _template(name: str) -> str | None:
    resource = importlib.resources.files("reportgen.templates").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


@functools.cache
def environment() -> jinja2.Environment:
    """The site's templates (``reportgen.templates``), HTML-escaped, undefined names are errors;
    compiled once a process, and kept compiled between runs (``reportgen.render.templates``)."""
    return jinja2.Environment(loader=jinja2.FunctionLoader(_template), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True, bytecode_cache=bytecode_cache())


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, then moved into place. A
    site is for others to read (a web server's user): a new page gets the umask's mode, as any
    file the user writes, and a page written before keeps its mode."""
    with atomic_output(path) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (atomically); nothing is written when it is already the same."""
    if target.is_file() and filecmp.cmp(source, target, shallow=False):
        return
    write_atomic(target, source.read_bytes())


class SiteBuilder:
    """Lays out and writes the pages of the stored months (``stored``, oldest first).

    ``partial``: month → why it is covered only in part; ``workbooks``: month → its workbook file
    (copied beside the month's page when it exists); ``drivers``: month → why its KPIs changed
    (``reportgen.drivers``; from the stored segment measures, or the run's); ``comments``: month →
    its survey comments (only the report month's: history does not store them).
    """

    def __init__(self, config: Config, stored: Sequence[StoredKpis], partial: Mapping[str, str],
                 workbooks: Mapping[str, Path], tr: Translator | None = None,
                 drivers: Mapping[str, Mapping[str, KpiDrivers]] | None = None,
                 comments: Mapping[str, tuple[CommentRow, ...]] | None = None) -> None:
        self.config = config
        self.drivers = dict(drivers or {})
        self.comments = dict(comments or {})
        self.stored = list(stored)
        self.by_month = {m.month: m for m in self.stored}
        self.partial = dict(partial)
        self.workbooks = dict(workbooks)
        self.tr = tr or translator(config.report.language)
        self.env = environment()
        self.currency = config.report.currency
        self._texts: dict[tuple[float | None, str], str] = {}
        self._months: dict[str, str] = {}

    # ---- values ----------------------------------------------------------------------------
    def blocks(self, month: str) -> MonthBlocks:
        """The blocks of a stored month over its window (up to report.window_months, from the first
        stored month), from the KPI values history holds."""
        months = from_first_month(window(month, self.config.report.window_months), self.by_month)
        shown = [m for m in months if m in self.by_month]
        values = MonthValues(
            month, months,
            scalars={m: self.by_month[m].kpis for m in shown},
            breakdowns={m: self.by_month[m].breakdowns for m in shown},
            partial={m: why for m, why in self.partial.items() if m in months},
            business_hours=self.config.has_business_hours,
            min_responses=self.config.report.min_responses,
            comments=self.comments.get(month, ()),
            note=read_note(self.config, month),
            drivers=self.drivers.get(month, {}),
        )
        return build_blocks(values, self.config.report.title, self.config.targets, self.currency, self.tr)

    def value(self, value: float | None, unit: str) -> str:
        """A value as text (``reportgen.units``); each distinct one formatted once per build, as the
        months' windows overlap (36 months show each month's figures up to 12 times)."""
        key = (value, unit)
        if key not in self._texts:
            self._texts[key] = format_value(value, unit, self.currency, self.tr)
        return self._texts[key]

    def month_label(self, month: str) -> str:
        """'Oct 2026', with ◐ after a partial month."""
        if month not in self._months:
            label = self.tr.month(month)
            self._months[month] = f"{label} {PARTIAL_MARK}" if month in self.partial else label
        return self._months[month]

    # ---- what the templates show ----------------------------------------------------------
    def kpi_rows(self, blocks: MonthBlocks) -> list[dict[str, Any]]:
        """The KPI table: one group heading per group, then its scalar KPIs."""
        tr = self.tr
        rows: list[dict[str, Any]] = []
        group = ""
        for block in blocks.kpis:
            if block.kpi.breakdown is not None:
                continue
            if block.kpi.group != group:
                group = block.kpi.group
                rows.append({"group": tr.t(f"tracker.{group}")})
            rows.append(self._kpi_row(blocks, block.rows[0]))
        return rows

    def _kpi_row(self, blocks: MonthBlocks, row: KpiRow) -> dict[str, Any]:
        tr, unit = self.tr, row.kpi.unit
        mark = f" {PARTIAL_MARK}" if blocks.month in self.partial else ""
        previous_month = blocks.window[-2] if len(blocks.window) >= 2 else None
        previous_mark = f" {PARTIAL_MARK}" if previous_month in self.partial else ""
        if row.change is not None:
            change = format_change(row.change, unit, self.currency, tr)
        else:
            change = tr.t("common.none")
        return {
            "id": row.kpi.id, "label": row.label,
            "value": self.value(row.value, unit) + (mark if row.value is not None else ""),
            "previous": (self.value(row.previous, unit) + (previous_mark if row.previous is not None else "")
                         if previous_month else tr.t("common.none")),
            "change": change, "change_word": tr.t(row.change_word) if row.change_word else "",
            "change_tone": row.change_tone if row.change_word else "neutral",
            "target": "" if row.target is None else self.value(row.target, unit),
            # the status the email and the workbook's readers see: a verdict, else why there is none
            "status": tr.t(row.status_shown) if row.status_shown else "",
            "status_tone": row.status_tone,
            **survey_marks(row, tr, self.currency),
        }

    def chart(self, block: SeriesBlock, chart_id: str) -> dict[str, Any]:
        tr = self.tr
        labels = [self.month_label(m) for m in block.months]
        span = tr.t("common.month_span", first=labels[0], last=labels[-1])
        title = tr.t("chart.title", title=block.title)
        dimension = tr.t(f"dimension.{block.kpi.breakdown}")
        lines = [Line(key, values) for key, values in zip(block.keys, block.values, strict=True)]
        description = tr.t("site.chart_desc", title=title, span=span, dimension=dimension)
        x_title, y_title = tr.t("chart.x_axis"), tr.t("chart.y_axis")

        def count(value: float) -> str:
            return self.value(value, "count")

        # a wide chart, and a narrow one for phones (CSS shows one of them)
        svg = line_chart(chart_id, title, description, labels, lines, x_title, y_title, count)
        narrow = line_chart(f"{chart_id}-narrow", title, description, labels, lines, x_title, y_title, count,
                            width=360, height=260, max_labels=4, css_class="chart narrow")
        return {
            "id": chart_id, "title": title, "svg": svg, "narrow": narrow, "span": span,
            "legend": [(legend_swatch(i), key) for i, key in enumerate(block.keys)],
            "keys": block.keys, "months": labels, "apart": [name for name, _ in block.apart],
            "rows": [(label, [self.value(block.values[k][i], "count") for k in range(len(block.keys))],
                      self.value(block.totals[i], "count"),
                      [self.value(apart[i], "count") for _, apart in block.apart])
                     for i, label in enumerate(labels)],
        }

    def quality(self, stored: StoredKpis) -> dict[str, Any]:
        tr = self.tr
        datasets, reasons = [], []
        for name in ("tickets", "surveys", "business"):
            q = stored.data_quality.get(name)
            if not q:
                continue
            excluded: dict[str, int] = q.get("excluded", {})
            discarded: dict[str, int] = q.get("values_discarded", {})
            datasets.append({
                "name": tr.t(f"dataset.{name}"),
                "cells": [self.value(v, "count") for v in (
                    q.get("rows_read"), q.get("rows_used"), q.get("duplicates"),
                    sum(excluded.values()) if "excluded" in q else None,
                    sum(discarded.values()) if "values_discarded" in q else None)],
            })
            for reason, count in sorted({**excluded, **discarded}.items()):
                reasons.append({"dataset": tr.t(f"dataset.{name}"), "reason": reason,
                                "rows": self.value(count, "count"), "meaning": reason_meaning(tr, reason)})
        headers = [tr.t(f"quality.col.{c}") for c in
                   ("rows_read", "rows_used", "duplicates", "rows_excluded", "values_discarded")]
        return {"datasets": datasets, "reasons": reasons, "headers": headers}

    def why(self, block: DriversBlock, month: str) -> dict[str, Any]:
        """The "Why it changed" section: per KPI that moved, its sentence and top contributors."""
        tr = self.tr
        previous = block.previous
        before = tr.month(previous) if previous else ""
        after = tr.month(month)
        headers = [tr.t("why.col.share", month=before), tr.t("why.col.share", month=after),
                   tr.t("why.col.value", month=before), tr.t("why.col.value", month=after),
                   tr.t("why.col.contribution")]
        lines = []
        for line in block.lines:
            unit = line.kpi.unit
            dimensions = []
            for dimension, segments in line.top.items():
                rows = [{"name": segment_name(dimension, s, tr),
                         "cells": [self.value(s.share_previous, "percent"), self.value(s.share, "percent"),
                                   self.value(s.value_previous, unit), self.value(s.value, unit),
                                   format_change(change_value(unit, 0.0, s.contribution), unit,
                                                 self.currency, tr)]}
                        for s in segments]
                if rows:
                    dimensions.append({"name": tr.t(WHY_DIMENSIONS[dimension]), "rows": rows})
            lines.append({"id": line.kpi.id, "label": line.label, "sentence": line.sentence,
                          "dimensions": dimensions})
        return {"title": tr.t("why.title", month=after, previous=before or tr.t("common.none")),
                "subtitle": tr.t("why.subtitle"), "headers": headers, "lines": lines,
                "segment": tr.t("why.col.segment")}

    def voice(self, blocks: MonthBlocks) -> dict[str, Any] | None:
        """The Voice of the customer section (None: report.comments is 0); the comments stay text."""
        tr, config = self.tr, self.config
        if config.report.comments == 0:
            return None
        rows = []
        for comment in blocks.comments:
            linked = comment.category is not None and comment.channel is not None  # a ticket of the data
            rows.append({
                "score": score_text(tr, comment.survey, comment.score, config), "unhappy": comment.unhappy,
                "survey": tr.t(f"segment.col.{comment.survey}"), "date": tr.day(comment.day),
                "category": (dimension_value_in("category", comment.category or "", tr) if linked
                             else tr.t("voice.no_ticket")),
                "channel": dimension_value_in("channel", comment.channel or "", tr) if linked else "",
                "agent": comment.agent or "", "text": comment.text,
            })
        return {"title": tr.t("voice.title", month=tr.month(blocks.month)),
                "subtitle": tr.t("voice.subtitle", limit=tr.number(config.report.comments)),
                "headers": [tr.t(f"voice.col.{name}") for name in VOICE_COLUMNS], "rows": rows,
                "stored": blocks.month in self.comments}

    def _common(self, depth: int) -> dict[str, Any]:
        tr = self.tr
        return {"language": tr.language, "t": tr.t, "title": self.config.report.title,
                "root": "../" * depth, "mark": PARTIAL_MARK}

    # ---- pages -------------------------------------------------------------------------------
    def month_page(self, month: str) -> str:
        tr = self.tr
        stored = self.by_month[month]
        blocks = self.blocks(month)
        index = self.stored.index(stored)
        before = self.stored[index - 1].month if index else None
        after = self.stored[index + 1].month if index + 1 < len(self.stored) else None
        workbook = self.workbooks.get(month)
        previous = blocks.window[-2] if len(blocks.window) >= 2 else None
        context = {
            **self._common(1),
            "month": month, "month_label": tr.month_long(month),
            "partial": (partial_note(self.partial[month], tr) if month in self.partial else None),
            "before": (before, self.month_label(before)) if before else None,
            "after": (after, self.month_label(after)) if after else None,
            "previous_label": self.month_label(previous) if previous else tr.t("common.none"),
            "kpis": self.kpi_rows(blocks),
            "no_comparison": (tr.t("tracker.partial_no_change")
                              if previous and not blocks.comparable else None),
            "charts": [self.chart(block, f"chart-{n}") for n, block in enumerate(blocks.volume)
                       if block.keys],
            "quality": self.quality(stored),
            "note": blocks.note.html if blocks.note else None,
            "why": self.why(blocks.drivers, month),
            "voice": self.voice(blocks),
            "workbook": workbook.name if workbook is not None and workbook.is_file() else None,
        }
        return self.env.get_template(MONTH_TEMPLATE).render(context)

    def index_page(self) -> str:
        tr = self.tr
        latest = self.stored[-1].month
        blocks = self.blocks(latest)
        span = tr.t("common.month_span", first=tr.month(blocks.window[0]), last=tr.month(blocks.window[-1]))
        headline = []
        for block in blocks.kpis:
            if block.kpi.group != "primary" or block.kpi.breakdown is not None:
                continue
            row = self._kpi_row(blocks, block.rows[0])
            values = block.rows[0].values
            spoken = tr.t("partial.separator").join(
                tr.t("email.chart_alt_item", month=tr.month(m), count=self.value(v, block.kpi.unit))
                for m, v in zip(blocks.window, values, strict=True))
            row["spark"] = sparkline(tr.t("site.sparkline", kpi=block.label, span=span, values=spoken),
                                     values)
            headline.append(row)
        months = [{"month": m.month, "label": tr.month_long(m.month),
                   "partial": m.month in self.partial,
                   "why": self.partial.get(m.month, ""),
                   "tickets": self.value(m.kpis.get("ticket_volume"), "count"),
                   "workbook": m.month in self.workbooks and self.workbooks[m.month].is_file()}
                  for m in reversed(self.stored)]
        context = {**self._common(0), "latest": latest, "latest_label": tr.month_long(latest),
                   "span": span, "headline": headline, "months": months}
        return self.env.get_template(INDEX_TEMPLATE).render(context)

    def write(self, target: Path) -> SiteResult:
        """Every month's page (with its workbook), then the index; pages of months no longer stored go."""
        started = time.perf_counter()
        target.mkdir(parents=True, exist_ok=True)
        for stored in self.stored:
            folder = target / stored.month
            workbook = self.workbooks.get(stored.month)
            if workbook is not None and workbook.is_file():
                copy_atomic(workbook, folder / workbook.name)
            write_atomic(folder / "index.html", self.month_page(stored.month))
        if self.stored:
            write_atomic(target / "index.html", self.index_page())
        removed = remove_stale(target, set(self.by_month))
        return SiteResult(target / "index.html", tuple(self.by_month), removed,
                          time.perf_counter() - started)


def survey_marks(row: KpiRow, tr: Translator, currency: str) -> dict[str, Any]:
    """A row's small-sample count (in place of a verdict) and unusual mark (``reportgen.segments``,
    ``reportgen.unusual``)."""
    marks: dict[str, Any] = {"few": row.few, "unusual": "", "unusual_note": ""}
    if row.few and row.responses is not None:
        marks.update(status=sample_text(tr, row.responses), status_tone="neutral")
    if row.unusual:
        marks.update(unusual=unusual_text(tr), unusual_note=usual_note(tr, row, currency))
    return marks


def remove_stale(target: Path, months: set[str]) -> tuple[str, ...]:
    """Remove the pages (and copied workbooks) of months no longer in history; other files stay."""
    removed = []
    for folder in sorted(target.iterdir()):
        if not folder.is_dir() or not MONTH_FOLDER.match(folder.name) or folder.name in months:
            continue
        for item in [folder / "index.html", *folder.glob("*.xlsx")]:
            item.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
        removed.append(folder.name)
    return tuple(removed)


def build_site(run: MonthRun, out: str | Path | None = None, workbook: Path | None = None,
               write_workbook: Callable[[MonthRun, Path], Path] | None = None) -> SiteResult:
    """The site of every stored month, with the run's month in it (its history updated first).

    ``workbook``: the report month's workbook when already written (``reportgen run``); else the
    run writes it beside its page. Other months get the workbook at report.output when it exists
    (and report.output has ``{month}`` in it: else it is this month's file).
    """
    config = run.config
    target = site_dir(config, out)  # a wrong outputs.site stops before anything is read or stored
    data = run.data  # the engine's run and its history update, both gated
    tr = translator(config.report.language)
    stored, measures = HistoryStore(config.resolve(config.history.path)).archive()
    partial = stored_partial_months({m.month: m.completeness for m in stored if m.completeness}, tr)
    for month in data.window:  # months this run judged from its sources
        if month in data.partial:
            partial[month] = data.partial[month]
        elif month in data.from_run:
            partial.pop(month, None)
    # other months' workbooks where report.output puts them (only when it names one file per month)
    workbooks = ({m.month: report_path(config, m.month) for m in stored}
                 if "{month}" in config.report.output else {})
    if workbook is None:
        name = report_path(config, run.month).name
        workbook = (write_workbook or _write_workbook)(run, target / run.month / name)
    workbooks[run.month] = workbook
    drivers = stored_drivers(measures, stored, partial)
    drivers[run.month] = data.drivers
    comments = {run.month: report_comments(data)}
    return SiteBuilder(config, stored, partial, workbooks, tr, drivers, comments).write(target)


def stored_drivers(measures: Mapping[str, MonthMeasures], stored: Sequence[StoredKpis],
                   partial: Mapping[str, str]) -> dict[str, dict[str, KpiDrivers]]:
    """Why each stored month's KPIs changed since the month before, from the segment measures history
    holds for them (arithmetic on stored numbers: nothing is recomputed from the sources)."""
    months = {m.month for m in stored}
    wanted = [m for m in months if shift(m, -1) in months]
    scalars = {m: scalar_values(values) for m, values in measures.items()}
    return {m: month_drivers(m, shift(m, -1), measures, scalars, partial) for m in wanted}


def report_comments(data: MonthData) -> tuple[CommentRow, ...]:
    """The report month's survey comments (``reportgen.voice``), as every output shows them."""
    config = data.config
    return comment_rows(data.engine.comments.get(data.month, ()), config.report.timezone, config.kpis)


def _write_workbook(run: MonthRun, path: Path) -> Path:
    return run.write_workbook(path)
