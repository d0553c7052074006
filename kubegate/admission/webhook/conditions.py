"""Webhooks' matchConditions evaluated with kubegate's CEL, as kube-apiserver evaluates them.

Each expression is compiled once (kept by its text) over `object`, `oldObject` and `request`,
and evaluated within the matchConditions cost budget; it must give a bool. Errors raise, and
the matcher then fails or skips the webhook by its failurePolicy.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from kubegate import cel

VARIABLES = ("object", "oldObject", "request")


@functools.lru_cache(maxsize=512)
def _program(expression: str) -> cel.Program:
    return cel.compile(expression, list(VARIABLES))


def evaluate(expression: str, activation: Mapping[str, Any]) -> bool:
    try:
        program = _program(expression)
    except cel.CompileError as error:
        raise ValueError(f"compilation failed: {error}") from None
    result = program.evaluate(
        {name: activation.get(name) for name in VARIABLES},
        limit=cel.PER_CALL_LIMIT, budget=cel.Budget(cel.MATCH_CONDITIONS_BUDGET),
    )
    if not isinstance(result, bool):
        raise TypeError(f"matchCondition must evaluate to bool, got {type(result).__name__}")
    return result
