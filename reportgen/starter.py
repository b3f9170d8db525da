"""`reportgen init`: a first config.yaml written from the user's own exports.

For each export the preset is recognised by the presets themselves: each
vendor's mapping is tried on the file's header (vendors first, ``generic``
last) and the first that reads it wins, so what ``init`` recognises is exactly
what ``build`` reads. A survey export's question (``score_column``), its kind
(nps, csat, ces: from the question's words, else from the scale of the
answers), a comment and a ticket column are chosen from the headers and the
first rows; the time stamps are run through the preset's own expressions to
tell whether they carry an offset and in which date order they are written
(``reportgen.sources.dates``, the engine's rule). The delimiter and a decimal
comma are read from the file.

The rest of the file is the text of ``config.example.yaml`` (shipped inside the
package) with every key commented out at its default, so every setting is one
``#`` away. Guesses a person should look at say ``check:``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from reportgen.config import FileSource
from reportgen.errors import ConfigError, DataError, Location, ReportgenError
from reportgen.sources.presets.base import SURVEY_KINDS, header_zone, sql_literal

# tried in this order; generic last (it reads any file named with the canonical columns)
# (Delighted before Zendesk: Zendesk's JSON reader takes any list of objects with an id)
CANDIDATES = ("delighted", "zendesk", "freshdesk", "intercom", "zammad", "typeform", "surveymonkey",
              "qualtrics", "google_forms", "generic")
# presets whose score is one question named in options (score_column + survey)
_ONE_QUESTION = frozenset({"typeform", "surveymonkey", "qualtrics", "google_forms"})
VENDORS = {"generic": "canonical columns", "zendesk": "Zendesk", "freshdesk": "Freshdesk",
           "intercom": "Intercom", "zammad": "Zammad", "typeform": "Typeform",
           "surveymonkey": "SurveyMonkey", "qualtrics": "Qualtrics", "google_forms": "Google Forms",
           "delighted": "Delighted", "zendesk_csat": "Zendesk satisfaction ratings"}
TIMESTAMPS = {"tickets": "created_at", "surveys": "submitted_at"}
SAMPLE_ROWS = 5000
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu",
                        "GMT", "Etc/GMT"})

# words of a question (any case) that say which survey it is; a question naming none is told by its scale
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "nps": ("recommend", "likely", "raccomand", "consigli", "recomand", "勧め", "すすめ", "nps"),
    "ces": ("easy", "easier", "effort", "facile", "ușor", "usor", "簡単", "手間"),
    "csat": ("satisf", "soddisf", "mulțum", "multum", "満足", "rate your", "rating", "happy"),
}
_COMMENT_WORDS = ("comment", "why", "reason", "better", "improve", "anything", "feedback", "suggest",
                  "tell us", "on your mind", "open-ended", "motivo", "commento", "motiv", "理由", "コメント")
# answers exported as text (SurveyMonkey's "Actual answer text"): the usual five-point labels
CSAT_LABELS = {"very satisfied": 5, "extremely satisfied": 5, "satisfied": 4, "somewhat satisfied": 4,
               "neutral": 3, "neither satisfied nor dissatisfied": 3, "somewhat dissatisfied": 2,
               "dissatisfied": 2, "very dissatisfied": 1, "extremely dissatisfied": 1}
_FIVE_POINTS = {"very satisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 2, "very dissatisfied": 1}
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–:].*)?$")
_OFFSET = re.compile(r"[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(Z|z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)$")
_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")
# API sources: the keys to write, secrets as ${ENV} placeholders
API_SOURCES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "zendesk": ("tickets", [
        ("api", "zendesk", ""),
        ("url", '"https://${ZENDESK_SUBDOMAIN}.zendesk.com"', "the account's address"),
        ("email", '"${ZENDESK_EMAIL}"', "an agent's e-mail, for token authentication"),
        ("token", '"${ZENDESK_API_TOKEN}"', "Admin Center → Apps and integrations → Zendesk API"),
    ]),
    "zendesk_csat": ("surveys", [
        ("api", "zendesk_csat", ""),
        ("url", '"https://${ZENDESK_SUBDOMAIN}.zendesk.com"', "the account's address"),
        ("email", '"${ZENDESK_EMAIL}"', "an admin's e-mail: satisfaction ratings need an admin"),
        ("token", '"${ZENDESK_API_TOKEN}"', "Admin Center → Apps and integrations → Zendesk API"),
    ]),
    "freshdesk": ("tickets", [
        ("api", "freshdesk", ""),
        ("url", '"https://${FRESHDESK_DOMAIN}.freshdesk.com"', "the helpdesk's address"),
        ("token", '"${FRESHDESK_API_KEY}"', "Profile settings → Your API key"),
    ]),
    "helpscout": ("tickets", [
        ("api", "helpscout", ""),
        ("client_id", '"${HELPSCOUT_CLIENT_ID}"', "an OAuth2 app: Your Profile → My Apps → Create App"),
        ("client_secret", '"${HELPSCOUT_CLIENT_SECRET}"', "the same app's secret"),
    ]),
    "hubspot": ("tickets", [
        ("api", "hubspot", ""),
        ("token", '"${HUBSPOT_TOKEN}"',
         "a private app's access token (Settings → Integrations → Private Apps; scope tickets)"),
    ]),
    "gorgias": ("tickets", [
        ("api", "gorgias", ""),
        ("url", '"https://${GORGIAS_DOMAIN}.gorgias.com"', "the helpdesk's address"),
        ("email", '"${GORGIAS_EMAIL}"', "the e-mail of the user owning the API key"),
        ("token", '"${GORGIAS_API_KEY}"', "Settings → REST API"),
    ]),
    "gorgias_csat": ("surveys", [
        ("api", "gorgias_csat", ""),
        ("url", '"https://${GORGIAS_DOMAIN}.gorgias.com"', "the helpdesk's address"),
        ("email", '"${GORGIAS_EMAIL}"', "the e-mail of the user owning the API key"),
        ("token", '"${GORGIAS_API_KEY}"', "Settings → REST API"),
    ]),
    "delighted": ("surveys", [
        ("api", "delighted", ""),
        ("token", '"${DELIGHTED_API_KEY}"', "the project's API key (Integrations → API)"),
    ]),
    "surveymonkey": ("surveys", [
        ("api", "surveymonkey", ""),
        ("token", '"${SURVEYMONKEY_TOKEN}"', "an app's access token with responses_read_detail"),
        ("survey_id", '"${SURVEYMONKEY_SURVEY_ID}"', "the survey's id (GET /v3/surveys); or write it here"),
        ("options", "{question: \"${SURVEYMONKEY_QUESTION}\", survey: nps}",
         "check: the score question (its id or heading) and its kind (nps, csat, ces)"),
    ]),
    "qualtrics": ("surveys", [
        ("api", "qualtrics", ""),
        ("url", '"https://${QUALTRICS_DATACENTER}.qualtrics.com"', "your data center (Qualtrics IDs page)"),
        ("token", '"${QUALTRICS_API_TOKEN}"', "Account Settings → Qualtrics IDs → API token"),
        ("survey_id", '"${QUALTRICS_SURVEY_ID}"', "the survey's id (SV_…); or write it here"),
        ("options", "{question: \"${QUALTRICS_QUESTION}\", survey: nps}",
         "check: the score question's id (QID…) and its kind (nps, csat, ces)"),
    ]),
    "typeform": ("surveys", [
        ("api", "typeform", ""),
        ("token", '"${TYPEFORM_TOKEN}"', "a personal access token with responses:read"),
        ("form", '"${TYPEFORM_FORM_ID}"', "the form id (in the form's URL); or write it here"),
        ("options", "{score_field: \"${TYPEFORM_SCORE_REF}\", survey: nps}",
         "check: the ref of the score question and its kind (nps, csat, ces)"),
    ]),
    "intercom": ("tickets", [
        ("api", "intercom", ""),
        ("token", '"${INTERCOM_TOKEN}"', "your Intercom app's access token (Developer Hub → Authentication)"),
        ("options", "{category: tags}", 'check: the first tag, or "custom_attribute:<name>"'),
    ]),
    "intercom_csat": ("surveys", [
        ("api", "intercom_csat", ""),
        ("token", '"${INTERCOM_TOKEN}"', "the same token: the conversations' ratings (1–5) are the CSAT"),
    ]),
}


def example_text() -> str:
    """config.example.yaml, as shipped inside the package: every key with its default."""
    return files("reportgen").joinpath("config.example.yaml").read_text(encoding="utf-8")


@dataclass
class Export:
    """What ``init`` found out about one export file."""

    path: Path
    preset: str
    dataset: str
    options: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # delimiter, encoding, date_format (as YAML)
    notes: list[str] = field(default_factory=list)  # comments written above the source
    zone: str | None = None  # a time zone the export states (a header suffix)
    ratings: bool = False  # a Zendesk export holding Good / Bad satisfaction ratings
    highest: dict[str, float] = field(default_factory=dict)  # survey kind → highest score seen

    @property
    def summary(self) -> str:
        what = VENDORS.get(self.preset, self.preset)
        return f"{self.path.name}: {what} {self.dataset} (preset {self.preset})"


# ---- recognising one export ------------------------------------------------------------------

def inspect_export(path: Path) -> Export:
    """Recognise ``path``'s preset and dataset and choose the options it needs."""
    import duckdb

    from reportgen.sources.compressed import data_suffix, is_archive
    from reportgen.sources.files import SUPPORTED

    if not path.is_file():
        raise DataError(f"file '{path}' does not exist", hint="give the path of an export")
    if data_suffix(path) not in SUPPORTED and not is_archive(path):
        raise DataError(f"unsupported file type '{path.suffix or '(none)'}'", Location(file=path),
                        hint="give a .csv, .xlsx, .json, .jsonl or .parquet export (or one in a .zip/.gz)")
    con = duckdb.connect()
    try:
        found = _recognise(con, path)
    finally:
        con.close()
    return found


