"""The Preset type and the helpers every vendor preset is written with.

A vendor module describes its export with a :class:`Reader` (header lookup,
options, SQL fragments over the file's text columns ``c0, c1, …``) and returns
one SQL expression per canonical column. Every expression yields text (or
NULL); the engine then parses and validates that text exactly as for the
``generic`` preset, so a preset never decides what is valid — it only says
where each value is and how to turn a vendor's notation into canonical text
(timestamps as ISO 8601 in UTC, scores as plain numbers).

Rules shared by every preset (docs/PRESETS.md repeats them for users):

* headers match case-insensitively and whitespace-tolerantly, HTML tags and entities read as
  text (``recommend <strong>Acme</strong>`` = ``recommend Acme``);
* ``columns: {canonical: "Vendor header"}`` replaces the preset's mapping of
  that canonical column; a timestamp or score picked this way is still read
  the preset's way (header time zone, ``date_format``, score labels);
* a missing required vendor column raises :class:`MissingColumnError` naming
  the file, the column and the canonical column it feeds;
* an unknown or mistyped ``options:`` key raises :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportgen.config import SourceConfig
from reportgen.errors import ConfigError, DataError, Location, MissingColumnError
from reportgen.sources.schema import (
    ambiguous_column_error,
    check_override_names,
    exact_header,
    missing_column_error,
    normalise,
)

ColumnMapper = Callable[[str, Sequence[str], SourceConfig, Path], dict[str, str]]
# (original file, source config, scratch folder) -> the file to read in its place
FilePreparer = Callable[[Path, SourceConfig, Path], Path]


@dataclass(frozen=True)
class Preset:
    """A named mapping for one dataset.

    ``header_rows``: rows at the top of the file that form the header (the
    first holds the column names; later ones, e.g. SurveyMonkey's sub-headers,
    are skipped).

    ``prepare``: for exports no reader takes as they are (nested JSON, extra
    header rows), rewrites the file into the scratch folder and returns the
    rewritten file, which the engine then reads instead; None reads it as is.

    ``options``: the names ``options:`` accepts for this preset, with a short
    description (shown when a name is unknown).
    """

    name: str
    datasets: tuple[str, ...]
    columns: ColumnMapper
    description: str
    header_rows: int = 1
    prepare: FilePreparer | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    # values this vendor writes for "nothing" beyond BLANK_LIKE (compared trimmed, lower case)
    extra_blank_values: frozenset[str] = frozenset()
    # channel values of tickets the team started (outbound): left out of the customers' preferred
    # channels and of first-response KPIs, counted apart (docs/SPEC_NOTES.md); ``outbound_channels:``
    # on a source replaces them
    outbound_channels: tuple[str, ...] = ()

    @property
    def blank_values(self) -> frozenset[str]:
        """Cell texts that mean a missing value in this preset's exports (trimmed, lower case)."""
        return BLANK_LIKE | frozenset(v.strip().lower() for v in self.extra_blank_values)


# cell texts that mean "no value" in every canonical column (compared trimmed and in lower case)
BLANK_LIKE: frozenset[str] = frozenset({"", "-", "—", "n/a", "(none)"})
# canonical columns that hold instants / scores: overrides of these are read the preset's way
TIMESTAMP_COLUMNS = frozenset({"created_at", "first_response_at", "resolved_at", "submitted_at"})
SURVEY_KINDS = ("nps", "csat", "ces")
# what the preset writes for a computed instant: ISO 8601 in UTC, which the engine parses as absolute
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# the SQL macro that reads a timestamp text the way the engine reads the file's timestamp columns
# (ISO, or the file's configured or inferred ``date_format``): a derived instant (created + a
# duration) starts from the same instant as created_at. ``reportgen.engine.load`` defines it per file.
INSTANT_MACRO = "reportgen_instant"
# a timestamp that already carries Z or an offset after its time of day
_HAS_OFFSET = r"[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(Z|z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)$"
_ZONE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<zone>[^()]+)\)\s*$")


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def utc_text(instant: str) -> str:
    """A TIMESTAMPTZ expression → ISO 8601 text in UTC (``…Z``)."""
    return f"strftime(timezone('UTC', {instant}), '{UTC_FORMAT}')"


def header_zone(header: str) -> tuple[str, str | None]:
    """``'Conversation started at (Europe/Rome)'`` → (``'Conversation started at'``, ``'Europe/Rome'``).

    The zone is returned only when it is a valid IANA name (``UTC`` included).
    """
    match = _ZONE_SUFFIX.match(header.strip())
    if match:
        zone = match.group("zone").strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return header.strip(), None
        return match.group("name"), zone
    return header.strip(), None


