"""MonthRun: each stage once, failures remembered, history untouched by a dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from workbook_support import write_three_month_project

from reportgen.config import load_config
from reportgen.engine import Engine
from reportgen.errors import NoDataError
from reportgen.history import HistoryStore
from reportgen.outputs import Delivered, configured_outputs
from reportgen.run import MonthRun


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []
    real = Engine.run

    def counting(engine: Engine) -> Any:
        runs.append(1)
        return real(engine)

    monkeypatch.setattr(Engine, "run", counting)
    return runs


def test_every_stage_runs_once(tmp_path: Path, engine_runs: list[int]) -> None:
    run = MonthRun(load_config(write_three_month_project(tmp_path)), "2026-10")
    run.check()
    assert run.report is run.report and run.data is run.data
    assert run.kpis_document()["month"] == "2026-10"
    assert run.scalars is run.data.scalars["2026-10"]
    assert sorted(run.data.scalars) == ["2026-08", "2026-09", "2026-10"]  # the months with data
    assert len(engine_runs) == 1


def test_a_failure_is_remembered_not_recomputed(tmp_path: Path, engine_runs: list[int]) -> None:
    run = MonthRun(load_config(write_three_month_project(tmp_path)), "2027-03")
    for _ in range(3):  # e.g. one ask per output of `reportgen run`
        with pytest.raises(NoDataError, match="no data for 2027-03"):
            _ = run.report
    assert len(engine_runs) == 1


def test_a_dry_run_leaves_the_history_store_alone(tmp_path: Path) -> None:
    config = load_config(write_three_month_project(tmp_path))
    MonthRun(config, "2026-10", save=False).check()
    _ = MonthRun(config, "2026-10", save=False).data
    store = HistoryStore(config.resolve(config.history.path))
    assert store.load(["2026-10"]) == {}


def test_the_workbook_output_records_what_it_wrote(tmp_path: Path) -> None:
    config = load_config(write_three_month_project(tmp_path))
    outputs = configured_outputs(config)
    assert [(o.step, on) for o, on in outputs] == [("build", True), ("publish", False), ("email", False),
                                                   ("site", False)]
    done = Delivered()
    detail = outputs[0][0].deliver(MonthRun(config, "2026-10"), done)
    assert done.workbook is not None and done.workbook.is_file() and detail == str(done.workbook)


def test_a_failing_gate_stops_the_run_before_history_is_stored(tmp_path: Path, engine_runs: list[int],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.errors import ReportgenError

    def gate(self: MonthRun, result: Any) -> None:
        raise ReportgenError("tickets.csv: too many rows excluded")

    monkeypatch.setattr(MonthRun, "_gates", gate)
    config = load_config(write_three_month_project(tmp_path))
    run = MonthRun(config, "2026-10")
    for _ in range(2):
        with pytest.raises(ReportgenError, match="too many rows excluded"):
            _ = run.report
    assert len(engine_runs) == 1
    assert HistoryStore(config.resolve(config.history.path)).load(["2026-10"]) == {}
