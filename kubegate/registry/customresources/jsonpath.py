"""The JSONPath that printer columns and selectable fields are written in (client-go jsonpath).

A CRD's `additionalPrinterColumns[].jsonPath` is evaluated as the template `{<path>}` with
missing keys allowed, and a cell shows the first result. Supported here: `.field`,
`['field']`, `[n]` (negative counts from the end), `[start:end]`, `[*]` and `.*`, `..field`
(recursive descent) and filters `[?(@.a.b == "x")]` with `==`, `!=`, `<`, `<=`, `>`, `>=`
against a string or number literal, or `[?(@.a)]` for presence. That covers what CRDs use
(`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Step = Callable[[Any], Iterator[Any]]

_NAME = re.compile(r"[A-Za-z0-9_\-/$]+")
_FILTER = re.compile(
    r"""\?\(\s*@((?:\.[A-Za-z0-9_\-/]+|\[['"][^'"]*['"]\])*)\s*"""
    r"""(?:(==|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?))?\s*\)"""
)
_SLICE = re.compile(r"(-?\d*)\s*:\s*(-?\d*)")


class JSONPathError(ValueError):
    """The expression is not a JSONPath this module understands."""


@dataclass(frozen=True, slots=True)
class JSONPath:
    expression: str
    steps: tuple[Step, ...]

    def find(self, obj: Any) -> list[Any]:
        """Every value the path reaches in `obj`, in document order (missing keys give none)."""
        current = [obj]
        for step in self.steps:
            current = [found for value in current for found in step(value)]
        return current

    def first(self, obj: Any) -> tuple[bool, Any]:
        """(found, value) of the first result, as a printer column reads it."""
        results = self.find(obj)
        return (True, results[0]) if results else (False, None)


def compile_path(expression: str) -> JSONPath:
    """Parse `expression` (with or without the surrounding `{}`); JSONPathError if malformed."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    text = text.removeprefix("$")
    steps: list[Step] = []
    position = 0
    while position < len(text):
        char = text[position]
        if text.startswith("..", position):
            match = _NAME.match(text, position + 2)
            if match is None:
                raise JSONPathError(f"unrecognized identifier in {expression!r}")
            steps.append(_recursive(match.group()))
            position = match.end()
        elif char == ".":
            if text.startswith(".*", position):
                steps.append(_wildcard)
                position += 2
                continue
            match = _NAME.match(text, position + 1)
            if match is None:
                if position + 1 == len(text):  # a lone "." is the object itself
                    break
                raise JSONPathError(f"unrecognized character in {expression!r} at {position + 1}")
            steps.append(_field(match.group()))
            position = match.end()
        elif char == "[":
            end = _closing_bracket(text, position, expression)
            steps.append(_bracket(text[position + 1 : end].strip(), expression))
            position = end + 1
        elif char.isspace():
            position += 1
        else:
            raise JSONPathError(f"unrecognized character in {expression!r} at {position}")
    return JSONPath(expression, tuple(steps))


def _closing_bracket(text: str, start: int, expression: str) -> int:
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0 and char == "]":
                return index
    raise JSONPathError(f"unclosed array expect ] in {expression!r}")


def _bracket(inner: str, expression: str) -> Step:
    if inner == "*":
        return _wildcard
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return _field(inner[1:-1])
    if inner.startswith("?"):
        match = _FILTER.fullmatch(inner)
        if match is None:
            raise JSONPathError(f"unrecognized filter in {expression!r}")
        return _filter(match.group(1), match.group(2), match.group(3))
    if (slice_match := _SLICE.fullmatch(inner)) is not None:
        start, stop = (int(part) if part else None for part in slice_match.groups())
        return _slice(start, stop)
    try:
        return _index(int(inner))
    except ValueError:
        raise JSONPathError(f"unrecognized array index in {expression!r}") from None


def _field(name: str) -> Step:
    def step(value: Any) -> Iterator[Any]:
        if isinstance(value, dict) and name in value:
            yield value[name]

    return step


def _wildcard(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from (value[key] for key in sorted(value))
    elif isinstance(value, list):
        yield from value


def _recursive(name: str) -> Step:
    def step(value: Any) -> Iterator[Any]:
        if isinstance(value, dict):
            if name in value:
                yield value[name]
            for key in sorted(value):
                yield from step(value[key])
        elif isinstance(value, list):
            for item in value:
                yield from step(item)

    return step


def _index(index: int) -> Step:
    def step(value: Any) -> Iterator[Any]:
        if isinstance(value, list) and -len(value) <= index < len(value):
            yield value[index]

    return step


def _slice(start: int | None, stop: int | None) -> Step:
    def step(value: Any) -> Iterator[Any]:
        if isinstance(value, list):
            yield from value[start:stop]

    return step


def _filter(path: str, operator: str | None, literal: str | None) -> Step:
    inner = compile_path(path) if path else JSONPath("", ())
    expected = _literal(literal) if literal is not None else None

    def matches(item: Any) -> bool:
        found = inner.find(item)
        if operator is None:
            return bool(found)
        return any(_compare(value, operator, expected) for value in found)

    def step(value: Any) -> Iterator[Any]:
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        yield from (item for item in items if matches(item))

    return step


def _literal(text: str) -> Any:
    if text[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return float(text) if "." in text else int(text)


def _compare(value: Any, operator: str, expected: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return False
    if isinstance(expected, str) != isinstance(value, str):
        return operator == "!="  # a string never equals a number
    if operator == "==":
        return bool(value == expected)
    if operator == "!=":
        return bool(value != expected)
    if operator == "<":
        return bool(value < expected)
    if operator == "<=":
        return bool(value <= expected)
    if operator == ">":
        return bool(value > expected)
    return bool(value >= expected)
