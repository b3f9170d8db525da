"""Results kept between runs (reportgen.memo): computed once, found again only while the code and
libraries that computed them are unchanged; the cleaning rules' SQL compiled once."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.engine import rules
from reportgen.memo import Memo, cache_folder


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _counting(value: str, calls: list[str]) -> str:
    calls.append(value)
    return value.upper()


def test_a_value_is_computed_once_across_runs(cache_home: Path, tmp_path: Path) -> None:
    code = tmp_path / "code.py"
    code.write_text("x = 1\n", encoding="utf-8")
    calls: list[str] = []
    first = Memo("test", [code])
    assert first.value("a", lambda: _counting("a", calls)) == "A"
    assert Memo("test", [code]).value("a", lambda: _counting("a", calls)) == "A"  # a later run
    assert calls == ["a"]
    assert first.path.parent == cache_home / "reportgen" == cache_folder()
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.path.parent.stat().st_mode) == 0o700


def test_changed_code_or_library_computes_again(cache_home: Path, tmp_path: Path) -> None:
    code = tmp_path / "code.py"
    code.write_text("x = 1\n", encoding="utf-8")
    calls: list[str] = []
    Memo("test", [code], ["json"]).value("a", lambda: _counting("a", calls))
    code.write_text("x = 2\n", encoding="utf-8")  # the code that computes it changed
    Memo("test", [code], ["json"]).value("a", lambda: _counting("a", calls))
    Memo("test", [code], ["json", "csv"]).value("a", lambda: _counting("a", calls))  # another library
    assert calls == ["a", "a", "a"]


def test_a_damaged_or_unwritable_store_only_costs_time(cache_home: Path, tmp_path: Path) -> None:
    code = tmp_path / "code.py"
    code.write_text("x = 1\n", encoding="utf-8")
    calls: list[str] = []
    memo = Memo("test", [code])
    memo.path.parent.mkdir(parents=True)
    memo.path.write_text("[not a table", encoding="utf-8")
    assert Memo("test", [code]).value("a", lambda: _counting("a", calls)) == "A"
    assert json.loads(memo.path.read_text(encoding="utf-8")) == {"a": "A"}  # written afresh
    if os.geteuid() != 0:  # root writes anywhere
        memo.path.unlink()
        memo.path.parent.chmod(0o500)
        try:
            assert Memo("test", [code]).value("b", lambda: _counting("b", calls)) == "B"
        finally:
            memo.path.parent.chmod(0o700)
    assert calls[:2] == ["a", "a"] or calls == ["a"]


def test_compiled_sql_is_the_compilers_and_kept(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms replaced by their SQL in parentheses, ``month_of(x)`` by the backend's month of x."""
    monkeypatch.setattr(rules, "_COMPILED", Memo("duckdb-sql", [Path(rules.__file__)], ["sqlglot"]))
    month = lambda column: f"strftime({column}, '%Y-%m')"  # noqa: E731
    terms = {"given_x": "x_c IS NOT NULL OR x_t IS NOT NULL"}
    assert rules.compile_sql("x IS NULL AND given_x", terms) == "x IS NULL AND (NOT x_c IS NULL OR NOT x_t IS NULL)"
    assert (rules.compile_sql("CASE WHEN r >= c THEN month_of(r) END", {}, month)
            == "CASE WHEN r >= c THEN (strftime(r, '%Y-%m')) END")
    kept = json.loads(next((cache_home / "reportgen").glob("duckdb-sql-*.json")).read_text(encoding="utf-8"))
    assert kept[json.dumps(["CASE WHEN r >= c THEN month_of(r) END", [], True])] == [
        "CASE WHEN r >= c THEN __month_0 END", ["r"]]  # the month SQL is the backend's, applied after


def test_a_run_that_finds_its_sql_compiled_imports_no_sqlglot(cache_home: Path) -> None:
    """The second process compiles nothing: same text, and sqlglot never imported."""
    code = ("import json, sys\nfrom reportgen.engine import rules\n"
            "text = rules.compile_sql(rules.INSTANT, {'_v': 'created_c'})\n"
            "print(json.dumps([text, 'sqlglot' in sys.modules]))")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      env=env, check=True, timeout=60).stdout) for _ in range(2)]
    assert runs[0] == [runs[1][0], True]
    assert runs[1][1] is False
    assert "BETWEEN" in runs[1][0]


