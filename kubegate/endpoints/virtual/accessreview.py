"""What the access reviews share: reading the body, validation, attributes and the answer.

Mirrors pkg/apis/authorization/validation and pkg/registry/authorization/util: a review is
read as its Go type would be (a wrong JSON type is the real 400), validated with the real
messages (422 `.authorization.k8s.io "" is invalid`, the kind being blank once decoded), turned
into authorizer Attributes, and answered (201) with the echoed spec and a status decided by the
same authorizer chain that guards every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web

from kubegate.api import errors
from kubegate.api.errors import CAUSE_INVALID, FieldError
from kubegate.api.fields import parse_field_selector
from kubegate.api.gotypes import (
    BOOL,
    OBJECT_META,
    STRING,
    STRINGS,
    GoValue,
    ListMap,
    ListOf,
    Struct,
    first_type_error,
    go_object_meta,
    object_meta_is_empty,
)
from kubegate.api.labels import parse_label_selector
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, check_kind, read_object
from kubegate.endpoints.responses import value_response

GROUP = "authorization.k8s.io"
API_VERSION = f"{GROUP}/v1"

RESOURCE_FIELDS = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
NON_RESOURCE_FIELDS = ("path", "verb")
SELECTOR_FIELDS = ("fieldSelector", "labelSelector")
SUBJECT_FIELDS = ("user", "groups", "extra", "uid")

RESOURCE_ATTRIBUTES = Struct("ResourceAttributes", {
    **{name: STRING for name in RESOURCE_FIELDS},
    "fieldSelector": Struct("FieldSelectorAttributes", {
        "rawSelector": STRING, "requirements": ListOf("v1.FieldSelectorRequirement"),
    }),
    "labelSelector": Struct("LabelSelectorAttributes", {
        "rawSelector": STRING, "requirements": ListOf("v1.LabelSelectorRequirement"),
    }),
})
NON_RESOURCE_ATTRIBUTES = Struct("NonResourceAttributes", {name: STRING for name in NON_RESOURCE_FIELDS})
SELF_SPEC = Struct("SelfSubjectAccessReviewSpec", {
    "resourceAttributes": RESOURCE_ATTRIBUTES, "nonResourceAttributes": NON_RESOURCE_ATTRIBUTES,
})
SUBJECT_SPEC = Struct("SubjectAccessReviewSpec", {
    **SELF_SPEC.fields, "user": STRING, "groups": STRINGS, "extra": ListMap("v1.ExtraValue"), "uid": STRING,
})
ACCESS_STATUS = Struct("SubjectAccessReviewStatus", {
    "allowed": BOOL, "denied": BOOL, "reason": STRING, "evaluationError": STRING,
})


async def read_review(request: web.Request, target: Target, *, spec: Struct, status: Struct) -> dict[str, Any]:
    """The body as a dict whose fields have the JSON types the Go struct needs, or the real 400."""
    body = await read_object(request)
    check_kind(target.spec, body)
    kind = target.spec.kind
    shape = Struct(kind, {"metadata": OBJECT_META, "spec": spec, "status": status})
    error = first_type_error(body, shape)
    if error is not None:
        raise errors.bad_request(f'{kind} in version "v1" cannot be handled as a {kind}: {error}')
    return body


def metadata_of(body: Mapping[str, Any], *, namespace: str = "") -> dict[str, Any]:
    """The body's metadata as the create handler leaves it: namespace cleared or defaulted."""
    metadata = dict(body.get("metadata") or {})
    metadata.pop("namespace", None)
    if namespace:
        metadata["namespace"] = namespace
    return metadata


def go_non_resource_attributes(attributes: Mapping[str, Any]) -> GoValue:
    path, verb = (str(attributes.get(name) or "") for name in NON_RESOURCE_FIELDS)
    return GoValue(f'authorization.NonResourceAttributes{{Path:"{path}", Verb:"{verb}"}}')


def validate_spec(spec: Mapping[str, Any], *, subject: bool) -> list[FieldError]:
    """ValidateSubjectAccessReviewSpec (subject) or ValidateSelfSubjectAccessReviewSpec."""
    problems: list[FieldError] = []
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and non_resource is not None:
        problems.append(FieldError(
            CAUSE_INVALID, "spec.nonResourceAttributes",
            "cannot be specified in combination with resourceAttributes",
            bad_value=go_non_resource_attributes(non_resource),
        ))
    if resource is None and non_resource is None:
        problems.append(FieldError(
            CAUSE_INVALID, "spec.resourceAttributes",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified", bad_value="null",
        ))
    if subject and not spec.get("user") and not spec.get("groups"):
        problems.append(FieldError(
            CAUSE_INVALID, "spec.user", "at least one of user or group must be specified",
            bad_value=spec.get("user") or "",
        ))
    return problems


