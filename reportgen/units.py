"""Units own their formats: one table for the workbook, Google Sheets, the email and the terminal.

Each unit says how many decimals it shows, what follows the number, whether
the stored value is scaled (percentages are stored as fractions) and how a
month-over-month change is shown (a percentage changes in percentage points).
``spreadsheet_format`` gives the number format the workbook and the Sheet use,
``format_value`` / ``format_change`` the text the email and the terminal show
(a no-break space between number and unit):
both come from the same row, so ``€311.27`` and ``3.7 h`` read the same
everywhere. Money carries the configured currency's symbol (Babel's CLDR data).
Text is in a language when given its translator (``reportgen.i18n``): digits
with its separators (``12,3 %``), unit words from its catalogue (``format.*``);
English without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import get_currency_symbol

from reportgen.i18n import Translator, translator

LOCALE = "en"  # the currency symbols of spreadsheet formats (text takes its language's)
# between a number and its unit in text ("45,7 %", "3.5 h", "CHF 12"): a no-break space, so a narrow
# email column never wraps the unit onto a line of its own
NBSP = "\u00a0"


@dataclass(frozen=True)
class UnitFormat:
    decimals: int
    suffix: str = ""  # after the number: " h", "%"
    scale: int = 1  # shown value = stored value × scale (percent: 100)
    grouping: bool = False  # thousands separator
    money: bool = False  # prefixed by the currency symbol
    change_suffix: str | None = None  # a change is shown in other units (percent → " pp")
    text: str | None = None  # catalogue message of the value as text, when it has a unit word or sign


UNITS: dict[str, UnitFormat] = {
    "score": UnitFormat(1),
    "percent": UnitFormat(1, "%", scale=100, change_suffix=" pp", text="format.percent"),
    "count": UnitFormat(0, grouping=True),
    "ratio": UnitFormat(1, grouping=True),  # a count that is an average (tickets per agent)
    "hours": UnitFormat(1, " h", text="format.hours"),
    "money": UnitFormat(2, grouping=True, money=True, text="format.money"),
    "years": UnitFormat(2),
}


def unit_format(unit: str) -> UnitFormat:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})") from None


@lru_cache(maxsize=64)
def currency_prefix(currency: str, locale: str = LOCALE) -> str:
    """What money starts with: the currency's symbol ("€", "$"); a letter code gets a space ("CHF ")."""
    code = currency.strip().upper()
    if not code:
        return ""
    symbol = get_currency_symbol(code, locale=locale)
    return f"{symbol} " if symbol[-1:].isalpha() else symbol


def _pattern(fmt: UnitFormat) -> str:
    digits = "0" + ("." + "0" * fmt.decimals if fmt.decimals else "")
    return ("#,##" if fmt.grouping else "") + digits


def _quoted(text: str) -> str:
    return f'"{text}"' if text else ""


def spreadsheet_format(unit: str, currency: str, *, signed: bool = False) -> str:
    """The number format (xlsx / Sheets pattern) of a unit; ``signed`` for month-over-month changes."""
    fmt = unit_format(unit)
    prefix = _quoted(currency_prefix(currency)) if fmt.money else ""
    if signed and fmt.change_suffix is not None:  # a change in other units: plain number + suffix
        base = f"{_pattern(UnitFormat(fmt.decimals))}{_quoted(fmt.change_suffix)}"
        return f"+{base};-{base};{base}"
    if fmt.suffix == "%":
        base = f"{prefix}{_pattern(fmt)}%"
    else:
        base = f"{prefix}{_pattern(fmt)}{_quoted(fmt.suffix)}"
    return f"+{base};-{base};{base}" if signed else base


def value_format(value: float, unit: str) -> UnitFormat:
    """How ``value`` of ``unit`` is shown: a count that is not whole (an average) like a ratio, with
    one decimal."""
    return unit_format("ratio" if unit == "count" and not float(value).is_integer() else unit)


def shown_number(value: float, unit: str) -> float:
    """``value`` as the reader sees it: scaled (a percent × 100) and rounded as its text is
    (``format_value``), so a verdict on two numbers agrees with the two numbers shown."""
    fmt = value_format(value, unit)
    return float(f"{value * fmt.scale:.{fmt.decimals}f}")


def format_value(value: float | None, unit: str, currency: str = "", tr: Translator | None = None) -> str:
    """A value as text, as the spreadsheet format shows it ("—" when there is none).

    A count that is not whole (an average) shows like a ratio, with one decimal.
    ``tr``: in that translator's language (English without one).
    """
    tr = tr or translator("en")
    if value is None:
        return tr.t("common.none")
    fmt = value_format(value, unit)
    shown = value * fmt.scale
    sign = "-" if shown < 0 else ""
    digits = tr.number(abs(shown), fmt.decimals, grouping=fmt.grouping)
    if fmt.text is None:
        return f"{sign}{digits}{fmt.suffix}".replace(" ", NBSP)
    symbol = currency_prefix(currency, tr.language) if fmt.money else ""
    return (sign + tr.t(fmt.text, value=digits, symbol=symbol).strip()).replace(" ", NBSP)


def change_value(unit: str, previous: float, current: float) -> float:
    """The month-over-month change as shown: percentages in percentage points."""
    return (current - previous) * change_factor(unit)


def change_factor(unit: str) -> int:
    """What a difference of stored values is multiplied by to be shown as a change (percent: 100)."""
    fmt = unit_format(unit)
    return fmt.scale if fmt.change_suffix is not None else 1


def format_change(change: float, unit: str, currency: str = "", tr: Translator | None = None) -> str:
    """A change (``change_value``) with its sign: "+1.2 pp", "−0.5 h", "−€1,234.50", "±0"."""
    tr = tr or translator("en")
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    size = abs(change)
    fmt = unit_format(unit)
    if fmt.change_suffix is not None:  # percentage points: the catalogue's format.points
        points = tr.t("format.points", sign=sign, value=tr.number(size, fmt.decimals, grouping=fmt.grouping))
        return points.replace(" ", NBSP)
    return sign + format_value(size, unit, currency, tr)