class Reader:
    """One file's header seen through a preset: lookup, options and SQL fragments."""

    def __init__(self, preset: str, dataset: str, header: Sequence[str], source: SourceConfig,
                 path: Path, known_options: Mapping[str, str]):
        self.preset = preset
        self.dataset = dataset
        self.header = list(header)
        self.source = source
        self.path = path
        self.positions: dict[str, int] = {}
        self.zones: dict[int, str] = {}
        # every position a key finds: two headers for one name (differing in case, spaces or a
        # time-zone suffix) make that name ambiguous; a columns: override naming one exactly picks it
        self.groups: dict[str, list[int]] = {}
        for index, name in enumerate(self.header):
            keys = [normalise(name)]
            bare, zone = header_zone(name)
            if zone is not None:
                keys.append(normalise(bare))
                self.zones[index] = zone
            for key in dict.fromkeys(keys):
                self.positions.setdefault(key, index)
                self.groups.setdefault(key, []).append(index)
        self.ambiguous: dict[int, list[int]] = {}  # a position find() returned → the rival positions
        self.rivals: dict[str, list[int]] = {}  # canonical → [the preset's column, one named canonically]
        for wanted in source.columns.values():
            key = normalise(wanted)
            if len(self.groups.get(key, ())) > 1:
                chosen = exact_header(self.header, wanted, self.groups[key])
                if chosen is not None:
                    self.positions[key], self.groups[key] = chosen, [chosen]
        self._check_options(known_options)

    # ---- options -----------------------------------------------------------------
    def _check_options(self, known: Mapping[str, str]) -> None:
        for key in self.source.options:
            if key not in known:
                close = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                listed = ", ".join(sorted(known)) or "none"
                raise ConfigError(
                    f"sources.{self.dataset}.options: unknown option '{key}' for preset "
                    f"'{self.preset}'{hint} (known: {listed})",
                    hint="see docs/PRESETS.md",
                )

    def _bad_option(self, name: str, expected: str) -> ConfigError:
        return ConfigError(
            f"sources.{self.dataset}.options.{name}: expected {expected}, "
            f"got {self.source.options[name]!r}",
            hint="see docs/PRESETS.md",
        )

    def text_option(self, name: str) -> str | None:
        value = self.source.options.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._bad_option(name, "a non-empty text")
        return value

    def texts_option(self, name: str) -> list[str] | None:
        """A text or a list of texts."""
        value = self.source.options.get(name)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or \
                not all(isinstance(v, str) and v.strip() for v in items):
            raise self._bad_option(name, "a text or a list of texts")
        return list(items)

    def bool_option(self, name: str, default: bool) -> bool:
        value = self.source.options.get(name, default)
        if not isinstance(value, bool):
            raise self._bad_option(name, "true or false")
        return value

    def number_option(self, name: str, default: float) -> float:
        value = self.source.options.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad_option(name, "a number")
        return float(value)

    def mapping_option(self, name: str) -> dict[str, Any] | None:
        value = self.source.options.get(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not value:
            raise self._bad_option(name, "a mapping such as {key: value}")
        return {str(k): v for k, v in value.items()}

    def survey_option(self, name: str = "survey") -> str | None:
        value = self.text_option(name)
        if value is None:
            return None
        if value.strip().lower() not in SURVEY_KINDS:
            raise self._bad_option(name, "one of nps, csat, ces")
        return value.strip().lower()

    # ---- columns ----------------------------------------------------------------------
    def find(self, *names: str) -> int | None:
        """Index of the first of ``names`` present in the header (any case; a time-zone suffix ignored)."""
        for name in names:
            key = normalise(name)
            found = self.positions.get(key)
            if found is not None:
                if len(self.groups[key]) > 1:
                    self.ambiguous[found] = self.groups[key]
                return found
        return None

    def need(self, canonical: str, *names: str) -> int:
        """Like :meth:`find`, but a missing column is an error naming the file and the column.

        A header named as the canonical column itself beside the vendor's one (a ``created_at``
        added to an export read by its ``Created at``) is ambiguous too (see :meth:`finish`).
        """
        found = self.find(*names)
        if found is None:
            raise self.missing(names[0], f"needed for {canonical}")
        named = self.positions.get(normalise(canonical))
        if named is not None and named != found:
            self.rivals[canonical] = sorted({found, named})
        return found

    def missing(self, column: str, why: str, hint: str | None = None,
                required: bool = True) -> MissingColumnError:
        """``column`` is not in the file: ``required`` for a column the preset needs; a column an
        option names is just a column (the hint then says how to set the option)."""
        present = [h for h in self.header if h.strip()]
        closest = self.closest_header(column)
        listed = ", ".join(present[:12]) + (" …" if len(present) > 12 else "")
        advice = hint or (f"closest match '{closest}'; " if closest else "") + \
            f"check that the file is the export preset '{self.preset}' reads, or map the column " \
            f"with columns: (columns found: {listed})"
        return MissingColumnError(
            f"{self.preset} export: {'required column' if required else 'column'} '{column}' not found "
            f"({why})",
            Location(file=self.path, row=1),
            hint=advice,
        )

    def closest_header(self, column: str) -> str | None:
        """The file's header closest to ``column`` (compared as :func:`normalise` sees them), if any."""
        present = [h for h in self.header if h.strip()]
        close = difflib.get_close_matches(normalise(column), [normalise(h) for h in present], n=1,
                                          cutoff=0.6)
        return next((h for h in present if normalise(h) == close[0]), None) if close else None

    def column_option(self, option: str, why: str) -> int | None:
        """The column an option names (e.g. ``score_column``); an error when the file lacks it."""
        name = self.text_option(option)
        if name is None:
            return None
        found = self.find(name)
        if found is None:
            closest = self.closest_header(name)
            setting = f"sources.{self.dataset}.options.{option}"
            listed = ", ".join(h for h in self.header[:12] if h.strip())
            listed += " …" if len(self.header) > 12 else ""
            hint = (f"closest header: '{closest}': set {setting}: "
                    f"{json.dumps(closest[:200], ensure_ascii=False)}" if closest else
                    f"set {setting} to one of the file's headers (columns found: {listed})")
            raise self.missing(name, f"named by {setting}, {why}", hint=hint, required=False)
        return found

    # ---- SQL over one column -------------------------------------------------------------
    @staticmethod
    def text(index: int) -> str:
        """The trimmed cell, NULL when empty."""
        return f"nullif(trim(c{index}), '')"

    def set_zone(self, index: int, zone: str) -> None:
        """Declare the zone of a column's naive values (a zone stated elsewhere in the export)."""
        self.zones.setdefault(index, zone)

    def zone_of(self, index: int) -> str | None:
        """The time zone a column's header states (``… (Europe/Rome)``), if any."""
        return self.zones.get(index)

    def timestamp(self, index: int, formats: Sequence[str] = ()) -> str:
        """A vendor timestamp → text the engine parses as the right instant.

        ``formats`` (strptime patterns; the ``date_format`` option replaces
        them) read non-ISO notations such as ``03/05/2024 02:39:31 PM``; a value
        that matches none is passed on as is, so the engine still reports it.
        A header stating a zone (``Created at (Europe/Rome)``) makes naive
        values wall-clock time in that zone; otherwise naive values are in the
        source's ``timezone:``. Values with ``Z`` or an offset are absolute.
        """
        cell = self.text(index)
        patterns = self.texts_option("date_format") or list(formats)
        value = cell
        if patterns:
            listed = "[" + ", ".join(sql_literal(p) for p in patterns) + "]"
            value = f"coalesce(strftime(try_strptime({cell}, {listed}), '%Y-%m-%d %H:%M:%S.%f'), {cell})"
        zone = self.zone_of(index)
        if zone is None:
            return value
        naive = f"try_cast({value} AS TIMESTAMP)"
        return (f"CASE WHEN regexp_matches({cell}, {sql_literal(_HAS_OFFSET)}) OR {naive} IS NULL "
                f"THEN {value} ELSE {utc_text(f'timezone({sql_literal(zone)}, {naive})')} END")

    @staticmethod
    def plus_seconds(instant_text: str, seconds: str, raw: str) -> str:
        """``instant_text`` + a duration in seconds, as UTC text.

        ``instant_text`` is read as the engine reads the file's timestamps (:data:`INSTANT_MACRO`:
        a day-first export's ``03/10/2026 14:05`` too). ``raw`` is the duration's cell: when
        present but not a number it is passed on, so the engine reports the value as invalid
        instead of dropping it.
        """
        start = f"{INSTANT_MACRO}({instant_text})"
        return (f"CASE WHEN {raw} IS NULL THEN NULL WHEN ({seconds}) IS NULL THEN {raw} "
                f"WHEN {start} IS NULL THEN NULL "
                f"ELSE {utc_text(f'to_timestamp(epoch({start}) + ({seconds}))')} END")

    def plus_minutes(self, instant_text: str, index: int) -> str:
        """``instant_text`` + the minutes in column ``index`` (e.g. "First reply time in minutes")."""
        raw = self.text(index)
        return self.plus_seconds(instant_text, f"try_cast({raw} AS DOUBLE) * 60", raw)

    def plus_clock(self, instant_text: str, index: int) -> str:
        """``instant_text`` + an ``HH:MM:SS`` duration (Freshdesk's "(in hrs)" columns)."""
        raw = self.text(index)
        return self.plus_seconds(instant_text, f"epoch(try_cast({raw} AS INTERVAL))", raw)

    def epoch_or_timestamp(self, index: int, formats: Sequence[str] = ()) -> str:
        """Unix seconds (``1709631000``) → UTC text; anything else is read by :meth:`timestamp`."""
        cell = self.text(index)
        return (f"CASE WHEN regexp_full_match({cell}, '[0-9]{{9,11}}([.][0-9]+)?') "
                f"THEN {utc_text(f'to_timestamp(CAST({cell} AS DOUBLE))')} "
                f"ELSE {self.timestamp(index, formats)} END")

    def score(self, index: int) -> str:
        """A score cell → a number as text.

        ``score_labels`` maps answer texts (any case) to numbers; a leading number
        followed by a label (``10 - Extremely likely``) keeps the number; any other
        text passes through so the engine reports it as an invalid score.
        """
        cell = self.text(index)
        leading = f"nullif(regexp_extract({cell}, '^([0-9]+([.][0-9]+)?)\\s*([-–:].*)?$', 1), '')"
        value = f"coalesce({leading}, {cell})"
        labels = self.mapping_option("score_labels")
        if not labels:
            return value
        cases = []
        for label, number in labels.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise self._bad_option("score_labels", "numbers as values, e.g. {\"Very satisfied\": 5}")
            cases.append(f"WHEN {sql_literal(' '.join(label.split()).casefold())} THEN '{number}'")
        key = f"lower(regexp_replace(trim(c{index}), '\\s+', ' ', 'g'))"
        return f"CASE {key} {' '.join(cases)} ELSE {value} END"

    def category(self, default_columns: Sequence[str], tags_index: int | None) -> str | None:
        """The category expression: from tags when a tag option is set, else a column.

        Options: ``category_tags`` ({tag: Category}, first listed match wins),
        ``category_tag_prefix`` (e.g. ``cat_``: the first tag with the prefix,
        prefix removed), ``category_column`` (a vendor header), else the first
        of ``default_columns`` present in the file.
        """
        mapping = self.mapping_option("category_tags")
        prefix = self.text_option("category_tag_prefix")
        if mapping is not None or prefix is not None:
            if tags_index is None:
                raise self.missing("Tags", "needed by category_tags / category_tag_prefix")
            tags = f"coalesce(lower(c{tags_index}), '')"
            parts: list[str] = []
            if mapping is not None:
                listed = f"string_split_regex({tags}, '[\\s,]+')"
                cases = " ".join(
                    f"WHEN list_contains({listed}, {sql_literal(tag.strip().lower())}) "
                    f"THEN {sql_literal(str(name))}"
                    for tag, name in mapping.items()
                )
                parts.append(f"CASE {cases} END")
            if prefix is not None:
                pattern = "(?:^|[\\s,])" + re.escape(prefix.strip().lower()) + "([^\\s,]+)"
                parts.append(f"nullif(regexp_extract({tags}, {sql_literal(pattern)}, 1), '')")
            return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
        chosen = self.column_option("category_column", "for category")
        if chosen is None:
            chosen = self.find(*default_columns)
        return None if chosen is None else self.text(chosen)

    # ---- finishing --------------------------------------------------------------------------
    def finish(self, mapping: dict[str, str | None],
               timestamp: Callable[[int], str] | None = None) -> dict[str, str]:
        """Apply ``columns:`` overrides and drop unmapped columns.

        An override naming a vendor header replaces the preset's expression;
        timestamps and scores chosen so are read the preset's way.
        """
        read_time = timestamp or self.timestamp
        result = {name: expr for name, expr in mapping.items() if expr is not None}
        check_override_names(self.dataset, self.source.columns)
        for canonical, expression in result.items():
            if canonical in self.source.columns:
                continue
            rivals = self.rivals.get(canonical) or next(
                (self.ambiguous[i] for i in _positions_in(expression) if i in self.ambiguous), None)
            if rivals is not None:
                raise ambiguous_column_error(self.dataset, canonical, self.header, rivals, self.path,
                                             f" (preset {self.preset})")
        for canonical, wanted in self.source.columns.items():
            found = self.find(wanted)
            if found is None:
                raise missing_column_error(self.dataset, wanted, self.header, self.path, True,
                                           canonical=canonical)
            if found in self.ambiguous:
                raise ambiguous_column_error(self.dataset, canonical, self.header, self.ambiguous[found],
                                             self.path)
            if canonical in TIMESTAMP_COLUMNS:
                result[canonical] = read_time(found)
            elif canonical == "score":
                result[canonical] = self.score(found)
            else:
                result[canonical] = f"c{found}"
        return result


def _positions_in(expression: str) -> list[int]:
    """The file columns (``c0, c1, …``) an SQL expression reads, string literals left out."""
    code = re.sub(r"'(?:[^']|'')*'", "", expression)
    return [int(n) for n in re.findall(r"\bc(\d+)\b", code)]


def read_json_document(path: Path) -> list[Any]:
    """A JSON file's top-level values: one for a document, one per line for JSON Lines."""
    import json

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the file ({exc})", Location(file=path)) from None
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        pass
    values: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", Location(file=path, row=number),
                            hint="expect one JSON document, or one JSON object per line (JSONL)") from None
    return values


