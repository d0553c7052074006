"""CEL errors: what goes wrong compiling and evaluating, with cel-go's texts where they differ.

Kubernetes quotes cel-go's texts (`no such key: foo`, `division by zero`); cel-cpp words some
of the same errors its own way and prefixes a status code (`NOT_FOUND: Key not found in map :
"foo"`). `runtime_text` maps them back; `compile_text` trims cel-cpp's decorations from the
checker's issues, which otherwise read as cel-go's (`ERROR: <input>:1:5: ...` and the caret).
"""

from __future__ import annotations

import re

#: cel-go's text when an evaluation passes its cost limit
COST_LIMIT_EXCEEDED = "operation cancelled: actual cost limit exceeded"

_STATUS_PREFIX = re.compile(r"^[A-Z_]+: ")
_STATUS_SUFFIX = re.compile(r" \[[A-Z_]+\]$")
_RUNTIME = (
    (re.compile(r'^Key not found in map : "(.*)"$', re.DOTALL), r"no such key: \1"),
    (re.compile(r"^Key not found in map : (.*)$", re.DOTALL), r"no such key: \1"),
    (re.compile(r"^divide by zero$"), "division by zero"),
    (re.compile(r"^Index error: index=(-?\d+) size=(\d+)$"), r"index out of bounds: \1"),
    (re.compile(r"^No matching overloads found : (.*)$", re.DOTALL), "no such overload"),
    (re.compile(r"^Applying SELECT to non-message type$"), "no such overload"),
    (re.compile(r"^Iteration budget exceeded$"), COST_LIMIT_EXCEEDED),
    (re.compile(r"^No value with name \"(.*)\" found in Activation$"), r"no such attribute: \1"),
)


class CompileError(ValueError):
    """An expression that does not compile; `str()` is the detail Kubernetes prints after
    `compilation failed: `."""


class EvaluationError(ValueError):
    """An evaluation that ended in an error value; `str()` is cel-go's text of it."""


class CostLimitExceeded(EvaluationError):
    """An expression whose estimated cost is over its limit: it was not run."""

    def __init__(self, estimate: int = 0) -> None:
        super().__init__(COST_LIMIT_EXCEEDED)
        self.estimate = estimate


def strip_status(text: str) -> str:
    text = _STATUS_SUFFIX.sub("", text.strip())
    return _STATUS_PREFIX.sub("", text, count=1)


def compile_text(text: str) -> str:
    return strip_status(text)


def runtime_text(text: str) -> str:
    text = strip_status(text)
    for pattern, replacement in _RUNTIME:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text
