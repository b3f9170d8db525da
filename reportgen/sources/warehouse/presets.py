"""How a warehouse table's columns map onto the canonical columns, per preset.

A warehouse preset returns, for each canonical column it can fill, one SQL
expression (DuckDB dialect, compiled later to the warehouse's) over the
columns the table or query really has. Identifiers are quoted exactly as the
warehouse returned them, so case-folding rules (PostgreSQL lower case,
Snowflake upper case) never matter.

``generic``
    the canonical columns by name (case-insensitive), renamed by ``columns:``.

``dbt_zendesk``
    the ``zendesk__ticket_metrics`` model of Fivetran's dbt_zendesk package:

    =====================  ============================================================
    canonical              zendesk__ticket_metrics
    =====================  ============================================================
    ticket_id              ``ticket_id``
    created_at             ``created_at``
    first response         ``first_reply_time_calendar_minutes`` / 60 (hours);
                           ``first_reply_time_business_minutes`` with
                           ``options: {business_hours: true}``
    resolved_at            ``last_solved_at`` when ``status`` is solved or closed
    category               ``type`` (``options: {category_column: ticket_form_name}`` …)
    channel                ``created_channel``
    agent                  ``assignee_name``
    replies                ``count_public_agent_comments`` (else ``total_agent_replies``)
    reopens                ``count_reopens``
    customer_id            ``requester_id``
    first_response_        ``first_reply_time_business_minutes`` (read with
    business_minutes       ``business_hours: {from: helpdesk}``)
    resolution_business_   ``full_resolution_business_minutes`` (likewise)
    minutes
    =====================  ============================================================
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence

from reportgen.config import SourceConfig
from reportgen.errors import ConfigError, MissingColumnError
from reportgen.registry import WAREHOUSE_PRESETS as REGISTRY
from reportgen.sources.schema import COLUMNS

# canonical column → SQL expression; "first_response_hours" may replace "first_response_at"
Mapping_ = dict[str, str]
PresetFn = Callable[[str, Sequence[str], SourceConfig, str], Mapping_]


def quote(name: str) -> str:
    """A column name as a quoted identifier (exactly as the warehouse spells it)."""
    return '"' + name.replace('"', '""') + '"'


def _lookup(found: Sequence[str]) -> dict[str, str]:
    return {name.strip().lower(): name for name in found}


def _require(found: Sequence[str], wanted: str, where: str, why: str) -> str:
    actual = _lookup(found).get(wanted.strip().lower())
    if actual is None:
        listed = ", ".join(found[:30])
        close = difflib.get_close_matches(wanted.strip().lower(), list(_lookup(found)), n=3, cutoff=0.5)
        closest = f"closest: {', '.join(_lookup(found)[name] for name in close)}; " if close else ""
        raise MissingColumnError(f"{where}: no column '{wanted}' ({why})",
                                 hint=f"{closest}columns found: {listed}; map it with columns: {{...}}")
    return actual


def generic(dataset: str, found: Sequence[str], source: SourceConfig, where: str) -> Mapping_:
    """Canonical columns by name; ``columns: {canonical: "Warehouse column"}`` renames."""
    names = {c.name for c in COLUMNS[dataset]}
    for key in source.columns:
        if key not in names:
            raise ConfigError(f"{where}.columns: '{key}' is not a canonical {dataset} column "
                              f"(known: {', '.join(sorted(names))})")
    lookup = _lookup(found)
    out: Mapping_ = {}
    for column in COLUMNS[dataset]:
        wanted = source.columns.get(column.name, column.name)
        actual = lookup.get(wanted.strip().lower())
        if actual is None:
            if column.name in source.columns:  # a misspelt override must not read as "no such column"
                _require(found, wanted, where, f"columns: {column.name}")
            if column.required:
                _require(found, wanted, where, f"the required {dataset} column {column.name}")
            continue
        out[column.name] = quote(actual)
    return out


_DBT_DEFAULTS = {
    "ticket_id": ("ticket_id",),
    "created_at": ("created_at",),
    "channel": ("created_channel",),
    "agent": ("assignee_name",),
    "replies": ("count_public_agent_comments", "total_agent_replies", "count_agent_replies"),
    "reopens": ("count_reopens",),
    "customer_id": ("requester_id",),
}


def dbt_zendesk(dataset: str, found: Sequence[str], source: SourceConfig, where: str) -> Mapping_:
    """The dbt_zendesk ``zendesk__ticket_metrics`` model (see the module docstring)."""
    if dataset != "tickets":
        raise ConfigError(f"{where}.preset: dbt_zendesk reads tickets (zendesk__ticket_metrics), "
                          f"not {dataset}")
    lookup = _lookup(found)

    def pick(canonical: str, candidates: Sequence[str], required: bool) -> str | None:
        wanted = source.columns.get(canonical)
        if wanted is not None:
            return _require(found, wanted, where, f"columns: {canonical}")
        for name in candidates:
            if name in lookup:
                return lookup[name]
        if required:
            _require(found, candidates[0], where, "zendesk__ticket_metrics always has it")
        return None

    out: Mapping_ = {}
    for canonical, candidates in _DBT_DEFAULTS.items():
        actual = pick(canonical, candidates, canonical in ("ticket_id", "created_at"))
        if actual is not None:
            out[canonical] = quote(actual)
    minutes = ("first_reply_time_business_minutes" if source.options.get("business_hours")
               else "first_reply_time_calendar_minutes")
    reply = pick("first_response_minutes", (minutes,), False)
    if reply is not None:
        out["first_response_hours"] = f"CAST({quote(reply)} AS DOUBLE) / 60.0"
    solved = pick("resolved_at", ("last_solved_at",), False)
    status = lookup.get("status")
    if solved is not None:
        out["resolved_at"] = quote(solved)
        if status is not None and "resolved_at" not in source.columns:  # reopened since: not resolved
            solved_now = f"lower({quote(status)}) IN ('solved', 'closed')"
            out["resolved_at"] = f"CASE WHEN {solved_now} THEN {quote(solved)} END"
    for canonical, column in (("first_response_business_minutes", "first_reply_time_business_minutes"),
                              ("resolution_business_minutes", "full_resolution_business_minutes")):
        given = pick(canonical, (column,), False)
        if given is not None:
            out[canonical] = quote(given)
    category_column = str(source.options.get("category_column") or "")
    category = (_require(found, category_column, where, "options.category_column") if category_column
                else pick("category", ("type",), False))
    if category is not None:
        out["category"] = quote(category)
    return out


# the functions of the presets the registry names (reportgen.registry), all in this module
WAREHOUSE_PRESETS: dict[str, tuple[tuple[str, ...], PresetFn]] = {
    name: (REGISTRY.entry(name).datasets, REGISTRY.load(name)) for name in REGISTRY
}


def check_preset(dataset: str, source: SourceConfig, where: str) -> PresetFn:
    """The preset function of a warehouse source (a file export's preset is refused)."""
    entry = WAREHOUSE_PRESETS.get(source.preset)
    if entry is None:
        raise ConfigError(f"{where}.preset: '{source.preset}' does not read a warehouse table "
                          f"(warehouse presets: {', '.join(WAREHOUSE_PRESETS)})")
    datasets, function = entry
    if dataset not in datasets:
        raise ConfigError(f"{where}.preset: {source.preset} reads {' and '.join(datasets)}, not {dataset}")
    return function


def preset_mapping(dataset: str, found: Sequence[str], source: SourceConfig, where: str) -> Mapping_:
    """Canonical column → SQL expression for ``source``'s preset over the columns ``found``."""
    return check_preset(dataset, source, where)(dataset, found, source, where)


def option_keys() -> Mapping[str, str]:
    """The ``options:`` a warehouse source understands."""
    return {
        "business_hours": "dbt_zendesk: first response in business minutes instead of calendar minutes",
        "category_column": "dbt_zendesk: the column holding the category (default: type)",
        "latest_by": "on duplicate ids, the row with the greatest value of this column wins",
        "unique_ids": "true: the ids never repeat (a key the catalog does not show): no de-duplication",
    }
