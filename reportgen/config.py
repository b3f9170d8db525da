"""config.yaml → validated, typed settings.

All problems are collected and reported at once, each with its YAML path and
line, so a person fixes the file in one pass. ``${ENV_VAR}`` in any string is
replaced from the environment (secrets stay out of the file).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import math
import os
import re
import urllib.parse
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from reportgen.errors import ConfigError
from reportgen.i18n import LANGUAGES, Language, closest_language
from reportgen.registry import OUTPUTS, PRESETS, WAREHOUSE_PRESETS
from reportgen.settings_errors import (
    MAX_YAML_VALUES,
    did_you_mean,
    oversized_alias,
    problem,
    settings_error,
    unknown_key_message,
    validation_problems,
    yaml_line_numbers,
)

if TYPE_CHECKING:
    from reportgen.measures import Unit

_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """Accept an IANA zone name; suggest the closest one otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        offset = _OFFSET.fullmatch(name.strip())
        if offset:
            raise ValueError(f"unknown time zone '{name}' ({_offset_hint(offset)})") from None
        close = difflib.get_close_matches(name, sorted(_zone_names()), n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(f"unknown time zone '{name}'{suggestion}") from None
    return name


_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def _offset_hint(offset: re.Match[str]) -> str:
    """What to write instead of a UTC offset: a city zone; for a whole hour, also the fixed Etc/GMT zone."""
    sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
    hint = ("an offset is not a time zone: write your city's zone, e.g. 'Europe/Paris', so that local times "
            "follow the clock change")
    if minutes == 0 and 0 < hours <= 12:  # Etc/GMT-2 is UTC+02:00: POSIX inverts the sign
        hint += f", or 'Etc/GMT{'-' if sign == '+' else '+'}{hours}' for a fixed UTC{sign}{hours:02d}:00"
    return hint


# legacy zone names that tzdata still accepts: no daylight saving time, or a rule instead of a place
_LEGACY_ZONES = {
    "EST": ("a fixed UTC-5 offset without daylight saving time", "America/New_York"),
    "MST": ("a fixed UTC-7 offset without daylight saving time", "America/Denver"),
    "HST": ("a fixed UTC-10 offset", "Pacific/Honolulu"),
    "EST5EDT": ("a legacy POSIX rule, not a place", "America/New_York"),
    "CST6CDT": ("a legacy POSIX rule, not a place", "America/Chicago"),
    "MST7MDT": ("a legacy POSIX rule, not a place", "America/Denver"),
    "PST8PDT": ("a legacy POSIX rule, not a place", "America/Los_Angeles"),
    "CET": ("a legacy alias, not a place", "Europe/Paris"),
    "MET": ("a legacy alias, not a place", "Europe/Paris"),
    "EET": ("a legacy alias, not a place", "Europe/Athens"),
    "WET": ("a legacy alias, not a place", "Europe/Lisbon"),
}


def timezone_warning(name: str, key: str = "timezone") -> str | None:
    """A warning for a legacy zone alias (``EST``…), suggesting the city zone to use; else None."""
    legacy = _LEGACY_ZONES.get(name.strip().upper())
    if legacy is None:
        return None
    detail, suggestion = legacy
    return (f"{key}: '{name}' is {detail}; use '{suggestion}' (or your team's own city zone) "
            "so that local times follow the clock change")


def _timezone_warnings(value: Any, path: str = "") -> list[str]:
    """Warnings for every ``timezone:`` in the raw config (report and every source)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            dotted = f"{path}.{key}" if path else str(key)
            if key == "timezone" and isinstance(item, str):
                warning = timezone_warning(item, dotted)
                found += [warning] if warning else []
            else:
                found += _timezone_warnings(item, dotted)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _timezone_warnings(item, f"{path}[{index}]")
    return found


# The placeholders reportgen fills in a report path (report.output, report.notes: run.report_path,
# notes.note_path); anything else in braces would be written into the file's name as it is.
PATH_PLACEHOLDERS = ("{month}",)
_BRACED = re.compile(r"\{[^{}]*\}|[{}]")


def check_placeholders(path: str) -> str:
    found = _BRACED.findall(path)
    unknown = [one for one in found if len(one) > 1 and one not in PATH_PLACEHOLDERS]
    allowed = f"(allowed: {', '.join(PATH_PLACEHOLDERS)})"
    if unknown:
        what = "placeholder" if len(unknown) == 1 else "placeholders"
        raise ValueError(f"unknown {what} {', '.join(dict.fromkeys(unknown))} {allowed}")
    if any(len(one) == 1 for one in found):
        raise ValueError(f"a brace without its pair: write a placeholder whole {allowed}")
    return path


class ReportOptions(_Strict):
    title: str = "Customer Service Report"
    timezone: str = "UTC"
    currency: str = "EUR"
    window_months: int = Field(default=12, ge=1, le=60)
    output: str = "reports/{month}.xlsx"
    language: Language = "en"  # of everything a reader sees: en, it, ro, ja (reportgen/locales)
    # survey scores from fewer answers are shown greyed with their count and get no verdict
    min_responses: int = Field(default=30, ge=1)
    comments: int = Field(default=50, ge=0)  # survey comments shown (0: none are read or shown)
    notes: str = "notes/{month}.md"  # the manager's note of a month, beside the config

    _tz = field_validator("timezone")(check_timezone)
    _placeholders = field_validator("output", "notes")(check_placeholders)

    @field_validator("output")
    @classmethod
    def _workbook(cls, value: str) -> str:
        if not value.lower().endswith(".xlsx"):
            raise ValueError("the workbook is an Excel file: end the path in .xlsx "
                             "(e.g. reports/{month}.xlsx)")
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in LANGUAGES:
            close = closest_language(value)
            hint = f"did you mean '{close}'? " if close else ""
            raise ValueError(f"unknown language '{value[:40]}' ({hint}known: {', '.join(LANGUAGES)})")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise ValueError("currency must be a 3-letter ISO 4217 code such as EUR or USD")
        return value.upper()


class HistoryOptions(_Strict):
    path: str = "reportgen-history.duckdb"


class QualityOptions(_Strict):
    """The quality gate: a run fails when a dataset has rows but more than this share is excluded."""

    max_excluded_share: float = Field(default=0.5, ge=0, le=1)
    # days a report month's data may start after its first day or end before its last and still be
    # whole (reportgen.coverage); a partial report month stops build, publish, email and run
    month_gap_days: int = Field(default=2, ge=0, le=27)


class ScaleOptions(_Strict):
    KEY: ClassVar[str] = "kpis"  # where the options are in the YAML, for messages

    scale: tuple[float, float] = (1, 5)

    @model_validator(mode="after")
    def _ordered(self) -> ScaleOptions:
        if self.scale[0] >= self.scale[1]:
            raise ValueError("scale must be [lowest, highest] with lowest < highest")
        return self

    @classmethod
    def _on_scale(cls, value: float, info: ValidationInfo) -> float:
        """A threshold is a score on the scale, ends included (KPI_SPEC: ``score >= min``, ``score <= max``);
        outside it the KPI is always 0 or always 100 %. A reversed scale is reported by itself."""
        scale = info.data.get("scale")
        if scale is None or scale[0] >= scale[1] or scale[0] <= value <= scale[1]:
            return value
        field = info.field_name or ""
        default = cls.model_fields[field].default
        hint = f" ({value:g} is the default: set {cls.KEY}.{field} on your scale)" if value == default else ""
        raise ValueError(f"{value:g} is outside {cls.KEY}.scale [{scale[0]:g}, {scale[1]:g}]{hint}")


class CsatOptions(ScaleOptions):
    KEY: ClassVar[str] = "kpis.csat"

    satisfied_min: float = Field(default=4, validate_default=True)
    negative_max: float = Field(default=2, validate_default=True)

    @field_validator("satisfied_min", "negative_max")
    @classmethod
    def _thresholds(cls, value: float, info: ValidationInfo) -> float:
        return cls._on_scale(value, info)


class CesOptions(ScaleOptions):
    KEY: ClassVar[str] = "kpis.ces"

    low_effort_min: float = Field(default=4, validate_default=True)

    @field_validator("low_effort_min")
    @classmethod
    def _threshold(cls, value: float, info: ValidationInfo) -> float:
        return cls._on_scale(value, info)


class FcrOptions(_Strict):
    max_replies: int = Field(default=1, ge=0)


class SlaOptions(_Strict):
    first_response_hours: float = Field(default=24, gt=0)
    # which durations the SLA measures: real elapsed time, or the team's working time (business_hours:)
    clock: Literal["calendar", "business"] = "calendar"


class ClvOptions(_Strict):
    customer_lifespan_years: float | None = Field(default=None, gt=0)


class KpiOptions(_Strict):
    csat: CsatOptions = CsatOptions()
    ces: CesOptions = CesOptions()
    fcr: FcrOptions = FcrOptions()
    sla: SlaOptions = SlaOptions()
    clv: ClvOptions = ClvOptions()


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_INTERVAL = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")

# one working interval of a day: minutes after local midnight, start < end ≤ 24 × 60
Interval = tuple[int, int]


def parse_day(value: Any) -> tuple[Interval, ...]:
    """A day's hours as written (``"09:00-16:00"`` or a list of them) → sorted intervals in minutes.

    Refuses what cannot be one working day: ``"9-5"``, an end not after its start (``"18:00-09:00"``:
    a night shift is two days' intervals), times beyond 24:00, overlapping intervals.
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise ValueError('write a day\'s hours as "HH:MM-HH:MM" or a list of them')
    intervals: list[Interval] = []
    for item in items:
        text = item.strip() if isinstance(item, str) else ""
        match = _INTERVAL.fullmatch(text)
        if match is None:
            raise ValueError(f"'{item}' is not an interval HH:MM-HH:MM such as \"09:00-13:00\"")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2 > 0):
            raise ValueError(f"'{text}' is not a time of day (00:00 to 24:00)")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise ValueError(f"'{text}' ends before it starts (a shift past midnight is two intervals: "
                             "the evening on one day, the morning on the next)")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise ValueError(f"intervals overlap: {_hhmm(start)} is before {_hhmm(end)}")
    return tuple(intervals)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class WeekSchedule(_Strict):
    """The working intervals of each weekday in local time; a day left out is closed."""

    mon: tuple[Interval, ...] = ()
    tue: tuple[Interval, ...] = ()
    wed: tuple[Interval, ...] = ()
    thu: tuple[Interval, ...] = ()
    fri: tuple[Interval, ...] = ()
    sat: tuple[Interval, ...] = ()
    sun: tuple[Interval, ...] = ()

    _days = field_validator(*WEEKDAYS, mode="before")(parse_day)

    def of(self, weekday: int) -> tuple[Interval, ...]:
        """The intervals of a ``date.weekday()`` (0 = Monday)."""
        return tuple(getattr(self, WEEKDAYS[weekday]))


class BusinessHoursOptions(_Strict):
    """The team's working time (KPI_SPEC "Business hours"): a weekly schedule, holidays, a zone;
    or ``from: helpdesk`` for the business minutes the helpdesk itself reports."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: Literal["helpdesk"] | None = Field(default=None, alias="from")
    timezone: str | None = None
    week: WeekSchedule | None = None
    holidays: tuple[dt.date, ...] = ()
    country: str | None = None
    subdivision: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from holidays import list_supported_countries

        known = list_supported_countries()
        code = value.strip().upper()
        if code not in known:
            close = did_you_mean(code, sorted(known))
            raise ValueError(f"unknown country '{value}' (an ISO 3166 code the holidays package knows, "
                             f"such as IT, DE, US{'; ' + close if close else ''})")
        return code

    @model_validator(mode="after")
    def _complete(self) -> BusinessHoursOptions:
        if self.source == "helpdesk":
            given = [key for key in ("timezone", "week", "country", "subdivision") if getattr(self, key)]
            given += ["holidays"] if self.holidays else []
            if given:
                raise ValueError(f"from: helpdesk takes the helpdesk's own business minutes; "
                                 f"{', '.join(given)} would not be used (remove them, or remove from:)")
            return self
        if self.week is None or not any(self.week.of(day) for day in range(7)):
            raise ValueError("week: needs the hours of at least one weekday, e.g. mon: \"09:00-18:00\" "
                             "(or write from: helpdesk)")
        if self.subdivision is not None:
            if self.country is None:
                raise ValueError("subdivision: needs country:")
            from holidays import list_supported_countries

            known = list_supported_countries()[self.country]
            if self.subdivision not in known:
                raise ValueError(f"unknown subdivision '{self.subdivision}' of {self.country} "
                                 f"(known: {', '.join(known)})")
        return self

    @property
    def from_helpdesk(self) -> bool:
        return self.source == "helpdesk"


SOURCE_KINDS = ("path", "api", "google_sheet", "warehouse")

# what may follow % in a date_format: the specifiers DuckDB's strptime documents
# (https://duckdb.org/docs/stable/sql/functions/dateformat#format-specifiers); DuckDB reads the format
STRPTIME_DIRECTIVES = ("a", "A", "b", "B", "c", "d", "-d", "f", "g", "G", "H", "-H", "I", "-I", "j", "-j",
                       "m", "-m", "M", "-M", "n", "p", "S", "-S", "u", "U", "V", "w", "W", "x", "X",
                       "y", "-y", "Y", "z", "Z", "%",
                       "T", "h")  # not in DuckDB's list, but read (%H:%M:%S; %b): strftime habits


def check_date_format(value: str) -> str:
    """Refuse a strptime format with a directive DuckDB does not read (it would fail on the first file)."""
    index = 0
    while (index := value.find("%", index)) >= 0:
        width = 2 if value[index + 1: index + 2] == "-" else 1  # %-d: without zero padding
        directive = value[index + 1: index + 1 + width]
        if not directive:
            raise ValueError("ends with a lone % (write %% for a literal %)")
        if directive not in STRPTIME_DIRECTIVES:
            raise ValueError(f"unknown directive %{directive} (strptime directives: "
                             f"{' '.join('%' + known for known in STRPTIME_DIRECTIVES)}; "
                             'e.g. "%d-%m-%Y %H:%M")')
        index += 1 + len(directive)
    return value


class SourceConfig(_Strict):
    """One source of a dataset. In config.yaml a source is one of four kinds, told apart by the key
    naming it: ``path:`` (files), ``api:`` (pulled into the store), ``google_sheet:``, ``warehouse:``
    (aggregation pushed down). Each kind is its own model below (:data:`SourceSettings`), taking
    only its ``KEYS``: a key of another kind is refused with the kind it applies to.

    This base holds how the rows a source yields are read (an ``api:`` or ``google_sheet:``
    source's rows are read from a scratch file, like a file's); a reading key a kind does not take
    keeps its default (reportgen sets ``encoding`` of the scratch file it wrote itself).
    ``SourceConfig(path=…)`` and ``SourceConfig.model_validate({…})`` build the model of the kind
    the keys name.
    """

    KIND: ClassVar[str] = ""  # the key naming the kind (SOURCE_KINDS)
    KEYS: ClassVar[tuple[str, ...]] = ()  # the keys config.yaml may set on this kind

    preset: str = "generic"
    columns: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)  # preset- or connector-specific settings
    date_format: str | None = None  # strptime format of timestamps written without an offset
    # the decimal mark of the files' numbers: "," reads 4,5 and 1.234,56; default: per column
    # in a ";" file (``reportgen.sources.decimals``), else "."
    decimal: Literal[",", "."] | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str | None = None
    sheet: str | None = None
    # tickets: channel values the team starts tickets on (replaces the preset's; [] for none)
    outbound_channels: list[str] | None = None

    def __new__(cls, *args: Any, **data: Any) -> SourceConfig:
        """``SourceConfig(api=…, token=…)`` is an :class:`ApiSource` (likewise every kind)."""
        return super().__new__(_source_model(data) if cls is SourceConfig else cls)

    @property
    def kind(self) -> str:
        """Which of SOURCE_KINDS this source is."""
        return self.KIND

    @model_validator(mode="wrap")
    @classmethod
    def _own_keys(cls, data: Any, handler: ModelWrapValidatorHandler[SourceConfig]) -> SourceConfig:
        """Refuse every key this kind does not take, each with its own location and, for a key
        of another kind, the kind it applies to; the kind's own keys are validated alongside."""
        if cls is SourceConfig:  # SourceConfig.model_validate({...}): the model of the kind named
            model = type(data) if isinstance(data, SourceConfig) else _source_model(data)
            return model.model_validate(data)
        if not isinstance(data, dict):
            return handler(data)
        refused = {key: cls._refusal(str(key)) for key in data if key not in cls.KEYS}
        if not refused:
            return handler(data)
        errors = [_error("source_key", message, (key,), data[key]) for key, message in refused.items()]
        if cls.KIND:  # a source without a kind: its keys are not checked before it has one
            try:
                handler({key: value for key, value in data.items() if key not in refused})
            except ValidationError as exc:
                errors += [_error(error["type"], error["msg"], error["loc"], error.get("input"))
                           for error in exc.errors()]
        order = {key: index for index, key in enumerate(data)}  # as written; the whole source's last
        errors.sort(key=lambda error: order.get(error["loc"][0], len(order)) if error["loc"] else len(order))
        raise ValidationError.from_exception_data(cls.__name__, errors)

    @classmethod
    def _refusal(cls, key: str) -> str:
        """``form applies to api: sources, not path: ones`` or ``unknown key (did you mean …)``."""
        kinds = [model.KIND + ":" for model in SOURCE_MODELS if key in model.KEYS]
        if not kinds or not cls.KIND:
            return unknown_key_message(key, cls.KEYS)
        close = did_you_mean(key, cls.KEYS)
        where = " or ".join(filter(None, (", ".join(kinds[:-1]), kinds[-1])))
        return f"{key} applies to {where} sources, not {cls.KIND}: ones{f' ({close})' if close else ''}"

    @field_validator("outbound_channels")
    @classmethod
    def _outbound(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not channel.strip() for channel in value):
            raise ValueError("an outbound channel is a non-empty text, e.g. [\"Outbound Email\"]")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        return None if value is None else check_date_format(value)

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}' (try utf-8 or latin-1)") from None
        return value


