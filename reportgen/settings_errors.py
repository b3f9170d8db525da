"""One wording for every settings problem: config.yaml's sections, outputs.email, outputs.google_sheets.

Each problem is one clause ``<yaml key> (line N): <what is wrong>``; all the
problems of a section are reported at once in one ``ConfigError``:

    config.yaml: 2 problems: outputs.email.port (line 5): Input should be …;
    outputs.email.frm (line 7): unknown key (did you mean 'from'? known: host, port, …)

Keys are written as in the YAML (aliases such as ``from``), list items as
``share_with[0]``. Input values are never repeated (a value may be a secret).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from reportgen.errors import ConfigError

Lines = dict[tuple[str, ...], int]


MAX_YAML_VALUES = 10_000
"""A config far larger than any real one; aliases (``*name``) that expand beyond it are refused
before anything walks the document (a 1 KB "billion laughs" expands to 10⁹ values)."""


def oversized_alias(root: yaml.Node | None, limit: int = MAX_YAML_VALUES) -> yaml.Node | None:
    """The innermost node whose expansion (every alias copied out) exceeds ``limit`` values, or None.

    Sizes are memoised per node, so the check costs one visit per distinct node, never per expansion.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once instead of looping
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        sizes[id(node)] = min(total, limit + 1)
        return sizes[id(node)]

    if root is None or size(root) <= limit:
        return None
    node = root
    while True:
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        bigger = next((child for child in children if sizes[id(child)] > limit), None)
        if bigger is None:
            return node
        node = bigger


def yaml_line_numbers(text: str) -> Lines:
    """Map each YAML key path to its 1-based line, to point at problems precisely (list items by index)."""
    lines: Lines = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = (*prefix, str(key_node.value))
                lines[key] = key_node.start_mark.line + 1
                walk(value_node, key)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault((*prefix, str(index)), item.start_mark.line + 1)
                walk(item, (*prefix, str(index)))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None and oversized_alias(root) is None:
        walk(root, ())
    return lines