def _recognise(con: Any, path: Path) -> Export:
    """The first preset (of CANDIDATES) whose mapping reads ``path``, with what it needs."""
    import duckdb

    from reportgen.sources.compressed import is_archive, unpack
    from reportgen.sources.files import explain_read_error, parallel_refused, stage_file
    from reportgen.sources.presets import PRESETS

    header: list[str] = []
    unreadable: ReportgenError | None = None  # why no preset could even read the file
    with tempfile.TemporaryDirectory(prefix="reportgen-init-") as scratch:
        workdir = Path(scratch)
        staged_by_file: dict[Path, Any] = {}
        for name in CANDIDATES:
            preset = PRESETS[name]
            plain = FileSource(path=str(path), preset=name)
            try:
                inner = unpack(path, workdir) if preset.prepare and is_archive(path) else None
                export = inner.path if inner else path
                readable = preset.prepare(export, plain, workdir) if preset.prepare else path
                if readable not in staged_by_file:
                    staged_by_file[readable] = stage_file(con, readable, plain, workdir)
                staged = staged_by_file[readable]
            except ReportgenError as exc:
                unreadable = unreadable or exc
                continue
            header = list(staged.header)
            skip = max(0, preset.header_rows - 1)
            try:
                try:
                    rows = _sample(con, staged.sql, len(header))
                except duckdb.Error as exc:
                    if not (staged.serial_sql and parallel_refused(exc)):
                        raise
                    # as the engine does: read serially (short rows padded; a quote that never
                    # closes is named where it opens)
                    staged = staged_by_file[readable] = staged.serial()
                    rows = _sample(con, staged.sql, len(header))
                subheaders, rows = rows[:skip], rows[skip:]
                for dataset in preset.datasets:
                    found = Export(path, name, dataset)
                    if name in _ONE_QUESTION:
                        _choose_question(found, header, subheaders, rows)
                    try:
                        expressions = preset.columns(dataset, header, FileSource(
                            path=str(path), preset=name, options=found.options), path)
                    except ReportgenError:
                        continue
                    _read_details(found, con, staged, skip, expressions, header)
                    if name == "delighted" and "survey" in expressions:
                        _note_other_kinds(found, con, staged.sql, expressions["survey"])
                    found.ratings = name == "zendesk" and _has_ratings(header, rows)
                    return found
            except duckdb.Error as exc:  # the rows do not read as the header promised (a ragged row…)
                raise explain_read_error(exc, staged) from None
    if not header and unreadable is not None:
        raise unreadable
    listed = ", ".join(h for h in header[:12]) + (" …" if len(header) > 12 else "")
    raise DataError(f"not recognised as an export of any preset (columns found: {listed or 'none'})",
                    Location(file=path),
                    hint="name its columns as the canonical ones (README, Data contract) or write its "
                         "source by hand; `reportgen init` without files writes a config to fill in")


