"""Real Chromium, headless, driven by Playwright (Debian's browser: never `playwright install`).

Outside CI a missing Chromium (or Playwright) skips the test with the reason; in CI (CI=true)
it fails, so a green CI run always includes the browser checks. The browser is kept off the
network: no background services, no QUIC, a fresh profile; every request a page makes is
recorded so a test can assert it stayed on file:// or the local test server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("REPORTGEN_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check"]


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_chromium() -> str:
    """Path of Chromium; skip (fail in CI) when it or Playwright is missing."""
    executable = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not executable:
        _unavailable("Chromium is not installed: `apt-get install -y chromium` to run the browser checks")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[test]'")
    return str(executable)


@dataclass
class Traffic:
    """What the pages of one browser context did: every request URL, console errors, page errors,
    dialogs (an alert() from injected script would show up here)."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser(profile: Path, **options: Any) -> Iterator[tuple[Any, Traffic]]:
    """A fresh Chromium context (its own --user-data-dir) whose traffic is recorded."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    traffic = Traffic()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=FLAGS, accept_downloads=True,
            **options)
        context.on("request", lambda request: traffic.requests.append(request.url))

        def watch(page: Any) -> None:
            page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: traffic.errors.append(str(e)))
            page.on("dialog", lambda d: (traffic.dialogs.append(d.message), d.dismiss()))

        context.on("page", watch)
        for page in context.pages:
            watch(page)
        try:
            yield context, traffic
        finally:
            context.close()
