"""CRD validation rules: `x-kubernetes-validations` (apiextensions' schema/cel).

Each rule is a CEL expression about `self`, the value at its schema node; a transition rule
also reads `oldSelf`, the value the node had before, and runs only on an update where the old
value exists (through object properties, map keys and `map`-type lists). A failed rule is
`<path>: Invalid value: "<schema type>": <message>`, where the message is the
messageExpression's, else `message`, else `failed rule: RULE`; `reason` makes it Forbidden,
Required or Duplicate, and `fieldPath` moves it below the node. Evaluation errors read
`<error> evaluating rule: RULE`. The rules of one object share a 10,000,000 cost budget, each
within 1,000,000 (`kubegate.cel` estimates costs before running, from the data's sizes).

At CRD write time `rule_errors` compiles every rule: `...x-kubernetes-validations[0].rule:
Invalid value: apiextensions.ValidationRule{...}: compilation failed: ERROR: <input>:...`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from kubegate import cel
from kubegate.api.errors import (
    CAUSE_DUPLICATE,
    CAUSE_FORBIDDEN,
    CAUSE_INVALID,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    FieldError,
)
from kubegate.api.gofmt import go_quote
from kubegate.api.gotypes import GoValue
from kubegate.registry.customresources.structural import child

Schema = dict[str, Any]
RULES = "x-kubernetes-validations"
SELF, OLD_SELF = "self", "oldSelf"
NIL_PATH = "<nil>"
REASONS = ("FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired")
_CAUSES = {"FieldValueForbidden": CAUSE_FORBIDDEN, "FieldValueRequired": CAUSE_REQUIRED,
           "FieldValueDuplicate": CAUSE_DUPLICATE}  # fmt: skip
_FIELD_PATH = re.compile(r"^(\.[A-Za-z_][A-Za-z0-9_]*|\['[^']*'\])+$")


# --- compiling ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str) -> cel.Program | str:
    try:
        return cel.compile(expression, (SELF, OLD_SELF))
    except cel.CompileError as exc:
        return f"compilation failed: {exc}"


def rule_errors(schema: Any, path: str) -> list[FieldError]:
    """The problems of every rule in a CRD version's schema (`path`: its openAPIV3Schema)."""
    errors: list[FieldError] = []
    for node, node_path in _schema_nodes(schema, path):
        for number, rule in enumerate(node.get(RULES) or ()):
            if isinstance(rule, dict):
                errors += _rule_problems(rule, f"{child(node_path, RULES)}[{number}]")
    return errors


def _schema_nodes(schema: Any, path: str) -> Iterator[tuple[Schema, str]]:
    if not isinstance(schema, dict):
        return
    yield schema, path
    for name, sub in (schema.get("properties") or {}).items() if isinstance(schema.get("properties"), dict) else ():
        yield from _schema_nodes(sub, f"{child(path, 'properties')}[{name}]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _schema_nodes(schema["additionalProperties"], child(path, "additionalProperties"))
    if isinstance(schema.get("items"), dict):
        yield from _schema_nodes(schema["items"], child(path, "items"))


def _rule_problems(rule: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    text = _string(rule, "rule")
    message = _string(rule, "message")
    if not text.strip():
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "rule"), "rule is not specified"))
    if message and not message.strip():
        errors.append(FieldError(CAUSE_INVALID, child(path, "message"), "message must be non-empty if specified", message))
    elif "\n" in message.strip():
        errors.append(FieldError(CAUSE_INVALID, child(path, "message"), "message must not contain line breaks", message))
    elif "\n" in text.strip() and not message:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "message"), "message must be specified if rule contains line breaks"))
    message_expression = _string(rule, "messageExpression")
    if message_expression and not message_expression.strip():
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "messageExpression"), "messageExpression must be non-empty if specified"))
    reason = rule.get("reason")
    if reason is not None and reason not in REASONS:
        detail = "supported values: " + ", ".join(go_quote(r) for r in REASONS)
        errors.append(FieldError(CAUSE_NOT_SUPPORTED, child(path, "reason"), detail, reason))
    field_path = rule.get("fieldPath")
    if isinstance(field_path, str) and field_path and not _FIELD_PATH.match(field_path):
        errors.append(FieldError(CAUSE_INVALID, child(path, "fieldPath"), "fieldPath must be a valid path", field_path))
    if errors or not text.strip():
        return errors
    program = _compiled(text)
    if isinstance(program, str):
        return [FieldError(CAUSE_INVALID, child(path, "rule"), program, _go_rule(rule))]
    if program.result_type not in ("bool", "dyn"):
        return [FieldError(CAUSE_INVALID, child(path, "rule"), "cel expression must evaluate to a bool", _go_rule(rule))]
    if message_expression.strip():
        compiled = _compiled(message_expression)
        detail = ""
        if isinstance(compiled, str):
            detail = "messageExpression " + compiled
        elif compiled.result_type not in ("string", "dyn"):
            detail = "messageExpression must evaluate to a string"
        if detail:
            errors.append(FieldError(CAUSE_INVALID, child(path, "messageExpression"), detail, _go_rule(rule)))
    if rule.get("optionalOldSelf") is not None and OLD_SELF not in program.identifiers():
        errors.append(FieldError(CAUSE_INVALID, child(path, "optionalOldSelf"),
                                 "may not be set if oldSelf is not used in rule", rule["optionalOldSelf"]))
    return errors