def _sample(con: Any, sql: str, width: int) -> list[list[str]]:
    rows = con.execute(f"SELECT * FROM ({sql}) LIMIT {SAMPLE_ROWS}").fetchall()
    return [["" if cell is None else str(cell) for cell in row[:width]] for row in rows]


def _column(rows: Sequence[Sequence[str]], index: int) -> list[str]:
    return [row[index].strip() for row in rows if index < len(row) and row[index].strip()]


def _numbers(values: Sequence[str]) -> list[float] | None:
    """The answers as numbers (``10 - Extremely likely`` keeps its 10); None when most are not."""
    found = [float(m.group(1)) for m in (_LEADING_NUMBER.match(v) for v in values) if m]
    return found if values and len(found) >= 0.8 * len(values) else None


def _kind_by_words(text: str) -> str | None:
    lowered = text.casefold()
    return next((kind for kind, words in _KIND_WORDS.items() if any(w in lowered for w in words)), None)


def _choose_question(found: Export, header: Sequence[str], subheaders: Sequence[Sequence[str]],
                     rows: Sequence[Sequence[str]]) -> None:
    """score_column, survey (and score_labels), comment_column, ticket_column from headers and answers."""
    def text(index: int) -> str:  # the header and what sub-header rows say about it (Qualtrics' question)
        return " ".join([header[index], *(row[index] for row in subheaders if index < len(row))])

    best: tuple[int, float, int] | None = None  # (has a survey word, highest answer, -index)
    for index in range(len(header)):
        values = _column(rows, index)
        numbers = _numbers(values)
        if re.search(r"group$|_nps_group|^#$|\bid\b", header[index].strip(), re.IGNORECASE):
            continue
        words = _kind_by_words(text(index)) is not None
        if numbers is not None and numbers and max(numbers) <= 10 and min(numbers) >= 0:
            rank = (1 if words else 0, max(numbers), -index)
        elif values and all(v.casefold() in CSAT_LABELS for v in values):
            rank = (1 if words else 0, 5, -index)
        else:
            continue
        if best is None or rank > best:
            best = rank
    if best is None:
        found.notes.append("check: no question with numeric answers was found: set score_column to the "
                           "header of the score question and survey to its kind (nps, csat, ces)")
        found.options.update(score_column=header[-1], survey="nps")
        return
    index = -best[2]
    values = _column(rows, index)
    numbers = _numbers(values)
    kind = _kind_by_words(text(index))
    labels: dict[str, int] = {}
    if numbers is None:  # answers as text: the five-point satisfaction labels, those seen first
        seen = {label: CSAT_LABELS[label.casefold()] for label in dict.fromkeys(values)}
        labels = {**seen, **{label.capitalize(): number for label, number in _FIVE_POINTS.items()
                             if label not in {key.casefold() for key in seen}}}
        kind = kind or "csat"
        scale = "1–5"
    else:
        low, high = min(numbers), max(numbers)
        scale = f"{low:g}–{high:g}"
        if kind is None:
            kind = "nps" if low == 0 or high > 7 else ("csat" if high <= 5 else "ces")
    found.options["score_column"] = header[index]
    found.options["survey"] = kind
    if labels:
        found.options["score_labels"] = labels
    how = "from the question's words" if _kind_by_words(text(index)) else "from the answers' scale"
    found.notes.append(f"check: score_column is the question whose answer is the score; survey: {kind} "
                       f"was guessed {how} (answers seen: {scale})")
    for other in range(len(header)):
        if other == index:
            continue
        lowered = text(other).casefold()
        answers = _column(rows, other)
        if "comment_column" not in found.options and any(w in lowered for w in _COMMENT_WORDS) \
                and answers and _numbers(answers) is None:
            found.options["comment_column"] = header[other]
        if "ticket_column" not in found.options and "ticket" in lowered:
            found.options["ticket_column"] = header[other]


