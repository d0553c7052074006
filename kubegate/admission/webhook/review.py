"""The AdmissionReview a webhook receives, and the checks on the one it sends back.

The request carries its fields in the real order (uid, kind, resource, subResource,
requestKind, requestResource, requestSubResource, name, namespace, operation, userInfo,
object, oldObject, dryRun, options); empty strings are left out and absent objects are `null`,
as Go's encoder writes admission/v1 AdmissionRequest. `kind`/`resource` are what the webhook
matched (another version under matchPolicy Equivalent), `requestKind`/`requestResource` what
the client asked for. The first of the webhook's admissionReviewVersions that is known (v1,
v1beta1) is used.

A reply must be an AdmissionReview of the same version with `response.uid` echoing the
request's; a validating webhook may not patch; a patch needs patchType JSONPatch. Each
failure has the real text, which `calling` wraps into `received invalid webhook response: …`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from typing import Any

from kubegate.api import gotypes
from kubegate.api.mergepatch import go_kind
from kubegate.api.user import UserInfo

GROUP = "admission.k8s.io"
KIND = "AdmissionReview"
KNOWN_VERSIONS = ("v1", "v1beta1")
JSON_PATCH = "JSONPatch"

_STATUS = gotypes.Struct("Status", {"message": gotypes.STRING, "reason": gotypes.STRING, "status": gotypes.STRING})
_RESPONSE = gotypes.Struct("AdmissionResponse", {
    "uid": gotypes.STRING, "allowed": gotypes.BOOL, "status": _STATUS, "patch": gotypes.STRING,
    "patchType": gotypes.STRING, "auditAnnotations": gotypes.STRING_MAP, "warnings": gotypes.STRINGS,
})  # fmt: skip
_REVIEW = gotypes.Struct("AdmissionReview", {"response": _RESPONSE})


class InvalidResponse(Exception):
    """The reply is not a usable AdmissionReview; the message is the real server's."""


class UndecodableResponse(Exception):
    """The reply does not decode into an AdmissionReview (encoding/json's text)."""


@dataclass(frozen=True, slots=True)
class Request:
    """Everything of one call's AdmissionRequest but its uid."""

    kind: tuple[str, str, str]  # group, version, kind
    resource: tuple[str, str, str]  # group, version, resource
    subresource: str
    request_kind: tuple[str, str, str]
    request_resource: tuple[str, str, str]
    request_subresource: str
    name: str
    namespace: str
    operation: str
    user: UserInfo
    obj: dict[str, Any] | None
    old: dict[str, Any] | None
    dry_run: bool
    options: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Response:
    allowed: bool
    status: dict[str, Any] | None
    patch: bytes
    patch_type: str
    audit_annotations: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _gvk(value: tuple[str, str, str]) -> dict[str, str]:
    return {"group": value[0], "version": value[1], "kind": value[2]}


def _gvr(value: tuple[str, str, str]) -> dict[str, str]:
    return {"group": value[0], "version": value[1], "resource": value[2]}


def request_fields(request: Request, uid: str) -> dict[str, Any]:
    """The AdmissionRequest, in the real field order."""
    fields: dict[str, Any] = {"uid": uid, "kind": _gvk(request.kind), "resource": _gvr(request.resource)}
    if request.subresource:
        fields["subResource"] = request.subresource
    fields["requestKind"] = _gvk(request.request_kind)
    fields["requestResource"] = _gvr(request.request_resource)
    if request.request_subresource:
        fields["requestSubResource"] = request.request_subresource
    if request.name:
        fields["name"] = request.name
    if request.namespace:
        fields["namespace"] = request.namespace
    fields["operation"] = request.operation
    fields["userInfo"] = request.user.to_dict()
    fields["object"] = request.obj
    fields["oldObject"] = request.old
    fields["dryRun"] = request.dry_run
    fields["options"] = request.options
    return fields


def review_version(versions: tuple[str, ...]) -> str | None:
    """The first admissionReviewVersion this server speaks, or None."""
    return next((version for version in versions if version in KNOWN_VERSIONS), None)


def new_review(request: Request, version: str) -> tuple[str, dict[str, Any]]:
    uid = str(uuid.uuid4())
    return uid, {"kind": KIND, "apiVersion": f"{GROUP}/{version}", "request": request_fields(request, uid)}


def _gvk_text(api_version: Any, kind: Any) -> str:
    """schema.GroupVersionKind.String() of what the reply declared."""
    text = api_version if isinstance(api_version, str) else ""
    group, _, version = text.rpartition("/")
    return f"{group}/{version}, Kind={kind if isinstance(kind, str) else ''}"


def verify(reply: Any, *, uid: str, version: str, mutating: bool) -> Response:
    """VerifyAdmissionResponse: the reply's verdict, or `InvalidResponse` / `UndecodableResponse`."""
    if reply is None:
        raise InvalidResponse("webhook response was absent")
    if not isinstance(reply, dict):
        raise UndecodableResponse(f"json: cannot unmarshal {go_kind(reply)} into Go value of type {version}.AdmissionReview")
    problem = gotypes.first_type_error(reply, _REVIEW)
    if problem is not None:
        raise UndecodableResponse(problem)
    declared = (reply.get("apiVersion"), reply.get("kind"))
    known = {f"{GROUP}/{v}" for v in KNOWN_VERSIONS}
    if declared[1] == KIND and declared[0] in known and declared[0] != f"{GROUP}/{version}":
        raise InvalidResponse("webhook response was absent")  # decoded as another type: nothing read
    response = reply.get("response")
    if not isinstance(response, dict):
        raise InvalidResponse("webhook response was absent")
    patch = _patch_bytes(response.get("patch"))
    patch_type = response.get("patchType")
    if version == "v1":
        got_uid = response.get("uid") or ""
        if got_uid != uid:
            raise InvalidResponse(f'expected response.uid="{uid}", got "{got_uid}"')
        if declared != (f"{GROUP}/v1", KIND):
            raise InvalidResponse(
                f"expected webhook response of {GROUP}/v1, Kind={KIND}, got {_gvk_text(*declared)}"
            )
        if mutating:
            if patch and patch_type is None:
                raise InvalidResponse("webhook returned response.patch but not response.patchType")
            if not patch and patch_type is not None:
                raise InvalidResponse("webhook returned response.patchType but not response.patch")
            if patch_type is not None and not patch_type:
                raise InvalidResponse(f'webhook returned invalid response.patchType of "{patch_type}"')
        else:
            if patch:
                raise InvalidResponse("validating webhook may not return response.patch")
            if patch_type is not None:
                raise InvalidResponse("validating webhook may not return response.patchType")
    else:  # v1beta1: no uid or type checks, and a patch is always a JSON patch
        patch_type = JSON_PATCH if patch and mutating else ""
    if not mutating:
        patch, patch_type = b"", ""
    status = response.get("status")
    annotations = response.get("auditAnnotations") or {}
    return Response(
        allowed=response.get("allowed") is True,
        status=dict(status) if isinstance(status, dict) else None,
        patch=patch,
        patch_type=str(patch_type or ""),
        audit_annotations=dict(annotations),
        warnings=tuple(response.get("warnings") or ()),
    )


def _patch_bytes(value: Any) -> bytes:
    if not value:
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise UndecodableResponse("illegal base64 data at input byte 0") from None