def file_line_numbers(path: Path | None) -> Lines:
    """``yaml_line_numbers`` of a config file; empty when there is no readable file."""
    if path is None:
        return {}
    try:
        return yaml_line_numbers(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return {}


def key_text(path: Sequence[str | int]) -> str:
    """A key path as written in messages: ``outputs.google_sheets.share_with[0].role``."""
    text = ""
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def line_of(path: Sequence[str | int], lines: Lines) -> int | None:
    """The line of a key, else of its closest enclosing key that has one."""
    probe = tuple(str(part) for part in path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the closest known name, or "".

    Besides a close spelling, a word that is the first part of exactly one name
    (``fcr`` of ``fcr_rate``) means that name.
    """
    names = list(known)
    close = difflib.get_close_matches(word, names, n=1)
    if not close and word.strip():
        start = word.strip().casefold() + "_"
        close = [name for name in names if name.casefold().startswith(start)]
    return f"did you mean '{close[0]}'?" if len(close) == 1 else ""


def unknown_key_message(word: str, known: Sequence[str]) -> str:
    """``unknown key (did you mean 'from'? known: host, port, from, …)``."""
    hints = [hint for hint in (did_you_mean(word, known), "known: " + ", ".join(known) if known else "")
             if hint]
    return "unknown key" + (f" ({' '.join(hints)})" if hints else "")


def problem(path: Sequence[str | int], message: str, lines: Lines) -> str:
    """One clause: ``<key> (line N): <message>``."""
    line = line_of(path, lines)
    return f"{key_text(path)}{f' (line {line})' if line else ''}: {message}"


def settings_error(name: str, problems: Sequence[str], hint: str | None = None) -> ConfigError:
    """Every problem of a settings file in one error: ``<file>: N problems: a; b``."""
    count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
    return ConfigError(f"{name}: {count}: " + "; ".join(problems), hint=hint)


def _keys(model: type[BaseModel]) -> dict[str, str]:
    """Field name → the key written in YAML (its alias when it has one)."""
    return {name: field.alias or name for name, field in model.model_fields.items()}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found += _models_in(argument)
    return found


def _is_container(annotation: Any) -> bool:
    """A list, tuple or dict (optionally inside ``X | None``): its items are addressed by index or key."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, dict, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_container(argument) for argument in typing.get_args(annotation))
    return False


def _model_at(model: type[BaseModel], path: Sequence[str],
              members: Collection[str] = ()) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``path`` inside ``model`` (None if unsure).

    ``members``: the union members the error's location named (a discriminated union's tags are the
    names of its models): of a field taking several models, the one named.
    """
    current: type[BaseModel] | None = model
    skip: str | None = None  # "index": skip a list index; "any": skip the key of a list/dict of models
    for part in path:
        if skip == "any" or (skip == "index" and part.isdigit()):
            skip = None
            continue
        skip = None
        if current is None:
            return None
        names = {key: name for name, key in _keys(current).items()}
        field = current.model_fields.get(names.get(part, part))
        if field is None:
            return None
        models = list(dict.fromkeys(_models_in(field.annotation)))  # `X | list[X]` is one model
        named = [found for found in models if found.__name__ in members]
        current = models[0] if len(models) == 1 else named[0] if len(named) == 1 else None
        if _is_container(field.annotation):
            # `X | list[X]`: a mapping is the item itself, a list is addressed by index
            skip = "index" if _direct_models(field.annotation) else "any"
    return current


def _is_key(model: type[BaseModel] | None, path: Sequence[str], members: Collection[str] = ()) -> bool:
    """True when the last part of ``path`` is a key of the model that validates the mapping it is in."""
    owner = _model_at(model, path[:-1], members) if model is not None and path else None
    return owner is not None and path[-1] in _keys(owner).values()


def _direct_models(annotation: Any) -> list[type[BaseModel]]:
    """The models a field accepts as they are (not inside a list or dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [model for argument in typing.get_args(annotation) for model in _direct_models(argument)]
    return []


def _all_models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """``model`` and every model reachable through its fields."""
    found: set[type[BaseModel]] = set()
    pending = [model]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        for field in current.model_fields.values():
            pending += _models_in(field.annotation)
    return found


# the labels pydantic puts into an error's location for the member of a union it tried:
# `tagged-union[…]`, `function-wrap[_own_keys()]`, `list[…]`, `literal['a','b']`, `str`…, and a
# model's name (the tag of a discriminated union's member, as config.SourceSettings names them)
_SCHEMA_TAG = re.compile(r"[a-z][a-z0-9-]*\[.*\]", re.DOTALL)
_TYPE_LABELS = frozenset({"str", "int", "float", "bool", "bytes", "none", "dict", "list", "tuple", "set",
                          "constrained-str", "constrained-int", "constrained-float", "is-instance"})
# an error about the type of the whole value that one member of a union expected
_TYPE_MISMATCH = frozenset({"model_type", "model_attributes_type", "dict_type", "list_type", "tuple_type",
                            "set_type", "string_type", "int_type", "float_type", "bool_type"})


class _Located:
    """One pydantic error, its location split into YAML keys and the union members pydantic named."""

    def __init__(self, error: Any, lines: Lines, model: type[BaseModel] | None, prefix: Sequence[str],
                 labels: Collection[str]) -> None:
        self.error = error
        self.keys: list[str] = []
        self.branches: list[tuple[tuple[str, ...], str]] = []  # (keys before the union member, member)
        self.at_member = False  # the location ends at a union member: the error is about the whole value
        for part in (str(part) for part in error["loc"] if part != "__root__"):
            written = (*prefix, *self.keys, part) in lines
            if self.keys and (_SCHEMA_TAG.fullmatch(part) or (part in labels and not written)):
                self.branches.append((tuple(self.keys), part))
                self.at_member = True
                continue
            if model is not None and not self.keys:  # field names → their YAML keys (aliases)
                part = _keys(model).get(part, part)
            self.keys.append(part)
            self.at_member = False

    @property
    def type_mismatch(self) -> bool:
        """Only "this member wanted another type": says nothing when another member said more."""
        return self.at_member and self.error["type"] in _TYPE_MISMATCH

    def said_more_than(self, other: _Located) -> bool:
        """True when ``self`` came through another member of the union ``other`` failed a type check in."""
        where, member = other.branches[-1]
        return not self.type_mismatch and any(
            place == where and tag != member for place, tag in self.branches)


def describe(error: Any, lines: Lines, *, model: type[BaseModel] | None = None,
             prefix: Sequence[str] = (), fallback_hint: str = "", hidden: Collection[str] = ()) -> str:
    """One pydantic error (from ``ValidationError.errors()``) as one clause.

    ``hidden`` are fields never written in YAML (filled in by the program): not listed as known keys.
    """
    return _describe(_Located(error, lines, model, prefix, _labels(model)), lines, model=model, prefix=prefix,
                     fallback_hint=fallback_hint, hidden=hidden)


def _labels(model: type[BaseModel] | None) -> frozenset[str]:
    names = {found.__name__ for found in _all_models(model)} if model is not None else set()
    return _TYPE_LABELS | names


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "Input should be a mapping of keys"  # not pydantic's "… or instance of SourceConfig"
    return message


def _describe(located: _Located, lines: Lines, *, model: type[BaseModel] | None, prefix: Sequence[str],
              fallback_hint: str, hidden: Collection[str], message: str | None = None) -> str:
    error, loc = located.error, located.keys
    members = {member for _, member in located.branches}
    full = (*prefix, *loc)
    # a validator's name after the real key: trim to keys seen (a key left to its default is a key)
    while (error["type"] != "missing" and len(full) > len(prefix) + 1 and full not in lines
           and full[:-1] in lines and not full[-1].isdigit()
           and not _is_key(model, full[len(prefix):], members)):
        full = full[:-1]
    message = message if message is not None else _message(error)
    if error["type"] == "extra_forbidden":
        owner = _model_at(model, loc[:-1], members) if model is not None else None
        if owner is not None:
            known = [key for key in _keys(owner).values() if key not in hidden]
            message = unknown_key_message(loc[-1], known)
        else:
            message = "unknown key" + (f" ({fallback_hint})" if fallback_hint else "")
    elif error["type"] == "missing":
        message = "required key is missing"
    return problem(full, message, lines)


def validation_problems(exc: ValidationError, lines: Lines, *, model: type[BaseModel] | None = None,
                        prefix: Sequence[str] = (), fallback_hint: str = "",
                        hidden: Collection[str] = ()) -> list[str]:
    """Every error of a ValidationError as a clause (input values left out: they may be secrets).

    A value a union field refused (``tickets: X | list[X]``) is one problem: when one member of
    the union said what is wrong inside the value, the other members' "should be a list" is left
    out; when every member only wanted another type, their wishes are one clause.
    """
    labels = _labels(model)
    located = [_Located(error, lines, model, prefix, labels) for error in exc.errors(include_input=False)]
    kept = [one for one in located if not (one.type_mismatch and any(
        other.said_more_than(one) for other in located if other is not one))]
    problems: list[str] = []
    merged: set[int] = set()
    for index, one in enumerate(kept):
        if index in merged:
            continue
        message = None
        if one.type_mismatch:  # every member of the union wanted another type: one clause
            where = one.branches[-1][0]
            same = [other for other in kept[index + 1:]
                    if other.type_mismatch and other.branches[-1][0] == where]
            merged.update(kept.index(other) for other in same)
            wishes = [_message(other.error).removeprefix("Input should be ") for other in (one, *same)]
            message = "Input should be " + " or ".join(dict.fromkeys(wishes))
        clause = _describe(one, lines, model=model, prefix=prefix, fallback_hint=fallback_hint, hidden=hidden,
                           message=message)
        if clause not in problems:
            problems.append(clause)
    return problems