def _error(kind: str, message: str, loc: tuple[str | int, ...], value: Any) -> InitErrorDetails:
    """A pydantic error as ``ValidationError.from_exception_data`` takes it: its type and message kept."""
    return InitErrorDetails(type=PydanticCustomError(kind, "{message}", {"message": message}), loc=loc,
                            input=value)


_READ = ("preset", "columns", "timezone")  # how the rows of every kind but api: are read
_EVERY = ("options", "outbound_channels")  # keys every kind takes (last in the lists of known keys)


class FileSource(SourceConfig):
    """``path:`` exported files (a glob), read with a preset."""

    KIND: ClassVar[str] = "path"
    KEYS: ClassVar[tuple[str, ...]] = ("path", *_READ, "date_format", "decimal", "delimiter", "encoding",
                                       "sheet", *_EVERY)

    path: str


class ApiSource(SourceConfig):
    """``api:`` records pulled from a vendor's API into the store, written as canonical rows. Which of
    these keys a connector takes and requires is its own typed settings' (``sources.api.settings``)."""

    KIND: ClassVar[str] = "api"
    KEYS: ClassVar[tuple[str, ...]] = ("api", "url", "email", "token", "start", "category", "form",
                                       "client_id", "client_secret", "survey_id", "timezone", *_EVERY)

    api: str
    url: str | None = None
    email: str | None = None
    token: str | None = None
    start: str | None = None
    category: str | None = None
    form: str | None = None
    client_id: str | None = None  # OAuth2 client credentials (Help Scout)
    client_secret: str | None = None
    survey_id: str | None = None  # SurveyMonkey, Qualtrics

    @field_validator("survey_id", mode="before")
    @classmethod
    def _survey_id(cls, value: Any) -> Any:
        """A survey id written as a bare number (``survey_id: 412345678``) is its text."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SheetSource(SourceConfig):
    """``google_sheet:`` a worksheet read with the publishing service account."""

    KIND: ClassVar[str] = "google_sheet"
    KEYS: ClassVar[tuple[str, ...]] = ("google_sheet", "worksheet", "credentials", *_READ, "date_format",
                                       *_EVERY)

    google_sheet: str
    worksheet: str | None = None
    credentials: str | None = None


class WarehouseSource(SourceConfig):
    """``warehouse:`` a SQLAlchemy URL and a table or a query; its columns are typed."""

    KIND: ClassVar[str] = "warehouse"
    KEYS: ClassVar[tuple[str, ...]] = ("warehouse", "table", "query", *_READ, *_EVERY)

    warehouse: str
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_relation(self) -> WarehouseSource:
        if (self.table is None) == (self.query is None):
            raise ValueError('a warehouse source takes exactly one of table: or query: '
                             '(table: "analytics.tickets" or query: "SELECT … FROM …")')
        return self


SOURCE_MODELS: tuple[type[SourceConfig], ...] = (FileSource, ApiSource, SheetSource, WarehouseSource)


class _KindlessSource(SourceConfig):
    """A source naming no kind, or several: only says so (and which keys nobody takes)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    KEYS: ClassVar[tuple[str, ...]] = tuple(dict.fromkeys(
        (*SOURCE_KINDS, *(key for model in SOURCE_MODELS for key in model.KEYS))))

    @model_validator(mode="after")
    def _one_kind(self) -> _KindlessSource:
        given = [kind for kind in SOURCE_KINDS if (self.model_extra or {}).get(kind) is not None]
        keys = " and ".join(f"{kind}:" for kind in given) if given else "none of them"
        raise ValueError(f"a source takes exactly one of path:, api:, google_sheet: or warehouse: "
                         f"({keys} given)")


