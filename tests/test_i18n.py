"""Message catalogues and locale formatting (reportgen.i18n).

The catalogues are checked as files (every language has every message of
English, same placeholders, no empty or fuzzy or stale entry) and through the
translator (formatting examples written out by hand from the languages' rules).
"""

from __future__ import annotations

import io
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from markupsafe import Markup

from reportgen.engine import SURVEY_REASONS, TICKET_REASONS
from reportgen.errors import ConfigError
from reportgen.i18n import (
    LANGUAGES,
    UnknownMessageError,
    catalog_file,
    message_ids,
    placeholders,
    translator,
)
from reportgen.kpis import KPIS, MEASURES
from reportgen.units import format_change, format_value

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
NPLURALS = {"en": 2, "it": 3, "ro": 3, "ja": 1}  # gettext plural forms (CLDR: it has "many" for millions)


def _parse(language: str) -> Catalog:
    """Parse the shipped file strictly: a syntax error fails instead of being skipped."""
    return read_po(io.StringIO(catalog_file(language)), locale=language, abort_invalid=True)


def _messages(language: str) -> dict[str, Message]:
    out: dict[str, Message] = {}
    for message in _parse(language):
        if not message.id:
            continue
        assert message.context, f"{language}: message {message.id!r} has no msgctxt (its id)"
        assert message.context not in out, f"{language}: id {message.context} appears twice"
        out[message.context] = message
    return out


def _forms(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value)]


# ---- the catalogue files ------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_parses_and_declares_its_language(language: str) -> None:
    catalog = _parse(language)
    assert str(catalog.locale) == language
    assert catalog.num_plurals == NPLURALS[language]
    assert len(_messages(language)) > 250


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_exactly_the_messages_of_english(language: str) -> None:
    english, other = _messages("en"), _messages(language)
    assert sorted(set(english) - set(other)) == [], f"{language} lacks these messages"
    assert sorted(set(other) - set(english)) == [], f"{language} has messages English does not"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_of_the_current_english_text(language: str) -> None:
    """msgid repeats the English source: a changed English text makes the old translation stale."""
    english = _messages("en")
    for ident, message in _messages(language).items():
        assert message.id == english[ident].id, f"{language} {ident}: translated from an old English text"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_empty_or_fuzzy_translation(language: str) -> None:
    for ident, message in _messages(language).items():
        assert not message.fuzzy, f"{language} {ident} is marked fuzzy"
        forms = _forms(message.string)
        if isinstance(message.id, tuple | list):
            assert len(forms) == NPLURALS[language], f"{language} {ident}: wrong number of plural forms"
        assert all(form.strip() for form in forms), f"{language} {ident} has an empty translation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_those_of_english(language: str) -> None:
    english = _messages("en")
    for ident, message in _messages(language).items():
        expected = set().union(*(placeholders(text) for text in _forms(english[ident].id)))
        for form in _forms(message.string):
            assert placeholders(form) == expected, f"{language} {ident}: {form!r} vs {sorted(expected)}"
        if expected:
            assert message.python_brace_format, f"{language} {ident} lacks the python-brace-format flag"


def test_english_messages_are_their_own_translation() -> None:
    for ident, message in _messages("en").items():
        assert message.string == message.id, ident


def test_message_ids_are_the_english_catalogue() -> None:
    assert list(message_ids()) == list(_messages("en"))


# ---- the English catalogue is today's English ------------------------------------------------------
def test_registry_and_catalogue_name_the_same_kpis_measures_and_reasons() -> None:
    """The registry holds ids only; every id has its messages and no message is left over."""
    ids = set(message_ids())
    kpi_messages = {f"kpi.{k.id}.{part}" for k in KPIS for part in ("label", "definition")}
    assert kpi_messages | {"kpi.resolution_rate.note"} == {i for i in ids if i.startswith("kpi.")}
    assert {f"measure.{name}" for name in MEASURES} == {i for i in ids if i.startswith("measure.")}
    reasons = {f"reason.{code}" for code in (*TICKET_REASONS, *SURVEY_REASONS)}
    assert reasons == {i for i in ids if i.startswith("reason.")}
    registry = (ROOT / "reportgen" / "kpis.py").read_text(encoding="utf-8")
    assert "Net Promoter Score" not in registry and "Customer Effort" not in registry


