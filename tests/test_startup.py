"""Start-up: the command line imports only what the command it runs needs, and exits at once.

`reportgen --help` and every command's start pay for the modules the CLI imports; DuckDB,
the workbook writers, Jinja, gspread, pandas, Babel's CLDR data and pydantic are
imported by the command that uses them.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
