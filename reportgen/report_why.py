"""The "Why it changed" tab: the drivers block (``reportgen.drivers_text``) laid out as a grid.

Per KPI that moved: a row with its value in both months and its change, the sentence, then per
dimension its top contributors with shares, values, mix, within and contribution. Changes are
written as the KPI Tracker writes them (percentages in points, ``reportgen.units.change_value``),
with the same number formats; segment names are always text.
"""

from __future__ import annotations

from reportgen.drivers_text import DriverLine, DriversBlock, segment_name
from reportgen.i18n import Translator, display_width
from reportgen.model import Sheet
from reportgen.units import change_value

WHY = "Why it changed"  # the tab's English name (other languages: the catalogues' "tab.why")
_DIMENSION_HEADERS = {"category": "common.category", "channel": "common.channel", "agent": "agents.col.agent"}
_LAST_COL = 7


def why_sheet(block: DriversBlock, month: str, tr: Translator) -> Sheet:
    """The tab of ``block`` (drivers of ``month`` against ``block.previous``) in ``tr``'s language."""
    sheet = Sheet(tr.t("tab.why"), tab_color="#2F5597")
    previous = block.previous
    since = tr.month(previous) if previous else tr.t("common.none")
    sheet.put(0, 0, tr.t("why.title", month=tr.month(month), previous=since), "title")
    sheet.put(1, 0, tr.t("why.subtitle"), "note")
    sheet.merges.append((1, 0, 1, _LAST_COL))
    header = 3
    before, after = (tr.month(previous) if previous else ""), tr.month(month)
    headers = [tr.t("why.col.segment"),
               tr.t("why.col.share", month=before), tr.t("why.col.share", month=after),
               tr.t("why.col.value", month=before), tr.t("why.col.value", month=after), tr.t("why.col.mix"),
               tr.t("why.col.within"), tr.t("why.col.contribution")]
    for col, text in enumerate(headers):
        sheet.put(header, col, text, "header" if col else "header_left")
    row = header + 1
    if not block.lines:
        sheet.put(row, 0, tr.t("why.none"), "note")
        sheet.merges.append((row, 0, row, _LAST_COL))
    labels: list[str] = []
    for line in block.lines:
        row = _kpi_block(sheet, row, line, tr, labels)
    sheet.column_widths = {0: max(30.0, min(48.0, max((display_width(t) + 2 for t in labels), default=0))),
                           **{col: max(12.0, display_width(headers[col]) / 2 + 2) for col in range(1, 8)}}
    sheet.row_heights = {0: 24, header: 30}
    sheet.freeze = (header + 1, 1)
    return sheet


def _kpi_block(sheet: Sheet, top: int, line: DriverLine, tr: Translator, labels: list[str]) -> int:
    """One KPI: its row, its sentence, its top contributors per dimension; the row after (a gap)."""
    kpi = line.kpi
    unit = kpi.unit

    def shown(value: float) -> float:
        return change_value(unit, 0.0, value)

    for col in range(_LAST_COL + 1):
        sheet.put(top, col, None, "group")
    sheet.put(top, 0, line.label, "group")
    sheet.put(top, 3, line.previous, f"value:{unit}")
    sheet.put(top, 4, line.value, f"value:{unit}")
    sheet.put(top, _LAST_COL, shown(line.change), f"change:{unit}")
    sheet.put(top + 1, 0, line.sentence, "note")
    sheet.merges.append((top + 1, 0, top + 1, _LAST_COL))
    row = top + 2
    for dimension, segments in line.top.items():
        sheet.put(row, 0, tr.t(_DIMENSION_HEADERS[dimension]), "label")
        row += 1
        for segment in segments:
            name = segment_name(dimension, segment, tr)
            labels.append(name)
            sheet.put(row, 0, name, "sublabel")
            sheet.put(row, 1, segment.share_previous, "value:percent")
            sheet.put(row, 2, segment.share, "value:percent")
            sheet.put(row, 3, segment.value_previous, f"value:{unit}")
            sheet.put(row, 4, segment.value, f"value:{unit}")
            sheet.put(row, 5, None if segment.mix is None else shown(segment.mix), f"change:{unit}")
            sheet.put(row, 6, None if segment.within is None else shown(segment.within), f"change:{unit}")
            sheet.put(row, 7, shown(segment.contribution), f"change:{unit}")
            row += 1
    sheet.keep_together.append((top, row - 1))
    return row + 1
