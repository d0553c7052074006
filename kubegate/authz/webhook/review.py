"""The SubjectAccessReview a webhook receives, and the status it answers with.

The body matches what k8s.io/apiserver (v0.32) sends, field for field and in the same order:
`{"kind", "apiVersion", "metadata": {"creationTimestamp": null}, "spec": {...}, "status":
{"allowed": false}}`, where the spec holds `resourceAttributes` (namespace, verb, group, version,
resource, subresource, name, and with AuthorizeWithSelectors on, as in 1.32, the list's field and
label selectors as requirements) or `nonResourceAttributes` (path, verb), then user, groups,
extra and uid; empty values are left out. v1beta1 differs only in naming the groups `group`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.api import fields as field_selectors
from kubegate.api import labels as label_selectors
from kubegate.authz.authorizer import Attributes

GROUP = "authorization.k8s.io"
VERSIONS = ("v1", "v1beta1")

#: label selector operator -> LabelSelectorOpX; gt and lt have no counterpart and are left out
_LABEL_OPERATORS = {
    label_selectors.IN: "In",
    label_selectors.EQUALS: "In",
    label_selectors.DOUBLE_EQUALS: "In",
    label_selectors.NOT_IN: "NotIn",
    label_selectors.NOT_EQUALS: "NotIn",
    label_selectors.EXISTS: "Exists",
    label_selectors.DOES_NOT_EXIST: "DoesNotExist",
}


def spec_for(attributes: Attributes) -> dict[str, Any]:
    """The v1 `spec`; also the cache key, as the real authorizer keys its cache by the spec."""
    spec: dict[str, Any] = {}
    if attributes.is_resource_request:
        spec["resourceAttributes"] = resource_attributes(attributes)
    else:
        spec["nonResourceAttributes"] = _omit_empty(path=attributes.path, verb=attributes.verb)
    user = attributes.user
    spec.update(_omit_empty(user=user.name, groups=list(user.groups)))
    if user.extra:
        spec["extra"] = {key: list(values) for key, values in user.extra.items()}
    spec.update(_omit_empty(uid=user.uid))
    return spec


def resource_attributes(attributes: Attributes) -> dict[str, Any]:
    out = _omit_empty(
        namespace=attributes.namespace,
        verb=attributes.verb,
        group=attributes.api_group,
        version=attributes.api_version,
        resource=attributes.resource,
        subresource=attributes.subresource,
        name=attributes.name,
    )
    if requirements := field_requirements(attributes.field_selector):
        out["fieldSelector"] = {"requirements": requirements}
    if requirements := label_requirements(attributes.label_selector):
        out["labelSelector"] = {"requirements": requirements}
    return out


def field_requirements(text: str) -> list[dict[str, Any]]:
    """`a=b` as `{key: a, operator: In, values: [b]}`, `a!=b` as NotIn; unparsable means none."""
    try:
        selector = field_selectors.parse_field_selector(text)
    except errors.StatusError:
        return []
    return [
        {"key": field, "operator": "In" if op == field_selectors.EQUALS else "NotIn", "values": [value]}
        for field, op, value in selector.requirements
    ]


def label_requirements(text: str) -> list[dict[str, Any]]:
    try:
        selector = label_selectors.parse_label_selector(text)
    except errors.StatusError:
        return []
    out: list[dict[str, Any]] = []
    for key, op, values in selector.requirements:
        operator = _LABEL_OPERATORS.get(op)
        if operator is None:
            continue
        requirement: dict[str, Any] = {"key": key, "operator": operator}
        if values:
            requirement["values"] = list(values)
        out.append(requirement)
    return out


def request_body(spec: dict[str, Any], version: str) -> dict[str, Any]:
    if version == "v1beta1" and "groups" in spec:
        spec = {("group" if key == "groups" else key): value for key, value in spec.items()}
    return {
        "kind": "SubjectAccessReview",
        "apiVersion": f"{GROUP}/{version}",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": {"allowed": False},
    }


class MalformedReview(Exception):
    """The webhook's answer does not decode as a SubjectAccessReview."""


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    allowed: bool = False
    denied: bool = False
    reason: str = ""
    evaluation_error: str = ""


#: status field -> (attribute, type); the same in v1 and v1beta1
_STATUS_FIELDS = {
    "allowed": ("allowed", bool),
    "denied": ("denied", bool),
    "reason": ("reason", str),
    "evaluationError": ("evaluation_error", str),
}


_JSON_TYPES = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}


def read_status(answer: dict[str, Any]) -> ReviewStatus:
    """The answer's `status`; a field of the wrong type is an error, as Go's decoder makes it."""
    status = answer.get("status")
    if status is None:
        return ReviewStatus()
    if not isinstance(status, dict):
        raise MalformedReview("json: cannot unmarshal status: expected an object")
    values: dict[str, Any] = {}
    for name, (attr, kind) in _STATUS_FIELDS.items():
        value = status.get(name)
        if value is None:
            continue
        if type(value) is not kind:
            go_type = "bool" if kind is bool else "string"
            raise MalformedReview(
                f"json: cannot unmarshal {_JSON_TYPES.get(type(value), 'value')} into Go struct field "
                f"SubjectAccessReviewStatus.status.{name} of type {go_type}"
            )
        values[attr] = value
    return ReviewStatus(**values)


def _omit_empty(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}