def _source_model(data: Any) -> type[SourceConfig]:
    """The model of the kind a source's mapping names (a source naming none or several: none fits)."""
    given = [model for model in SOURCE_MODELS if isinstance(data, dict) and data.get(model.KIND) is not None]
    return given[0] if len(given) == 1 else _KindlessSource


def _source_tag(value: Any) -> str:
    return type(value).__name__ if isinstance(value, SourceConfig) else _source_model(value).__name__


_Kind = TypeVar("_Kind", bound=SourceConfig)

# a source in config.yaml: the model of its kind, chosen by the key naming the kind (the tags are the
# models' names: what an error's location shows of the union, left out of messages by settings_errors)
SourceSettings = Annotated[
    Annotated[FileSource, Tag("FileSource")] | Annotated[ApiSource, Tag("ApiSource")]
    | Annotated[SheetSource, Tag("SheetSource")] | Annotated[WarehouseSource, Tag("WarehouseSource")]
    | Annotated[_KindlessSource, Tag("_KindlessSource")],
    Discriminator(_source_tag)]


DATASETS = ("tickets", "surveys", "business")


class Sources(_Strict):
    """Where each dataset comes from: one source mapping, or a list of them (rows combined,
    a later source winning an id both hold). Read them through :meth:`of`."""

    tickets: SourceSettings | list[SourceSettings]
    surveys: SourceSettings | list[SourceSettings] | None = None
    business: SourceSettings | list[SourceSettings] | None = None

    def of(self, dataset: str) -> list[SourceConfig]:
        """The sources of a dataset, in list order (empty when it has none)."""
        value = getattr(self, dataset)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    @overload
    def of_kind(self, kind: type[_Kind], datasets: Iterable[str] = DATASETS) -> list[tuple[str, _Kind]]: ...

    @overload
    def of_kind(self, kind: str, datasets: Iterable[str] = DATASETS) -> list[tuple[str, SourceConfig]]: ...

    def of_kind(self, kind: type[SourceConfig] | str,
                datasets: Iterable[str] = DATASETS) -> list[tuple[str, Any]]:
        """(dataset, source) for every source of ``kind`` (``ApiSource`` or ``"api"``…), in dataset order."""
        wanted = set(datasets)
        name = kind if isinstance(kind, str) else kind.KIND
        return [(dataset, source) for dataset in DATASETS if dataset in wanted
                for source in self.of(dataset) if source.kind == name]

    @model_validator(mode="after")
    def _known_presets(self) -> Sources:
        presets, warehouse_presets = PRESETS.datasets_of(), WAREHOUSE_PRESETS.datasets_of()
        for kind in DATASETS:
            value = getattr(self, kind)
            if isinstance(value, list) and not value:
                raise ValueError(f"{kind}: the list of sources is empty")
            names = [name for name, datasets in presets.items() if kind in datasets]
            known = ", ".join(names)
            for source in self.of(kind):
                if kind != "tickets" and source.outbound_channels is not None:
                    raise ValueError(f"{kind}: outbound_channels: is a tickets setting (channels of "
                                     f"tickets the team started)")
                if source.preset in names:
                    continue
                if source.kind == "warehouse" and kind in warehouse_presets.get(source.preset, ()):
                    continue
                if source.preset in presets:
                    reads = " and ".join(presets[source.preset])
                    raise ValueError(f"{kind}: preset '{source.preset}' reads {reads}, not {kind} "
                                     f"(presets for {kind}: {known})")
                raise ValueError(f"{kind}: unknown preset '{source.preset}' (known: {known})")
        return self


