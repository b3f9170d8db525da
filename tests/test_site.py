"""The report archive (`reportgen site`): pages from history, escaped names, atomic writes, speed, goldens.

The pages are checked here as files; tests/test_site_browser.py opens them in Chromium.
"""

from __future__ import annotations

import gc
import html
import os
import stat
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ProjectFactory, write_rows
from markupsafe import escape
from site_support import FORMULA, SCRIPT, TICKETS, hostile_project, table_rows

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.demo import write_demo_project
from reportgen.history import HistoryStore
from reportgen.run import MonthRun
from reportgen.site import SiteBuilder, build_site

GOLDEN = Path(__file__).parent / "golden"


def test_month_page_shows_the_hand_computed_kpis(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = hostile_project(make_project)
    result = build_site(MonthRun(load_config(config), "2026-10"), tmp_path / "site")
    assert result.months == ("2026-09", "2026-10")
    page = (tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8")
    rows = table_rows(page)
    # KPI | Oct | Sep | change | target | status — by hand: NPS 33.3 vs 100.0, target 40; from 3 answers
    # (under report.min_responses, 30): shown greyed with its count, neither a verdict nor better/worse
    assert rows["nps"] == ["Net Promoter Score", "33.3", "100.0", "−66.7", "40.0", "n = 3"]
    assert 'class="muted">33.3<' in page
    assert rows["ticket_volume"] == ["Ticket volume", "3", "1", "+2", "—", "No target"]  # as the email says
    assert '<html lang="en">' in page
    # the workbook sits beside the page and opens
    workbook = tmp_path / "site" / "2026-10" / "2026-10.xlsx"
    assert 'href="2026-10.xlsx"' in page
    assert openpyxl.load_workbook(workbook)["KPI Tracker"]["A1"].value.startswith("Test Report")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert list(table_rows(index, "data-month")) == ["2026-10", "2026-09"]  # newest first
    assert table_rows(index)["nps"][:4] == ["Net Promoter Score", "33.3", "40.0", "n = 3"]


def test_names_from_the_data_are_escaped_everywhere(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = hostile_project(make_project)
    build_site(MonthRun(load_config(config), "2026-10"), tmp_path / "site")
    page = (tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert SCRIPT not in page and "<script" not in page  # no script at all, least of all the data's
    assert html.escape(SCRIPT, quote=False) in page  # shown as text: legend, table, SVG
    assert page.count('data-series="&lt;script&gt;alert(1)&lt;/script&gt;"') == 2  # wide and narrow chart
    assert FORMULA not in page  # quotes escaped, shown as text
    assert page.count(FORMULA.replace('"', "&#34;")) >= 3  # legend, figures table, SVG


def test_a_dropped_month_leaves_the_site(make_project: ProjectFactory, tmp_path: Path) -> None:
    config_path = hostile_project(make_project)
    site = tmp_path / "site"
    build_site(MonthRun(load_config(config_path), "2026-10"), site)
    assert (site / "2026-09" / "index.html").is_file()
    # the export now holds October only, and September is dropped from history
    write_rows(config_path.parent / "data" / "tickets.csv",
               ("ticket_id", "created_at", "first_response_at", "resolved_at", "category", "channel",
                "agent", "replies", "reopens"), TICKETS[1:])
    config = load_config(config_path)
    write_rows(config_path.parent / "data" / "surveys.csv", ("response_id", "submitted_at", "survey", "score"),
               [("n2", "2026-10-10T10:00:00+02:00", "nps", 10)])
    assert HistoryStore(config.resolve(config.history.path)).drop("2026-09")
    (site / "2026-09" / "notes.txt").write_text("the team's own file", encoding="utf-8")
    result = build_site(MonthRun(config, "2026-10"), site)
    assert result.months == ("2026-10",) and result.removed == ("2026-09",)
    assert not (site / "2026-09" / "index.html").exists()
    assert (site / "2026-09" / "notes.txt").is_file()  # not ours: left alone
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "2026-09/" not in index and list(table_rows(index, "data-month")) == ["2026-10"]


def test_pages_are_readable_by_a_web_server_and_keep_a_mode_set_on_them(
        make_project: ProjectFactory, tmp_path: Path) -> None:
    """A site is served by another user (the web server's): new pages and copied workbooks get the
    umask's mode like any file written by the user; a mode the team set on a page is kept."""
    config = load_config(hostile_project(make_project))
    site = tmp_path / "site"
    previous = os.umask(0o022)
    try:
        build_site(MonthRun(config, "2026-10"), site)
        files = [p for p in site.rglob("*") if p.is_file()]
        assert {p.suffix for p in files} >= {".html", ".xlsx"}
        assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}
        os.chmod(site / "index.html", 0o640)
        build_site(MonthRun(config, "2026-10"), site)
        assert stat.S_IMODE((site / "index.html").stat().st_mode) == 0o640
    finally:
        os.umask(previous)


def test_a_build_that_fails_half_way_leaves_the_old_site(make_project: ProjectFactory, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(hostile_project(make_project))
    site = tmp_path / "site"
    build_site(MonthRun(config, "2026-10"), site)
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    rendered = SiteBuilder.month_page

    def page_then_crash(self: SiteBuilder, month: str) -> str:
        if month == "2026-10":
            raise OSError("disk full")
        return rendered(self, month).replace("Net Promoter Score", "CHANGED")

    monkeypatch.setattr(SiteBuilder, "month_page", page_then_crash)
    with pytest.raises(OSError):
        build_site(MonthRun(config, "2026-10"), site)
    # September was rewritten whole; October and the index are the old ones; no temporary file is left
    assert "CHANGED" in (site / "2026-09" / "index.html").read_text(encoding="utf-8")
    assert (site / "2026-10" / "index.html").read_bytes() == before[site / "2026-10" / "index.html"]
    assert (site / "index.html").read_bytes() == before[site / "index.html"]
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]


def test_36_stored_months_build_in_under_a_second(make_project: ProjectFactory, tmp_path: Path) -> None:
    months = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(36)]
    tickets = [(f"t{m}-{k}", f"{m}-{day:02d}T10:00:00+01:00", "", "", f"cat{k % 7}", f"ch{k % 4}", "", "", "")
               for m in months for k, day in enumerate((1, 5, 9, 13, 17, 21, 25, 28))]
    config = load_config(make_project(tickets=tickets))
    run = MonthRun(config, months[-1])
    assert run.data.month == months[-1]  # the engine's run and the history update are not the site's
    # The test process holds every test's objects and imports (pytest, Hypothesis, pandas, …): a
    # full garbage collection during the build walks them all (0.17 CPU-s with the suite collected,
    # more as it runs), where a `reportgen site` process has only its own. Frozen, they are left
    # out of the collections.
    gc.collect()
    gc.freeze()
    try:
        started = time.process_time()  # CPU time: other work on the machine does not count
        result = build_site(run, tmp_path / "site")
        elapsed = time.process_time() - started
    finally:
        gc.unfreeze()
    assert len(result.months) == 36 and len(list((tmp_path / "site").glob("*/index.html"))) == 36
    assert elapsed < 1.0, f"36 months took {elapsed:.2f} s of CPU"


def test_site_command_and_run_step(make_project: ProjectFactory, tmp_path: Path) -> None:
    config = hostile_project(make_project, extra='outputs:\n  site: {dir: "archive"}\n')
    result = CliRunner().invoke(main, ["site", "--config", str(config), "--month", "2026-10",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Site of 2 months written to" in result.output and (tmp_path / "out" / "index.html").is_file()
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "site: ok" in result.output
    archive = config.parent / "archive"
    # the workbook `run` built is the one beside the page
    assert (archive / "2026-10" / "2026-10.xlsx").read_bytes() == \
        (config.parent / "reports" / "2026-10.xlsx").read_bytes()
    # September's workbook was never built: its page says so, and links nothing
    september = (archive / "2026-09" / "index.html").read_text(encoding="utf-8")
    assert "No workbook of this month is kept" in september and ".xlsx\"" not in september
    # once built, the next run copies it beside September's page
    assert CliRunner().invoke(main, ["build", "--config", str(config), "--month", "2026-09"]).exit_code == 0
    assert CliRunner().invoke(main, ["run", "--config", str(config), "--month", "2026-10"]).exit_code == 0
    assert (archive / "2026-09" / "2026-09.xlsx").read_bytes() == \
        (config.parent / "reports" / "2026-09.xlsx").read_bytes()
    assert 'href="2026-09.xlsx"' in (archive / "2026-09" / "index.html").read_text(encoding="utf-8")


def test_a_wrong_site_setting_is_one_line(make_project: ProjectFactory) -> None:
    config = hostile_project(make_project, extra='outputs:\n  site: {folder: "x"}\n')
    result = CliRunner().invoke(main, ["site", "--config", str(config), "--month", "2026-10"])
    assert result.exit_code == 1
    assert "outputs.site: only dir: is known here" in result.output
    assert not (config.parent / "site").exists()  # nothing written, not even history
    assert not (config.parent / "reportgen-history.duckdb").exists()
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1 and "outputs.site: only dir: is known here" in result.output


@pytest.fixture(scope="module")
def demo_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    sites: dict[str, Path] = {}
    for language in ("en", "ja"):
        folder = tmp_path_factory.mktemp(f"demo-{language}")
        config_path = write_demo_project(folder, end_month="2026-10")
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace("report:\n", f"report:\n  language: {language}\n", 1),
                               encoding="utf-8")
        build_site(MonthRun(load_config(config_path), "2026-10"), folder / "site")
        sites[language] = folder / "site"
    return sites


@pytest.mark.parametrize("language", ["en", "ja"])
def test_demo_month_page_matches_the_golden_html(demo_sites: dict[str, Path], language: str,
                                                 update_golden: bool) -> None:
    page = (demo_sites[language] / "2026-10" / "index.html").read_text(encoding="utf-8")
    golden = GOLDEN / f"demo_site_2026-10_{language}.html"
    if update_golden:
        golden.write_text(page, encoding="utf-8")
    assert page == golden.read_text(encoding="utf-8"), "site page changed: review, then pytest --update-golden"
    assert f'<html lang="{language}">' in page


def test_partial_months_are_marked_and_not_compared(make_project: ProjectFactory, tmp_path: Path) -> None:
    # the export starts on 25 September: September is partial, October whole
    tickets = [("s1", "2026-09-25T10:00:00+02:00", "", "", "Shipping", "email", "", "", ""),
               *TICKETS[1:]]
    config = make_project(tickets=tickets, surveys=[("n1", "2026-09-26T10:00:00+02:00", "nps", 10),
                                                    ("n2", "2026-10-10T10:00:00+02:00", "nps", 10)])
    build_site(MonthRun(load_config(config), "2026-10"), tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    months = table_rows(index, "data-month")
    assert months["2026-09"] == ["Sep 2026 ◐", "1", "◐ partial month: data from 25 Sep 2026"]
    assert months["2026-10"] == ["Oct 2026", "3", "whole month"]
    october = table_rows((tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8"))
    # against a partial previous month: its value marked, no change
    assert october["nps"][1:4] == ["100.0", "100.0 ◐", "—"]
    assert october["ticket_volume"][1:4] == ["3", "1 ◐", "—"]
    assert "◐ No change is shown: this month or the one before it is a partial month" in \
        (tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8")
    september = (tmp_path / "site" / "2026-09" / "index.html").read_text(encoding="utf-8")
    assert "◐ Partial month (data from 25 Sep 2026): no change or verdict is shown against it" in september


def test_a_month_from_history_reads_as_when_it_was_the_report_month(make_project: ProjectFactory) -> None:
    from reportgen.blocks import report_blocks
    from reportgen.coverage import stored_partial_months

    config = load_config(hostile_project(make_project))
    run = MonthRun(config, "2026-10")
    computed = report_blocks(run.data)
    stored = HistoryStore(config.resolve(config.history.path)).stored_kpis()
    partial = stored_partial_months({m.month: m.completeness for m in stored if m.completeness})
    from_history = SiteBuilder(config, stored, partial, {}).blocks("2026-10")
    assert from_history.window == computed.window == ("2026-09", "2026-10")
    assert [b.rows for b in from_history.kpis] == [b.rows for b in computed.kpis]
    assert from_history.volume == computed.volume


def test_month_page_shows_drivers_comments_and_the_note(make_project: ProjectFactory, tmp_path: Path) -> None:
    # August: 1 ticket; September: 2 (Shipping); October: 3 (2 Billing by chat, 1 Shipping)
    tickets = [
        ("a1", "2026-08-03T10:00:00+02:00", "", "", "Shipping", "email", "Ann", "", ""),
        ("s1", "2026-09-03T10:00:00+02:00", "", "", "Shipping", "email", "Ann", "", ""),
        ("s2", "2026-09-04T10:00:00+02:00", "", "", "Shipping", "email", "Ann", "", ""),
        ("o1", "2026-10-05T10:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
        ("o2", "2026-10-06T10:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
        ("o3", "2026-10-30T10:00:00+01:00", "", "", "Shipping", "email", "Ann", "", ""),
    ]
    config_path = make_project(tickets=tickets, extra="targets: {nps: 40}\n")
    hostile = f"{SCRIPT} {FORMULA}"
    write_rows(config_path.parent / "data" / "surveys.csv",
               ("response_id", "submitted_at", "survey", "score", "ticket_id", "comment"),
               [("n1", "2026-09-10T10:00:00+02:00", "nps", 10, "s1", "September words"),
                ("n2", "2026-10-10T10:00:00+02:00", "nps", 9, "o3", "Quick, thanks"),
                ("n3", "2026-10-11T10:00:00+02:00", "nps", 2, "o1", hostile)])
    (config_path.parent / "notes").mkdir()
    (config_path.parent / "notes" / "2026-10.md").write_text("Billing **doubled**.\n\n<script>alert(2)</script>\n",
                                                            encoding="utf-8")
    build_site(MonthRun(load_config(config_path), "2026-10"), tmp_path / "site")
    page = (tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page
    # the note at the top, rendered as the email renders it: Markdown, raw HTML shown as text
    assert page.index("Manager&#39;s note") < page.index('id="kpis"')
    assert "<strong>doubled</strong>" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    # Why it changed: tickets 2 → 3, by hand: Billing 0 → 2 contributes +2 (Shipping 2 → 1: −1)
    why = page[page.index('id="why"'):page.index('id="voice"')]
    assert "Ticket volume rose 1" in why and "Billing" in why
    # Voice of the customer: lowest score first, the hostile comment escaped, never markup
    voice = page[page.index('id="voice"'):page.index('id="quality"')]
    assert voice.index("2 / 10") < voice.index("9 / 10")
    assert str(escape(hostile)) in voice and FORMULA not in voice
    assert "Billing" in voice and "Bob" in voice and "September words" not in voice
    # September's drivers come from history (1 → 2 tickets, Shipping); its comments are not stored
    september = (tmp_path / "site" / "2026-09" / "index.html").read_text(encoding="utf-8")
    assert "Ticket volume rose 1" in september[september.index('id="why"'):]
    assert "Survey comments are not kept in history" in september and "September words" not in september
    assert "Manager&#39;s note" not in september
    # report.comments: 0 → no section at all
    config_path.write_text(config_path.read_text(encoding="utf-8").replace(
        'currency: "EUR"}', 'currency: "EUR", comments: 0}'), encoding="utf-8")
    build_site(MonthRun(load_config(config_path), "2026-10"), tmp_path / "site")
    page = (tmp_path / "site" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert 'id="voice"' not in page and "Quick, thanks" not in page
