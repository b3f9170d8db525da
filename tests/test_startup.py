"""Start-up: the command line imports only what the command it runs needs, and exits at once.

`reportgen --help` and every command's start pay for the modules the CLI imports; DuckDB,
the workbook writers, Jinja, gspread, pandas, Babel's CLDR data and pydantic are
imported by the command that uses them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

from conftest import ProjectFactory

# a whole October: the run passes its checks
TICKETS = [("1", "2026-10-01T09:00:00+02:00", "2026-10-01T12:00:00+02:00", "2026-10-02T10:00:00+02:00",
            "Shipping", "email", "Ann", "1", "0"),
           ("2", "2026-10-31T09:00:00+01:00", "", "", "Billing", "chat", "Bob", "", "")]
SURVEYS = [("a", "2026-10-05", "nps", "10"), ("b", "2026-10-06", "csat", "4")]

HEAVY = ("duckdb", "openpyxl", "xlsxwriter", "jinja2", "gspread", "pandas", "numpy", "babel",
         "pydantic", "yaml", "requests", "sqlglot", "msgspec", "pyarrow", "matplotlib")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json\n"
                          "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"],
                         capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_importing_the_command_line_imports_no_heavy_module() -> None:
    loaded = _modules_after("import reportgen.cli")
    assert "click" in loaded  # the probe sees what was imported
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_imports_no_heavy_module() -> None:
    loaded = _modules_after("from click.testing import CliRunner\nfrom reportgen.cli import main\n"
                            "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
                            "assert CliRunner().invoke(main, ['build', '--help']).exit_code == 0")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def _modules_of_a_run(config: Path, *args: str) -> set[str]:
    """Every module (full names) loaded by ``reportgen kpis`` on ``config``, run in a fresh process
    (its cache folder beside the project's)."""
    code = ("from click.testing import CliRunner\nfrom reportgen.cli import main\n"
            f"result = CliRunner().invoke(main, ['kpis', '-c', {str(config)!r}, '-m', '2026-10', *{args!r}])\n"
            "assert result.exit_code == 0, result.output\n"
            "import sys, json\nprint(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "XDG_CACHE_HOME": str(config.parent / "user-cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_a_run_on_files_imports_no_http_client_nor_sql_compiler(make_project: ProjectFactory) -> None:
    """Files only: the connectors and their HTTP client (requests) stay unloaded; sqlglot compiles
    the cleaning rules on the first run only (``reportgen.memo``)."""
    config = make_project(TICKETS, SURVEYS)
    first = _modules_of_a_run(config, "--no-cache")
    assert "duckdb" in first and "reportgen.engine.run" in first  # the probe sees the engine's run
    assert "sqlglot" in first
    loaded = _modules_of_a_run(config, "--no-cache")  # computed again: no result reused
    assert "reportgen.engine.run" in loaded
    top = {name.split(".")[0] for name in loaded}
    assert not top & {"requests", "urllib3", "sqlglot"}, sorted(top & {"requests", "urllib3", "sqlglot"})
    assert not {name for name in loaded if name.startswith("reportgen.sources.api")}


def _installed_with_reportgen() -> set[str]:
    """The distributions ``pip install reportgen`` brings: its dependencies and theirs (extras left out)."""
    def name(requirement: str) -> str:
        return re.sub(r"[-_.]+", "-", re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0]).lower()

    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    found = {name(requirement) for requirement in pyproject["project"]["dependencies"]}
    todo = list(found)
    while todo:
        try:
            requirements = metadata.requires(todo.pop()) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requirements:
            if "extra ==" not in requirement and name(requirement) not in found:
                found.add(name(requirement))
                todo.append(name(requirement))
    return found


def test_what_a_run_on_files_imports_is_installed_with_reportgen(make_project: ProjectFactory) -> None:
    """Every library a first run on files imports (sqlglot, for the cleaning rules, included) comes
    with ``pip install reportgen``, extras aside."""
    config = make_project(TICKETS, SURVEYS)
    loaded = {module.split(".")[0] for module in _modules_of_a_run(config, "--no-cache")}
    assert "sqlglot" in loaded  # the first run compiles the rules
    start = _modules_after("pass")  # the interpreter's own start-up (site's .pth files)
    owners = metadata.packages_distributions()
    installed = _installed_with_reportgen()
    optional = {"reportgen", "mypy_extensions"}  # itself; sqlglot's `try: import mypy_extensions`
    missing = {module: owners[module] for module in loaded - start - optional if module in owners
               and not {re.sub(r"[-_.]+", "-", dist).lower() for dist in owners[module]} & installed}
    assert not missing, f"imported by a file run but not a dependency in pyproject.toml: {missing}"


def test_a_repeated_run_imports_neither_duckdb_nor_the_engine(make_project: ProjectFactory) -> None:
    """The cron's second command on unchanged inputs: the result cache's engine result and window
    (``reportgen.result_cache``); no stage, no DuckDB, no SQL compiler, no .po parser."""
    config = make_project(TICKETS, SURVEYS)
    an_hour_ago = time.time() - 3600  # inputs modified seconds ago are never trusted
    for path in [*config.parent.rglob("*.csv"), config]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    first = _modules_of_a_run(config)
    assert "reportgen.engine.run" in first and "duckdb" in first  # it computed, and stored
    loaded = _modules_of_a_run(config)
    assert "reportgen.result_cache" in loaded and "msgspec" in loaded  # the probe sees the cache
    heavy = {"duckdb", "sqlglot", "requests", "openpyxl", "xlsxwriter", "jinja2", "pandas", "markdown_it",
             "babel.messages.pofile"}
    assert not loaded & heavy, sorted(loaded & heavy)
    assert not {name for name in loaded if name.startswith(("reportgen.engine.", "reportgen.report"))
                and name not in ("reportgen.engine.result", "reportgen.engine.reasons")}


def test_the_command_exits_with_its_status_and_its_output_flushed() -> None:
    """The process ends without the interpreter's teardown: whatever it printed is there, and
    the exit status is the command's (0, 1 for an error, 2 for a usage error)."""
    ok = subprocess.run([sys.executable, "-m", "reportgen", "catalog", "--format", "json"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and json.loads(ok.stdout)  # the whole JSON document, flushed
    failed = subprocess.run([sys.executable, "-m", "reportgen", "kpis", "-c", "/nonexistent/c.yaml"],
                            capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1 and failed.stderr.startswith("error: ")
    usage = subprocess.run([sys.executable, "-m", "reportgen", "kpis", "--month", "soon"],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "is not a month" in usage.stderr
