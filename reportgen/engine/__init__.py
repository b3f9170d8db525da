"""Source files → canonical tables in DuckDB → measures per month, by stage.

``rules`` (the cleaned relation declared once, for files and warehouses alike),
``load`` (sources → ``{dataset}_raw``), ``clean`` (validation, exclusion reasons,
last-wins dedup → the cleaned relations; a row's report-zone month through
``month_keys``), ``quality`` (counts per reason, row
problems), ``aggregate`` (the SQL of ``sqlgen``, generated from the declared
measures) and ``run`` (the :class:`Engine` facade); ``warehouse`` runs the same generated
SQL inside a team's warehouse instead (push-down). ``result`` is what the engine returns.
Nothing is dropped silently.

The names below are imported when first used: reading a result (``result``, ``reasons``)
loads neither DuckDB nor a stage (a run served from ``reportgen.result_cache``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.engine.aggregate import label
    from reportgen.engine.load import about_original as _about_original
    from reportgen.engine.reasons import REASONS, SURVEY_REASONS, TICKET_REASONS, Reason
    from reportgen.engine.result import DatasetQuality, EngineResult, RowProblem
    from reportgen.engine.run import Engine

_WHERE = {  # name → (module, its name there)
    "label": ("reportgen.engine.aggregate", "label"),
    "_about_original": ("reportgen.engine.load", "about_original"),
    "REASONS": ("reportgen.engine.reasons", "REASONS"),
    "SURVEY_REASONS": ("reportgen.engine.reasons", "SURVEY_REASONS"),
    "TICKET_REASONS": ("reportgen.engine.reasons", "TICKET_REASONS"),
    "Reason": ("reportgen.engine.reasons", "Reason"),
    "DatasetQuality": ("reportgen.engine.result", "DatasetQuality"),
    "EngineResult": ("reportgen.engine.result", "EngineResult"),
    "RowProblem": ("reportgen.engine.result", "RowProblem"),
    "Engine": ("reportgen.engine.run", "Engine"),
}

__all__ = [
    "REASONS", "SURVEY_REASONS", "TICKET_REASONS", "DatasetQuality", "Engine",
    "EngineResult", "Reason", "RowProblem", "_about_original", "label",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _WHERE[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # found directly from now on
    return value