class EngineOptions(_Strict):
    """DuckDB limits: beyond memory_limit the engine spills to a temporary folder instead of growing.

    No memory_limit: a quarter of the machine's memory (of the container's, when it has a
    limit), at least 256 MB (``reportgen.engine.run.machine_memory_limit``).
    """

    memory_limit: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$")
    threads: int | None = Field(default=None, ge=1, le=256)


KNOWN_OUTPUTS = OUTPUTS.names()  # the registry's (reportgen.registry)


class Config(_Strict):
    report: ReportOptions = ReportOptions()
    history: HistoryOptions = HistoryOptions()
    quality: QualityOptions = QualityOptions()
    kpis: KpiOptions = KpiOptions()
    business_hours: BusinessHoursOptions | None = None
    engine: EngineOptions = EngineOptions()
    targets: dict[str, float] = Field(default_factory=dict)
    sources: Sources
    outputs: dict[str, Any] = Field(default_factory=dict)
    templates_dir: str | None = None
    base_dir: Path = Path(".")
    config_path: Path | None = None
    # `${VAR}` under outputs: whose variable is not set, by YAML path: an output needs its own
    # secrets only when it sends (``require_env``); a dry run or another command needs none
    missing_env: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)  # not fatal; the CLI prints them on stderr

    @field_validator("outputs")
    @classmethod
    def _known_outputs(cls, value: dict[str, Any]) -> dict[str, Any]:
        """The outputs' own settings are checked where they are used (and by `validate`); names here."""
        for name in value:
            if name not in OUTPUTS:
                raise ValueError(OUTPUTS.unknown(str(name)))
        return value

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        candidate = Path(os.path.expanduser(path))
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    @property
    def has_business_hours(self) -> bool:
        """Whether the business-hour KPIs exist (``business_hours:`` is configured)."""
        return self.business_hours is not None

    def business_timezone(self) -> str:
        """The zone of the working schedule (default: the report's)."""
        given = self.business_hours.timezone if self.business_hours else None
        return given or self.report.timezone

    def source_timezone(self, source: SourceConfig) -> str:
        return source.timezone or self.report.timezone

    def env_problems(self, output: str) -> list[str]:
        """`outputs.<output>.<key>: environment variable NAME is not set`, one per missing variable."""
        prefix = f"outputs.{output}."
        return [f"{path}: {ENV_NOT_SET.format(name=name)}" for path, name in self.missing_env.items()
                if path.startswith(prefix)]

    def require_env(self, output: str) -> None:
        """Raise ConfigError when a `${VAR}` of outputs.<output> is not set (call before sending)."""
        problems = self.env_problems(output)
        if problems:
            where = f"{self.config_path}: " if self.config_path else ""
            raise ConfigError(f"{where}{'; '.join(problems)}", hint=ENV_HINT)


