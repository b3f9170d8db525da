"""Source files → canonical tables in DuckDB → measures per month, by stage.

``rules`` (the cleaned relation declared once, for files and warehouses alike),
``load`` (sources → ``{dataset}_raw``), ``clean`` (validation, exclusion reasons,
last-wins dedup → the cleaned relations; a row's report-zone month through
``month_keys``), ``quality`` (counts per reason, row
problems), ``aggregate`` (the SQL of ``sqlgen``, generated from the declared
measures) and ``run`` (the :class:`Engine` facade); ``warehouse`` runs the same generated
SQL inside a team's warehouse instead (push-down). Nothing is dropped silently.
"""

from reportgen.engine.aggregate import label
from reportgen.engine.load import about_original as _about_original
from reportgen.engine.quality import DatasetQuality, RowProblem
from reportgen.engine.reasons import REASONS, SURVEY_REASONS, TICKET_REASONS, Reason
from reportgen.engine.run import Engine, EngineResult

__all__ = [
    "REASONS", "SURVEY_REASONS", "TICKET_REASONS", "DatasetQuality", "Engine",
    "EngineResult", "Reason", "RowProblem", "_about_original", "label",
]
