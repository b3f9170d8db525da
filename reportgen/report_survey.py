"""The survey parts of the spreadsheet grid: score tables, the Voice of the customer tab, the
manager's note, and the tracker's small-sample and unusual marks.

``reportgen.report`` calls these with its sheets; what they show comes from the blocks
(``MonthBlocks.scores``, ``.comments``, ``.note``; ``KpiRow.few`` / ``.usual``). Every
text from the data (names, comments, the note) is a ``str`` cell: text, never a formula.
"""

from __future__ import annotations

from reportgen.blocks import KpiRow, MonthBlocks
from reportgen.config import Config
from reportgen.i18n import Translator, display_width
from reportgen.measures import dimension_value_in
from reportgen.model import Sheet
from reportgen.notes import ManagerNote
from reportgen.segments import ScoreTable
from reportgen.units import format_value
from reportgen.unusual import UNUSUAL_MARK

NOTE_ROWS = 3  # the note's heading, its text and a blank row above the KPI table


def sample_text(tr: Translator, responses: int) -> str:
    """'n = 12' (in the language's digits)."""
    return tr.t("segment.n", n=tr.number(responses))


def unusual_text(tr: Translator) -> str:
    """'⚠ unusual' in the report's language."""
    return f"{UNUSUAL_MARK} {tr.t('unusual.word')}"


def usual_note(tr: Translator, row: KpiRow, currency: str) -> str:
    """Why a value is marked: its usual range."""
    assert row.usual is not None
    unit = row.kpi.unit
    return tr.t("unusual.note", low=format_value(row.usual.low, unit, currency, tr),
                high=format_value(row.usual.high, unit, currency, tr))


def put_note(sheet: Sheet, top: int, note: ManagerNote, tr: Translator, last_col: int) -> int:
    """The manager's note at ``top`` (heading, then its text across the columns); the next free row."""
    sheet.put(top, 0, tr.t("note.heading"), "kpi_name")
    sheet.put(top + 1, 0, note.text, "wrap")
    for col in range(1, last_col + 1):
        sheet.put(top + 1, col, None, "wrap")
    sheet.merges.append((top + 1, 0, top + 1, last_col))
    return top + NOTE_ROWS


def put_tracker_marks(sheet: Sheet, row: int, kpi_row: KpiRow, tr: Translator, status_col: int,
                      unusual_col: int, currency: str) -> None:
    """A survey KPI from too few answers: 'n = 4' where the verdict would be; an unusual value: the mark."""
    if kpi_row.few and kpi_row.responses is not None:
        sheet.put(row, status_col, sample_text(tr, kpi_row.responses), "status_none")
    if kpi_row.unusual:
        sheet.put(row, unusual_col, unusual_text(tr), "unusual", note=usual_note(tr, kpi_row, currency))
    else:
        sheet.put(row, unusual_col, None, "status_none")


def tracker_legend(sheet: Sheet, row: int, blocks: MonthBlocks, tr: Translator) -> int:
    """What 'n = …' and the unusual mark mean, below the KPI table; the next free row."""
    sheet.put(row, 0, tr.t("segment.legend", minimum=tr.number(blocks.min_responses)), "subtitle")
    sheet.put(row + 1, 0, tr.t("unusual.legend", mark=unusual_text(tr)), "subtitle")
    return row + 2


def put_score_table(sheet: Sheet, top: int, table: ScoreTable, tr: Translator) -> int:
    """A survey-score table (title, header, a row per segment, legend) at ``top``; the next free row."""
    sheet.put(top, 0, tr.t(f"segment.title.{table.dimension}"), "kpi_name")
    header = top + 1
    sheet.put(header, 0, tr.t(table.key_header), "header_left")
    for index, kpi in enumerate(table.kpis):
        sheet.put(header, 1 + 2 * index, tr.t(f"segment.col.{kpi.base}"), "header")
        sheet.put(header, 2 + 2 * index, tr.t("segment.col.n"), "header")
    row = header + 1
    if not table.rows:
        sheet.put(row, 0, tr.t("segment.none"), "note")
        return row + 2
    for key, cells in table.rows:
        sheet.put(row, 0, key, "label")
        for index, (kpi, cell) in enumerate(zip(table.kpis, cells, strict=True)):
            tone = ":few" if cell.few else ""
            sheet.put(row, 1 + 2 * index, cell.value, f"value:{kpi.unit}{tone}")
            sheet.put(row, 2 + 2 * index, cell.responses or None, f"value:count{tone}")
        row += 1
    sheet.put(row, 0, tr.t("segment.legend", minimum=tr.number(table.min_responses)), "subtitle")
    return row + 2


def score_text(tr: Translator, survey: str, score: float, config: Config) -> str:
    """'2 / 5', '3 / 10': a score with its scale's top."""
    options = config.kpis
    top = {"nps": 10.0, "csat": float(options.csat.scale[1]), "ces": float(options.ces.scale[1])}[survey]

    def number(value: float) -> str:
        return tr.number(value, 0 if float(value).is_integer() else 1, grouping=False)

    return f"{number(score)} / {number(top)}"


VOICE_COLUMNS = ("score", "survey", "date", "category", "channel", "agent", "comment")


def voice_sheet(blocks: MonthBlocks, tr: Translator, config: Config) -> Sheet:
    """The Voice of the customer tab: the month's comments, lowest scores first."""
    sheet = Sheet(tr.t("tab.voice"), tab_color="#375623")
    sheet.put(0, 0, tr.t("voice.title", month=tr.month(blocks.month)), "title")
    sheet.put(1, 0, tr.t("voice.subtitle", limit=tr.number(config.report.comments)), "subtitle")
    header = 3
    headers = [tr.t(f"voice.col.{name}") for name in VOICE_COLUMNS]
    for col, text in enumerate(headers):
        sheet.put(header, col, text, "header_left" if col in (3, 4, 5, 6) else "header")
    row = header + 1
    for comment in blocks.comments:
        sheet.put(row, 0, score_text(tr, comment.survey, comment.score, config),
                  "status_bad" if comment.unhappy else "status_none")
        sheet.put(row, 1, tr.t(f"segment.col.{comment.survey}"), "label")
        sheet.put(row, 2, comment.day, "day")
        linked = comment.category is not None and comment.channel is not None  # a ticket of the data
        sheet.put(row, 3, dimension_value_in("category", comment.category or "", tr) if linked
                  else tr.t("voice.no_ticket"), "label")
        channel = dimension_value_in("channel", comment.channel or "", tr) if linked else None
        sheet.put(row, 4, channel, "label")
        sheet.put(row, 5, comment.agent, "label")
        sheet.put(row, 6, comment.text, "wrap")
        row += 1
    if not blocks.comments:
        sheet.put(row, 0, tr.t("voice.none"), "note")

    def fit(minimum: float, col: int) -> float:  # names are short: the longest, up to 30 wide
        texts = [headers[col], *(str(c.value) for (_, at), c in sheet.cells.items() if at == col and c.value)]
        return min(30.0, max(minimum, max(display_width(t) for t in texts) + 2))

    sheet.column_widths = {0: 9, 1: 8, 2: 12, 3: fit(18, 3), 4: fit(12, 4), 5: fit(14, 5), 6: 70}
    sheet.freeze = (header + 1, 0)
    sheet.row_heights = {0: 24, header: 30}
    return sheet