ENV_NOT_SET = "environment variable {name} is not set"
ENV_HINT = "export it before running (a --dry-run needs no secret)"


def _interpolate(value: Any, path: str, problems: list[str], deferred: dict[str, str]) -> Any:
    """Replace ${VAR} in every string with the environment's value.

    A variable that is not set is a problem, except under ``outputs:``: there it is
    recorded in ``deferred`` (path → name) and left as written, so only the command
    that sends through that output asks for it (``Config.require_env``).
    """
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{path}.{k}" if path else str(k), problems, deferred)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{path}[{i}]", problems, deferred) for i, v in enumerate(value)]
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                if path.startswith("outputs."):
                    deferred[path] = name
                    return match.group(0)
                problems.append(f"{path}: {ENV_NOT_SET.format(name=name)}")
                return ""
            found = os.environ[name]
            # a password in a warehouse URL is written escaped, or an '@' or '/' in it would end
            # the URL's user part: the rest would be read as the host (and shown, unmasked)
            if path.endswith(".warehouse") and _in_userinfo(value, match.start()):
                return urllib.parse.quote(found, safe="")
            return found

        return _ENV_PATTERN.sub(substitute, value)
    return value


def _in_userinfo(url: str, position: int) -> bool:
    """Whether ``position`` in ``url`` lies in its user part (``scheme://user:password@host``)."""
    scheme = url.find("://")
    return (scheme != -1 and scheme < position and "@" in url[position:]
            and "/" not in url[scheme + 3:position])


