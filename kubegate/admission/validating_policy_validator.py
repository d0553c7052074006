"""Evaluating one compiled ValidatingAdmissionPolicy for one request (and one param object).

As k8s.io/apiserver's validating `validator`: match conditions first (any false skips the
policy, errors go to the failure policy), then every validation within one cost budget
(10,000,000, kube-apiserver's per-policy budget; each expression also within 1,000,000), each
becoming a decision: admit, deny with its message, or an error judged by the failure policy.
The message of a denial is the messageExpression's string (trimmed; dropped when empty, over
5 KiB or multi-line), else `message`, else `failed expression: EXPR`. Audit annotations yield
values to publish. Variables are evaluated in order and offered as `variables.NAME`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubegate import cel
from kubegate.admission.validating_policy_compile import Compiled, CompiledPolicy

ADMIT, DENY = "admit", "deny"
IGNORE = "Ignore"
MAX_MESSAGE_BYTES = 5 * 1024


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # ADMIT or DENY
    message: str = ""
    reason: str = ""
    error: bool = False  # an evaluation error (decided by the failure policy), not a failed check


@dataclass(slots=True)
class AuditValue:
    key: str
    value: str = ""
    error: str = ""  # an annotation that failed, decided by the failure policy


@dataclass(slots=True)
class Result:
    decisions: list[Decision] = field(default_factory=list)
    annotations: list[AuditValue] = field(default_factory=list)


def validate(compiled: CompiledPolicy, values: Mapping[str, Any], *, failure_policy: str) -> Result:
    on_error = ADMIT if failure_policy == IGNORE else DENY
    budget = cel.Budget(cel.RUNTIME_BUDGET)
    values = dict(values)
    failed_variables: dict[str, str] = {}
    if compiled.variables:
        values["variables"] = _variables(compiled, values, budget, failed_variables)
    matched, problem = _match(compiled, values, failed_variables)
    if problem:
        return Result([Decision(on_error, problem, error=True)]) if on_error == DENY else Result()
    if not matched:
        return Result()
    activation = cel.Activation(values)
    result = Result()
    for validation in compiled.validations:
        try:
            passed = _evaluate(validation.expression, activation, budget, failed_variables)
        except cel.OutOfBudget as exc:
            return Result([Decision(on_error, str(exc), error=True)])
        except _Failed as exc:
            result.decisions.append(Decision(on_error, str(exc), error=True))
            continue
        if passed is True:
            result.decisions.append(Decision(ADMIT))
            continue
        try:
            message = _message(validation.message_expression, activation, budget, failed_variables)
        except cel.OutOfBudget as exc:
            result.decisions.append(Decision(on_error, f"failed messageExpression: {exc}", error=True))
            continue
        message = message or validation.message.strip() or f"failed expression: {validation.expression.source.strip()}"
        result.decisions.append(Decision(DENY, message, validation.reason or "Invalid"))
    for key, expression in compiled.audit_annotations:
        result.annotations.append(_annotation(key, expression, activation, failed_variables, failure_policy))
    return result


class _Failed(Exception):
    """An expression that could not be evaluated; the text is kube-apiserver's decision message."""


def _evaluate(expression: Compiled, activation: cel.Activation, budget: cel.Budget | None,
              failed_variables: Mapping[str, str], *, limit: int = cel.PER_CALL_LIMIT) -> Any:
    if expression.program is None:
        raise _Failed(f"compilation error: {expression.error}")
    for name in expression.program.selected_fields("variables") if failed_variables else ():
        if name in failed_variables:
            raise _Failed(f"expression '{expression.source}' resulted in error: {failed_variables[name]}")
    try:
        return expression.program.evaluate(activation, limit=limit, budget=budget)
    except cel.OutOfBudget:
        raise
    except cel.EvaluationError as exc:
        raise _Failed(f"expression '{expression.source}' resulted in error: {exc}") from None


def _variables(compiled: CompiledPolicy, values: dict[str, Any], budget: cel.Budget,
               failed: dict[str, str]) -> dict[str, Any]:
    computed: dict[str, Any] = {}
    for name, expression in compiled.variables:
        if expression.program is None:
            failed[name] = f'composited variable "{name}" fails to compile: {expression.error}'
            continue
        try:
            computed[name] = expression.program.evaluate({**values, "variables": dict(computed)}, budget=budget)
        except cel.EvaluationError as exc:
            failed[name] = f'composited variable "{name}" fails to evaluate: {exc}'
    return computed


def _match(compiled: CompiledPolicy, values: Mapping[str, Any], failed_variables: Mapping[str, str]) -> tuple[bool, str]:
    """(matches, error text): any false condition wins over errors."""
    if not compiled.match_conditions:
        return True, ""
    activation = cel.Activation(values)
    budget = cel.Budget(cel.MATCH_CONDITIONS_BUDGET)
    problems: list[str] = []
    for _, expression in compiled.match_conditions:
        try:
            if _evaluate(expression, activation, budget, failed_variables) is False:
                return False, ""
        except cel.OutOfBudget as exc:
            return True, str(exc)
        except _Failed as exc:
            problems.append(str(exc))
    if not problems:
        return True, ""
    return True, problems[0] if len(problems) == 1 else f"[{', '.join(problems)}]"


def _message(expression: Compiled | None, activation: cel.Activation, budget: cel.Budget,
             failed_variables: Mapping[str, str]) -> str:
    if expression is None:
        return ""
    try:
        value = _evaluate(expression, activation, budget, failed_variables)
    except _Failed:
        return ""  # a failing messageExpression falls back to the message
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if len(value.encode()) > MAX_MESSAGE_BYTES or "\n" in value:
        return ""
    return value


def _annotation(key: str, expression: Compiled, activation: cel.Activation, failed_variables: Mapping[str, str],
                failure_policy: str) -> AuditValue:
    try:
        value = _evaluate(expression, activation, cel.Budget(cel.RUNTIME_BUDGET), failed_variables)
    except (_Failed, cel.OutOfBudget) as exc:
        return AuditValue(key) if failure_policy == IGNORE else AuditValue(key, error=str(exc))
    if value is None:
        return AuditValue(key)
    if not isinstance(value, str):
        return AuditValue(key, error=(
            f"valueExpression '{expression.source}' resulted in unsupported return type: {_type_name(value)}. "
            "Return type must be either string or null."
        ))
    return AuditValue(key, value.strip())


def _type_name(value: Any) -> str:
    for kind, name in ((bool, "bool"), (int, "int"), (float, "double"), (bytes, "bytes"), (list, "list"), (dict, "map")):
        if isinstance(value, kind):
            return name
    return type(value).__name__