def csv_rows(path: Path, source: SourceConfig) -> Iterator[list[str]]:
    """A CSV file's rows in Python (for ``prepare`` hooks), with the source's encoding and delimiter."""
    import csv

    encoding = source.encoding or "utf-8-sig"
    try:
        with path.open(encoding=encoding, newline="", errors="strict") as handle:
            first = handle.readline()
            delimiter = source.delimiter or _sniff(first)
            handle.seek(0)
            yield from csv.reader(handle, delimiter=delimiter)
    except UnicodeDecodeError:
        raise DataError("the file is not UTF-8", Location(file=path),
                        hint="re-export it as UTF-8, or set encoding: latin-1 (or the file's encoding) "
                             "for this source") from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", Location(file=path)) from None


def _sniff(first_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def write_csv(rows: Iterable[Sequence[object]], workdir: Path, original: Path) -> Path:
    """Rows → a UTF-8 CSV in the scratch folder, named after the original file."""
    import csv
    import tempfile

    handle, name = tempfile.mkstemp(prefix=f"{original.stem}-", suffix=".csv", dir=workdir)
    with open(handle, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return Path(name)


SURVEY_OPTIONS = {
    "score_column": "vendor header of the question whose answer is the score",
    "survey": "nps, csat or ces: the kind of every response",
    "score_labels": "{answer text: number} for answers exported as text",
    "ticket_column": "vendor header holding the ticket id (e.g. an embedded field)",
    "comment_column": "vendor header holding the comment",
    "date_format": "strptime pattern(s) for non-ISO timestamps",
}


def survey_question(r: Reader) -> tuple[str, str]:
    """(score expression, survey kind literal) from the required ``score_column`` and ``survey`` options."""
    for option in ("score_column", "survey"):
        if option not in r.source.options:
            example = 'score_column: "How likely are you to recommend us to a friend?", survey: nps'
            raise ConfigError(
                f"sources.{r.dataset}.options.{option} is required for preset '{r.preset}'",
                hint=f"set options: {{{example}}}",
            )
    column = r.column_option("score_column", "for score")
    kind = r.survey_option()
    assert column is not None and kind is not None
    return r.score(column), sql_literal(kind)


def one_question_survey(r: Reader, response: int, submitted: int,
                        timestamp: Callable[[int], str] | None = None) -> dict[str, str]:
    """The canonical survey columns of an export whose score is one question chosen in options
    (Typeform, SurveyMonkey, Qualtrics); ``timestamp`` reads a time column the preset's way."""
    score, kind = survey_question(r)
    read_time = timestamp or r.timestamp
    return r.finish({
        "response_id": f"c{response}",
        "submitted_at": read_time(submitted),
        "survey": kind,
        "score": score,
        **survey_extras(r),
    }, timestamp)


def survey_extras(r: Reader, tickets: Sequence[str] = (), comments: Sequence[str] = ()
                  ) -> dict[str, str | None]:
    """ticket_id and comment: the columns named by options, else the first default present."""
    found: dict[str, str | None] = {}
    for canonical, option, defaults in (("ticket_id", "ticket_column", tickets),
                                        ("comment", "comment_column", comments)):
        index = r.column_option(option, f"for {canonical}")
        if index is None:
            index = r.find(*defaults) if defaults else None
        found[canonical] = None if index is None else f"c{index}"
    return found