def validate_metadata(metadata: Mapping[str, Any], *, except_namespace: bool = False) -> list[FieldError]:
    ignore = ("managedFields", "namespace") if except_namespace else ("managedFields",)
    if object_meta_is_empty(metadata, ignore=ignore):
        return []
    detail = "must be empty except for namespace" if except_namespace else "must be empty"
    return [FieldError(CAUSE_INVALID, "metadata", detail, bad_value=go_object_meta(metadata))]


def invalid_review(problems: list[FieldError]) -> errors.StatusError:
    # the decoded internal object has no kind left, hence the blank before the group
    return errors.invalid("", "", problems, group=GROUP)


def subject_of(spec: Mapping[str, Any]) -> UserInfo:
    """The user a SubjectAccessReview asks about: exactly as given, no groups added."""
    extra = {str(key): tuple(v or "" for v in values or ()) for key, values in (spec.get("extra") or {}).items()}
    return UserInfo(
        name=spec.get("user") or "",
        uid=spec.get("uid") or "",
        groups=tuple(group or "" for group in spec.get("groups") or ()),
        extra=MappingProxyType(extra),
    )


_SELECTOR_PARSERS = {"fieldSelector": parse_field_selector, "labelSelector": parse_label_selector}


def _raw_selectors(resource: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The raw selectors an authorizer may see, and the parse errors that made one be ignored."""
    selectors: dict[str, str] = {}
    ignored: list[str] = []
    for name, parse in _SELECTOR_PARSERS.items():
        raw = (resource.get(name) or {}).get("rawSelector") or ""
        if not raw:
            continue
        try:
            parse(raw)
        except errors.StatusError:
            ignored.append(f"spec.resourceAttributes.{name} ignored due to parse error")
            continue
        selectors[name] = raw
    return selectors, ignored


def selector_errors(spec: Mapping[str, Any]) -> list[str]:
    """What goes into status.evaluationError besides the authorizer's own error."""
    resource = spec.get("resourceAttributes")
    return [] if resource is None else _raw_selectors(resource)[1]


def attributes_from(spec: Mapping[str, Any], user: UserInfo) -> Attributes:
    resource = spec.get("resourceAttributes")
    if resource is not None:
        fields = {name: resource.get(name) or "" for name in RESOURCE_FIELDS}
        selectors, _ = _raw_selectors(resource)
        return Attributes(
            user=user,
            verb=fields["verb"],
            is_resource_request=True,
            namespace=fields["namespace"],
            api_group=fields["group"],
            api_version=fields["version"] or "*",  # an unset version matches every version
            resource=fields["resource"],
            subresource=fields["subresource"],
            name=fields["name"],
            field_selector=selectors.get("fieldSelector", ""),
            label_selector=selectors.get("labelSelector", ""),
        )
    non_resource = spec.get("nonResourceAttributes") or {}
    return Attributes(
        user=user,
        verb=non_resource.get("verb") or "",
        is_resource_request=False,
        path=non_resource.get("path") or "",
    )


def _without_empty(value: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: value[name] for name in fields if value.get(name)}


def echo_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec as the real server writes it back: Go field order, empty fields omitted."""
    out: dict[str, Any] = {}
    resource = spec.get("resourceAttributes")
    if resource is not None:
        out["resourceAttributes"] = _without_empty(resource, RESOURCE_FIELDS)
        for name in SELECTOR_FIELDS:
            if resource.get(name) is not None:
                out["resourceAttributes"][name] = _without_empty(resource[name], ("rawSelector", "requirements"))
    non_resource = spec.get("nonResourceAttributes")
    if non_resource is not None:
        out["nonResourceAttributes"] = _without_empty(non_resource, NON_RESOURCE_FIELDS)
    out.update(_without_empty(spec, SUBJECT_FIELDS))
    return out


async def answer(
    request: web.Request, target: Target, *, spec: Mapping[str, Any], attributes: Attributes, namespace: str = ""
) -> web.StreamResponse:
    """Ask the server's authorizer chain and answer 201 with the review and its status."""
    verdict = await server_of(request).authorizer.authorize(attributes)
    status: dict[str, Any] = {"allowed": verdict.decision is Decision.ALLOW}
    if verdict.decision is Decision.DENY:
        status["denied"] = True
    if verdict.reason:
        status["reason"] = verdict.reason
    # BuildEvaluationError: the authorizer's error, then selectors that could not be parsed
    evaluation_errors = [verdict.evaluation_error] if verdict.evaluation_error else []
    evaluation_errors += selector_errors(spec)
    if evaluation_errors:
        status["evaluationError"] = "; ".join(evaluation_errors)
    review = {
        "kind": target.spec.kind,
        "apiVersion": API_VERSION,
        "metadata": {"namespace": namespace, "creationTimestamp": None} if namespace else {"creationTimestamp": None},
        "spec": echo_spec(spec),
        "status": status,
    }
    return value_response(review, target.accepted, status=201)
