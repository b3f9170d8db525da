"""One documented tree of errors: every exception class reportgen defines derives from
ReportgenError (so the CLI tells it in one line) and is named in ``reportgen.errors``' docstring."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import reportgen
from reportgen import errors
from reportgen.errors import ReportgenError


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    package = Path(reportgen.__file__).parent
    for path in sorted(package.rglob("*.py")):  # (some folders are namespace packages)
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__main__":  # runs the command when imported
            continue
        if parts[-1] == "__init__":
            parts.pop()
        module = importlib.import_module(".".join(parts))
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == module.__name__):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_exception_class_is_under_the_root_and_in_the_documented_tree() -> None:
    classes = _exception_classes()
    assert {"reportgen.transport.UncertainWrite", "reportgen.sources.api.http.AuthError",
            "reportgen.gates.QualityGateError", "reportgen.sources.api.pull.PullIncomplete"} <= set(classes)
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, ReportgenError))
    assert outside == [], f"not derived from ReportgenError: {outside}"
    documented = {"ReportgenError", *re.findall(r"[─└├]── (\w+)", errors.__doc__ or "")}
    missing = sorted(name for name, cls in classes.items() if cls.__name__ not in documented)
    assert missing == [], f"not in the tree of reportgen/errors.py's docstring: {missing}"
    assert documented <= {cls.__name__ for cls in classes.values()}, "the tree names a class that is gone"


def test_the_tree_shows_each_class_under_its_parent() -> None:
    """The drawing's indentation is the inheritance: each name sits under its direct base."""
    classes = {cls.__name__: cls for cls in _exception_classes().values()}
    parents: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.search(r"[─└├]── (\w+)", line)
        if line.strip() == "ReportgenError":
            parents = [(line.index("R"), "ReportgenError")]
        if not match:
            continue
        depth = match.start(1)
        while parents and parents[-1][0] >= depth:
            parents.pop()
        assert parents, line
        parent = parents[-1][1]
        assert parent in (base.__name__ for base in classes[match.group(1)].__bases__), line
        parents.append((depth, match.group(1)))


def test_an_uncertain_write_keeps_its_phrase_and_is_told_in_one_line() -> None:
    from reportgen.sheets.client import TransportError, UncertainWrite

    error = UncertainWrite("no answer (timed out)\nretry")
    assert isinstance(error, TransportError) and isinstance(error, ReportgenError)
    assert error.what == "no answer (timed out)\nretry"  # the callers word their messages with it
    assert str(error) == "no answer (timed out)\\nretry"