def _note_other_kinds(found: Export, con: Any, sql: str, survey: str) -> None:
    """Responses of a kind reportgen does not compute (Delighted's 5star, enps, …): said, not hidden."""
    kinds = ", ".join(sql_literal(kind) for kind in SURVEY_KINDS)
    rows = con.execute(f"SELECT lower(trim({survey})) AS k, count(*) FROM ({sql}) "
                       f"WHERE lower(trim({survey})) NOT IN ({kinds}) GROUP BY k ORDER BY k").fetchall()
    if rows:
        listed = ", ".join(f"{count} {kind}" for kind, count in rows)
        found.notes.append(f"check: responses of other survey types ({listed}) are not nps, csat or ces: "
                           "they are excluded as unknown_survey_kind, and validate lists them")


def _has_ratings(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    from reportgen.sources.schema import normalise

    keys = [normalise(h) for h in header]
    if "satisfaction score" not in keys:
        return False
    index = keys.index("satisfaction score")
    return any(v.casefold() in ("good", "bad") for v in _column(rows, index))


def _read_details(found: Export, con: Any, staged: Any, skip: int, expressions: dict[str, str],
                  header: Sequence[str]) -> None:
    """Delimiter, encoding, time zone, date order and decimal comma of a recognised export."""
    from reportgen.sources.dates import infer_date_format

    if staged.delimiter and staged.delimiter != ",":
        found.keys["delimiter"] = json.dumps(staged.delimiter)
        found.notes.append(f"the file's delimiter is {staged.delimiter!r} (detected)")
    if staged.encoding_detected and staged.encoding and staged.encoding.replace("-", "").lower() != "utf8":
        found.keys["encoding"] = json.dumps(staged.encoding)
        found.notes.append(f"the file is not UTF-8: read as {staged.encoding} (detected)")
    # a zone the export states for its times (Intercom's "(America/New_York)": the workspace's);
    # UTC, as Typeform states it, says how the vendor writes times, not where the team is
    zones = [zone for zone in (header_zone(h)[1] for h in header) if zone and zone not in _UTC_NAMES]
    found.zone = zones[0] if zones else None
    column = TIMESTAMPS.get(found.dataset)
    if column and column in expressions:
        values = [str(row[0]) for row in con.execute(
            f"SELECT {expressions[column]} FROM ({staged.sql}) LIMIT {SAMPLE_ROWS} OFFSET {skip}").fetchall()
            if row[0] is not None and str(row[0]).strip()]
        if values and all(_OFFSET.search(v.strip()) for v in values):
            found.notes.append("time stamps carry their time zone (an offset, or one stated by the export)")
        elif values:
            found.notes.append("check: its times carry no time zone: they are read in report.timezone; "
                               "when the account's zone (helpdesk or survey settings) differs, set "
                               "timezone: for this source")
            try:
                order = infer_date_format(values, file=found.path, column=column, dataset=found.dataset)
            except DataError:
                found.notes.append("check: the date order (day or month first) cannot be told from "
                                   "these rows: set date_format")
            else:
                if order.format is not None and "date_format" not in found.options:
                    found.keys["date_format"] = json.dumps(order.format)
                    found.notes.append(f"dates are written {order.describe()} (detected)")
    if found.dataset == "surveys" and {"survey", "score"} <= set(expressions):
        rows = con.execute(
            f"SELECT lower(trim(CAST({expressions['survey']} AS VARCHAR))), "
            f"max(try_cast({expressions['score']} AS DOUBLE)) FROM (SELECT * FROM ({staged.sql}) "
            f"LIMIT {SAMPLE_ROWS} OFFSET {skip}) GROUP BY ALL").fetchall()
        found.highest = {str(kind): float(top) for kind, top in rows
                         if kind in SURVEY_KINDS and top is not None}
    numeric = [name for name in expressions if name not in ("month", *TIMESTAMPS.values())
               and found.dataset == "business"]
    for name in numeric:
        values = [str(row[0]).strip() for row in con.execute(
            f"SELECT {expressions[name]} FROM ({staged.sql}) LIMIT {SAMPLE_ROWS} OFFSET {skip}").fetchall()
            if row[0] is not None]
        if any(_DECIMAL_COMMA.match(v) for v in values):
            found.notes.append(f"check: {name} is written with a decimal comma (e.g. 1.234,50): "
                               "`reportgen validate` tells whether every number is read as meant")
            break


# ---- writing the config ------------------------------------------------------------------------

def local_timezone() -> str:
    """This computer's IANA time zone (TZ, /etc/timezone or /etc/localtime), else UTC."""
    from zoneinfo import ZoneInfo

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    for name in candidates:
        if not name or ("/" not in name and name != "UTC"):
            continue
        try:
            ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            continue
        return "UTC" if name in _UTC_NAMES else name
    return "UTC"


def _blocks(text: str) -> Iterator[tuple[str | None, list[str]]]:
    """config.example.yaml's top-level blocks: (key, lines), a commented key (``# outputs:``) too;
    the lines before the first key come with key None."""
    key: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        match = re.match(r"^(?:# )?([a-z_]+):(\s|$)", line)
        if match:
            yield key, lines
            key, lines = match.group(1), []
        lines.append(line)
    yield key, lines


def _commented(line: str, at: int = 0) -> str:
    """A YAML line commented out: ``# `` inserted at column ``at`` (within its indentation);
    lines already commented and blank lines stay as they are."""
    stripped = line.lstrip()
    if not stripped or stripped.startswith("#"):
        return line
    at = min(at, len(line) - len(stripped))
    return f"{line[:at]}# {line[at:]}"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_value(k)}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return value if value in SURVEY_KINDS else json.dumps(value, ensure_ascii=False)
    return str(value)


