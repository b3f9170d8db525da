"""A Windows-1252 / Latin-1 export is read without `encoding:` (UTF-8 is tried first); the
encoding used is recorded; bytes that are neither still stop the run with one line."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import TICKET_HEADER, ProjectFactory

from reportgen.cli import main
from reportgen.config import load_config
from reportgen.sources.encoding import detect_encoding
from reportgen.sources.files import stage_file

ROWS = [
    ("t1", "2026-10-03T10:00:00+02:00", "", "", "Café & Crème", "email", "Müller", "", ""),
    ("t2", "2026-10-04T10:00:00+02:00", "", "", "Café & Crème", "chat", "José", "", ""),
    ("t3", "2026-10-05T10:00:00+02:00", "", "", "Œuvres – “quoted”", "chat", "José", "", ""),
]


def _write(config: Path, encoding: str) -> Path:
    text = ",".join(TICKET_HEADER) + "\r\n" + "".join(",".join(r) + "\r\n" for r in ROWS)
    path = config.parent / "data" / "tickets.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_windows_1252_export_is_read_with_its_accents(make_project: ProjectFactory) -> None:
    config = make_project()
    _write(config, "cp1252")  # Excel's "CSV" on a Western Windows: – “ ” and Œ are cp1252-only
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["breakdowns"]["tickets_by_category"] == {"Café & Crème": 2, "Œuvres – “quoted”": 1}
    assert set(document["breakdowns"]["agent_tickets"]) == {"Müller", "José"}


def test_the_staged_file_says_which_encoding_was_used(make_project: ProjectFactory, tmp_path: Path) -> None:
    config_path = make_project()
    config = load_config(config_path)
    source = config.sources.tickets
    con = duckdb.connect()
    path = _write(config_path, "cp1252")
    staged = stage_file(con, path, source, tmp_path)
    assert (staged.encoding, staged.encoding_detected) == ("cp1252", True)
    path = _write(config_path, "utf-8")
    staged = stage_file(con, path, source, tmp_path)
    assert (staged.encoding, staged.encoding_detected) == ("utf-8", True)
    forced = source.model_copy(update={"encoding": "cp1252"})
    staged = stage_file(con, _write(config_path, "cp1252"), forced, tmp_path)
    assert (staged.encoding, staged.encoding_detected) == ("cp1252", False)


def test_the_detection_rule() -> None:
    assert detect_encoding("Café".encode()) == "utf-8"
    assert detect_encoding("\ufeffCafé".encode()) == "utf-8"
    assert detect_encoding("Café au lait".encode("cp1252")) == "cp1252"
    assert detect_encoding("Café".encode("cp1252"), truncated=False) == "cp1252"
    # a UTF-8 character cut by the end of the sample is still UTF-8 (the file goes on)
    assert detect_encoding("abc é".encode()[:-1], truncated=True) == "utf-8"
    assert detect_encoding("abc é".encode()[:-1], truncated=False) == "cp1252"
    assert detect_encoding(b"caf\xe9 \x81 ok") is None  # 0x81 is undefined in cp1252
    assert detect_encoding(b"caf\xe9\x01\x02 ok") is None  # control bytes: binary, not text


def test_bytes_that_are_neither_stop_with_one_line(make_project: ProjectFactory) -> None:
    config = make_project()
    (config.parent / "data" / "tickets.csv").write_bytes(b"ticket_id,created_at\nt1,caf\xe9\x81\n")
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "tickets.csv, row 2: the file is not UTF-8" in lines[0], result.stderr
    assert "set encoding:" in lines[0]


def _late_accent_export(config: Path) -> Path:
    """200,000 ASCII rows (far past the 256 KB sample) and then one row with a cp1252 ``è``."""
    lines = [",".join(TICKET_HEADER)]
    lines += [f"t{i},2026-10-03T10:00:00+02:00,,,Billing,email,Ann,," for i in range(200_000)]
    lines.append("t200000,2026-10-04T10:00:00+02:00,,,Caffè,chat,Ann,,")
    path = config.parent / "data" / "tickets.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


@pytest.mark.slow
def test_a_windows_1252_character_past_the_sample_rereads_the_file_as_windows_1252(
        make_project: ProjectFactory) -> None:
    config = make_project()
    _late_accent_export(config)
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["breakdowns"]["tickets_by_category"] == {"Billing": 200_000, "Caffè": 1}
    assert document["data_quality"]["tickets"]["rows_read"] == 200_001
    validated = CliRunner().invoke(main, ["validate", "-c", str(config)])
    assert "tickets.csv: read as cp1252 (detected" in validated.output, validated.output


def test_a_set_encoding_is_not_second_guessed(make_project: ProjectFactory) -> None:
    config = make_project(extra="")
    text = config.read_text(encoding="utf-8").replace(
        'tickets: {path: "data/tickets.csv", preset: generic}',
        'tickets: {path: "data/tickets.csv", preset: generic, encoding: utf-8}')
    config.write_text(text, encoding="utf-8")
    _late_accent_export(config)
    result = CliRunner().invoke(main, ["kpis", "-c", str(config), "-m", "2026-10"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "tickets.csv, row 200002: the file is not UTF-8" in lines[0], result.stderr
