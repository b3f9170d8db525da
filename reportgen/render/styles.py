"""Semantic cell styles → concrete formatting, shared by every renderer.

Style names are ``role`` or ``role:unit`` or ``role:unit:tone``, e.g.
``value:percent``, ``input:money``, ``change:hours:good``. Keeping the palette
and number formats here means the xlsx file and the Google Sheet look alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from reportgen.units import UNITS, spreadsheet_format

NAVY = "#1F3864"
HEADER_FILL = "#1F4E79"
GROUP_FILL = "#D9E1F2"
INPUT_FILL = "#FFF2CC"
RESULT_FILL = "#E2EFDA"
GOOD_FILL, GOOD_FONT = "#C6EFCE", "#006100"
BAD_FILL, BAD_FONT = "#FFC7CE", "#9C0006"
GREY = "#595959"
FEW_FONT = "#8C8C8C"  # a value from too few answers to judge
UNUSUAL_FILL, UNUSUAL_FONT = "#FFEB9C", "#7F6000"  # the unusual mark
BORDER = "#BFBFBF"

MONTH_FORMAT = "mmm yyyy"  # English month cells; the xlsx renderer swaps in the report language's format
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2",
           "#7F7F7F", "#BCBD22", "#17BECF")  # chart series colours, in order (workbook and Sheets)


@dataclass(frozen=True)
class StyleSpec:
    bold: bool = False
    italic: bool = False
    size: float = 10
    color: str | None = None
    fill: str | None = None
    num_format: str | None = None
    align: str | None = None  # left | center | right
    valign: str = "vcenter"
    wrap: bool = False
    border: bool = False
    indent: int = 0


def number_format(unit: str, currency: str, signed: bool = False) -> str:
    """The number format of a unit (``reportgen.units``) or of a date/text style; ``signed`` for changes."""
    if unit in UNITS:
        return spreadsheet_format(unit, currency, signed=signed)
    if signed:
        return "+0.0;-0.0;0.0"
    return _OTHER_FORMATS.get(unit, "General")


_OTHER_FORMATS = {"date": MONTH_FORMAT, "day": "yyyy-mm-dd", "text": "@"}


@lru_cache(maxsize=256)
def style_spec(name: str, currency: str) -> StyleSpec:
    role, _, rest = name.partition(":")
    unit, _, tone = rest.partition(":")
    base = _ROLES.get(role, StyleSpec())
    if unit:
        signed = role == "change"
        base = replace(base, num_format=number_format(unit, currency, signed))
    if tone == "good":
        base = replace(base, color=GOOD_FONT)
    elif tone == "bad":
        base = replace(base, color=BAD_FONT)
    elif tone == "few":  # too few answers to judge (reportgen.segments): greyed
        base = replace(base, color=FEW_FONT, italic=True)
    return base


_ROLES: dict[str, StyleSpec] = {
    "title": StyleSpec(bold=True, size=16, color=NAVY),
    "subtitle": StyleSpec(italic=True, color=GREY),
    "header": StyleSpec(bold=True, color="#FFFFFF", fill=HEADER_FILL, align="center", wrap=True,
                        border=True),
    "header_left": StyleSpec(bold=True, color="#FFFFFF", fill=HEADER_FILL, align="left", wrap=True,
                             border=True),
    "month_header": StyleSpec(bold=True, color="#FFFFFF", fill=HEADER_FILL, align="center",
                              border=True, num_format=MONTH_FORMAT),
    "group": StyleSpec(bold=True, size=11, color=NAVY, fill=GROUP_FILL),
    "label": StyleSpec(border=True, indent=1),
    "sublabel": StyleSpec(border=True, indent=3, color=GREY),
    "text": StyleSpec(),
    "wrap": StyleSpec(wrap=True, valign="top", border=True),
    "note": StyleSpec(italic=True, color=GREY, wrap=True, valign="top"),
    "value": StyleSpec(border=True, align="right"),
    "input": StyleSpec(fill=INPUT_FILL, border=True, align="right"),
    "result": StyleSpec(bold=True, fill=RESULT_FILL, border=True, align="right"),
    "kpi_name": StyleSpec(bold=True, size=11, color=NAVY),
    "status_good": StyleSpec(bold=True, color=GOOD_FONT, fill=GOOD_FILL, align="center", border=True),
    "status_bad": StyleSpec(bold=True, color=BAD_FONT, fill=BAD_FILL, align="center", border=True),
    "status_none": StyleSpec(color=GREY, align="center", border=True),
    "unusual": StyleSpec(bold=True, color=UNUSUAL_FONT, fill=UNUSUAL_FILL, align="center", border=True),
    "change": StyleSpec(border=True, align="right", color=GREY),
    "month_row": StyleSpec(border=True, num_format=MONTH_FORMAT, align="left"),
    "day": StyleSpec(border=True, num_format="yyyy-mm-dd", align="center"),
    "total": StyleSpec(bold=True, border=True, align="right", num_format="#,##0"),
}
