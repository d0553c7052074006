"""Typed API errors that become `Status` objects.

Every failure a client can see is raised as a `StatusError` built by one of the constructors
below, whose messages copy k8s.io/apimachinery's `api/errors` word for word. Only the outermost
middleware turns a `StatusError` into bytes, so handlers never format error responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubegate.api.gofmt import go_quote

#: Largest request body the real apiserver accepts (3 MiB).
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StatusCause:
    """One entry of `details.causes`: a field that failed validation and why."""

    reason: str
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        cause = {"reason": self.reason, "message": self.message}
        if self.field:
            cause["field"] = self.field
        return cause


@dataclass(frozen=True, slots=True)
class FieldError:
    """A validation failure at one field path, as k8s.io/apimachinery's `field.Error`."""

    kind: str  # one of the CAUSE_* reasons below
    field: str
    detail: str = ""
    bad_value: Any = None

    def body(self) -> str:
        """The error text without the field path (field.Error.ErrorBody)."""
        if self.kind == CAUSE_INVALID:
            text = f"Invalid value: {_go_quote(self.bad_value)}"
        elif self.kind == CAUSE_REQUIRED:
            text = "Required value"
        elif self.kind == CAUSE_NOT_SUPPORTED:
            text = f"Unsupported value: {_go_quote(self.bad_value)}"
        elif self.kind == CAUSE_DUPLICATE:
            text = f"Duplicate value: {_go_quote(self.bad_value)}"
        elif self.kind == CAUSE_NOT_FOUND:
            text = f"Not found: {_go_quote(self.bad_value)}"
        elif self.kind == CAUSE_FORBIDDEN:
            text = "Forbidden"
        elif self.kind == CAUSE_TOO_LONG:
            text = "Too long"
        elif self.kind == CAUSE_TOO_MANY:
            text = "Too many" if self.bad_value is None else f"Too many: {_go_quote(self.bad_value)}"
        else:
            text = f"Invalid value: {_go_quote(self.bad_value)}"
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


CAUSE_REQUIRED = "FieldValueRequired"
CAUSE_INVALID = "FieldValueInvalid"
CAUSE_NOT_SUPPORTED = "FieldValueNotSupported"
CAUSE_DUPLICATE = "FieldValueDuplicate"
CAUSE_FORBIDDEN = "FieldValueForbidden"
CAUSE_NOT_FOUND = "FieldValueNotFound"
CAUSE_TOO_LONG = "FieldValueTooLong"
CAUSE_TOO_MANY = "FieldValueTooMany"
CAUSE_TYPE_INVALID = "FieldValueTypeInvalid"


def _go_quote(value: Any) -> str:
    """Render a bad value the way Go's %#v/%q does in field errors."""
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(slots=True)
class StatusError(Exception):
    """An error carrying the HTTP status and the `Status` body it becomes."""

    code: int
    reason: str
    message: str
    details: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: ListMeta of the Status (a 410 for an expired continue token carries a fresh `continue`)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.metadata),
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status


def qualified_resource(resource: str, group: str) -> str:
    """`pods` or `deployments.apps`: schema.GroupResource.String()."""
    return f"{resource}.{group}" if group else resource


def _details(*, name: str = "", group: str = "", kind: str = "", **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    details.update({k: v for k, v in extra.items() if v})
    return details


def not_found(resource: str, name: str, *, group: str = "") -> StatusError:
    gr = qualified_resource(resource, group)
    return StatusError(
        404, "NotFound", f'{gr} "{name}" not found', _details(name=name, group=group, kind=resource)
    )


def path_not_found() -> StatusError:
    """A request under /api or /apis for something this server does not serve."""
    return StatusError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, name: str, *, group: str = "") -> StatusError:
    gr = qualified_resource(resource, group)
    return StatusError(
        409,
        "AlreadyExists",
        f'{gr} "{name}" already exists',
        _details(name=name, group=group, kind=resource),
    )


MODIFIED_CONFLICT = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def conflict(resource: str, name: str, err: str, *, group: str = "") -> StatusError:
    gr = qualified_resource(resource, group)
    return StatusError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {gr} "{name}": {err}',
        _details(name=name, group=group, kind=resource),
    )


def forbidden(resource: str, name: str, err: str, *, group: str = "") -> StatusError:
    if not resource and not group:
        message = f"forbidden: {err}"
    elif not name:
        message = f"{qualified_resource(resource, group)} is forbidden: {err}"
    else:
        message = f'{qualified_resource(resource, group)} "{name}" is forbidden: {err}'
    return StatusError(403, "Forbidden", message, _details(name=name, group=group, kind=resource))


def unauthorized() -> StatusError:
    return StatusError(401, "Unauthorized", "Unauthorized")


def invalid(
    kind: str, name: str, errors: list[FieldError], *, group: str = ""
) -> StatusError:
    qualified_kind = f"{kind}.{group}" if group else kind
    if not errors:
        message = f'{qualified_kind} "{name}" is invalid'
    elif len(errors) == 1:
        message = f'{qualified_kind} "{name}" is invalid: {errors[0]}'
    else:
        # the message lists each distinct error once (field.ErrorList.ToAggregate); causes keep all
        unique = list(dict.fromkeys(map(str, errors)))
        if len(unique) == 1:
            message = f'{qualified_kind} "{name}" is invalid: {unique[0]}'
        else:
            message = f'{qualified_kind} "{name}" is invalid: [{", ".join(unique)}]'
    causes = [StatusCause(e.kind, e.body(), e.field).to_dict() for e in errors]
    return StatusError(
        422, "Invalid", message, _details(name=name, group=group, kind=kind, causes=causes)
    )


def bad_request(message: str) -> StatusError:
    return StatusError(400, "BadRequest", message)


def method_not_supported(resource: str, action: str, *, group: str = "") -> StatusError:
    gr = qualified_resource(resource, group)
    return StatusError(
        405,
        "MethodNotAllowed",
        f'{action} is not supported on resources of kind "{gr}"',
        _details(group=group, kind=resource),
    )


def too_large(limit: int = MAX_REQUEST_BODY_BYTES) -> StatusError:
    return StatusError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


SUPPORTED_BODY_TYPES = (
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
)


def unsupported_media_type(supported: tuple[str, ...] = SUPPORTED_BODY_TYPES) -> StatusError:
    return StatusError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(supported),
    )


def not_acceptable(supported: tuple[str, ...]) -> StatusError:
    return StatusError(
        406,
        "NotAcceptable",
        "only the following media types are accepted: " + ", ".join(supported),
    )


def expired(message: str) -> StatusError:
    """410 Expired: a continue token or watch resourceVersion older than kept history."""
    return StatusError(410, "Expired", message)


def too_old_resource_version(requested: int, current: int) -> StatusError:
    return expired(f"too old resource version: {requested} ({current})")


def internal(err: str) -> StatusError:
    return StatusError(
        500,
        "InternalError",
        f"Internal error occurred: {err}",
        {"causes": [{"message": err}]},
    )


def service_unavailable(message: str) -> StatusError:
    return StatusError(503, "ServiceUnavailable", message)