def test_a_run_that_finds_its_catalogue_read_parses_no_po_file(cache_home: Path) -> None:
    """The catalogues are parsed by the first run only; later runs translate the same."""
    code = ("import json, sys\nfrom reportgen.i18n import translator\n"
            "texts = [translator(lang).t('catalog.primary') for lang in ('en', 'it', 'ja')]\n"
            "texts.append(translator('ro').tn('email.intro', 2, count='2', month='x', title='t'))\n"
            "print(json.dumps([texts, 'babel.messages.pofile' in sys.modules]))")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      env=env, check=True, timeout=60).stdout) for _ in range(2)]
    assert runs[0][1] is True and runs[1][1] is False
    assert runs[0][0] == runs[1][0]
    assert len(set(runs[1][0][:3])) == 3  # three languages, three texts


def test_without_a_cache_folder_every_run_computes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No absolute cache folder (``XDG_CACHE_HOME`` relative, which the XDG specification ignores,
    and no absolute home) or code that cannot be read: the value is computed, nothing is written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", "relative-home")
    code = tmp_path / "code.py"
    code.write_text("x = 1\n", encoding="utf-8")
    calls: list[str] = []
    assert cache_folder() is None
    assert Memo("test", [code]).value("a", lambda: _counting("a", calls)) == "A"
    assert Memo("test", [code]).value("a", lambda: _counting("a", calls)) == "A"
    assert calls == ["a", "a"] and not (tmp_path / "relative").exists()
    assert not (tmp_path / "relative-home").exists()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "reportgen"  # the relative one ignored
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert Memo("test", [tmp_path / "gone.py"]).value("b", lambda: _counting("b", calls)) == "B"
    assert not (tmp_path / "cache").exists()


def test_threads_asking_at_once_lose_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the engine's tickets and surveys compile their rules on two threads at once: every entry
    # computed by either must be in the file the next run reads
    import threading as _threading
    import time as _time

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code = tmp_path / "code.py"
    code.write_text("x = 1\n", encoding="utf-8")
    filled = Memo("race", [code]).path  # a file to read first: the longer loading takes, the wider a race
    assert filled is not None
    filled.parent.mkdir(parents=True)
    filled.write_text(json.dumps({f"old-{n}": "x" * 200 for n in range(3000)}), encoding="utf-8")
    memo = Memo("race", [code])
    start = _threading.Barrier(8)

    def ask(worker: int) -> None:
        start.wait()
        for n in range(25):
            memo.value(f"{worker}-{n}", lambda n=n: (_time.sleep(0.0005), n)[1])

    threads = [_threading.Thread(target=ask, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = Memo("race", [code])
    missing = [f"{w}-{n}" for w in range(8) for n in range(25)
               if again.value(f"{w}-{n}", lambda: "computed again") == "computed again"]
    assert missing == []


def test_templates_are_compiled_once_and_again_when_edited(cache_home: Path, tmp_path: Path) -> None:
    """The email's and the site's templates are kept compiled between runs (the owner's only); a
    user's template that changed is compiled from its new text, and a damaged entry costs a compile."""
    import jinja2

    from reportgen.render.templates import bytecode_cache

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.html.j2").write_text("one {{ x }}", encoding="utf-8")

    def render(compiles: list[str]) -> str:
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=bytecode_cache())
        compile_source = environment._compile

        def counted(source: str, filename: str) -> object:
            compiles.append(filename)
            return compile_source(source, filename)

        environment._compile = counted  # type: ignore[method-assign,assignment]
        return environment.get_template("t.html.j2").render(x="<b>")

    compiles: list[str] = []
    assert render(compiles) == "one <b>" and len(compiles) == 1
    assert render(compiles) == "one <b>" and len(compiles) == 1  # a later run: found compiled
    kept = list((cache_home / "reportgen").glob("jinja2-*/*"))
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
    (folder / "t.html.j2").write_text("two {{ x }}", encoding="utf-8")
    assert render(compiles) == "two <b>" and len(compiles) == 2
    for entry in (cache_home / "reportgen").glob("jinja2-*/*"):
        entry.write_bytes(entry.read_bytes()[:40] + b"\x00garbage")  # the header kept, the code cut
    assert render(compiles) == "two <b>" and len(compiles) == 3
