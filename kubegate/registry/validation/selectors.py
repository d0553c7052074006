"""metav1.LabelSelector: its validation, and whether it selects a set of labels.

Workload controllers find their pods by selector, so the real validation insists that the
selector is well-formed (ValidateLabelSelector) and that it selects the pod template's own
labels. `selects` answers that second question as LabelSelectorAsSelector would: a missing
selector selects nothing, an empty one everything, and a malformed one cannot be evaluated.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.validation import names
from kubegate.registry.validation.field import (
    Errors,
    child,
    forbidden,
    index,
    invalid,
    items,
    mapping,
    required,
    text,
)
from kubegate.registry.validation.objectmeta import validate_labels

_WITH_VALUES = ("In", "NotIn")
_WITHOUT_VALUES = ("Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> Errors:
    if selector is None:
        return []
    value = mapping(selector)
    problems = validate_labels(value.get("matchLabels"), child(path, "matchLabels"))
    for position, raw in enumerate(items(value.get("matchExpressions"))):
        problems.extend(_requirement(mapping(raw), index(child(path, "matchExpressions"), position)))
    return problems


def _requirement(requirement: Any, path: str) -> Errors:
    problems: Errors = []
    operator = text(requirement.get("operator"))
    values = items(requirement.get("values"))
    if operator in _WITH_VALUES:
        if not values:
            problems.append(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in _WITHOUT_VALUES:
        if values:
            problems.append(
                forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            )
    else:
        problems.append(invalid(child(path, "operator"), operator, "not a valid selector operator"))
    key = text(requirement.get("key"))
    problems.extend(invalid(child(path, "key"), key, message) for message in names.qualified_name_errors(key))
    for position, item in enumerate(values):
        problems.extend(
            invalid(index(child(path, "values"), position), item, message)
            for message in names.label_value_errors(text(item))
        )
    return problems


def is_empty(selector: Any) -> bool:
    value = mapping(selector)
    return not value.get("matchLabels") and not value.get("matchExpressions")


def selects(selector: Any, labels: Any) -> bool | None:
    """Whether `selector` selects `labels`; None when the selector cannot be evaluated."""
    if selector is None:
        return False  # labels.Nothing()
    value = mapping(selector)
    have = {str(k): str(v) for k, v in mapping(labels).items()}
    for name, wanted in mapping(value.get("matchLabels")).items():
        if have.get(name) != wanted:
            return False
    for raw in items(value.get("matchExpressions")):
        requirement = mapping(raw)
        operator = requirement.get("operator")
        name = text(requirement.get("key"))
        values = [text(v) for v in items(requirement.get("values"))]
        if operator == "In":
            if not values:
                return None
            if have.get(name) not in values:
                return False
        elif operator == "NotIn":
            if not values:
                return None
            if name in have and have[name] in values:
                return False
        elif operator == "Exists":
            if name not in have:
                return False
        elif operator == "DoesNotExist":
            if name in have:
                return False
        else:
            return None
    return True