def _string(rule: dict[str, Any], name: str) -> str:
    value = rule.get(name)
    return value if isinstance(value, str) else ""


def _go_rule(rule: dict[str, Any]) -> GoValue:
    """`%#v` of an apiextensions.ValidationRule, as the real error prints the rule."""
    def text(name: str) -> str:
        value = rule.get(name)
        return go_quote(value if isinstance(value, str) else "")

    reason = "(*apiextensions.FieldValueErrorReason)(nil)" if rule.get("reason") is None else \
        "(*apiextensions.FieldValueErrorReason)(0xc000000000)"
    optional = "(*bool)(nil)" if rule.get("optionalOldSelf") is None else "(*bool)(0xc000000000)"
    return GoValue(
        f"apiextensions.ValidationRule{{Rule:{text('rule')}, Message:{text('message')}, "
        f"MessageExpression:{text('messageExpression')}, Reason:{reason}, FieldPath:{text('fieldPath')}, "
        f"OptionalOldSelf:{optional}}}"
    )


# --- evaluating ---------------------------------------------------------------------------------


class _Stop(Exception):
    """No further rules run (the budget is spent, or one rule was over its cost limit)."""


def validate(schema: Any, value: Any, old: Any = None, *, prefix: str = "") -> list[FieldError]:
    """The failed rules of `value` (and, on update, its `old` value) under `schema`."""
    if not isinstance(schema, dict) or not _has_rules(schema):
        return []
    errors: list[FieldError] = []
    budget = cel.Budget(cel.RUNTIME_BUDGET)
    try:
        _node(schema, value, old, prefix, errors, budget, has_old=old is not None)
    except _Stop:
        pass
    return errors


def _has_rules(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get(RULES):
        return True
    properties = schema.get("properties")
    return isinstance(properties, dict) and any(_has_rules(sub) for sub in properties.values()) or _has_rules(schema.get("additionalProperties")) \
        or _has_rules(schema.get("items"))


def _node(schema: Schema, value: Any, old: Any, path: str, errors: list[FieldError], budget: cel.Budget, *,
          has_old: bool) -> None:
    if value is None:
        return  # rules check present, non-null values only
    rules = schema.get(RULES)
    if isinstance(rules, list) and rules:
        _rules(schema, rules, value, old, path, errors, budget, has_old=has_old)
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        assert isinstance(properties, dict)
        additional = schema.get("additionalProperties")
        old_map = old if has_old and isinstance(old, dict) else {}
        for name, item in value.items():
            sub = properties.get(name)
            if isinstance(sub, dict):
                item_path = child(path, name) if path else name
            elif isinstance(additional, dict):
                sub, item_path = additional, f"{path}[{name}]"
            else:
                continue
            if _has_rules(sub):
                _node(sub, item, old_map.get(name), item_path, errors, budget, has_old=name in old_map)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict) and _has_rules(schema["items"]):
        item_schema = schema["items"]
        keys = schema.get("x-kubernetes-list-map-keys") if schema.get("x-kubernetes-list-type") == "map" else None
        old_items = _by_keys(old, keys) if has_old and keys else {}
        for number, item in enumerate(value):
            found = _key_of(item, keys) in old_items if keys else False
            previous = old_items.get(_key_of(item, keys)) if keys else None
            _node(item_schema, item, previous, f"{path}[{number}]", errors, budget, has_old=found)


