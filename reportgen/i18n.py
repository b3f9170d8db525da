"""Every text a reader sees, in the report's language: message catalogues and locale formatting.

Catalogues are gettext ``.po`` files, one per language, in
``reportgen/locales/<language>/LC_MESSAGES/reportgen.po``. Each message has

* ``msgctxt``: the stable message id the code asks for (``kpi.nps.label``),
* ``msgid``: the English source text (a changed English text no longer matches
  the translations' ``msgid``, so a stale translation is caught by the tests),
* ``msgstr`` (or ``msgstr[n]`` for plural forms): the text in that language,
  with Python ``str.format`` placeholders (``{month}``).

The ``.po`` files are read at run time with Babel and turned into the
standard library's ``gettext.GNUTranslations`` in memory (plural forms, context,
fallback to English are gettext's own rules), so there is no compile step at
install time; what is read is kept between runs (``reportgen.memo``) until a
catalogue changes. Numbers, months and lists are formatted with Babel (CLDR data):
decimal comma for Italian and Romanian, ``2026年10月`` for Japanese; values with
their units are ``reportgen.units.format_value(…, tr=translator)``. Only text
is localised; spreadsheet cells stay numbers with number formats.

Use::

    tr = translator("ro")
    tr.t("kpi.nps.label")                               # 'Scorul net de promovare (NPS)'
    tr.tn("email.intro", 20, count="20", month="…")     # plural form chosen by 20
    tr.number(1234.5, 1)                                # '1.234,5'
    tr.month("2026-10")                                 # 'oct. 2026'
    tr.day(date(2026, 9, 25))                           # '25 sept. 2026'
"""

from __future__ import annotations

import base64
import contextlib
import gettext
import io
import math
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from importlib.resources import files
from string import Formatter
from typing import TYPE_CHECKING, Literal, get_args

from reportgen.errors import ConfigError, ReportgenError

if TYPE_CHECKING:  # Babel (CLDR data) and markupsafe are imported where a text is formatted
    from babel import Locale
    from babel.messages.catalog import Catalog
    from markupsafe import Markup

    from reportgen.memo import Memo

Language = Literal["en", "it", "ro", "ja"]
LANGUAGES: tuple[str, ...] = get_args(Language)
SOURCE_LANGUAGE: Language = "en"
DOMAIN = "reportgen"


class UnknownMessageError(ReportgenError, LookupError):
    """The code asked for a message id that the English catalogue does not have (a bug)."""


def catalog_file(language: str) -> str:
    """The text of a language's ``.po`` catalogue as shipped in the package."""
    _check_language(language)
    resource = files("reportgen").joinpath("locales", language, "LC_MESSAGES", f"{DOMAIN}.po")
    return resource.read_text(encoding="utf-8")


@cache
def load_catalog(language: str) -> Catalog:
    """A language's catalogue parsed by Babel (messages keyed by English text and context)."""
    from babel.messages.pofile import read_po

    return read_po(io.StringIO(catalog_file(language)), locale=language, domain=DOMAIN)


@cache
def _compiled(language: str) -> Memo:
    """What is read from a language's catalogue, kept between runs while the catalogue, this
    module and Babel are unchanged: parsing a ``.po`` file costs more than most runs' work."""
    from pathlib import Path

    from reportgen.memo import Memo

    here = Path(__file__).parent
    return Memo(f"catalogue-{language}", [Path(__file__), here / "locales" / language / "LC_MESSAGES" /
                                          f"{DOMAIN}.po"], ["babel"])


@cache
def _sources() -> dict[str, tuple[str, str | None]]:
    """message id → (English singular, English plural or None), from the English catalogue."""
    found = _compiled(SOURCE_LANGUAGE).value("sources", _read_sources)
    return {key: (singular, plural) for key, (singular, plural) in found.items()}


def _read_sources() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for message in load_catalog(SOURCE_LANGUAGE):
        if not message.id or message.context is None:
            continue  # the header
        if isinstance(message.id, tuple | list):
            out[message.context] = (str(message.id[0]), str(message.id[1]))
        else:
            out[message.context] = (str(message.id), None)
    return out


