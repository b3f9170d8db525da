"""The report model: blocks every output reads — KPI rows, series, breakdown tables, notes.

    blocks = report_blocks(data)                        # a run's month (MonthData)
    blocks.kpi("nps").value, blocks.kpi("nps").status   # "status.on_target", tone "good"
    blocks.volume[0].values                             # tickets per category and month

A block holds values (numbers, never text made from them), targets, verdicts
(``reportgen.verdicts``) and marks (partial months), and no layout: the
spreadsheet grid (cells, A1 formulas, widths, page breaks) is drawn from the
blocks by ``reportgen.report`` into ``reportgen.model`` for ``render/`` (xlsx,
Google Sheets); the email (``reportgen.mail.summary``) and the site
(``reportgen.site``) read the same blocks and format values with
``reportgen.units``. Blocks are built from a month's values
(:class:`MonthValues`), whether a run just computed them or history stored
them, so a month shown from history reads exactly as when it was the report
month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from reportgen.drivers import KpiDrivers
from reportgen.drivers_text import DriversBlock, drivers_block
from reportgen.i18n import Translator, translator
from reportgen.kpis import KPI_BY_ID, Kpi, shown_kpis
from reportgen.measures import dimension_value_in
from reportgen.monthdata import MonthData
from reportgen.months import shift
from reportgen.notes import ManagerNote, read_note
from reportgen.segments import DEFAULT_MIN_RESPONSES, ScoreTable, sample_size, score_tables
from reportgen.unusual import Usual, usual_range, watched
from reportgen.verdicts import NEUTRAL, month_change, target_status
from reportgen.voice import CommentRow, comment_rows

Scalars = Mapping[str, Mapping[str, float | None]]  # month → KPI id → value
Breakdowns = Mapping[str, Mapping[str, Mapping[str, float]]]  # month → KPI id → dimension value → value


@dataclass(frozen=True)
class MonthValues:
    """What blocks are built from: the KPI values of a report month's window, and its partial months.

    ``dims``: the report month's measures per dimension value (the Agents table's counts),
    empty when they are not at hand.
    """

    month: str
    window: Sequence[str]
    scalars: Scalars
    breakdowns: Breakdowns
    partial: Mapping[str, str] = field(default_factory=dict)
    dims: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    business_hours: bool = False  # the business-hours KPIs are shown (configured)
    min_responses: int = DEFAULT_MIN_RESPONSES  # fewer answers: greyed, not judged (``reportgen.segments``)
    comments: tuple[CommentRow, ...] = ()  # the month's survey comments, lowest score first
    note: ManagerNote | None = None  # the manager's note of the month
    drivers: Mapping[str, KpiDrivers] = field(default_factory=dict)  # why KPIs changed (reportgen.drivers)


@dataclass(frozen=True)
class KpiRow:
    """One line of the KPI table: a KPI (or one dimension value of it) over the window.

    ``status`` is a message id ("status.on_target", …) or "" (no target, no value, no
    direction); ``change`` is None when there is nothing to compare (no previous month, a
    missing value, or a partial month on either side: ``MonthBlocks.comparable``).
    """

    kpi: Kpi
    label: str
    values: tuple[float | None, ...]  # one per window month
    target: float | None
    status: str
    status_tone: str
    change: float | None
    change_tone: str
    key: str | None = None  # the dimension value of a breakdown row
    partial: bool = False  # the report month is partial (sent with --allow-partial): no verdict
    responses: int | None = None  # a survey KPI's answers in the report month
    few: bool = False  # fewer answers than report.min_responses: greyed, "n = …", no verdict
    usual: Usual | None = None  # its usual range (``reportgen.unusual``), when six months allow one

    @property
    def unusual(self) -> bool:
        return self.usual is not None and self.usual.unusual

    @property
    def value(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def previous(self) -> float | None:
        return self.values[-2] if len(self.values) >= 2 else None

    @property
    def status_shown(self) -> str:
        """The status as a reader sees it beside the value: the verdict, else why there is none
        ("status.no_target", "status.no_data"), else "". The email and the site show it."""
        if self.status or self.partial:
            return self.status
        return "status.no_target" if self.target is None else "status.no_data" if self.value is None else ""

    @property
    def change_word(self) -> str:
        """"change.better" / "change.worse" / "change.no_change", or "" (no change, or no direction)."""
        if self.change is None:
            return ""
        if self.change == 0:
            return "change.no_change"
        if self.kpi.direction is None or self.few:  # too few answers: no verdict
            return ""
        return "change.better" if self.change_tone == "good" else "change.worse"


@dataclass(frozen=True)
class KpiBlock:
    """One KPI of the registry: one row (a scalar), one per dimension value (category, channel), or
    none (per agent: a table of its own)."""

    kpi: Kpi
    label: str
    rows: tuple[KpiRow, ...]


@dataclass(frozen=True)
class SeriesBlock:
    """A KPI per dimension value and month (tickets by category): keys busiest first.

    ``values[k][i]``: key ``keys[k]`` in ``months[i]``; None when the month has no data, 0 when
    it has data but none for that key. ``totals[i]``: the month's sum (None: no data).
    ``apart``: scalar KPIs shown beside the total, in neither the chart nor the total (the outbound
    tickets beside the customers' channels), as (label, value per month).
    """

    kpi: Kpi
    title: str
    months: tuple[str, ...]
    keys: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    totals: tuple[float | None, ...]
    apart: tuple[tuple[str, tuple[float | None, ...]], ...] = ()


@dataclass(frozen=True)
class Column:
    """A column of a breakdown table: its header (message id), unit, and where its values come from —
    a KPI per dimension (``kpi``) or a measure per dimension (``measure``) of the report month."""

    header: str
    unit: str
    source: str  # "kpi" | "measure"
    name: str


@dataclass(frozen=True)
class Table:
    """The report month by one dimension: a row per value, ordered by the first column, largest first."""

    key_header: str  # message id
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]


# The Agents and Channels tables, declared once (every output draws them from here)
AGENT_TABLE: tuple[str, tuple[Column, ...]] = ("agents.col.agent", (
    Column("common.tickets", "count", "measure", "agent_tickets"),
    Column("agents.col.resolved", "count", "measure", "agent_resolved"),
    Column("agents.col.resolution_rate", "percent", "kpi", "agent_resolution_rate"),
    Column("agents.col.answered", "count", "measure", "agent_first_response_count"),
    Column("agents.col.avg_first_response", "hours", "kpi", "agent_avg_first_response_hours"),
))
CHANNEL_TABLES: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("common.channel", (Column("common.tickets", "count", "kpi", "tickets_by_channel"),
                        Column("common.share", "percent", "kpi", "channel_share"))),
    ("common.category", (Column("common.tickets", "count", "kpi", "tickets_by_category"),
                         Column("common.share", "percent", "kpi", "category_share"))),
)
VOLUME_SERIES: tuple[tuple[str, str], ...] = (("tickets_by_category", "volume.by_category"),
                                             ("tickets_by_channel", "volume.by_channel"))
# scalar KPIs shown apart beside a series (not a channel customers chose: docs/SPEC_NOTES.md)
VOLUME_APART: dict[str, tuple[str, ...]] = {"tickets_by_channel": ("outbound_tickets",)}


@dataclass(frozen=True)
class MonthBlocks:
    """Every block of one report month, in the report's language."""

    title: str
    month: str
    language: str
    currency: str
    window: tuple[str, ...]
    partial: Mapping[str, str]  # window months covered only in part → why
    kpis: tuple[KpiBlock, ...]
    volume: tuple[SeriesBlock, ...]
    agents: Table
    channels: tuple[Table, ...]
    scores: Mapping[str, ScoreTable] = field(default_factory=dict)  # agent/channel/category → survey scores
    comments: tuple[CommentRow, ...] = ()  # Voice of the customer (``reportgen.voice``)
    note: ManagerNote | None = None  # the manager's note (``reportgen.notes``)
    min_responses: int = DEFAULT_MIN_RESPONSES
    drivers: DriversBlock = field(default_factory=lambda: DriversBlock(None, ()))  # reportgen.drivers_text

    @property
    def comparable(self) -> bool:
        """Whether the report month is compared with the one before (neither partial)."""
        return comparable(self.window, self.partial)

    def kpi(self, kpi_id: str) -> KpiRow:
        """The row of a scalar KPI."""
        block = next(b for b in self.kpis if b.kpi.id == kpi_id)
        return block.rows[0]


def comparable(window: Sequence[str], partial: Mapping[str, str]) -> bool:
    """Whether the last month of ``window`` is compared with the one before: both exist, neither partial."""
    return len(window) >= 2 and not ({window[-1], window[-2]} & partial.keys())


def ordered_keys(values: MonthValues, kpi_id: str) -> list[str]:
    """Dimension values seen in the window, busiest in the report month first."""
    totals: dict[str, float] = {}
    for month in values.window:
        for key, value in values.breakdowns.get(month, {}).get(kpi_id, {}).items():
            totals[key] = totals.get(key, 0) + value
    current = values.breakdowns.get(values.month, {}).get(kpi_id, {})
    return sorted(totals, key=lambda k: (-current.get(k, 0), -totals[k], k))


def _row(kpi: Kpi, label: str, series: tuple[float | None, ...],
         target: float | None, comparable: bool, key: str | None = None, partial: bool = False) -> KpiRow:
    """``partial``: the report month is covered only in part (sent with --allow-partial): no verdict."""
    status, status_tone = target_status(kpi, None if partial or not series else series[-1], target)
    change, change_tone = (month_change(kpi, series[-2], series[-1]) if comparable and len(series) >= 2
                           else (None, NEUTRAL))
    return KpiRow(kpi, label, series, target, "" if partial else status, status_tone, change, change_tone,
                  key, partial)


def kpi_blocks(values: MonthValues, targets: Mapping[str, float], tr: Translator) -> tuple[KpiBlock, ...]:
    """Every KPI of the registry (primary, then secondary) over the window."""
    window = list(values.window)
    compared = comparable(window, values.partial)
    partial = values.month in values.partial
    blocks: list[KpiBlock] = []
    for group in ("primary", "secondary"):
        for kpi in (k for k in shown_kpis(values.business_hours) if k.group == group):
            label = kpi.label_in(tr)
            if kpi.breakdown is None:
                series = tuple(values.scalars.get(m, {}).get(kpi.id) for m in window)
                rows: tuple[KpiRow, ...] = (judged(_row(kpi, label, series, targets.get(kpi.id), compared,
                                                        partial=partial), values),)
            elif kpi.breakdown == "agent":
                rows = ()
            else:
                rows = tuple(
                    _row(kpi, dimension_value_in(kpi.breakdown, key, tr),
                         tuple(values.breakdowns.get(m, {}).get(kpi.id, {}).get(key) for m in window),
                         None, compared, key, partial)
                    for key in ordered_keys(values, kpi.id))
            blocks.append(KpiBlock(kpi, label, rows))
    return tuple(blocks)


def judged(row: KpiRow, values: MonthValues) -> KpiRow:
    """A scalar row with its sample size (survey KPIs: few answers → no verdict) and usual range."""
    responses = sample_size(row.kpi, values.scalars.get(values.month, {}))
    if responses is not None and row.value is not None and responses < values.min_responses:
        return replace(row, responses=responses, few=True, status="", status_tone=NEUTRAL,
                       change_tone=NEUTRAL)
    usual = (usual_range(values.month, values.window, row.values, values.partial)
             if row.values and watched(row.kpi) else None)
    return row if responses is None and usual is None else replace(row, responses=responses, usual=usual)


def series_block(values: MonthValues, kpi_id: str, title: str, tr: Translator) -> SeriesBlock:
    """``keys``: the dimension values as shown (translated default), busiest first."""
    keys = ordered_keys(values, kpi_id)
    per_month = [values.breakdowns.get(m, {}).get(kpi_id) if m in values.breakdowns else None
                 for m in values.window]
    apart = tuple((KPI_BY_ID[other].label_in(tr or translator("en")), series)
                  for other in VOLUME_APART.get(kpi_id, ())
                  # shown when the window has some (a column of zeros says nothing to most teams)
                  if any(series := tuple(values.scalars.get(m, {}).get(other) for m in values.window)))
    return SeriesBlock(
        KPI_BY_ID[kpi_id], title, tuple(values.window),
        tuple(dimension_value_in(KPI_BY_ID[kpi_id].breakdown or "", key, tr) for key in keys),
        tuple(tuple(None if counts is None else counts.get(key, 0) for counts in per_month) for key in keys),
        tuple(None if counts is None else sum(counts.get(k, 0) for k in keys) for counts in per_month),
        apart,
    )


def table(values: MonthValues, key_header: str, columns: tuple[Column, ...], tr: Translator) -> Table:
    """The report month by one dimension (``Column`` sources); rows by the first column, largest first;
    the dimension values as shown (translated default)."""
    breakdown = values.breakdowns.get(values.month, {})

    def column(col: Column) -> Mapping[str, float]:
        return (values.dims if col.source == "measure" else breakdown).get(col.name, {})

    first = column(columns[0])
    cells = [column(col) for col in columns]
    order = sorted(first, key=lambda k: (-first[k], k))
    first_kpi = KPI_BY_ID.get(columns[0].name)  # the Agents table's first column is a measure
    dimension = first_kpi.breakdown or "" if first_kpi else ""
    return Table(key_header, columns, tuple(
        (dimension_value_in(dimension, key, tr), tuple(c.get(key) for c in cells)) for key in order))


def build_blocks(values: MonthValues, title: str, targets: Mapping[str, float], currency: str,
                 tr: Translator) -> MonthBlocks:
    """Every block of the month ``values.month``, with texts in ``tr``'s language."""
    return MonthBlocks(
        title=title, month=values.month, language=tr.language, currency=currency,
        window=tuple(values.window), partial=dict(values.partial),
        kpis=kpi_blocks(values, targets, tr),
        volume=tuple(series_block(values, kpi_id, tr.t(title_id), tr) for kpi_id, title_id in VOLUME_SERIES),
        agents=table(values, *AGENT_TABLE, tr=tr),
        channels=tuple(table(values, key_header, columns, tr) for key_header, columns in CHANNEL_TABLES),
        scores=score_tables(values.breakdowns.get(values.month, {}), values.dims, values.min_responses, tr),
        comments=values.comments, note=values.note, min_responses=values.min_responses,
        drivers=drivers_block(values.drivers, values.scalars.get(shift(values.month, -1), {}), tr, currency),
    )


def month_values(data: MonthData) -> MonthValues:
    """The values of a run's month (computed or read from history by ``MonthRun``)."""
    config = data.config
    return MonthValues(data.month, data.window, data.scalars, data.breakdowns, data.partial,
                       data.current.dims, config.has_business_hours,
                       min_responses=config.report.min_responses,
                       comments=comment_rows(data.engine.comments.get(data.month, ()), config.report.timezone,
                                             config.kpis),
                       note=read_note(config, data.month), drivers=data.drivers)


def report_blocks(data: MonthData, tr: Translator | None = None) -> MonthBlocks:
    """The blocks of a run's month, in the report's language (or ``tr``'s)."""
    report = data.config.report
    return build_blocks(month_values(data), report.title, data.config.targets, report.currency,
                        tr or translator(report.language))
