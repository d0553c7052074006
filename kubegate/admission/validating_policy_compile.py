"""A ValidatingAdmissionPolicy's expressions, compiled once per version of the policy.

Which variables each kind of expression may use follows kube-apiserver: `object`, `oldObject`,
`request`, `namespaceObject` always; `params` when the policy has a paramKind; `variables` when
it declares variables (`authorizer` is not offered: kubegate has no authorizer library yet).
An expression that does not compile is kept as its error, for the failure policy to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubegate import cel

BASE_VARIABLES = ("object", "oldObject", "request", "namespaceObject")


@dataclass(frozen=True, slots=True)
class Compiled:
    """One expression: its text, and its program or the reason it has none."""

    source: str
    program: cel.Program | None
    error: str = ""  # `compilation failed: ...`


@dataclass(frozen=True, slots=True)
class Validation:
    expression: Compiled
    message: str
    message_expression: Compiled | None
    reason: str


@dataclass(slots=True)
class CompiledPolicy:
    match_conditions: list[tuple[str, Compiled]] = field(default_factory=list)
    variables: list[tuple[str, Compiled]] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    audit_annotations: list[tuple[str, Compiled]] = field(default_factory=list)


def variables_for(spec: Mapping[str, Any]) -> tuple[str, ...]:
    names = list(BASE_VARIABLES)
    if spec.get("paramKind") is not None:
        names.append("params")
    if spec.get("variables"):
        names.append("variables")
    return tuple(names)


def compile_expression(source: str, variables: tuple[str, ...]) -> Compiled:
    try:
        return Compiled(source, cel.compile(source, variables))
    except cel.CompileError as exc:
        return Compiled(source, None, f"compilation failed: {exc}")


def compile_policy(policy: Mapping[str, Any]) -> CompiledPolicy:
    spec = policy.get("spec") if isinstance(policy.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    names = variables_for(spec)
    out = CompiledPolicy()
    for condition in _items(spec.get("matchConditions")):
        out.match_conditions.append((str(condition.get("name") or ""), compile_expression(_text(condition), names)))
    for variable in _items(spec.get("variables")):
        out.variables.append((str(variable.get("name") or ""), compile_expression(_text(variable), names)))
    for validation in _items(spec.get("validations")):
        message_expression = validation.get("messageExpression")
        out.validations.append(Validation(
            expression=compile_expression(_text(validation), names),
            message=str(validation.get("message") or ""),
            message_expression=compile_expression(message_expression, names)
            if isinstance(message_expression, str) and message_expression.strip() else None,
            reason=str(validation.get("reason") or ""),
        ))
    for annotation in _items(spec.get("auditAnnotations")):
        source = annotation.get("valueExpression")
        out.audit_annotations.append(
            (str(annotation.get("key") or ""), compile_expression(source if isinstance(source, str) else "", names))
        )
    return out


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(item: Mapping[str, Any]) -> str:
    value = item.get("expression")
    return value if isinstance(value, str) else ""
