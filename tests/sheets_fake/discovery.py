"""A small validator of request bodies against Google's discovery documents.

google-api-python-client ships the official discovery documents (Sheets v4,
Drive v3). ``Validator.problems(value, "BatchUpdateSpreadsheetRequest")``
lists, with a JSON path each: unknown fields, wrong JSON types (int32 ranges
too), values outside an enum, and field masks (``fields``) naming fields the
target message does not have.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import googleapiclient

_DOCS = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")

# the message a request's ``fields`` mask refers to, when it is not its single message-typed field
MASK_TARGETS = {"UpdateCellsRequest": "CellData", "AppendCellsRequest": "CellData",
                "RepeatCellRequest": "CellData"}
_LOCATORS = {"GridRange", "DimensionRange", "GridCoordinate", "DataSourceSheetDimensionRange"}
INT32 = (-(2 ** 31), 2 ** 31 - 1)


@cache
def discovery_document(name: str) -> dict[str, Any]:
    """``sheets.v4`` or ``drive.v3``: the discovery document shipped with google-api-python-client."""
    with open(os.path.join(_DOCS, f"{name}.json"), encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def parse_mask(mask: str) -> list[list[str]]:
    """A field mask (``a.b,c(d,e.f)``) → its paths as lists of names."""
    paths: list[list[str]] = []
    position = 0

    def parse(prefix: list[str]) -> None:
        nonlocal position
        while position < len(mask):
            start = position
            while position < len(mask) and mask[position] not in ",()":
                position += 1
            name = mask[start:position].strip()
            parts = prefix + [p for p in name.split(".")] if name else prefix
            if name and any(not p for p in name.split(".")):
                raise ValueError(f"empty name in field mask {mask!r}")
            if position < len(mask) and mask[position] == "(":
                if not name:
                    raise ValueError(f"'(' without a field name in {mask!r}")
                position += 1
                parse(parts)
                if position >= len(mask) or mask[position] != ")":
                    raise ValueError(f"unbalanced parentheses in {mask!r}")
                position += 1
            elif name:
                paths.append(parts)
            elif position < len(mask) and mask[position] == ",":
                raise ValueError(f"empty path in field mask {mask!r}")
            if position < len(mask) and mask[position] == ",":
                position += 1
                continue
            return

    parse([])
    if position != len(mask):
        raise ValueError(f"unexpected {mask[position]!r} in field mask {mask!r}")
    if not paths:
        raise ValueError("empty field mask")
    return paths


class Validator:
    def __init__(self, document: dict[str, Any]):
        self.document = document
        self.schemas: dict[str, Any] = document["schemas"]

    def query_problems(self, query: dict[str, list[str]], resource: str, method: str) -> list[str]:
        """Problems of a request's query parameters for a method (``spreadsheets.values``, ``get``):
        unknown names, values outside an enum, a parameter given twice that is not repeated."""
        node: dict[str, Any] = self.document
        for name in resource.split("."):
            node = node["resources"][name]
        declared = node["methods"][method]["parameters"]
        common = self.document.get("parameters", {})
        found = []
        for name, values in query.items():
            spec = declared.get(name) or common.get(name)
            if spec is None or spec.get("location") == "path":
                found.append(f"query: unknown parameter {name!r} for {resource}.{method}")
                continue
            if len(values) > 1 and not spec.get("repeated"):
                found.append(f"query: {name!r} given {len(values)} times")
            for value in values:
                if "enum" in spec and value not in spec["enum"]:
                    found.append(f"query: {name}={value!r} is not one of {', '.join(spec['enum'])}")
        return found

    def problems(self, value: Any, schema: str) -> list[str]:
        found: list[str] = []
        self._message(value, schema, "$", found)
        return found

    def mask_problems(self, mask: str, schema: str, where: str = "$") -> list[str]:
        """Problems of a field mask relative to a message (``*`` selects everything)."""
        try:
            paths = parse_mask(mask)
        except ValueError as exc:
            return [f"{where}: {exc}"]
        found = []
        for path in paths:
            problem = self._path(path, schema)
            if problem:
                found.append(f"{where}: field mask {'.'.join(path)!r}: {problem}")
        return found

    def _path(self, path: list[str], schema: str) -> str | None:
        current: str | None = schema
        for index, name in enumerate(path):
            if name == "*":
                return None if index == len(path) - 1 else "'*' must be last"
            if current is None:
                return f"{path[index - 1]!r} has no sub-fields"
            properties = self.schemas[current].get("properties", {})
            if name not in properties:
                return f"{current} has no field {name!r}"
            prop = properties[name]
            if prop.get("type") == "array":
                prop = prop.get("items", {})
            current = prop.get("$ref")
            if current is None and prop.get("type") == "object":
                return None  # a map: keys are free
        return None

    def _message(self, value: Any, schema: str, where: str, found: list[str]) -> None:
        if not isinstance(value, dict):
            found.append(f"{where}: expected an object ({schema}), got {type(value).__name__}")
            return
        properties = self.schemas[schema].get("properties", {})
        for name, item in value.items():
            if name not in properties:
                found.append(f"{where}: unknown field {name!r} in {schema}")
                continue
            self._value(item, properties[name], f"{where}.{name}", found)
        mask = value.get("fields")
        if isinstance(mask, str) and properties.get("fields", {}).get("format") == "google-fieldmask":
            target = MASK_TARGETS.get(schema)
            if target is None:
                refs = [p["$ref"] for n, p in properties.items() if "$ref" in p and p["$ref"] not in _LOCATORS]
                target = refs[0] if len(refs) == 1 else None
            if target is not None:
                found.extend(self.mask_problems(mask, target, f"{where}.fields"))

    def _value(self, value: Any, prop: dict[str, Any], where: str, found: list[str]) -> None:
        if "$ref" in prop:
            self._message(value, prop["$ref"], where, found)
            return
        kind = prop.get("type")
        fmt = prop.get("format")
        if kind == "array":
            if not isinstance(value, list):
                found.append(f"{where}: expected an array, got {type(value).__name__}")
                return
            for index, item in enumerate(value):
                self._value(item, prop.get("items", {}), f"{where}[{index}]", found)
        elif kind == "object":
            if not isinstance(value, dict):
                found.append(f"{where}: expected an object, got {type(value).__name__}")
            elif "additionalProperties" in prop:
                for key, item in value.items():
                    self._value(item, prop["additionalProperties"], f"{where}[{key!r}]", found)
        elif kind == "string":
            if fmt in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool):
                return
            if not isinstance(value, str):
                found.append(f"{where}: expected a string, got {type(value).__name__}")
            elif "enum" in prop and value not in prop["enum"]:
                found.append(f"{where}: {value!r} is not one of {', '.join(prop['enum'])}")
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                found.append(f"{where}: expected an integer, got {type(value).__name__}")
            elif fmt == "int32" and not INT32[0] <= value <= INT32[1]:
                found.append(f"{where}: {value} is outside int32")
            elif fmt == "uint32" and not 0 <= value <= 2 ** 32 - 1:
                found.append(f"{where}: {value} is outside uint32")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                found.append(f"{where}: expected a number, got {type(value).__name__}")
        elif kind == "boolean" and not isinstance(value, bool):
            found.append(f"{where}: expected a boolean, got {type(value).__name__}")
        # "any" and untyped: anything goes


@cache
def sheets_validator() -> Validator:
    return Validator(discovery_document("sheets.v4"))


@cache
def drive_validator() -> Validator:
    return Validator(discovery_document("drive.v3"))
