"""Compiling an expression once and evaluating it many times, within a cost limit.

    program = cel.compile("object.spec.replicas <= 5", ["object", "oldObject"])
    program.evaluate({"object": deployment, "oldObject": None})   # -> False

`compile` type-checks (a bad expression raises `CompileError` with the checker's issues);
`evaluate` first bounds the cost with the data it is given (`kubegate.cel.cost`) and refuses,
with cel-go's `operation cancelled: actual cost limit exceeded`, an expression that could cost
more than its limit (1,000,000 by default, kube-apiserver's per-expression limit). A `Budget`
shared by several evaluations plays the per-policy 10,000,000. An `Activation` converts and
measures the variables once for several programs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kubegate.cel import ast, cost, environment, shapes
from kubegate.cel.errors import (
    CompileError,
    CostLimitExceeded,
    EvaluationError,
    compile_text,
    runtime_text,
)
from kubegate.cel.limits import OUT_OF_BUDGET, PER_CALL_LIMIT, RUNTIME_BUDGET


class OutOfBudget(EvaluationError):
    """The evaluations sharing a `Budget` have used it up."""

    def __init__(self) -> None:
        super().__init__(OUT_OF_BUDGET)


class Budget:
    """What is left of a cost budget that several evaluations share."""

    __slots__ = ("remaining",)

    def __init__(self, total: int = RUNTIME_BUDGET) -> None:
        self.remaining = total

    def spend(self, amount: int) -> None:
        if amount > self.remaining:
            self.remaining = -1
            raise OutOfBudget()
        self.remaining -= amount


class Activation:
    """The values of the variables for evaluations; converted and measured once, then shared."""

    __slots__ = ("_native", "_shapes", "values")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)
        self._shapes: dict[str, shapes.Shape] | None = None
        self._native: dict[int, Any] = {}

    def shapes(self) -> dict[str, shapes.Shape]:
        if self._shapes is None:
            self._shapes = {name: shapes.of(value) for name, value in self.values.items()}
        return self._shapes

    def native(self, env: Any) -> Any:
        key = id(env)
        if key not in self._native:
            self._native[key] = env.Activation(self.values)
        return self._native[key]


class Program:
    """A compiled expression."""

    __slots__ = ("_env", "_expression", "_tree", "result_type", "source", "variables")

    def __init__(self, source: str, variables: frozenset[str], env: Any, expression: Any) -> None:
        self.source = source
        self.variables = variables
        self._env = env
        self._expression = expression
        self._tree: ast.Node | None = None
        #: the checked result type, as cel-go names it (`bool`, `string`, `list(dyn)`, `dyn` ...)
        self.result_type = go_type_name(expression.return_type().name())

    def selected_fields(self, variable: str) -> set[str]:
        """The fields the expression selects on `variable` (`variables.a` -> {"a"})."""
        return {
            node.name for node in self._nodes()
            if node.kind == "select" and node.target is not None and node.target.kind == "ident"
            and node.target.name == variable
        }

    def identifiers(self) -> set[str]:
        """The identifiers the expression reads (comprehension variables included)."""
        return {node.name for node in self._nodes() if node.kind == "ident"}

    def _nodes(self) -> Iterator[ast.Node]:
        stack = [self._ast()]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(part for part in (node.target, *node.args, *node.parts.values()) if part is not None)
            stack.extend(key for key in node.keys if isinstance(key, ast.Node))

    def _ast(self) -> ast.Node:
        if self._tree is None:
            self._tree = ast.decode(self._expression.serialize())
        return self._tree

    def estimate(self, activation: Activation | Mapping[str, Any]) -> int:
        """The cost bound of evaluating with these values."""
        activation = _activation(activation)
        return cost.estimate(self._ast(), activation.shapes())

    def evaluate(
        self, activation: Activation | Mapping[str, Any], *, limit: int = PER_CALL_LIMIT, budget: Budget | None = None,
    ) -> Any:
        """The value of the expression (plain Python: bool, int, float, str, bytes, list, dict,
        None, ...). Raises `EvaluationError` for an error value, `CostLimitExceeded` when it
        could cost more than `limit`, `OutOfBudget` when `budget` cannot pay for it."""
        activation = _activation(activation)
        estimate = self.estimate(activation)
        if estimate > limit:
            raise CostLimitExceeded(estimate)
        if budget is not None:
            budget.spend(estimate)
        try:
            result = self._expression.eval(activation.native(self._env))
        except RuntimeError as exc:  # cel-cpp's own limits (iterations, recursion) end here
            raise EvaluationError(runtime_text(str(exc))) from None
        kind = result.type().name()
        if kind == "ERROR":
            raise EvaluationError(runtime_text(str(result.value())))
        try:
            return result.plain_value()
        except (TypeError, RuntimeError):
            raise EvaluationError(f"unsupported result type: {go_type_name(kind)}") from None


def compile(expression: str, variables: Iterable[str]) -> Program:
    """Parse and type-check `expression` with `variables` declared (as `dyn`).

    Raises `CompileError` whose text is the checker's issues (`ERROR: <input>:1:3: ...`)."""
    names = frozenset(variables)
    env = environment.environment(names)
    try:
        compiled = env.compile(expression)
    except RuntimeError as exc:
        raise CompileError(compile_text(str(exc))) from None
    return Program(expression, names, env, compiled)


def _activation(values: Activation | Mapping[str, Any]) -> Activation:
    return values if isinstance(values, Activation) else Activation(values)


_SIMPLE = {
    "BOOL": "bool", "INT": "int", "UINT": "uint", "DOUBLE": "double", "STRING": "string", "BYTES": "bytes",
    "NULL": "null_type", "DYN": "dyn", "TYPE": "type", "TIMESTAMP": "google.protobuf.Timestamp",
    "DURATION": "google.protobuf.Duration", "ERROR": "*error*", "ANY": "any",
}  # fmt: skip
_GENERIC = re.compile(r"^(LIST|MAP)<(.*)>$")


def go_type_name(name: str) -> str:
    """cel-go's name of a type cel-cpp names `LIST<DYN>`, `MAP<STRING, INT>`, `BOOL` ..."""
    match = _GENERIC.match(name)
    if match:
        inner = [go_type_name(part.strip()) for part in _split_params(match.group(2))]
        return f"{match.group(1).lower()}({', '.join(inner)})"
    return _SIMPLE.get(name, name)


def _split_params(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts
