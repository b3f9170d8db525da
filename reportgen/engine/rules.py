"""The cleaned relation declared once, as data: what every source's rows must pass.

Files, pulled records and warehouse tables are cleaned by the same declaration, compiled
with sqlglot into each engine's SQL: ``engine.clean`` (DuckDB, over the raw table the load
stage wrote) and ``engine.warehouse.sql`` (the push-down, in the warehouse's dialect).
A backend only says how it reads a value (:class:`Terms`); every rule is here:

* **values** (:class:`Value`): each parsed canonical column once, with its type and range
  check — instants within 1900–2200 (so never ±infinity), counts whole numbers ≥ 0 below
  1e15 (so finite; ``3.0`` counts), scores finite;
* **exclusions** (:class:`Rule`), in order: the first that holds is the row's reason; the
  duplicate rule (of the rows sharing an id one wins, the others are ``duplicate``) is one of
  them, the backend saying which row wins (the file engine: the last read; a warehouse:
  ``latest_by``);
* **discards**: an optional value that is invalid is ignored, the row stays;
* **outputs**: the cleaned relation's columns (``engine.sqlgen`` documents them), computed
  from the checked values.

Text rules, applied as cells are read (``engine.load``, ``warehouse.sql``): a cell whose
trimmed, lower-case text is blank-like (``BLANK_LIKE``, plus a preset's own) is no value;
ids are stored trimmed (:data:`TRIMMED`); names keep their spelling (spellings are merged
on the grouped values). Rules are written in DuckDB's dialect, over the names of the
values, ``given_<value>`` (the cell held something: it parsed or unparsed text was kept)
and ``duplicate``; a new column or reason is one line here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.config import KpiOptions
from reportgen.engine.reasons import REASONS
from reportgen.memo import Memo
from reportgen.sources.presets.base import BLANK_LIKE, SURVEY_KINDS

if TYPE_CHECKING:
    from sqlglot import exp

__all__ = ["BLANK_LIKE", "TRIMMED", "Relation", "Rule", "Terms", "Value", "surveys", "tickets"]

EARLIEST, LATEST = "1900-01-01 00:00:00+00", "2200-01-01 00:00:00+00"
COUNT_LIMIT = "1e15"  # no plausible count is as high; the CAST to BIGINT never overflows (1e20 did)

# the range checks, over ``_v`` (the parsed value); NULL: the value fails
INSTANT = (f"CASE WHEN _v BETWEEN CAST('{EARLIEST}' AS TIMESTAMPTZ) "
           f"AND CAST('{LATEST}' AS TIMESTAMPTZ) THEN _v END")
# ``< 1e15`` also rejects +infinity and NaN (NaN sorts above every number in DuckDB and PostgreSQL)
COUNT = f"CASE WHEN _v >= 0 AND _v = floor(_v) AND _v < {COUNT_LIMIT} THEN CAST(_v AS BIGINT) END"
# finite: ±infinity − itself and NaN − itself are NaN, never 0 (portable, unlike isfinite())
FINITE = "CASE WHEN _v - _v = 0 THEN _v END"

TRIMMED = frozenset({"ticket_id", "response_id"})
"""Canonical text columns stored trimmed (the ids: the key duplicates are found by)."""


@dataclass(frozen=True)
class Value:
    """A canonical column parsed to ``sql_type`` and checked: ``check`` keeps it or gives NULL."""

    name: str
    column: str
    sql_type: str
    check: str = "_v"


@dataclass(frozen=True)
class Rule:
    """A reason and the condition (DuckDB SQL over the values' names) under which it applies."""

    reason: str
    when: str


@dataclass(frozen=True)
class Terms:
    """How a backend reads values: ``parsed(value)`` is its parsed input (before the check);
    ``given(value)`` is true when the cell held something; ``duplicate`` is true for a row
    whose id another row wins; ``month(instant)`` is the report zone's ``'YYYY-MM'``."""

    parsed: Callable[[Value], str]
    given: Callable[[Value], str]
    duplicate: str
    month: Callable[[str], str]


@dataclass(frozen=True)
class Relation:
    """The declaration of one dataset's cleaned relation."""

    dataset: str
    values: tuple[Value, ...]
    excluded: tuple[Rule, ...]
    discarded: tuple[Rule, ...]
    outputs: tuple[tuple[str, str], ...]  # (column, DuckDB SQL over the values; month_of(x))

    def __post_init__(self) -> None:
        for rule in (*self.excluded, *self.discarded):
            reason = REASONS.get(rule.reason)
            assert rule.reason == "duplicate" or (reason is not None and reason.dataset == self.dataset
                                                   and reason.row_excluded == (rule in self.excluded)), rule

    @property
    def quality(self) -> tuple[str, ...]:
        """Rows read, then every reason in order: the columns a data-quality count is told in."""
        rest = [r.reason for r in self.excluded if r.reason != "duplicate"]
        return ("rows_read", "duplicate", *rest, *(r.reason for r in self.discarded))

    @property
    def discards(self) -> tuple[str, ...]:
        return tuple(rule.reason for rule in self.discarded)

    def checked(self, terms: Terms) -> list[str]:
        """``<check> AS <value>`` for every value (a select list over the backend's inputs)."""
        return [f"{compile_sql(value.check, {'_v': terms.parsed(value)})} AS {value.name}"
                for value in self.values]

    def _terms(self, terms: Terms) -> dict[str, str]:
        names = {f"given_{v.name}": terms.given(v) for v in self.values}
        return names | {"duplicate": terms.duplicate}

    def excluded_sql(self, terms: Terms, codes: Mapping[str, str] | None = None) -> str:
        """SQL (over the checked values): the row's reason of exclusion, NULL when it is used;
        ``codes``: SQL of each reason's value (default: its name as a string)."""
        given = self._terms(terms)
        value = codes or {rule.reason: f"'{rule.reason}'" for rule in self.excluded}
        whens = " ".join(f"WHEN {compile_sql(rule.when, given)} THEN {value[rule.reason]}"
                         for rule in self.excluded)
        return f"CASE {whens} END"

    def discard_conditions(self, terms: Terms) -> dict[str, str]:
        """reason → SQL (over the checked values): true when the row's value is discarded for it."""
        given = self._terms(terms)
        return {rule.reason: compile_sql(rule.when, given) for rule in self.discarded}

    def output_sql(self, terms: Terms) -> list[str]:
        """``<expression> AS <column>`` for every output column, months in the backend's way."""
        return [f"{compile_sql(sql, {}, terms.month)} AS {name}" for name, sql in self.outputs]


# compiled once: a run that finds its declarations compiled imports no sqlglot (``reportgen.memo``)
_COMPILED = Memo("duckdb-sql", code=[Path(__file__)], libraries=["sqlglot"])


def compile_sql(sql: str, terms: Mapping[str, str], month: Callable[[str], str] | None = None) -> str:
    """A declared DuckDB expression with its terms replaced by the backend's SQL (and ``month_of(x)``
    by ``month``'s SQL, inserted as written), as DuckDB SQL (a warehouse's statement is transpiled
    as a whole later)."""
    key = json.dumps([sql, sorted(terms.items()), month is not None])
    text: str
    arguments: list[str]
    text, arguments = _COMPILED.value(key, lambda: _compiled(sql, terms, month is not None))
    for index, argument in enumerate(arguments):  # ``month`` of each ``month_of(x)``'s x, in order
        text = text.replace(_month_placeholder(index), f"({month(argument) if month else ''})")
    return text


def _month_placeholder(index: int) -> str:
    return f"__month_{index}"


def _compiled(sql: str, terms: Mapping[str, str], months: bool) -> tuple[str, list[str]]:
    """``sql`` with its terms replaced, as DuckDB SQL; with ``months``, each ``month_of(x)`` as a
    placeholder (``_month_placeholder``), and the SQL of each x."""
    from sqlglot import exp

    arguments: list[str] = []

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in terms:
            return exp.Paren(this=_parsed(terms[node.name]).copy())
        if months and isinstance(node, exp.Anonymous) and node.name.lower() == "month_of":
            arguments.append(node.expressions[0].sql("duckdb"))
            return exp.column(_month_placeholder(len(arguments) - 1))
        return node

    return _parsed(sql).transform(swap).sql("duckdb"), arguments


@cache
def _parsed(sql: str) -> exp.Expr:
    import sqlglot

    return sqlglot.parse_one(sql, read="duckdb")


def _hours(later: str, earlier: str) -> str:
    return (f"CASE WHEN {later} >= {earlier} "
            f"THEN (epoch({later}) - epoch({earlier})) / 3600.0 END")


@cache
def tickets(hours_given: bool = False) -> Relation:
    """The tickets' declaration. ``hours_given``: the source gives the first response as hours
    (``first_response_hours``, a warehouse model's column) instead of as an instant."""
    first: tuple[Value, ...]
    if hours_given:
        first = (Value("first_response_any", "first_response_at", "TIMESTAMPTZ", INSTANT),  # never read
                 Value("first_response_given", "first_response_hours", "DOUBLE", FINITE))
        first_rules = (Rule("invalid_first_response_at",
                            "first_response_given IS NULL AND given_first_response_given"),
                       Rule("first_response_before_created", "first_response_given < 0"))
        first_hours = "CASE WHEN first_response_given >= 0 THEN first_response_given END"
    else:
        first = (Value("first_response_any", "first_response_at", "TIMESTAMPTZ", INSTANT),)
        first_rules = (Rule("invalid_first_response_at",
                            "first_response_any IS NULL AND given_first_response_any"),
                       Rule("first_response_before_created", "first_response_any < created"))
        first_hours = _hours("first_response_any", "created")
    return Relation(
        "tickets",
        values=(Value("created", "created_at", "TIMESTAMPTZ", INSTANT), *first,
                Value("resolved_any", "resolved_at", "TIMESTAMPTZ", INSTANT),
                Value("replies", "replies", "DOUBLE", COUNT), Value("reopens", "reopens", "DOUBLE", COUNT)),
        excluded=(Rule("missing_ticket_id", "id IS NULL"),
                  Rule("duplicate", "duplicate"),
                  Rule("missing_created_at", "created IS NULL AND NOT given_created"),
                  Rule("invalid_created_at", "created IS NULL")),
        discarded=(*first_rules,
                   Rule("invalid_resolved_at", "resolved_any IS NULL AND given_resolved_any"),
                   Rule("resolved_before_created", "resolved_any < created"),
                   Rule("invalid_replies", "replies IS NULL AND given_replies"),
                   Rule("invalid_reopens", "reopens IS NULL AND given_reopens")),
        outputs=(("created", "created"), ("id", "id"),
                 ("resolved", "CASE WHEN resolved_any >= created THEN resolved_any END"),
                 ("category", "category"), ("channel", "channel"), ("agent", "agent"),
                 ("replies", "replies"), ("reopens", "coalesce(reopens, 0)"),
                 ("created_month", "month_of(created)"),
                 ("resolved_month", "CASE WHEN resolved_any >= created THEN month_of(resolved_any) END"),
                 ("first_response_hours", first_hours),
                 ("resolution_hours", _hours("resolved_any", "created"))),
    )


def surveys(options: KpiOptions) -> Relation:
    """The surveys' declaration (the CSAT and CES scales are the config's)."""
    csat_lo, csat_hi = (float(v) for v in options.csat.scale)
    ces_lo, ces_hi = (float(v) for v in options.ces.scale)
    kinds = ", ".join(f"'{kind}'" for kind in SURVEY_KINDS)
    return Relation(
        "surveys",
        values=(Value("submitted", "submitted_at", "TIMESTAMPTZ", INSTANT),
                Value("kind", "survey", "VARCHAR", "lower(trim(_v))"),
                Value("score", "score", "DOUBLE", FINITE)),
        excluded=(Rule("missing_response_id", "id IS NULL"),
                  Rule("duplicate", "duplicate"),
                  Rule("missing_submitted_at", "submitted IS NULL AND NOT given_submitted"),
                  Rule("invalid_submitted_at", "submitted IS NULL"),
                  Rule("missing_survey", "kind IS NULL OR kind = ''"),
                  Rule("unknown_survey_kind", f"kind NOT IN ({kinds})"),
                  Rule("missing_score", "score IS NULL AND NOT given_score"),
                  Rule("invalid_score", "score IS NULL"),
                  Rule("score_out_of_scale",
                       f"(kind = 'nps' AND (score < 0 OR score > 10 OR score <> floor(score))) "
                       f"OR (kind = 'csat' AND (score < {csat_lo} OR score > {csat_hi})) "
                       f"OR (kind = 'ces' AND (score < {ces_lo} OR score > {ces_hi}))")),
        discarded=(),
        outputs=(("submitted", "submitted"), ("kind", "kind"), ("score", "score"),
                 ("ticket_ref", "ticket_id"), ("submitted_month", "month_of(submitted)")),
    )

