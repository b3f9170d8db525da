"""Fuzzing the loaders: whatever a source file holds, the only exception that escapes is a
ReportgenError (which the CLI prints as one line).

Most examples go through the loading layer on one shared DuckDB connection (read every file of
the source, type and validate its rows, count the data quality): what `Engine.run()` does per
dataset, minus the per-run set-up that would make thousands of examples slow. A smaller set runs
the whole engine, both as `build` does (first fatal problem raises) and as `validate` does
(everything collected).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from reportgen.config import Config, SourceConfig, parse_config
from reportgen.engine import Engine
from reportgen.engine.clean import clean_surveys, clean_tickets, row_cleaning
from reportgen.engine.load import load_dataset
from reportgen.engine.quality import count_quality, row_problems
from reportgen.engine.run import business_rows
from reportgen.errors import ReportgenError
from reportgen.sources.schema import COLUMNS

pytestmark = [pytest.mark.slow]  # thousands of generated files (a tenth outside CI)

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                database=None)
DATASETS = ("tickets", "surveys", "business")
SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx", ".parquet")


@dataclass
class Lab:
    """One folder and one DuckDB connection shared by every example."""

    folder: Path
    con: duckdb.DuckDBPyConnection
    counter: int = 0

    def file(self, suffix: str, content: bytes) -> Path:
        self.counter += 1
        path = self.folder / f"input-{self.counter}{suffix}"
        path.write_bytes(content)
        return path

    def config(self, dataset: str, path: Path, options: str = "") -> Config:
        sources = {"tickets": f'tickets: {{path: "{path.name}"{options}}}'}
        if dataset != "tickets":
            sources = {"tickets": 'tickets: {path: "tickets-ok.csv"}',
                       dataset: f'{dataset}: {{path: "{path.name}"{options}}}'}
        text = "report: {timezone: Europe/Rome}\nsources:\n" + "".join(f"  {s}\n" for s in sources.values())
        return parse_config(text, self.folder / "config.yaml")

    def load(self, dataset: str, path: Path, options: str = "") -> None:
        """Read, type and validate one source file; only a ReportgenError may come out."""
        config = self.config(dataset, path, options)
        source = getattr(config.sources, dataset)
        assert isinstance(source, SourceConfig)
        try:
            into = row_cleaning(config, dataset, row_ids=True) if dataset != "business" else None
            loaded = load_dataset(self.con, config, dataset, self.folder, into=into)
            if dataset == "tickets":
                clean_tickets(self.con, config.report.timezone)
            elif dataset == "surveys":
                clean_surveys(self.con, config.report.timezone, config)
            else:
                from reportgen.sources.business import parse_business_rows

                parse_business_rows(business_rows(self.con, loaded))
                return
            quality = count_quality(self.con, loaded)
            row_problems(self.con, loaded, None)
            event(f"loaded, rows used: {'some' if quality.rows_used else 'none'}")
        except ReportgenError as exc:
            assert "\n" not in str(exc)
            event(f"refused: {exc.problem[:25]}")
        finally:
            path.unlink()


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with tempfile.TemporaryDirectory(prefix="reportgen-fuzz-") as folder:
        root = Path(folder)
        (root / "tickets-ok.csv").write_text("ticket_id,created_at\nT1,2026-10-01\n", encoding="utf-8")
        con = duckdb.connect(":memory:")
        con.execute("SET memory_limit = '320MB'")
        con.execute("SET preserve_insertion_order = true")
        try:
            yield Lab(root, con)
        finally:
            con.close()


# ---- strategies ------------------------------------------------------------------------------

CANONICAL = sorted({column.name for columns in COLUMNS.values() for column in columns})
header_names = st.one_of(
    st.sampled_from(CANONICAL),
    st.sampled_from(CANONICAL).map(lambda name: f"  {name.upper()} "),
    st.text(max_size=12),
    st.just(""),
)
cell_values = st.one_of(
    st.sampled_from(["", " ", "2026-10-05T10:00:00+02:00", "2026-10-05 10:00", "2026-10-05", "2026-02-30",
                     "1900-01-01", "99999-01-01", "infinity", "-infinity", "nan", "NaN", "1e400", "-0",
                     "2026-03-29 02:30:00", "0", "10", "-1", "3.0", "4.5", "nps", "CSAT", "ces", "other",
                     "2026-10", "2026-13", "T1", "T1", "T2", "=1+1", '"', '""', "a,b", "a;b", "x\ny",
                     "\r", "\x00", "\ufeff", "é", "😀"]),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=20),
)
encodings = st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le"])


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str]:
    """A CSV-ish file: random header (often canonical names), delimiter, quoting, encoding and
    ragged rows; plus the source options (none, or a delimiter / an encoding, right or wrong)."""
    header = draw(st.one_of(st.lists(header_names, min_size=0, max_size=8),  # every dataset's columns:
                            st.permutations(CANONICAL).map(list)))           # most rows then load
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_NONE]))
    width = len(header)
    rows = draw(st.lists(st.lists(cell_values, min_size=max(0, width - 2), max_size=width + 2), max_size=8))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, escapechar="\\",
                        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    for row in [header, *rows]:
        try:
            writer.writerow(row)
        except csv.Error:
            buffer.write(delimiter.join(row) + "\n")
    text = buffer.getvalue()
    if draw(st.integers(0, 3)) == 0:  # hand-made damage: an unbalanced quote, a cut, a stray delimiter
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(['"', delimiter, "\n", "", '""', "\x00"])) + text[cut:]
    encoding = draw(encodings)
    data = text.encode(encoding, errors="replace")
    options = draw(st.sampled_from(["", "", "", "delimiter", "encoding"]))
    if options == "delimiter":
        chosen = draw(st.sampled_from([",", ";", "\t", "|", "x"]))
        return data, f", delimiter: {json.dumps(chosen)}"
    if options == "encoding":
        named = draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252", "ascii", encoding]))
        codecs.lookup(named)
        return data, f", encoding: {named}"
    return data, ""


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), cell_values)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    keys = st.one_of(st.sampled_from(CANONICAL), st.text(max_size=8))
    records = draw(st.lists(st.one_of(st.dictionaries(keys, json_values, max_size=6), json_values),
                            max_size=6))
    if draw(st.booleans()):
        return "\n".join(json.dumps(r) for r in records).encode()
    document = records if draw(st.booleans()) else draw(json_values)
    return json.dumps(document).encode()


# ---- properties --------------------------------------------------------------------------------

@settings(FUZZ, max_examples=examples(600))
@given(content=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES),
       dataset=st.sampled_from(DATASETS))
def test_random_bytes_in_any_format(lab: Lab, content: bytes, suffix: str, dataset: str) -> None:
    lab.load(dataset, lab.file(suffix, content))


@settings(FUZZ, max_examples=examples(1500))
@given(file=csv_files(), dataset=st.sampled_from(DATASETS), suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_random_csv_structures(lab: Lab, file: tuple[bytes, str], dataset: str, suffix: str) -> None:
    content, options = file
    lab.load(dataset, lab.file(suffix, content), options)


@settings(FUZZ, max_examples=examples(400))
@given(content=json_files(), dataset=st.sampled_from(DATASETS), suffix=st.sampled_from([".json", ".jsonl"]))
def test_random_json_structures(lab: Lab, content: bytes, dataset: str, suffix: str) -> None:
    lab.load(dataset, lab.file(suffix, content))


@settings(FUZZ, max_examples=examples(100))
@given(rows=st.lists(st.lists(st.one_of(cell_values, st.integers(), st.floats(allow_nan=False), st.none()),
                              max_size=6), max_size=6),
       header=st.lists(header_names, max_size=6), dataset=st.sampled_from(DATASETS))
def test_random_xlsx_sheets(lab: Lab, rows: list[list[object]], header: list[str], dataset: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        try:
            sheet.append([_xlsx_safe(value) for value in row])
        except (ValueError, TypeError):
            continue
    buffer = io.BytesIO()
    book.save(buffer)
    lab.load(dataset, lab.file(".xlsx", buffer.getvalue()))


def _xlsx_safe(value: object) -> object:
    if isinstance(value, str):  # openpyxl refuses control characters in cells
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
    return value


@settings(FUZZ, max_examples=examples(120))
@given(tickets=csv_files(), surveys=csv_files(), business=csv_files(), collect=st.booleans())
def test_whole_engine_build_and_validate(lab: Lab, tickets: tuple[bytes, str], surveys: tuple[bytes, str],
                                         business: tuple[bytes, str], collect: bool) -> None:
    lines = ["report: {timezone: Europe/Rome}", "sources:"]
    paths = []
    for dataset, (content, options) in zip(DATASETS, (tickets, surveys, business), strict=True):
        path = lab.file(".csv", content)
        paths.append(path)
        lines.append(f'  {dataset}: {{path: "{path.name}"{options}}}')
    config = parse_config("\n".join(lines) + "\n", lab.folder / "config.yaml")
    try:
        result = Engine(config, max_problems=None, collect=collect).run()
        if not collect:
            assert not result.fatal
    except ReportgenError as exc:
        assert not collect, "validate collects every problem instead of raising"
        assert "\n" not in str(exc)
    finally:
        for path in paths:
            path.unlink()
