"""Does a node satisfy a pod's nodeSelector and required node affinity?

The rules of the NodeAffinity filter (component-helpers' nodeaffinity): every nodeSelector
label must be on the node with that value, and, when the pod has
`requiredDuringSchedulingIgnoredDuringExecution`, at least one of its nodeSelectorTerms must
match. A term matches when all its matchExpressions (on labels) and matchFields (only
`metadata.name`) hold; a term with neither matches nothing, and a term that cannot be
evaluated (an unknown operator, Gt with a non-integer) matches nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

NAME_FIELD = "metadata.name"


def _as_int(text: Any) -> int | None:
    try:
        return int(str(text), 10)
    except ValueError:
        return None


def _compare(compare: Callable[[int, int], bool]) -> Callable[[bool, str, list[str]], bool]:
    def check(present: bool, value: str, values: list[str]) -> bool:
        if not present or len(values) != 1:
            return False
        have, bound = _as_int(value), _as_int(values[0])
        return have is not None and bound is not None and compare(have, bound)

    return check


#: operator -> (label present, label value, values) -> matches
OPERATORS: dict[str, Callable[[bool, str, list[str]], bool]] = {
    "In": lambda present, value, values: bool(values) and present and value in values,
    "NotIn": lambda present, value, values: bool(values) and not (present and value in values),
    "Exists": lambda present, value, values: not values and present,
    "DoesNotExist": lambda present, value, values: not values and not present,
    "Gt": _compare(lambda have, bound: have > bound),
    "Lt": _compare(lambda have, bound: have < bound),
}
#: matchFields accepts only these
FIELD_OPERATORS = ("In", "NotIn")


def _requirement_holds(requirement: Any, fields: Mapping[str, str], *, field_selector: bool) -> bool:
    if not isinstance(requirement, Mapping):
        return False
    key, operator = str(requirement.get("key") or ""), str(requirement.get("operator") or "")
    values = requirement.get("values") or []
    if not isinstance(values, list) or operator not in OPERATORS:
        return False
    if field_selector and (key != NAME_FIELD or operator not in FIELD_OPERATORS or len(values) != 1):
        return False
    return OPERATORS[operator](key in fields, fields.get(key, ""), [str(value) for value in values])


def term_matches(term: Any, labels: Mapping[str, str], name: str) -> bool:
    if not isinstance(term, Mapping):
        return False
    expressions = term.get("matchExpressions") or []
    match_fields = term.get("matchFields") or []
    if not isinstance(expressions, list) or not isinstance(match_fields, list):
        return False
    if not expressions and not match_fields:
        return False
    return all(_requirement_holds(e, labels, field_selector=False) for e in expressions) and all(
        _requirement_holds(f, {NAME_FIELD: name}, field_selector=True) for f in match_fields
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def matches(pod: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """True when the node satisfies the pod's nodeSelector and required node affinity."""
    spec = _mapping(pod.get("spec"))
    metadata = _mapping(node.get("metadata"))
    labels = {str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()}
    for key, value in _mapping(spec.get("nodeSelector")).items():
        if labels.get(str(key)) != str(value):
            return False
    node_affinity = _mapping(_mapping(spec.get("affinity")).get("nodeAffinity"))
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return True
    terms = _mapping(required).get("nodeSelectorTerms") or []
    name = str(metadata.get("name") or "")
    return isinstance(terms, list) and any(term_matches(term, labels, name) for term in terms)
