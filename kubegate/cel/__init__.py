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

from kubegate.cel.errors import (
    COST_LIMIT_EXCEEDED,
    CompileError,
    CostLimitExceeded,
    EvaluationError,
)
from kubegate.cel.program import (
    MATCH_CONDITIONS_BUDGET,
    OUT_OF_BUDGET,
    PER_CALL_LIMIT,
    RUNTIME_BUDGET,
    Activation,
    Budget,
    OutOfBudget,
    Program,
    compile,
)

__all__ = [
    "COST_LIMIT_EXCEEDED", "MATCH_CONDITIONS_BUDGET", "OUT_OF_BUDGET", "PER_CALL_LIMIT", "RUNTIME_BUDGET",
    "Activation", "Budget", "CompileError", "CostLimitExceeded", "EvaluationError", "OutOfBudget", "Program",
    "compile",
]
