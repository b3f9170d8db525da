"""A tiny arithmetic expression over named measures.

A KPI is declared once as an expression such as
``(m("promoters") - m("detractors")) / m("nps_responses") * 100``. The same
tree gives the Python value (None when an input is missing or a denominator is
zero), the spreadsheet formula of the Calculator (guarded the same way) and the
human-readable formula text, so the three cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Union

Number = int | float
Operand = Union["Expr", int, float]

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_PRETTY = {"+": "+", "-": "−", "*": "×", "/": "÷"}


class Expr:
    """Base node; supports + - * / with numbers and other nodes."""

    def __add__(self, other: Operand) -> Expr:
        return BinOp("+", self, _wrap(other))

    def __radd__(self, other: Operand) -> Expr:
        return BinOp("+", _wrap(other), self)

    def __sub__(self, other: Operand) -> Expr:
        return BinOp("-", self, _wrap(other))

    def __rsub__(self, other: Operand) -> Expr:
        return BinOp("-", _wrap(other), self)

    def __mul__(self, other: Operand) -> Expr:
        return BinOp("*", self, _wrap(other))

    def __rmul__(self, other: Operand) -> Expr:
        return BinOp("*", _wrap(other), self)

    def __truediv__(self, other: Operand) -> Expr:
        return BinOp("/", self, _wrap(other))

    def __rtruediv__(self, other: Operand) -> Expr:
        return BinOp("/", _wrap(other), self)

    # -- the three views -------------------------------------------------
    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        raise NotImplementedError

    def render(self, name: Callable[[str], str], pretty: bool) -> str:
        raise NotImplementedError

    def measures(self) -> list[str]:
        """Measure names used, in order of first appearance."""
        raise NotImplementedError

    def denominators(self) -> list[Expr]:
        raise NotImplementedError

    def precedence(self) -> int:
        return 3

    def formula(self, cell: Callable[[str], str]) -> str:
        """A spreadsheet formula (with leading '=') that is blank on missing input or /0."""
        inputs = self.measures()
        guards = [f"COUNT({','.join(cell(n) for n in inputs)})<{len(inputs)}"]
        guards += [f"{d.render(cell, pretty=False)}=0" for d in self.denominators()]
        condition = guards[0] if len(guards) == 1 else f"OR({','.join(guards)})"
        return f'=IF({condition},"",{self.render(cell, pretty=False)})'

    def text(self, label: Callable[[str], str]) -> str:
        """Human-readable formula, e.g. '(Promoters − Detractors) ÷ NPS responses × 100'."""
        return self.render(label, pretty=True)


@dataclass(frozen=True, eq=False)
class Measure(Expr):
    name: str

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        value = values.get(self.name)
        return None if value is None else float(value)

    def render(self, name: Callable[[str], str], pretty: bool) -> str:
        return name(self.name)

    def measures(self) -> list[str]:
        return [self.name]

    def denominators(self) -> list[Expr]:
        return []


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: Number

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        return float(self.value)

    def render(self, name: Callable[[str], str], pretty: bool) -> str:
        return f"{self.value:g}"

    def measures(self) -> list[str]:
        return []

    def denominators(self) -> list[Expr]:
        return []


@dataclass(frozen=True, eq=False)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        left = self.left.evaluate(values)
        right = self.right.evaluate(values)
        if left is None or right is None:
            return None
        if self.op == "+":
            return left + right
        if self.op == "-":
            return left - right
        if self.op == "*":
            return left * right
        return None if right == 0 else left / right

    def precedence(self) -> int:
        return _PRECEDENCE[self.op]

    def render(self, name: Callable[[str], str], pretty: bool) -> str:
        mine = self.precedence()
        left = self.left.render(name, pretty)
        right = self.right.render(name, pretty)
        if self.left.precedence() < mine:
            left = f"({left})"
        # a right operand of equal precedence needs brackets for - and /
        if self.right.precedence() < mine or (
            self.right.precedence() == mine and self.op in "-/"
        ):
            right = f"({right})"
        symbol = _PRETTY[self.op] if pretty else self.op
        return f"{left} {symbol} {right}" if pretty else f"{left}{symbol}{right}"

    def measures(self) -> list[str]:
        seen = self.left.measures()
        return seen + [n for n in self.right.measures() if n not in seen]

    def denominators(self) -> list[Expr]:
        found = self.left.denominators() + self.right.denominators()
        if self.op == "/" and not isinstance(self.right, Const):
            found.append(self.right)
        return found


def m(name: str) -> Measure:
    """Shorthand for a measure reference in KPI declarations."""
    return Measure(name)


def _wrap(value: Operand) -> Expr:
    return value if isinstance(value, Expr) else Const(value)
