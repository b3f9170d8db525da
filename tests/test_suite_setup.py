"""The suite's own set-up: fake servers stop at once, Hypothesis profiles, markers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes.zendesk import ZendeskFake
from markers import require_marker
from sheets_fake.server import FakeGoogle, start

TESTS = Path(__file__).resolve().parent


def test_a_fake_vendor_server_stops_without_waiting_out_a_poll() -> None:
    """serve_forever's default poll (0.5 s) made every stop() wait up to half a second."""
    began = time.perf_counter()
    for _ in range(5):
        fake = ZendeskFake("agent@example.com", "token")
        fake.start()
        fake.stop()
    assert time.perf_counter() - began < 1.0


def test_the_fake_google_stops_without_waiting_out_a_poll() -> None:
    began = time.perf_counter()
    for _ in range(5):
        server, thread = start(FakeGoogle({}))
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert time.perf_counter() - began < 1.0


def _profile(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    code = "import hypothesis_profiles as p; print(p.load(), p.examples(600), p.examples(5))"
    return subprocess.run([sys.executable, "-c", code], cwd=TESTS, env={**clean, **env}, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_ci_runs_the_full_examples_and_the_loop_a_tenth() -> None:
    assert _profile(CI="true") == "ci 600 5"
    assert _profile() == "loop 60 1"
    assert _profile(HYPOTHESIS_PROFILE="ci") == "ci 600 5"  # the full fuzzing on a laptop


def test_a_test_starting_libreoffice_must_carry_the_marker() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark it @pytest.mark.libreoffice"):
        require_marker("libreoffice")


@pytest.mark.browser
def test_a_marked_test_may_start_the_program() -> None:
    require_marker("browser")  # does not fail


_MARKS = """
import json, sys, pytest
class Marks:
    def pytest_collection_finish(self, session):
        self.found = {item.name.split("[")[0]: sorted(m.name for m in item.iter_markers()) for item in session.items}
marks = Marks()
pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[marks])
print(json.dumps(marks.found))
"""


@pytest.mark.slow
def test_slow_tests_and_those_starting_a_program_carry_their_markers() -> None:
    files = ["tests/test_fuzz_loaders.py", "tests/test_warehouse.py", "tests/test_i18n_report.py"]
    out = subprocess.run([sys.executable, "-c", _MARKS, *files], cwd=TESTS.parent, capture_output=True,
                         text=True, check=True).stdout
    marks: dict[str, list[str]] = json.loads(out.splitlines()[-1])
    assert "slow" in marks["test_random_csv_structures"]
    assert set(marks["test_japanese_workbook_renders_with_cjk_glyphs"]) >= {"slow", "libreoffice"}
    assert [name for name, found in marks.items() if "libreoffice" in found] == [
        "test_japanese_workbook_renders_with_cjk_glyphs"]
    assert "slow" not in marks["test_tabs_and_kpi_names_are_in_the_language"]  # in the edit loop
    assert "postgres" in marks["test_postgres_hand_computed_month"]  # it uses the server (fixture pg)
    assert "postgres" not in marks["test_duckdb_file_warehouse_equals_the_file_engine"]