def _mo_text(language: str) -> str:
    """The language's catalogue compiled as a ``.mo`` file (base64): fuzzy entries are left out,
    as msgfmt does."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def message_ids() -> tuple[str, ...]:
    """Every message id, in catalogue order."""
    return tuple(_sources())


def placeholders(text: str) -> set[str]:
    """The ``str.format`` field names of a message text."""
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet cell: East Asian wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# line-breaking rules (kinsoku): never start a line with closing punctuation or small kana, never
# end one with opening punctuation
_NO_LINE_START = frozenset("、。，．：；！？）」』】〕〉》”’・ーゝゞ々"
                           "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.:;!?)]}%")
_NO_LINE_END = frozenset("（「『【〔〈《“‘([{")


def _break_units(text: str) -> list[str]:
    """Pieces a line may break between: a wide character, a run of narrow non-space characters (a
    Latin word), or " " for a space; punctuation glued to the piece it belongs with."""
    units: list[str] = []
    for char in text:
        if char.isspace():
            if units and units[-1] != " ":
                units.append(" ")
        elif display_width(char) == 1 and units and units[-1] != " " and display_width(units[-1][-1]) == 1:
            units[-1] += char  # the same Latin word
        else:
            units.append(char)
    glued: list[str] = []
    for unit in units:
        if glued and glued[-1] != " " and (unit[0] in _NO_LINE_START or glued[-1][-1] in _NO_LINE_END):
            glued[-1] += unit
        else:
            glued.append(unit)
    return glued


def wrap_by_width(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` display columns (wide characters count two), broken
    between words or wide characters but never before closing punctuation nor after opening
    punctuation; a single piece longer than ``width`` stays whole."""
    lines: list[str] = []
    line, space = "", False
    for unit in _break_units(text.strip()):
        if unit == " ":
            space = True
            continue
        joined = line + (" " if space and line else "") + unit
        if line and display_width(joined) > width:
            lines.append(line)
            joined = unit
        line, space = joined, False
    if line:
        lines.append(line)
    return lines


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ConfigError(f"report.language: '{language}' is not a supported language",
                          hint=f"use one of {', '.join(LANGUAGES)}")


def closest_language(text: str) -> str | None:
    """The supported language a mistaken ``language:`` most likely means: a locale (``ja_JP``),
    a country code (``jp``, ``gb``) or a language's name in English or in itself (``Japanese``,
    ``italiano``); None when it means none of them."""
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    value = text.strip().replace("-", "_")
    if not value:
        return None
    candidates: list[str] = []
    with contextlib.suppress(ValueError, TypeError, UnknownLocaleError):
        candidates.append(Locale.parse(value).language)
    likely = get_global("likely_subtags").get(f"und_{value.upper()}")
    if isinstance(likely, str):
        candidates.append(likely.split("_")[0])
    names = {str(Locale(shown).languages[code]).casefold(): code
             for shown in ("en", *LANGUAGES) for code in LANGUAGES}
    candidates.append(names.get(value.casefold(), ""))
    return next((found for found in candidates if found in LANGUAGES), None)


_PYTHON_SYMBOLS = ("en", "ja")  # CLDR's decimal and group symbols are Python's format's


def _plural_index(count: float) -> int:
    """gettext plural rules take a whole number; a fraction picks the form of its whole part."""
    return int(abs(count))


