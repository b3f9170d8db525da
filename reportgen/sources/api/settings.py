"""Typed settings of an ``api:`` source: one pydantic model per connector, chosen by ``api:``.

A connector declares ``Settings``, a subclass of :class:`ApiSettings`: the
keys it takes (a key without a default is required), and its ``options:`` as a
subclass of :class:`ApiOptions`. Validation turns every problem into one line
naming the key, as config errors do::

    sources.surveys.token: required for api: delighted
    sources.surveys.form: not used by api: delighted (it takes url:, token:, start:)
    sources.surveys.options.surveyy: unknown option for api: delighted (did you mean 'survey'?)
    sources.surveys.options.survey: must be one of nps, csat, ces

A validator's ``ValueError`` text is the message after the key; write it so
(``must be …``). The model the registry finds for ``api:`` is the
discriminated union: each ``api:`` name has exactly one model.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from reportgen.config import ApiSource, SourceConfig
from reportgen.settings_errors import Lines, problem
from reportgen.sources.api.times import parse_start

# the keys an api source may use besides api: and options: (config.ApiSource); each connector's
# Settings says which it takes
API_KEYS = tuple(key for key in ApiSource.KEYS if key != "api" and key not in SourceConfig.model_fields)
KINDS = ("nps", "csat", "ces")


def positive(value: Any, unit: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"must be a positive number of {unit}")
    return float(value)


def survey_kind(value: Any) -> str | None:
    """``nps``, ``csat`` or ``ces`` (any case); a ValueError otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().lower() not in KINDS:
        raise ValueError("must be one of nps, csat, ces")
    return value.strip().lower()


class ApiOptions(BaseModel):
    """``options:`` every api source takes. Subclass it for a connector's own options (each field's
    ``description`` is what `unknown option` hints and the docs show)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_minutes: float | None = None  # bound on the wall-clock time of one pull (default 30)
    max_body_mb: float | None = None  # the most one answer may hold, decoded, in MiB (default 64)

    @field_validator("max_minutes", mode="before")
    @classmethod
    def _minutes(cls, value: Any) -> float | None:
        return positive(value, "minutes")

    @field_validator("max_body_mb", mode="before")
    @classmethod
    def _mib(cls, value: Any) -> float | None:
        return positive(value, "MiB")


class OneKindOptions(ApiOptions):
    """``options:`` of a survey connector whose responses are all one kind (a form, a survey):
    ``survey`` names it (``nps``, ``csat`` or ``ces``, any case)."""

    survey: str  # nps, csat or ces: the kind of every response

    @field_validator("survey", mode="before")
    @classmethod
    def _survey(cls, value: Any) -> str | None:
        return survey_kind(value)


class ApiSettings(BaseModel):
    """The keys of an ``api:`` source. Subclass per connector: redeclare a key without a default to
    require it (``token: str``); leave a key out to refuse it; ``options`` typed by an ApiOptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # shown after `required for api: x` when a required option is missing
    options_example: ClassVar[str] = ""

    api: str
    url: str | None = None
    token: str | None = None
    start: str | None = None
    options: ApiOptions = ApiOptions()

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"'{value}' must start with https:// (the account's base URL)")
        return value

    @field_validator("start")
    @classmethod
    def _start(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_start(value, "UTC")
            except ValueError:
                raise ValueError(f"'{value}' is not a date (write YYYY-MM-DD)") from None
        return value

    @classmethod
    def keys_taken(cls) -> list[str]:
        """The config keys this connector takes (besides api: and options:)."""
        return [name for name in cls.model_fields if name not in ("api", "options")]

    @classmethod
    def option_names(cls) -> list[str]:
        annotation = cls.model_fields["options"].annotation
        typed = isinstance(annotation, type) and issubclass(annotation, ApiOptions)
        model = annotation if typed and annotation is not None else ApiOptions
        return list(model.model_fields)


def settings_input(source: ApiSource) -> dict[str, Any]:
    """What an api source's settings model validates: ``api``, the api keys given, ``options``."""
    given: dict[str, Any] = {"api": source.api or "", "options": dict(source.options)}
    for key in API_KEYS:
        value = getattr(source, key)
        if value is not None:
            given[key] = value
    return given


def settings_problems(model: type[ApiSettings], dataset: str, source: ApiSource,
                      where: tuple[str, ...] | None = None, lines: Lines | None = None) -> list[str]:
    """Every problem of ``source`` against ``model``, each one line naming its key (and its line
    in the config file, from ``lines``). ``where``: the source's key path (default
    ``sources.<dataset>``; ``("sources", "tickets", "1")`` for the second of a list)."""
    try:
        model.model_validate(settings_input(source))
    except ValidationError as exc:
        at = where or ("sources", dataset)
        return [_problem(model, at, source.api or "", error, lines or {}) for error in exc.errors()]
    return []


def _problem(model: type[ApiSettings], at: tuple[str, ...], api: str, error: Mapping[str, Any],
             lines: Lines) -> str:
    location = tuple(str(part) for part in error["loc"])
    path = (*at, *location)
    kind = error["type"]
    in_options = location[:1] == ("options",)
    if kind == "missing":
        example = f" ({model.options_example})" if in_options and model.options_example else ""
        return problem(path, f"required for api: {api}{example}", lines)
    if kind == "extra_forbidden" and in_options:
        known = model.option_names()
        close = difflib.get_close_matches(location[-1], known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        return problem(path, f"unknown option for api: {api} ({hint})", lines)
    if kind == "extra_forbidden":
        taken = ", ".join(key + ":" for key in model.keys_taken())
        return problem(path, f"not used by api: {api} (it takes {taken})", lines)
    return problem(path, str(error["msg"]).removeprefix("Value error, "), lines)
