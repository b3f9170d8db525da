"""Progress of the engine's long step: a counting line on a terminal, one summary line when long."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time

import pytest
from conftest import ProjectFactory

from reportgen.ticker import ticking


def test_a_terminal_sees_the_seconds_count_and_the_line_is_cleared() -> None:
    stream = io.StringIO()
    lines: list[str] = []
    with ticking("computing", lines.append, stream, tty=True, interval=0.05, summary_after=60) as ticker:
        time.sleep(0.3)
        ticker.done = "read 3 rows"
    drawn = stream.getvalue()
    assert "\rcomputing … 0 s" in drawn
    assert drawn.endswith("\r")  # the live line is blanked out at the end
    assert lines == []  # quick: no summary line


def test_a_long_step_leaves_one_summary_line_and_draws_nothing_off_a_terminal() -> None:
    stream = io.StringIO()
    lines: list[str] = []
    with ticking("computing", lines.append, stream, tty=False, interval=0.01, summary_after=0.1) as ticker:
        time.sleep(0.2)
        ticker.done = "read 3 rows"
    assert stream.getvalue() == ""
    assert len(lines) == 1 and lines[0].startswith("read 3 rows in ") and lines[0].endswith(" s")


def test_a_failed_step_leaves_no_summary() -> None:
    lines: list[str] = []
    try:
        with ticking("computing", lines.append, io.StringIO(), tty=False, summary_after=0):
            raise ValueError("boom")
    except ValueError:
        pass
    assert lines == []


def test_a_library_call_shows_nothing() -> None:
    stream = io.StringIO()
    with ticking("computing", None, stream, tty=True, interval=0.01, summary_after=0):
        time.sleep(0.05)
    assert stream.getvalue() == ""


@pytest.mark.slow
def test_kpis_on_a_terminal_counts_while_computing_and_keeps_stdout_clean(
        make_project: ProjectFactory) -> None:
    """A real `reportgen kpis` with stderr on a pseudo-terminal: the live line goes there only."""
    config = make_project(tickets=[("T1", "2026-10-01T09:00:00Z", "", "", "Billing", "email", "Ann", "1", "0")])
    master, slave = os.openpty()
    drawn = bytearray()

    def drain() -> None:  # read the terminal while the child writes to it (a full pty blocks it)
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    code = ("import sys, reportgen.run as r; orig = r.ticking; "
            "r.ticking = lambda *a, **k: orig(*a, **{**k, 'interval': 0.01, 'summary_after': 0.0}); "
            "from reportgen.cli import main; sys.exit(main())")
    done = subprocess.run([sys.executable, "-c", code, "kpis", "--config", str(config), "--month", "2026-10",
                           "--format", "json"], stdout=subprocess.PIPE, stderr=slave, timeout=120, check=False)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    assert done.returncode == 0
    assert done.stdout.lstrip().startswith(b"{")  # the JSON alone on stdout
    text = bytes(drawn).decode()
    assert "reading the sources and computing every month … " in text
    assert "read 1 ticket row" in text and "computed" in text  # the summary line
