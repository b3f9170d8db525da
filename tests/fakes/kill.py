"""A `reportgen pull` killed with SIGKILL while it waits for a page, then run again.

The fake is told to hang on a request (``FakeApi.delay(path, 30, after=n)``); the pull runs
in a child process, is given a moment to commit what it has, and is killed mid-pull — as a
crashed machine or an OOM kill would. The tests then check what the store kept and that the
next pull resumes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fakes.server import FakeApi

ROOT = Path(__file__).resolve().parents[2]  # the repository: ``python -m reportgen`` runs from there


def _pull(config: Path) -> list[str]:
    return [sys.executable, "-m", "reportgen", "pull", "--config", str(config)]


def kill_pull_while_waiting(fake: FakeApi, config: Path, path: str, calls: int,
                            settle: float = 1.0) -> int:
    """Start a pull, wait until it has asked ``path`` ``calls`` times (the last request hangs),
    let it commit for ``settle`` seconds, kill it with SIGKILL; its return code."""
    child = subprocess.Popen(_pull(config), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(fake.calls(path)) < calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.calls(path)) == calls
    time.sleep(settle)  # let the child commit the pages it has (the hanging one never comes)
    os.kill(child.pid, signal.SIGKILL)
    return child.wait(timeout=10)


def pull_again(config: Path) -> subprocess.CompletedProcess[str]:
    """The next pull, to its end (the resume)."""
    return subprocess.run(_pull(config), capture_output=True, text=True, cwd=ROOT, timeout=120)