def test_every_kpi_and_measure_has_text_in_every_language() -> None:
    for language in LANGUAGES:
        tr = translator(language)
        for kpi in KPIS:
            assert tr.t(f"kpi.{kpi.id}.label") and tr.t(f"kpi.{kpi.id}.definition")
        for name in MEASURES:
            assert tr.t(f"measure.{name}")
        for code in (*TICKET_REASONS, *SURVEY_REASONS):
            assert tr.t(f"reason.{code}")
        for unit in {kpi.unit for kpi in KPIS}:
            assert tr.t(f"unit.{unit}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_tab_names_are_valid_sheet_names(language: str) -> None:
    tr = translator(language)
    names = [tr.t(ident) for ident in message_ids() if ident.startswith("tab.")]
    assert len(names) == 10 and len(set(names)) == 10
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name


def test_translations_are_not_english_left_behind() -> None:
    """A sentence copied untranslated would pass every other check; long texts must differ."""
    english = translator("en")
    for language in TRANSLATED:
        tr = translator(language)
        for ident in message_ids():
            source = english.template(ident, _count(ident))
            if not ident.startswith("format.") and len(source) > 30:
                assert tr.template(ident, _count(ident)) != source, f"{language} {ident} is still English"


def _count(ident: str) -> int | None:
    return 2 if ident in {"email.intro", "email.spike_detail", "email.dq_tickets", "email.dq_surveys",
                          "email.text.category_row"} else None


# ---- terminology ---------------------------------------------------------------------------------------------
def test_romanian_terms_follow_the_template_article() -> None:
    ro = translator("ro")
    assert ro.t("kpi.nps.label") == "Scorul net de promovare (NPS)"
    assert ro.t("kpi.retention_rate.label") == "Rata de retenție a clienților (CRR)"
    assert ro.t("kpi.ces.label") == "Scorul efortului clientului (CES)"
    assert ro.t("kpi.cac.label") == "Costul de achiziție a clienților (CAC)"


def test_terminology_table_matches_the_catalogues() -> None:
    rows = re.findall(r"^\| `([a-z_.0-9]+)` \| (.+?) \| (it|ro|ja) \| (.+?) \| (.+?) \|$",
                      (ROOT / "docs" / "TERMINOLOGY.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(rows) >= 60
    for ident, english, language, term, source in rows:
        assert translator("en").t(ident) == english, ident
        assert translator(language).t(ident) == term, f"{language} {ident}: the table says {term!r}"
        assert source == "common usage" or re.search(r"\d{3}_[0-9a-f]{16}", source), source


# ---- formatting ----------------------------------------------------------------------------------------------
def test_numbers_use_each_languages_separators() -> None:
    assert translator("it").number(1234.5, 1) == "1.234,5"
    assert translator("ro").number(1234.5, 1) == "1.234,5"
    assert translator("en").number(1234.5, 1) == "1,234.5"
    assert translator("ja").number(1234.5, 1) == "1,234.5"
    assert translator("it").number(1234.5, 1, grouping=False) == "1234,5"
    assert translator("it").number(-0.25, 2) == "-0,25"


def test_values_in_text() -> None:
    it, ro, ja = translator("it"), translator("ro"), translator("ja")
    assert format_value(0.4567, "percent", tr=it) == "45,7%"
    assert format_value(0.4567, "percent", tr=ro) == "45,7\u00a0%"
    assert format_value(0.4567, "percent", tr=ja) == "45.7%"
    assert format_value(3.5, "hours", tr=it) == "3,5\u00a0h"
    assert format_value(3.5, "hours", tr=ja) == "3.5時間"
    assert format_value(12345.678, "money", "EUR", tr=it) == "12.345,68\u00a0€"
    assert format_value(-2.5, "money", "CHF", tr=ro) == "-2,50\u00a0CHF"
    assert format_value(12345.678, "money", "EUR", tr=ja) == "€12,345.68"
    assert format_value(2.5, "years", tr=ro) == "2,50"
    assert format_value(12345, "count", tr=it) == "12.345"
    assert format_value(None, "count", tr=it) == "—"
    assert format_change(-1.25, "percent", tr=it) == "−1,2\u00a0p.p."
    assert format_change(-1.25, "percent", tr=ja) == "−1.2ポイント"
    assert format_change(3, "count", tr=ro) == "+3"


def test_english_text_is_unchanged_by_the_catalogue() -> None:
    """The English formats (written out by hand from the unit table: tests/test_units.py) hold."""
    assert format_value(0.1234, "percent") == "12.3%"
    assert format_value(1234.5, "money", "EUR") == "€1,234.50"
    assert format_value(1234.5, "money", "CHF") == "CHF\u00a01,234.50"
    assert format_value(-3.25, "hours") == "-3.2\u00a0h"
    assert format_value(1234567, "count") == "1,234,567"
    assert format_change(1.25, "percent") == "+1.2\u00a0pp"
    assert format_change(-1234.5, "money", "EUR") == "−€1,234.50"


def test_months() -> None:
    assert translator("ja").month("2026-10") == "2026年10月"
    assert translator("ja").month_long(date(2026, 1, 1)) == "2026年1月"
    assert translator("it").month("2026-10") == "ott 2026"
    assert translator("it").month_long("2026-10") == "ottobre 2026"
    assert translator("ro").month("2026-09") == "sept. 2026"
    assert translator("ro").month_long("2026-10") == "octombrie 2026"
    assert translator("ja").month_image("2026-10") == "2026/10"  # the chart image's font has no CJK glyphs
    for language in LANGUAGES:
        assert translator(language).month_image("2026-10").isascii()
    for number in range(1, 13):  # English month labels are exactly the old strftime("%b %Y")
        day = date(2026, number, 1)
        assert translator("en").month(day) == day.strftime("%b %Y") == translator("en").month_long(day)
        assert translator("en").month_image(day) == day.strftime("%b %Y")


def test_spreadsheet_month_formats_name_months_in_the_language() -> None:
    assert translator("en").month_cell_format == "mmm yyyy"
    assert translator("it").month_cell_format.startswith("[$-410]")
    assert translator("ro").month_cell_format.startswith("[$-418]")
    assert translator("ja").month_cell_format == 'yyyy"年"m"月"'


def test_lists() -> None:
    assert translator("en").join(["12 of 40 ticket rows", "3 of 9 survey rows"]) == \
        "12 of 40 ticket rows and 3 of 9 survey rows"
    assert translator("it").join(["a", "b"]) == "a e b"
    assert translator("ro").join(["a", "b"]) == "a și b"


# ---- plural forms and placeholders -----------------------------------------------------------------------------
def test_plural_forms_follow_each_language() -> None:
    en, it, ro, ja = (translator(lang) for lang in ("en", "it", "ro", "ja"))
    assert en.tn("email.intro", 1, count="1", month="Oct 2026") == "1 ticket was created in Oct 2026."
    assert en.tn("email.intro", 3, count="3", month="Oct 2026") == "3 tickets were created in Oct 2026."
    assert ro.tn("email.intro", 1, count="1", month="x") == "1 tichet a fost creat în x."
    assert ro.tn("email.intro", 5, count="5", month="x") == "5 tichete au fost create în x."
    assert ro.tn("email.intro", 20, count="20", month="x") == "20 de tichete au fost create în x."
    assert ro.tn("email.intro", 119, count="119", month="x") == "119 tichete au fost create în x."
    assert it.tn("email.intro", 2, count="2", month="x") == "2 ticket sono stati creati a x."
    assert ja.tn("email.intro", 7, count="7", month="2026年10月") == "2026年10月に作成されたチケットは7件です。"


def test_wrong_use_of_messages_fails_loudly() -> None:
    en = translator("en")
    with pytest.raises(UnknownMessageError):
        en.t("kpi.no_such_kpi.label")
    with pytest.raises(UnknownMessageError):
        en.t("email.intro")  # plural message without a count
    with pytest.raises(UnknownMessageError):
        en.tn("kpi.nps.label", 2)
    with pytest.raises(KeyError):
        en.t("agents.title")  # placeholder {month} not given
    with pytest.raises(ConfigError, match=r"report\.language: 'de'"):
        translator("de")


def test_html_messages_escape_text_and_keep_markup() -> None:
    html = translator("it").html("email.workbook_attached",
                                 workbook=Markup("<strong>{}</strong>").format("a&b.xlsx"))
    assert html == "In allegato la cartella di lavoro completa (<strong>a&amp;b.xlsx</strong>)."
    plain = translator("en").html("email.sheet_line", url="<script>")
    assert plain == "Shared Google Sheet: &lt;script&gt;"


# ---- shipping ------------------------------------------------------------------------------------------------------
def test_catalogues_ship_with_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["reportgen"]
    shipped = {path.relative_to(ROOT / "reportgen") for pattern in patterns
               for path in (ROOT / "reportgen").glob(pattern)}
    for language in LANGUAGES:
        assert Path("locales", language, "LC_MESSAGES", "reportgen.po") in shipped
    assert any(dep.lower().startswith("babel") for dep in pyproject["project"]["dependencies"])


@pytest.mark.parametrize("language", ["en", "ja"])
def test_numbers_written_without_babel_are_babels(language: str) -> None:
    """en and ja format numbers with Python's symbols: the same text as Babel's CLDR pattern."""
    import random
    from decimal import Decimal

    from babel.numbers import format_decimal

    tr = translator(language)
    rng = random.Random(7)
    values = [0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.5, 2.5, -999.95, 1e15, -1e15, 123456789.125, 1e-9,
              *(rng.uniform(-1e7, 1e7) for _ in range(300)), *(rng.uniform(-1, 1) for _ in range(300))]
    for value in values:
        for decimals in (0, 1, 2):
            for grouping in (True, False):
                pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
                expected = format_decimal(Decimal(f"{value:.{decimals}f}"), format=pattern, locale=language)
                assert tr.number(value, decimals, grouping) == expected, (value, decimals, grouping)
    assert tr.number(1234.5, 1) == "1,234.5"
    assert translator("it").number(1234.5, 1) == "1.234,5"  # the others still Babel's
