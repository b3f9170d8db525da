"""Zipped and gzipped exports are read as they are delivered (Zendesk ships `.csv.zip`);
a broken or ambiguous archive stops the run with one line naming the archive (and its member)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import TICKET_HEADER, ProjectFactory

from reportgen.cli import main

MONTH = "2026-10"
ROWS = [
    ("t1", "2026-10-03T10:00:00+02:00", "2026-10-03T11:00:00+02:00", "", "Billing", "email", "Ann", "1", "0"),
    ("t2", "2026-10-04T10:00:00+02:00", "", "", "Shipping", "chat", "Bob", "", ""),
    ("t3", "2026-10-05T10:00:00+02:00", "", "", "Billing", "chat", "Bob", "", ""),
]
CSV = ",".join(TICKET_HEADER) + "\n" + "".join(",".join(r) + "\n" for r in ROWS)


def _point_tickets_at(config: Path, name: str) -> None:
    text = config.read_text(encoding="utf-8").replace("data/tickets.csv", f"data/{name}")
    config.write_text(text, encoding="utf-8")


def _kpis(config: Path) -> Result:
    return CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", MONTH, "--format", "json"])


def _assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_a_zendesk_csv_zip_is_read_directly(make_project: ProjectFactory) -> None:
    config = make_project()
    with zipfile.ZipFile(config.parent / "data" / "tickets.csv.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export-2026-10-31-1234567.csv", CSV)
        archive.writestr("__MACOSX/._export-2026-10-31-1234567.csv", b"\x00\x05junk")
    _point_tickets_at(config, "tickets.csv.zip")
    result = _kpis(config)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kpis"]["ticket_volume"] == 3
    assert document["breakdowns"]["tickets_by_category"] == {"Billing": 2, "Shipping": 1}
    assert sorted(p.name for p in (config.parent / "data").iterdir()) == [
        "business.csv", "surveys.csv", "tickets.csv", "tickets.csv.zip"], "no scratch file is left behind"


def test_a_gzip_file_is_read_directly(make_project: ProjectFactory) -> None:
    config = make_project()
    (config.parent / "data" / "tickets.csv.gz").write_bytes(gzip.compress(CSV.encode("utf-8")))
    _point_tickets_at(config, "tickets.csv.gz")
    result = _kpis(config)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kpis"]["ticket_volume"] == 3


def test_a_zip_with_several_data_files_names_them(make_project: ProjectFactory) -> None:
    config = make_project()
    with zipfile.ZipFile(config.parent / "data" / "tickets.zip", "w") as archive:
        archive.writestr("october.csv", CSV)
        archive.writestr("november.csv", CSV)
    _point_tickets_at(config, "tickets.zip")
    _assert_one_line_error(_kpis(config), "tickets.zip: the zip archive holds 2 data files",
                           "october.csv", "november.csv", "one file per archive")


def test_a_zip_without_a_data_file_says_what_it_holds(make_project: ProjectFactory) -> None:
    config = make_project()
    with zipfile.ZipFile(config.parent / "data" / "tickets.zip", "w") as archive:
        archive.writestr("readme.pdf", b"%PDF-1.4")
    _point_tickets_at(config, "tickets.zip")
    _assert_one_line_error(_kpis(config), "tickets.zip: the zip archive holds no data file", "readme.pdf")


def test_a_truncated_zip_names_the_archive(make_project: ProjectFactory) -> None:
    config = make_project()
    path = config.parent / "data" / "tickets.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tickets.csv", CSV * 50)
    path.write_bytes(path.read_bytes()[:200])  # the download stopped half-way
    _point_tickets_at(config, "tickets.csv.zip")
    _assert_one_line_error(_kpis(config), "tickets.csv.zip: not a readable zip archive", "complete export")


def test_a_corrupt_gzip_names_the_archive(make_project: ProjectFactory) -> None:
    config = make_project()
    (config.parent / "data" / "tickets.csv.gz").write_bytes(gzip.compress(CSV.encode())[:30])
    _point_tickets_at(config, "tickets.csv.gz")
    _assert_one_line_error(_kpis(config), "tickets.csv.gz: cannot unpack the gzip file")


def test_a_problem_inside_the_archive_names_archive_member_and_row(make_project: ProjectFactory) -> None:
    config = make_project()
    broken = CSV + 't9,"2026-10-06T10:00:00Z,,,Billing\n'
    with zipfile.ZipFile(config.parent / "data" / "tickets.csv.zip", "w") as archive:
        archive.writestr("export.csv", broken)
    _point_tickets_at(config, "tickets.csv.zip")
    _assert_one_line_error(_kpis(config), "tickets.csv.zip (export.csv), row 5",
                           "a quoted value opens here and is never closed")
