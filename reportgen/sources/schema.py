"""Canonical columns of each dataset and how a file's headers map onto them."""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import DataError, Location, MissingColumnError, shown


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str


TICKET_COLUMNS: tuple[Column, ...] = (
    Column("ticket_id", True, "unique ticket id; on duplicates the last occurrence wins"),
    Column("created_at", True, "ISO 8601 timestamp; without offset = the source's timezone"),
    Column("first_response_at", False, "first agent response; empty = never answered"),
    Column("resolved_at", False, "resolution time; empty = unresolved"),
    Column("category", False, "empty → Uncategorized"),
    Column("channel", False, "empty → Unknown"),
    Column("agent", False, "empty → unassigned"),
    Column("replies", False, "public agent replies (integer ≥ 0); needed for FCR"),
    Column("reopens", False, "times reopened (integer ≥ 0); empty = 0"),
    Column("customer_id", False, "customer reference"),
    Column("first_response_business_minutes", False,
           "the helpdesk's first-response time in business minutes (business_hours: {from: helpdesk})"),
    Column("resolution_business_minutes", False,
           "the helpdesk's resolution time in business minutes (business_hours: {from: helpdesk})"),
)

SURVEY_COLUMNS: tuple[Column, ...] = (
    Column("response_id", True, "unique response id; last occurrence wins"),
    Column("submitted_at", True, "ISO 8601 timestamp"),
    Column("survey", True, "nps, csat or ces (any case)"),
    Column("score", True, "nps 0–10 integer; csat/ces on the configured scale (default 1–5)"),
    Column("ticket_id", False, "the ticket the response is about"),
    Column("comment", False, "free text"),
)

