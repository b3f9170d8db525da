"""Monthly measures and the KPI values the registry derives from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportgen.kpis import BREAKDOWN_KPIS, SCALAR_KPIS, Kpi


@dataclass
class MonthMeasures:
    """The measures of one month: scalars and per-dimension values (category → count, …)."""

    scalars: dict[str, float | None] = field(default_factory=dict)
    dims: dict[str, dict[str, float]] = field(default_factory=dict)


def scalar_values(measures: MonthMeasures) -> dict[str, float | None]:
    """Every scalar KPI of the month, keyed by id (None when it has no value)."""
    return {kpi.id: _tidy(kpi, kpi.value(measures.scalars)) for kpi in SCALAR_KPIS}


def breakdown_values(measures: MonthMeasures) -> dict[str, dict[str, float]]:
    """Every per-dimension KPI of the month: id → {dimension value: KPI value}."""
    out: dict[str, dict[str, float]] = {}
    for kpi in BREAKDOWN_KPIS:
        driver = kpi.inputs[0]
        values: dict[str, float] = {}
        for key in sorted(measures.dims.get(driver, {})):
            inputs: dict[str, float | None] = dict(measures.scalars)
            for name in kpi.inputs:
                if name in measures.dims:
                    inputs[name] = measures.dims[name].get(key)
            value = _tidy(kpi, kpi.value(inputs))
            if value is not None:
                values[key] = value
        out[kpi.id] = values
    return out


def _tidy(kpi: Kpi, value: float | None) -> float | None:
    """Counts as ints in output; everything else as float."""
    if value is None:
        return None
    if kpi.unit == "count" and float(value).is_integer():
        return int(value)
    return float(value)
