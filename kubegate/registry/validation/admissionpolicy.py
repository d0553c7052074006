"""ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding validation (admissionregistration/v1).

The texts of k8s.io/kubernetes' admissionregistration validation, with every CEL expression
compiled where the real server compiles it: `spec.validations[0].expression: Invalid value:
"object.x +": compilation failed: ERROR: <input>:1:11: Syntax error: ...`, and result types
checked (`must evaluate to bool but got int`). The binding's match resources are reported under
`spec.matchResouces`, spelt as the real server spells it.
"""

from __future__ import annotations

import re
from typing import Any

from kubegate import cel
from kubegate.registry.validation.field import (
    Errors,
    child,
    duplicate,
    forbidden,
    go_strings,
    index,
    invalid,
    items,
    mapping,
    not_supported,
    required,
    text,
)

FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Equivalent", "Exact")
ACTIONS = ("Audit", "Deny", "Warn")
REASONS = ("Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized")
OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
NOT_FOUND_ACTIONS = ("Deny", "Allow")
MAX_AUDIT_ANNOTATIONS = 20
MAX_VALUE_EXPRESSION = 5 * 1024
_IDENTIFIER = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")
_RESERVED = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
    "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
})
_BASE = ("object", "oldObject", "request", "namespaceObject")


def validate_policy(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    path = "spec"
    problems: Errors = []
    policy = spec.get("failurePolicy")
    if policy is None:
        problems.append(required(child(path, "failurePolicy")))
    elif policy not in FAILURE_POLICIES:
        problems.append(not_supported(child(path, "failurePolicy"), policy, FAILURE_POLICIES))
    names = list(_BASE)
    if spec.get("paramKind") is not None:
        names.append("params")
        problems += _param_kind(mapping(spec.get("paramKind")), child(path, "paramKind"))
    if spec.get("variables"):
        names.append("variables")
    variables = tuple(names)
    constraints = spec.get("matchConstraints")
    if constraints is None:
        problems.append(required(child(path, "matchConstraints")))
    else:
        problems += _match_resources(mapping(constraints), child(path, "matchConstraints"))
        if not items(mapping(constraints).get("resourceRules")):
            problems.append(required(child(path, "matchConstraints", "resourceRules")))
    problems += _match_conditions(spec.get("matchConditions"), child(path, "matchConditions"), variables)
    for number, variable in enumerate(items(spec.get("variables"))):
        problems += _variable(mapping(variable), index(child(path, "variables"), number), variables)
    validations, annotations = items(spec.get("validations")), items(spec.get("auditAnnotations"))
    if not validations and not annotations:
        detail = "validations or auditAnnotations must contain at least one item"
        return problems + [required(child(path, "validations"), detail), required(child(path, "auditAnnotations"), detail)]
    for number, validation in enumerate(validations):
        problems += _validation(mapping(validation), index(child(path, "validations"), number), variables)
    problems += _audit_annotations(obj, annotations, child(path, "auditAnnotations"), variables)
    return problems


def validate_binding(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    path = "spec"
    problems: Errors = []
    if not text(spec.get("policyName")):
        problems.append(required(child(path, "policyName")))
    ref = spec.get("paramRef")
    if ref is not None:
        problems += _param_ref(mapping(ref), child(path, "paramRef"))
    if spec.get("matchResources") is not None:
        problems += _match_resources(mapping(spec.get("matchResources")), child(path, "matchResouces"))
    problems += _validation_actions(spec.get("validationActions"), child(path, "validationActions"))
    return problems


# --- pieces ---------------------------------------------------------------------------------------


def _compile(expression: str, path: str, variables: tuple[str, ...], result: tuple[str, ...] = ()) -> Errors:
    try:
        program = cel.compile(expression, variables)
    except cel.CompileError as exc:
        return [invalid(path, expression, f"compilation failed: {exc}")]
    if result and program.result_type != "dyn" and program.result_type not in result:
        wanted = result[0] if len(result) == 1 else "one of [" + " ".join(result) + "]"
        return [invalid(path, expression, f"must evaluate to {wanted} but got {program.result_type}")]
    return []


def _param_kind(kind: Any, path: str) -> Errors:
    problems: Errors = []
    if not text(kind.get("apiVersion")):
        problems.append(required(child(path, "apiVersion")))
    if not text(kind.get("kind")):
        problems.append(required(child(path, "kind")))
    return problems


def _match_resources(match: Any, path: str) -> Errors:
    problems: Errors = []
    policy = match.get("matchPolicy")
    if policy is None:
        problems.append(required(child(path, "matchPolicy")))
    elif policy not in MATCH_POLICIES:
        problems.append(not_supported(child(path, "matchPolicy"), policy, MATCH_POLICIES))
    for name in ("namespaceSelector", "objectSelector"):
        if match.get(name) is None:
            problems.append(required(child(path, name)))
    for name in ("resourceRules", "excludeResourceRules"):
        for number, rule in enumerate(items(match.get(name))):
            problems += _rule(mapping(rule), index(child(path, name), number))
    return problems


def _rule(rule: Any, path: str) -> Errors:
    problems: Errors = []
    operations = items(rule.get("operations"))
    if not operations:
        problems.append(required(child(path, "operations")))
    for number, operation in enumerate(operations):
        if operation not in OPERATIONS:
            problems.append(not_supported(index(child(path, "operations"), number), operation, OPERATIONS[1:]))
    for name in ("apiGroups", "apiVersions", "resources"):
        if not items(rule.get(name)):
            problems.append(required(child(path, name)))
    return problems


def _match_conditions(conditions: Any, path: str, variables: tuple[str, ...]) -> Errors:
    problems: Errors = []
    seen: set[str] = set()
    for number, condition in enumerate(items(conditions)):
        condition = mapping(condition)
        at = index(path, number)
        expression = text(condition.get("expression")).strip()
        if not expression:
            problems.append(required(child(at, "expression")))
        else:
            problems += _compile(expression, child(at, "expression"), variables, ("bool",))
        name = text(condition.get("name"))
        if not name:
            problems.append(required(child(at, "name")))
        elif name in seen:
            problems.append(duplicate(child(at, "name"), name))
        seen.add(name)
    return problems


def _variable(variable: Any, path: str, variables: tuple[str, ...]) -> Errors:
    problems: Errors = []
    name = text(variable.get("name"))
    if not name.strip():
        problems.append(required(child(path, "name"), "name is not specified"))
    elif not _IDENTIFIER.match(name) or name in _RESERVED:
        problems.append(invalid(child(path, "name"), name, "name is not a valid CEL identifier"))
    expression = text(variable.get("expression"))
    if not expression.strip():
        problems.append(required(child(path, "expression"), "expression is not specified"))
    else:
        problems += _compile(expression, child(path, "expression"), variables)
    return problems


def _validation(validation: Any, path: str, variables: tuple[str, ...]) -> Errors:
    problems: Errors = []
    expression = text(validation.get("expression"))
    if not expression.strip():
        problems.append(required(child(path, "expression"), "expression is not specified"))
    else:
        problems += _compile(expression, child(path, "expression"), variables, ("bool",))
    message_expression = text(validation.get("messageExpression"))
    if message_expression and not message_expression.strip():
        problems.append(invalid(child(path, "messageExpression"), message_expression, "must be non-empty if specified"))
    elif message_expression.strip():
        problems += _compile(message_expression, child(path, "messageExpression"), variables, ("string",))
    message = text(validation.get("message"))
    if message and not message.strip():
        problems.append(invalid(child(path, "message"), message, "message must be non-empty if specified"))
    elif re.search(r"[\n\r]", message.strip()):
        problems.append(invalid(child(path, "message"), message, "message must not contain line breaks"))
    reason = validation.get("reason")
    if reason is not None and reason not in REASONS:
        problems.append(not_supported(child(path, "reason"), reason, REASONS))
    return problems


def _audit_annotations(obj: Any, annotations: list[Any], path: str, variables: tuple[str, ...]) -> Errors:
    problems: Errors = []
    if len(annotations) > MAX_AUDIT_ANNOTATIONS:
        problems.append(invalid(path, annotations, f"must not have more than {MAX_AUDIT_ANNOTATIONS} auditAnnotations"))
    keys: set[str] = set()
    for number, annotation in enumerate(annotations):
        annotation = mapping(annotation)
        at = index(path, number)
        key = text(annotation.get("key"))
        if not text(mapping(obj.get("metadata")).get("name")):
            problems.append(invalid(child(at, "key"), key, "requires metadata.name be non-empty"))
        expression = text(annotation.get("valueExpression")).strip()
        if not expression:
            problems.append(required(child(at, "valueExpression"), "valueExpression is not specified"))
        elif len(expression) > MAX_VALUE_EXPRESSION:
            problems.append(required(child(at, "valueExpression"), f"must not exceed {MAX_VALUE_EXPRESSION} bytes in length"))
        else:
            problems += _compile(expression, child(at, "valueExpression"), variables, ("string", "null_type"))
        if key in keys:
            problems.append(duplicate(child(at, "key"), key))
        keys.add(key)
    return problems


def _param_ref(ref: Any, path: str) -> Errors:
    problems: Errors = []
    name, selector = text(ref.get("name")), ref.get("selector")
    if name and selector is not None:
        problems.append(forbidden(child(path, "name"), "name and selector are mutually exclusive"))
        problems.append(forbidden(child(path, "selector"), "name and selector are mutually exclusive"))
    if not name and selector is None:
        problems.append(required(path, "one of name or selector must be specified"))
    action = ref.get("parameterNotFoundAction")
    if not action:
        problems.append(required(child(path, "parameterNotFoundAction")))
    elif action not in NOT_FOUND_ACTIONS:
        problems.append(not_supported(child(path, "parameterNotFoundAction"), action, NOT_FOUND_ACTIONS))
    return problems


def _validation_actions(actions: Any, path: str) -> Errors:
    problems: Errors = []
    seen: list[str] = []
    for number, action in enumerate(items(actions)):
        if action not in ACTIONS:
            problems.append(not_supported(index(path, number), action, ACTIONS))
        if action in seen:
            problems.append(duplicate(index(path, number), action))
        seen.append(action)
    if "Deny" in seen and "Warn" in seen:
        shown = go_strings(actions, "[]admissionregistration.ValidationAction")
        problems.append(invalid(path, shown, "must not contain both Deny and Warn (repeating the same validation "
                                "failure information in the API response and headers serves no purpose)"))
    if not seen:
        problems.append(required(path, "at least one validation action is required"))
    return problems