# What a target may be, by its KPI's unit (KPI_SPEC "Units and stored values"): (lowest, highest
# or None, the unit as messages name it). A percent is a fraction (0.85); a score is NPS's −100…100.
TARGET_RANGES: dict[Unit, tuple[float, float | None, str]] = {
    "percent": (0, 1, "a percent"),
    "score": (-100, 100, "a score"),
    "hours": (0, None, "an hours"),
    "money": (0, None, "a money"),
    "count": (0, None, "a count"),
    "years": (0, None, "a years"),
}


def _number(value: float) -> str:
    return f"{value:.15g}"  # 1500000, not 1.5e+06


def target_range_problem(unit: Unit, value: Any) -> str | None:
    """What is wrong with a target ``value`` for a KPI in ``unit`` (None: fine, or not a number,
    which the model's type check reports)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    lowest, highest, name = TARGET_RANGES[unit]
    span = f"{_number(lowest)} to {_number(highest)}" if highest is not None else f"{_number(lowest)} or more"
    if not math.isfinite(number):
        return f"{value} is not a finite number: {name} target is {span}"
    if lowest <= number and (highest is None or number <= highest):
        return None
    message = f"{_number(number)} is outside the range of {name} target, {span}"
    if unit == "percent":
        fix = (f"write {_number(number)} % as {_number(number / 100)}" if 1 < number <= 100
               else "write 85 % as 0.85")
        message += f" (a fraction: {fix})"
    return message


def _target_problems(targets: Any, lines: dict[tuple[str, ...], int], business_hours: bool) -> list[str]:
    """Targets must name scalar KPIs, each in the range of its KPI's unit; a typo gets the closest id."""
    from reportgen.kpis import SCALAR_KPIS

    if not isinstance(targets, dict):
        return []
    by_id = {kpi.id: kpi for kpi in SCALAR_KPIS}
    needing = {kpi.id for kpi in SCALAR_KPIS if kpi.business_hours}
    problems = []
    for key, value in targets.items():
        if key in needing and not business_hours:
            problems.append(problem(("targets", str(key)), "a business-hours KPI: it needs business_hours: "
                                    "(the team's working week, or from: helpdesk)", lines))
        elif key not in by_id:
            close = did_you_mean(str(key), by_id)
            hint = f" ({close})" if close else ""
            problems.append(problem(("targets", str(key)), f"unknown KPI id '{key}'{hint}; "
                                    "`reportgen catalog` lists them", lines))
        elif (wrong := target_range_problem(by_id[key].unit, value)) is not None:
            problems.append(problem(("targets", str(key)), wrong, lines))
    return problems


