"""Common Expression Language for kubegate: ValidatingAdmissionPolicies, CRD validation rules,
and (for webhooks) matchConditions.

The engine is cel-cpp through the `cel-expr-python` package: Google's own implementation, with
its parser and type checker, so compile errors read as kube-apiserver's (cel-go) do. kubegate
adds the Kubernetes libraries (`library`), cel-go's error texts (`errors`) and a cost bound
computed before each evaluation (`cost` over `shapes`, on the tree of `ast`), since a cel-cpp
evaluation cannot be interrupted. The API is small:

    program = kubegate.cel.compile(expression, ["object", "oldObject", "request"])
    program.result_type                      # "bool", "string", "dyn" ...
    program.evaluate({"object": ..., ...})   # plain Python value, or EvaluationError

`Activation` shares converted variables between programs; `Budget` shares a cost budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubegate.cel.errors import (
    COST_LIMIT_EXCEEDED,
    CompileError,
    CostLimitExceeded,
    EvaluationError,
)
from kubegate.cel.limits import (
    MATCH_CONDITIONS_BUDGET,
    OUT_OF_BUDGET,
    PER_CALL_LIMIT,
    RUNTIME_BUDGET,
)

if TYPE_CHECKING:
    from kubegate.cel.program import (
        Activation,
        Budget,
        OutOfBudget,
        Program,
        compile,
    )

# The engine (cel-cpp, protobuf, re2 and the Kubernetes libraries) costs ~80 ms to import, and
# most servers never hold a CEL rule: `kubegate.cel.program` loads on the first use of a name
# below (a policy, a CRD rule or a matchCondition), not when a caller imports `kubegate.cel`.
_PROGRAM_NAMES = frozenset({"Activation", "Budget", "OutOfBudget", "Program", "compile"})


def __getattr__(name: str) -> Any:
    if name in _PROGRAM_NAMES:
        from kubegate.cel import program

        value = getattr(program, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COST_LIMIT_EXCEEDED", "MATCH_CONDITIONS_BUDGET", "OUT_OF_BUDGET", "PER_CALL_LIMIT", "RUNTIME_BUDGET",
    "Activation", "Budget", "CompileError", "CostLimitExceeded", "EvaluationError", "OutOfBudget", "Program",
    "compile",
]