class Translator:
    """Messages and number/date formatting of one language.

    The catalogue and the CLDR data are read on first use: a run that formats nothing
    (``reportgen kpis`` on a clean month) does not pay for them.
    """

    def __init__(self, language: str):
        _check_language(language)
        self.language = language

    @cached_property
    def locale(self) -> Locale:
        from babel import Locale

        return Locale.parse(self.language)

    @cached_property
    def _translations(self) -> gettext.GNUTranslations:
        compiled = _compiled(self.language).value("mo", lambda: _mo_text(self.language))
        return gettext.GNUTranslations(io.BytesIO(base64.b64decode(compiled)))

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    # ---- messages --------------------------------------------------------------------------
    def _source(self, message_id: str) -> tuple[str, str | None]:
        try:
            return _sources()[message_id]
        except KeyError:
            raise UnknownMessageError(f"no message '{message_id}' in the English catalogue") from None

    def template(self, message_id: str, count: float | None = None) -> str:
        """The message's text in this language, placeholders not filled in."""
        singular, plural = self._source(message_id)
        if plural is None:
            if count is not None:
                raise UnknownMessageError(f"message '{message_id}' has no plural forms")
            return self._translations.pgettext(message_id, singular)
        if count is None:
            raise UnknownMessageError(f"message '{message_id}' needs a count (use tn)")
        return self._translations.npgettext(message_id, singular, plural, _plural_index(count))

    def t(self, message_id: str, /, **params: object) -> str:
        """The message with its placeholders filled in."""
        return self.template(message_id).format(**params)

    def tn(self, message_id: str, count: float, /, **params: object) -> str:
        """A message with plural forms; ``count`` picks the form (pass the shown number in params)."""
        return self.template(message_id, count).format(**params)

    def html(self, message_id: str, /, count: float | None = None, **params: object) -> Markup:
        """The message for an HTML page: its text escaped, plain params escaped, Markup params kept."""
        from markupsafe import Markup, escape

        return Markup(escape(self.template(message_id, count))).format(**params)

    def has(self, message_id: str) -> bool:
        return message_id in _sources()

    # ---- numbers -----------------------------------------------------------------------------
    def number(self, value: float, decimals: int = 0, grouping: bool = True) -> str:
        """``value`` with ``decimals`` decimals in this language's symbols: it/ro '1.234,5', en/ja '1,234.5'.

        Rounded like Python's format (``f"{value:.1f}"``), so English text is unchanged.
        English and Japanese use Python's own symbols (``,`` and ``.``): formatted without
        loading Babel's CLDR data, the same text (tests/test_i18n.py compares them).
        """
        if self.language in _PYTHON_SYMBOLS and math.isfinite(value):
            return f"{value:{',' if grouping else ''}.{decimals}f}"
        pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
        from babel.numbers import format_decimal

        rounded = Decimal(f"{value:.{decimals}f}")
        return format_decimal(rounded, format=pattern, locale=self.locale)

    # ---- months and lists --------------------------------------------------------------------------
    def month(self, month: str | date) -> str:
        """A month for headings, tables and charts: 'Oct 2026', 'ott 2026', 'oct. 2026', '2026年10月'."""
        from babel.dates import format_skeleton

        return format_skeleton(self.t("format.month"), _as_date(month), locale=self.locale)

    def month_long(self, month: str | date) -> str:
        """A month in running text (email): 'Oct 2026', 'ottobre 2026', 'octombrie 2026', '2026年10月'."""
        from babel.dates import format_skeleton

        return format_skeleton(self.t("format.month_long"), _as_date(month), locale=self.locale)

    def month_image(self, month: str | date) -> str:
        """A month label drawn in an image with a Latin-only font: 'Oct 2026', 'ott 2026', '2026/10'."""
        from babel.dates import format_skeleton

        return format_skeleton(self.t("format.month_image"), _as_date(month), locale=self.locale)

    def day(self, day: date) -> str:
        """A day in running text: '25 Sep 2026', '25 set 2026', '25 sept. 2026', '2026年9月25日'."""
        from babel.dates import format_date

        return format_date(day, self.t("format.day"), locale=self.locale)

    @property
    def month_cell_format(self) -> str:
        """Spreadsheet number format of month cells, with the language of month names."""
        return self.t("format.month_cell")

    @property
    def month_axis_format(self) -> str:
        """Spreadsheet number format of month labels on chart axes."""
        return self.t("format.month_axis")

    def number_format(self, pattern: str) -> str:
        """A spreadsheet number format with its unit words in this language.

        The formats of ``reportgen.render.styles`` write units as quoted literals
        (``0.0" h"``, ``+0.0" pp"``); the value stays a number, only the literal changes.
        """
        units = {'" pp"': self.t("format.points", sign="", value=""),
                 '" h"': self.t("format.hours", value="")}
        for english, local in units.items():
            pattern = pattern.replace(english, '"' + local.replace('"', "") + '"')
        return pattern

    def join(self, items: Iterable[str]) -> str:
        """'a and b', 'a e b', 'a și b', 'a、b'."""
        from babel.lists import format_list

        return format_list(list(items), locale=self.locale)


def _as_date(month: str | date) -> date:
    if isinstance(month, date):
        return month
    return date(int(month[:4]), int(month[5:7]), 1)


def translator(language: str = SOURCE_LANGUAGE) -> Translator:
    """The (shared) translator of a language; ConfigError for a language without a catalogue."""
    return _shared_translator(language)


@cache
def _shared_translator(language: str) -> Translator:  # one per language, however it is asked for
    return Translator(language)