BUSINESS_COLUMNS: tuple[Column, ...] = (
    Column("month", True, "YYYY-MM"),
    Column("customers_start", False, "customers at the start of the month (S)"),
    Column("customers_end", False, "customers at the end of the month (E)"),
    Column("customers_new", False, "new customers won in the month (N)"),
    Column("customers_lost", False, "customers lost; default S + N − E"),
    Column("sales_marketing_spend", False, "sales and marketing spend of the month"),
    Column("revenue", False, "revenue of the month"),
    Column("customer_lifespan_years", False, "average customer lifespan in years"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "tickets": TICKET_COLUMNS,
    "surveys": SURVEY_COLUMNS,
    "business": BUSINESS_COLUMNS,
}
# the column that names a row of a dataset (duplicates are found by it)
ID_COLUMN: dict[str, str] = {"tickets": "ticket_id", "surveys": "response_id"}


# HTML that survey tools put into question titles used as headers (Typeform's
# ``recommend <strong>Acme</strong>``, SurveyMonkey's ``What&apos;s``): a line break or a block
# separates words, an inline tag does not
_HTML_TAG = re.compile(r"<(/?)(a|abbr|b|big|br|cite|code|del|div|em|font|h[1-6]|i|ins|li|mark|p|q|s|small|"
                       r"span|strike|strong|sub|sup|u)\b[^<>]*>", re.IGNORECASE)
_BLOCK_TAGS = frozenset({"br", "div", "p", "li", "h1", "h2", "h3", "h4", "h5", "h6"})


def _without_html(text: str) -> str:
    """The text a reader sees: HTML tags dropped, entities (``&apos;``, ``&amp;``) decoded."""
    text = _HTML_TAG.sub(lambda tag: " " if tag.group(2).lower() in _BLOCK_TAGS else "", text)
    return html.unescape(text)


def normalise(header: str) -> str:
    """Header comparison key: HTML tags and entities as a reader sees them, trimmed, case-folded,
    inner whitespace collapsed."""
    text = header.replace("\ufeff", "")
    if "<" in text or "&" in text:
        text = _without_html(text)
    return " ".join(text.split()).casefold()


def check_override_names(dataset: str, overrides: Mapping[str, str]) -> None:
    """Every key of ``columns:`` must be a canonical column of the dataset."""
    known = {column.name for column in COLUMNS[dataset]}
    for canonical in overrides:
        if canonical not in known:
            close = difflib.get_close_matches(canonical, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise MissingColumnError(
                f"sources.{dataset}.columns: '{canonical}' is not a canonical column{hint}",
                hint="the keys of columns: are canonical names, the values your file's headers",
            )


def map_columns(
    dataset: str,
    header: Sequence[str],
    overrides: Mapping[str, str],
    file: Path,
) -> dict[str, int]:
    """Canonical column name → index in ``header``; raises on a missing required column.

    ``overrides`` (config ``columns:``) maps a canonical name to the header used
    in the file; otherwise the canonical name itself is looked up.
    """
    groups = header_groups(header)
    spec = COLUMNS[dataset]
    check_override_names(dataset, overrides)
    mapping: dict[str, int] = {}
    for column in spec:
        wanted = overrides.get(column.name, column.name)
        found = groups.get(normalise(wanted))
        if found is None:
            # an override naming an absent header is a mistake even for an optional column:
            # skipping it would silently read the column as empty (every ticket "Uncategorized")
            if column.required or column.name in overrides:
                raise missing_column_error(dataset, wanted, header, file, column.name in overrides,
                                       canonical=column.name, by_name=True)
            continue
        chosen = found[0] if len(found) == 1 else None
        if chosen is None and column.name in overrides:
            chosen = exact_header(header, wanted, found)
        if chosen is None:
            raise ambiguous_column_error(dataset, column.name, header, found, file)
        mapping[column.name] = chosen
    return mapping


def header_groups(header: Sequence[str]) -> dict[str, list[int]]:
    """Comparison key → the positions of every header cell with that key, in order."""
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        groups.setdefault(normalise(name), []).append(index)
    return groups


def exact_header(header: Sequence[str], wanted: str, among: Sequence[int]) -> int | None:
    """The one position among ``among`` whose header is exactly ``wanted`` (trimmed), else None:
    how a ``columns:`` override picks one of two headers that differ only in case or spaces."""
    exact = [i for i in among if header[i].strip() == wanted.strip()]
    return exact[0] if len(exact) == 1 else None


def ambiguous_column_error(dataset: str, canonical: str, header: Sequence[str], positions: Sequence[int],
                           file: Path, why: str = "") -> DataError:
    """Two (or more) headers a canonical column could be read from: which one is not guessed."""
    named = [f"column {i + 1} '{shown(header[i].strip(), 40)}'" for i in positions]
    listed = ", ".join(named[:-1]) + f" and {named[-1]}"
    texts = [header[i].strip() for i in positions]
    if len(set(texts)) < len(texts):
        how = (f"rename or remove one of the headers named '{shown(texts[0], 40)}' in the file "
               f"(a columns: override cannot tell identical headers apart)")
    else:
        others = " or ".join(json.dumps(t[:200]) for t in texts[1:])
        how = (f"say which to use with sources.{dataset}.columns: "
               f"{{{canonical}: {json.dumps(texts[0][:200])}}} (or {others}), the header as written")
    return DataError(f"{listed} could both be {canonical}{why}", Location(file=file, row=1), hint=how)


def _closest(wanted: str, headers: Sequence[str], cutoff: float) -> str | None:
    close = difflib.get_close_matches(normalise(wanted), [normalise(h)[:200] for h in headers], n=1,
                                      cutoff=cutoff)
    return next((h for h in headers if normalise(h)[:200] == close[0]), None) if close else None


def missing_column_error(
    dataset: str, wanted: str, header: Sequence[str], file: Path, overridden: bool,
    canonical: str | None = None, by_name: bool = False,
) -> MissingColumnError:
    """``wanted`` is not in the header. With ``overridden``, ``wanted`` is the value of the
    ``columns:`` override of ``canonical``, and the hint is about that column: the header
    closest to the value (a typo), else — ``by_name``, where the canonical name is what is
    looked up without the override — the header closest to the canonical name."""
    found = [h for h in header if h.strip()]
    closest = _closest(wanted, found, 0.5)
    listed = ", ".join(shown(h, 40) for h in found[:30]) + (" …" if len(found) > 30 else "")
    listed = listed or "none"
    delimiter = _other_delimiter(wanted, found)
    if delimiter is not None:
        how = (f"the header looks separated by {delimiter!r}: set delimiter: {json.dumps(delimiter)} "
               f"for sources.{dataset} (or leave delimiter: out to detect it)")
    elif overridden and canonical is not None:
        override = f"sources.{dataset}.columns: {{{canonical}: {json.dumps(wanted[:200])}}}"
        closest = _closest(wanted, found, 0.6) or (_closest(canonical, found, 0.5) if by_name else None)
        instead = f"the column named {canonical}" if by_name else "the preset's own column"
        if closest:
            how = (f"{override} names no header of the file; closest header for {canonical}: "
                   f"'{shown(closest, 40)}': set sources.{dataset}.columns: "
                   f"{{{canonical}: {json.dumps(closest[:200])}}}, or remove the override to read "
                   f"{instead}")
        else:
            how = (f"{override} names no header of the file: set it to the header holding "
                   f"{canonical}, or remove the override to read {instead}")
    elif closest:
        how = (f"closest match '{shown(closest, 40)}': map it with "
               f"sources.{dataset}.columns: {{{wanted}: {json.dumps(closest[:200])}}}")
    else:
        how = f"map your column with sources.{dataset}.columns: {{{wanted}: \"<your header>\"}}"
    problem = (
        f"required column '{wanted}' not found (columns found: {listed})"
        if not overridden
        else f"column '{wanted}' (from sources.{dataset}.columns) not found (columns found: {listed})"
    )
    return MissingColumnError(problem, Location(file=file, row=1), hint=how)


def _other_delimiter(wanted: str, header: Sequence[str]) -> str | None:
    """A delimiter that, splitting a header cell, would reveal ``wanted``: the file's real one."""
    key = normalise(wanted)
    for delimiter in (";", ",", "\t", "|"):
        for cell in header:
            if delimiter in cell and key in (normalise(part) for part in cell.split(delimiter)):
                return delimiter
    return None