def parse_config(text: str, config_path: Path | None = None) -> Config:
    """Validate config text; raise one ConfigError listing every problem."""
    name = str(config_path) if config_path else "config"
    try:
        oversized = oversized_alias(yaml.compose(text, Loader=yaml.SafeLoader))
        if oversized is not None:
            raise ConfigError(
                f"{name}: line {oversized.start_mark.line + 1}: aliases (*name) expand to more than "
                f"{MAX_YAML_VALUES:,} values; a config never needs that many",
                hint="write the values out instead of repeating aliases")
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(name, text, exc) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: the top level must be a mapping of keys (report:, sources:, …)")
    problems: list[str] = []
    missing_env: dict[str, str] = {}
    raw = _interpolate(raw, "", problems, missing_env)
    base_dir = config_path.parent if config_path else Path(".")
    lines = yaml_line_numbers(text)
    try:
        config = Config.model_validate({**raw, "base_dir": base_dir, "config_path": config_path,
                                        "missing_env": missing_env})
    except ValidationError as exc:
        problems.extend(validation_problems(exc, lines, model=Config, hidden=INTERNAL_FIELDS))
        config = None
    has_business_hours = isinstance(raw.get("business_hours"), dict)
    problems.extend(_target_problems(raw.get("targets"), lines, has_business_hours))
    if config is not None and config.kpis.sla.clock == "business" and not has_business_hours:
        problems.append(problem(("kpis", "sla", "clock"), "clock: business needs business_hours: "
                                "(the team's working week, or from: helpdesk)", lines))
    for key in INTERNAL_FIELDS:
        if key in raw:
            problems.append(problem((key,), unknown_key_message(key, _top_level_keys()), lines))
    if problems or config is None:
        raise settings_error(name, problems)
    warnings = _timezone_warnings(raw)
    return config.model_copy(update={"warnings": warnings}) if warnings else config