def _source_lines(export: Export, base: Path, first: str, indent: str) -> list[str]:
    at = " " * (len(first) - len(first.lstrip(" ")))  # notes above a list item stand at its dash
    lines = [f"{at}# {part}" for note in export.notes
             for part in textwrap.wrap(note, 96 - len(at), subsequent_indent="  ")]
    keys = [("path", json.dumps(_shown_path(export.path, base), ensure_ascii=False)),
            ("preset", export.preset), *export.keys.items()]
    body = [f"{k}: {v}" for k, v in keys]
    if export.options:
        body.append("options:")
        body += [f"  {name}: {_value(value)}" for name, value in export.options.items()]
    lines.append(f"{first}{body[0]}")
    lines += [f"{indent}{line}" for line in body[1:]]
    return lines


def _shown_path(path: Path, base: Path) -> str:
    """The export's path as the config writes it: relative to the config's folder when inside it."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def ratings_as_surveys(exports: Sequence[Export], apis: Sequence[str]) -> list[Export]:
    """The Zendesk exports whose satisfaction ratings are the surveys: when no other survey is given."""
    if any(e.dataset == "surveys" for e in exports) or any(API_SOURCES[a][0] == "surveys" for a in apis):
        return []
    return [export for export in exports if export.ratings]


def config_text(exports: Sequence[Export], apis: Sequence[str], folder: Path,
                today: date | None = None) -> str:
    """The commented config.yaml for ``exports`` and ``apis`` in ``folder``."""
    by_dataset: dict[str, list[tuple[Export | None, str | None]]] = {"tickets": [], "surveys": [],
                                                                      "business": []}
    for export in exports:
        by_dataset[export.dataset].append((export, None))
    for export in ratings_as_surveys(exports, apis):
        by_dataset["surveys"].append((Export(export.path, "zendesk_csat", "surveys", notes=[
            "Zendesk's satisfaction ratings (Good → 5, Bad → 1) in the same export"]), None))
    for api in apis:
        by_dataset[API_SOURCES[api][0]].append((None, api))
    stating = next((e for e in exports if e.zone), None)
    timezone, zone_note = (stating.zone, f"check: the zone {stating.path.name} states; months start at "
                                         "midnight in this zone") if stating and stating.zone else \
        (local_timezone(), "check: this computer's zone; months start at midnight in this zone")
    given = ", ".join(e.path.name for e in exports) or "no export"
    out = [
        f"# reportgen configuration, written by `reportgen init` on {(today or date.today()).isoformat()} "
        f"from {given}.",
        "# Lines marked `check:` are guesses to look at; `reportgen validate` reads every source with",
        "# this file and lists every problem. Every other key is commented out at its default: remove",
        "# the `# ` to set it. Relative paths are relative to this file; secrets are written ${ENV_VAR}.",
        "",
    ]
    for key, lines in _blocks(example_text()):
        if key is None:
            continue
        if key == "report":
            out.append(lines[0])
            for line in lines[1:]:
                if re.match(r"^\s+timezone:", line):
                    out.append(f"  timezone: {json.dumps(timezone)}  # {zone_note}")
                else:
                    out.append(_commented(line, 2))
        elif key == "kpis" and _scales(exports):
            out.append(lines[0])
            scales = _scales(exports)
            for line in lines[1:]:
                kind = re.match(r"^\s+(\w+):", line)
                if kind and kind.group(1) in scales:
                    out.append(f"  {kind.group(1)}: {scales[kind.group(1)]}")
                else:
                    out.append(_commented(line, 2))
        elif key == "sources":
            out += _sources(by_dataset, folder)
            out += ["  # Other kinds of sources and every source key (replace one above with one of these):"]
            out += [_commented(line, 2) for line in lines[1:]]
        else:
            out += [_commented(line) for line in lines]
    return "\n".join(out).rstrip("\n") + "\n"


# CSAT or CES answers above 5: the scale the vendor asks on (Delighted's CES: 1–7 agreement)
SCALES = {
    ("ces", 7): "{scale: [1, 7], low_effort_min: 5}  # check: answers up to 7 seen; 5 = somewhat agree",
    ("csat", 7): "{scale: [1, 7], satisfied_min: 6, negative_max: 2}  # check: answers up to 7 seen",
    ("csat", 10): "{scale: [1, 10], satisfied_min: 8, negative_max: 4}  # check: answers up to 10 seen",
    ("ces", 10): "{scale: [1, 10], low_effort_min: 8}  # check: answers up to 10 seen",
}


def _scales(exports: Sequence[Export]) -> dict[str, str]:
    """kpis.csat / kpis.ces settings for surveys answered above the default 1–5 scale."""
    found: dict[str, str] = {}
    for kind in ("csat", "ces"):
        top = max((e.highest.get(kind, 0) for e in exports), default=0)
        if top > 5:
            found[kind] = SCALES[(kind, 7 if top <= 7 else 10)]
    return found


def _sources(by_dataset: dict[str, list[tuple[Export | None, str | None]]], folder: Path) -> list[str]:
    out = ["sources:"]
    for dataset, sources in by_dataset.items():
        if not sources and dataset == "tickets":
            out += ["  tickets:  # check: required; give a tickets export to `reportgen init`, "
                    "or --api zendesk|freshdesk",
                    '    path: "data/tickets-*.csv"',
                    "    preset: generic"]
            continue
        if not sources:
            out.append(f"  # {dataset}:  # none given")
            continue
        out.append(f"  {dataset}:")
        many = len(sources) > 1
        for export, api in sources:
            first, indent = ("    - ", "      ") if many else ("    ", "    ")
            if export is not None:
                out += _source_lines(export, folder, first, indent)
            elif api is not None:
                for number, (name, value, note) in enumerate(API_SOURCES[api][1]):
                    comment = f"  # {note}" if note else ""
                    out.append(f"{first if number == 0 else indent}{name}: {value}{comment}")
    return out


def check_target(target: Path, force: bool) -> None:
    """An existing config is replaced only with ``force``; a folder never."""
    if target.is_dir():
        raise ConfigError(f"{target} is a folder")
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists", hint="pass --force to replace it, or --dir to "
                                                           "write the config into another folder")


def write_config(target: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``target``; an existing file only with ``force`` (replaced whole, never half)."""
    check_target(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".config-", suffix=".yaml", dir=target.parent)
    try:
        with open(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