def _key_of(item: Any, keys: Any) -> tuple[Any, ...]:
    return tuple(item.get(k) if isinstance(item, dict) else None for k in keys or ())


def _by_keys(items: Any, keys: Any) -> dict[tuple[Any, ...], Any]:
    return {_key_of(item, keys): item for item in items} if isinstance(items, list) else {}


def _schema_type(schema: Schema) -> str:
    kind = schema.get("type")
    if schema.get("x-kubernetes-int-or-string") is True:
        return "integer-or-string"
    return kind if isinstance(kind, str) and kind else "object"


def _rules(schema: Schema, rules: list[Any], value: Any, old: Any, path: str, errors: list[FieldError],
           budget: cel.Budget, *, has_old: bool) -> None:
    shown = path or NIL_PATH
    node_type = _schema_type(schema)
    activation = cel.Activation({SELF: value, OLD_SELF: old})
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("rule"), str) or not rule["rule"].strip():
            continue
        program = _compiled(rule["rule"])
        if isinstance(program, str):
            errors.append(FieldError(CAUSE_INVALID, shown, f"rule compile error: {program}", node_type))
            continue
        if OLD_SELF in program.identifiers() and not has_old and rule.get("optionalOldSelf") is not True:
            continue  # a transition rule, and nothing to compare with
        label = _label(rule)
        try:
            passed = program.evaluate(activation, budget=budget)
        except cel.OutOfBudget as exc:
            errors.append(FieldError(CAUSE_INVALID, shown, str(exc), node_type))
            raise _Stop() from None
        except cel.CostLimitExceeded as exc:
            detail = f"'{exc}': no further validation rules will be run due to call cost exceeds limit for rule: {label}"
            errors.append(FieldError(CAUSE_INVALID, shown, detail, node_type))
            raise _Stop() from None
        except cel.EvaluationError as exc:
            text = str(exc)
            if text.startswith("no such overload"):
                detail = f"'{text}': call arguments did not match a supported operator, function or macro signature for rule: {label}"
            else:
                detail = f"{text} evaluating rule: {label}"
            errors.append(FieldError(CAUSE_INVALID, shown, detail, node_type))
            continue
        if passed is True:
            continue
        message = _message(rule, activation, budget) or _default_message(rule)
        field_path = rule.get("fieldPath")
        target = path
        if isinstance(field_path, str) and field_path:
            target = _join(path, field_path)
        errors.append(_error(target or NIL_PATH, node_type, message, rule.get("reason")))


def _message(rule: dict[str, Any], activation: cel.Activation, budget: cel.Budget) -> str:
    source = rule.get("messageExpression")
    if not isinstance(source, str) or not source.strip():
        return ""
    program = _compiled(source)
    if isinstance(program, str):
        return ""
    try:
        value = program.evaluate(activation, budget=budget)
    except cel.EvaluationError:
        return ""
    if not isinstance(value, str) or "\n" in value.strip():
        return ""
    return value.strip()


def _default_message(rule: dict[str, Any]) -> str:
    message = rule.get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()
    return f"failed rule: {_label(rule)}"


def _label(rule: dict[str, Any]) -> str:
    message = rule.get("message")
    return message.strip() if isinstance(message, str) and message.strip() else str(rule.get("rule") or "").strip()


def _join(path: str, field_path: str) -> str:
    parts = re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]", field_path)
    out = path
    for name, quoted in parts:
        out = (child(out, name) if out else name) if name else f"{out}[{quoted}]"
    return out


def _error(path: str, node_type: str, message: str, reason: Any) -> FieldError:
    cause = _CAUSES.get(reason) if isinstance(reason, str) else None
    if cause == CAUSE_FORBIDDEN or cause == CAUSE_REQUIRED:
        return FieldError(cause, path, message)
    if cause == CAUSE_DUPLICATE:
        return FieldError(cause, path, "", node_type)
    return FieldError(CAUSE_INVALID, path, message, node_type)