def _unclosed_quote(text: str, before_line: int) -> yaml.Mark | None:
    """Where a quoted value that runs over several lines opens, before ``before_line`` (0-based).

    A config never needs a multi-line quoted value, so when the parser fails
    further down, the quote that swallowed the line breaks is the real mistake.
    """
    opening: yaml.Mark | None = None
    try:
        for token in yaml.scan(text):
            if token.start_mark.line > before_line:
                break
            if (isinstance(token, yaml.ScalarToken) and token.style in ('"', "'")
                    and token.end_mark.line > token.start_mark.line):
                opening = token.start_mark
    except yaml.YAMLError:
        pass
    return opening


def _yaml_error(name: str, text: str, exc: yaml.YAMLError) -> ConfigError:
    """One line pointing at the line to fix: the opening quote of an unclosed quoted value,
    not the line where the parser gave up."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or "invalid YAML"
    context = getattr(exc, "context", None) or ""
    opening: yaml.Mark | None = None
    if "quoted scalar" in context:
        opening = getattr(exc, "context_mark", None)
    elif mark is not None:
        opening = _unclosed_quote(text, mark.line)
    if opening is not None:
        return ConfigError(
            f"{name}: not valid YAML at line {opening.line + 1}, column {opening.column + 1}: "
            "a quoted value opens here and is not closed on its line",
            hint="close the quote on the same line (the parser stopped at line "
                 f"{(mark.line + 1) if mark else '?'}: {reason})")
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return ConfigError(f"{name}: not valid YAML{where}: {reason}")


# set by load_config, never written in the YAML
INTERNAL_FIELDS = ("base_dir", "config_path", "warnings", "missing_env")


def _top_level_keys() -> list[str]:
    return [key for key in Config.model_fields if key not in INTERNAL_FIELDS]


def load_config(path: str | Path) -> Config:
    """Read and validate a config file."""
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{config_path}: config file not found",
            hint="pass --config PATH, or write one with `reportgen init` (give it your exports: "
                 "`reportgen init tickets.csv surveys.csv`)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the config file ({exc})") from None
    return parse_config(text, config_path.resolve())


Dataset = Literal["tickets", "surveys", "business"]
