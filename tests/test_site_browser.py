"""The report archive in a real browser (Chromium): from file:// and from a local HTTP server.

Each test opens the index, follows the report month's link, reads the KPI table as the browser
renders it and compares it with `reportgen kpis --format json`, downloads the workbook through
its link and opens it, and checks that the pages asked for nothing but their own files and
logged no error. Screenshots at 390 and 1280 px are written to $REPORTGEN_SCREENSHOTS when set
(to look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser import Traffic, browser, require_chromium
from conftest import ProjectFactory, write_rows
from site_support import FORMULA, SCRIPT, hostile_project

from reportgen.config import load_config
from reportgen.demo import write_demo_project
from reportgen.i18n import translator
from reportgen.kpis import SCALAR_KPIS
from reportgen.run import MonthRun
from reportgen.site import build_site
from reportgen.units import format_value

MONTH = "2026-10"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's site and, from the command line, `reportgen kpis --format json` of its month."""
    require_chromium()
    folder = tmp_path_factory.mktemp("site-demo")
    config_path = write_demo_project(folder, end_month=MONTH)
    build_site(MonthRun(load_config(config_path), MONTH), folder / "site")
    result = subprocess.run([sys.executable, "-m", "reportgen", "kpis", "--config", str(config_path),
                             "--month", MONTH, "--format", "json"], capture_output=True, text=True,
                            check=True, timeout=300)
    return {"site": folder / "site", "kpis": json.loads(result.stdout), "config": load_config(config_path)}


@pytest.fixture
def server(demo: dict[str, Any]) -> Iterator[str]:
    """The demo's site on a local static HTTP server (the standard library's)."""
    handler = functools.partial(_QuietHandler, directory=str(demo["site"]))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("REPORTGEN_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kpi_table(page: Any) -> dict[str, list[str]]:
    """The KPI table as the browser shows it: {kpi id: [label, value, previous, change, target, status]}."""
    rows: dict[str, list[str]] = page.eval_on_selector_all(
        "table.kpis tr[data-kpi]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.kpi, "
        "[...r.cells].map(c => c.innerText.trim().replace(/\\s+/g, ' '))]))")
    return rows


def _check_archive(context: Any, traffic: Traffic, demo: dict[str, Any], start: str, allowed: str,
                   shots: Path, name: str) -> None:
    config = demo["config"]
    tr = translator(config.report.language)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(start)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("script").count() == 0  # nothing needs a script
    assert page.locator("h1").inner_text().startswith("Customer Service Report (demo)")
    page.screenshot(path=str(shots / f"{name}-index-1280.png"), full_page=True)
    page.get_by_role("link", name=tr.month_long(MONTH), exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{MONTH}/index.html") or page.url.endswith(f"{MONTH}/")
    # every scalar KPI, as shown, is the value `reportgen kpis` computed, in the workbook's format
    shown = _kpi_table(page)
    kpis = demo["kpis"]["kpis"]
    scalar = [k for k in SCALAR_KPIS if not k.business_hours]  # the demo configures no business_hours:
    assert set(shown) == {k.id for k in scalar}
    for kpi in scalar:
        # the page holds a no-break space between number and unit; the browser's innerText gives a space
        expected = format_value(kpis[kpi.id], kpi.unit, config.report.currency, tr).replace("\u00a0", " ")
        # a value outside its usual range carries the mark after it ("88.2% ⚠ unusual")
        assert shown[kpi.id][1].removesuffix(" ⚠ unusual") == expected, (kpi.id, shown[kpi.id], kpis[kpi.id])
    assert shown["nps"][0] == "Net Promoter Score" and shown["nps"][5] == "On target"  # target 40
    assert page.get_by_role("img", name="Tickets by category, per month").count() == 1  # chart + its title
    # why it changed: a heading and one sentence per KPI that moved; the customers' comments, lowest first
    assert page.get_by_role("heading", name="Why it changed", exact=True).count() == 1
    assert page.locator("[data-driver]").count() >= 1
    assert page.locator("table.voice tbody tr").count() == config.report.comments
    page.screenshot(path=str(shots / f"{name}-month-1280.png"), full_page=True)
    # the workbook link downloads the month's workbook, and it opens
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (.xlsx)").click()
    saved = shots / f"{name}-{download.value.suggested_filename}"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"{MONTH}.xlsx"
    workbook = openpyxl.load_workbook(saved, data_only=True)
    assert workbook.sheetnames[0] == "KPI Tracker"
    assert saved.read_bytes() == (demo["site"] / MONTH / f"{MONTH}.xlsx").read_bytes()
    # printable: navigation hidden on paper, the KPI table kept
    page.emulate_media(media="print")
    assert page.locator("nav.months").is_hidden() and page.locator("table.kpis").is_visible()
    page.emulate_media(media="screen")
    # a phone: nothing wider than the screen, the table still readable
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _kpi_table(page)["nps"][1].endswith(shown["nps"][1])  # "Oct 2026: 46.9" on a card
    page.screenshot(path=str(shots / f"{name}-month-390.png"), full_page=True)
    page.goto(start)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / f"{name}-index-390.png"), full_page=True)
    assert traffic.requests and all(url.startswith(allowed) for url in traffic.requests), traffic.requests
    assert traffic.errors == [] and traffic.dialogs == []


def test_archive_from_disk(demo: dict[str, Any], tmp_path: Path) -> None:
    index = (demo["site"] / "index.html").as_uri()
    with browser(tmp_path / "profile") as (context, traffic):
        _check_archive(context, traffic, demo, index, "file://", _screenshots(tmp_path), "file")


def test_archive_from_a_static_server(demo: dict[str, Any], server: str, tmp_path: Path) -> None:
    with browser(tmp_path / "profile") as (context, traffic):
        _check_archive(context, traffic, demo, server, server, _screenshots(tmp_path), "http")


def test_hostile_names_are_text_in_the_browser(make_project: ProjectFactory, tmp_path: Path) -> None:
    require_chromium()
    config = hostile_project(make_project)
    hostile = f"{SCRIPT} {FORMULA}"
    write_rows(config.parent / "data" / "surveys.csv",
               ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment"),
               [("n1", "2026-09-10T10:00:00+02:00", "nps", 10, "s1", ""),
                ("n2", "2026-10-10T10:00:00+02:00", "nps", 2, "o1", hostile)])
    build_site(MonthRun(load_config(config), MONTH), tmp_path / "site")
    with browser(tmp_path / "profile") as (context, traffic):
        page = context.new_page()
        page.goto((tmp_path / "site" / MONTH / "index.html").as_uri())
        legend = page.locator("ul.legend").first.inner_text()
        assert SCRIPT in legend and FORMULA in page.locator("ul.legend").first.inner_text()
        assert page.locator("table.voice td.comment").inner_text() == hostile  # the comment, as text
        assert page.locator("script").count() == 0
        page.screenshot(path=str(_screenshots(tmp_path) / "hostile-month-1280.png"), full_page=True)
    assert traffic.dialogs == [] and traffic.errors == []
