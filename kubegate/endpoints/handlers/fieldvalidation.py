"""`?fieldValidation=Strict|Warn|Ignore`: what the decoder says about unknown and repeated fields.

Every write decodes its body into the kind's type (`kubegate.api.strict`); the directive only
decides what happens to the fields that decoding drops (they never get stored):

- `Strict`: the request fails; creates and updates with 400 `Pod in version "v1" cannot be
  handled as a Pod: strict decoding error: unknown field "spec.foo"`, patches with 422
  ` "" is invalid: patch: Invalid value: "...": strict decoding error: ...`, server-side
  apply (which only checks repeated YAML keys) with 400 `error strict decoding patch: ...`;
- `Warn` (the default): one `Warning` header per problem, and the write goes on;
- `Ignore`: nothing is said.

A body Go could not decode at all (a string where an int32 goes) fails whatever the directive.
Protobuf bodies come from typed clients and have nothing to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.api.errors import CAUSE_INVALID, CAUSE_NOT_SUPPORTED, FieldError
from kubegate.api.strict import duplicates, walker
from kubegate.api.strict.schema import ANYTHING, LIST, MAP, STRING, STRUCT, Node
from kubegate.endpoints import yamlbody
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, check_kind, read_body
from kubegate.endpoints.handlers.managers import META_GROUP
from kubegate.endpoints.negotiation import JSON, PROTOBUF, YAML, decode_body
from kubegate.endpoints.warnings import add_warning

STRICT = "Strict"
WARN = "Warn"
IGNORE = "Ignore"
#: the values the real server accepts, in its order (sets.List of the allowed values)
SUPPORTED = ("", IGNORE, STRICT, WARN)
_YAML_TYPES = (YAML, "application/x-yaml", "text/yaml")
_JSON_TYPES = ("", JSON, "*/*")
#: how runtime.strictDecodingError begins
STRICT_ERROR = "strict decoding error: "


def directive(request: web.Request, *, options_kind: str) -> str:
    """The request's fieldValidation directive (Warn when absent), or the options' 422."""
    value = request.rel_url.query.get("fieldValidation", "")
    if value not in SUPPORTED:
        quoted = ", ".join(f'"{item}"' for item in SUPPORTED)
        problem = FieldError(CAUSE_NOT_SUPPORTED, "fieldValidation", f"supported values: {quoted}", value)
        raise errors.invalid(options_kind, "", [problem], group=META_GROUP)
    return value or WARN


def _parse(body: bytes, content_type: str, *, mode: str) -> tuple[Any, bool, str | None]:
    """(value, whether JSON keys repeated, the YAML strict conversion's error)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _JSON_TYPES:
        value = decode_body(body, JSON)  # the fast parser decides what is JSON, and its errors
        if mode == IGNORE:
            return value, False, None
        try:
            return (*duplicates.loads(body), None)  # again, to see what repeated keys hid
        except (ValueError, RecursionError):
            return value, False, None
    if media in _YAML_TYPES:
        try:
            value, strict_error = yamlbody.load(body)
        except ValueError as exc:
            raise errors.bad_request(str(exc)) from None
        return value, False, strict_error
    if media == PROTOBUF:
        return decode_body(body, content_type), False, None
    raise errors.unsupported_media_type()


async def read_typed_object(request: web.Request, target: Target, *, mode: str) -> dict[str, Any]:
    """The request body decoded into the endpoint's kind, as `mode` says to treat its problems.

    Replaces read_object + check_kind for writes of whole objects (create, update).
    """
    body = await read_body(request)
    if not body.strip():
        raise errors.bad_request("the request body is empty; an object is required")
    content_type = request.headers.get("Content-Type", "")
    value, repeated, yaml_error = _parse(body, content_type, mode=mode)
    if not isinstance(value, dict):
        raise errors.bad_request("the request body must be a single object")
    server = server_of(request)
    group, version, kind = server.decoders.gvk(target.spec, target.subresource)
    expected_version = f"{group}/{version}" if group else version
    check_kind(target.spec, value, expected_kind=kind, expected_version=expected_version)
    if content_type.split(";", 1)[0].strip().lower() == PROTOBUF:
        return value
    decoded = walker.decode(server.decoders.for_resource(target.spec, target.subresource), value,
                            strict=mode != IGNORE, repeats=repeated)
    prefix = f'{value.get("kind") or kind} in version "{version}" cannot be handled as a {kind}: '
    if decoded.error is not None:
        raise errors.bad_request(prefix + decoded.error)
    problems = decoded.strict
    if yaml_error is not None and mode != IGNORE:
        problems = [yaml_error, *problems]
    report(request, problems, mode=mode, fail=lambda text: errors.bad_request(f"{prefix}{STRICT_ERROR}{text}"))
    assert isinstance(decoded.value, dict)
    return decoded.value


def report(
    request: web.Request, problems: list[str], *, mode: str, fail: Callable[[str], errors.StatusError]
) -> None:
    """Strict: raise `fail(the problems joined)`; Warn: one warning per problem."""
    if not problems or mode == IGNORE:
        return
    if mode == STRICT:
        raise fail(", ".join(problems))
    for problem in problems:
        for text in yamlbody.warnings_of(problem):
            add_warning(request, text)


# --- patches --------------------------------------------------------------------------------------

#: handlers.jsonPatchOp, the struct a JSON patch's operations are strictly decoded into
_JSON_PATCH_OP = Node(STRUCT, "handlers.jsonPatchOp", struct_name="jsonPatchOp", fields={
    "op": Node(STRING, "string"), "path": Node(STRING, "string"), "from": Node(STRING, "string"), "value": ANYTHING,
})
_JSON_PATCH = Node(LIST, "[]handlers.jsonPatchOp", element=_JSON_PATCH_OP)
#: map[string]interface{}, which merge and strategic merge patches are strictly decoded into
_PATCH_MAP = Node(MAP, "map[string]interface {}", element=ANYTHING)


def patch_document_problems(body: bytes, *, json_patch: bool) -> list[str]:
    """The strict problems of the patch document itself: repeated keys anywhere, and for a
    JSON patch, operation fields that jsonPatchOp does not have (`json patch unknown field ...`)."""
    try:
        value, repeated = duplicates.loads(body)
    except (ValueError, RecursionError):
        return []  # the patch engine reports what is wrong with it
    if json_patch:
        if not isinstance(value, list):
            return []
        decoded = walker.decode(_JSON_PATCH, value, repeats=repeated)
        if decoded.error is not None:
            raise errors.bad_request(f"error decoding patch: {decoded.error}")
        return [f"json patch {problem}" for problem in decoded.strict]
    if not repeated or not isinstance(value, dict):
        return []
    return walker.decode(_PATCH_MAP, value, repeats=True).strict


def apply_problems(body: bytes) -> list[str]:
    """The strict problems of an apply configuration: only keys its YAML repeats."""
    try:
        _, strict_error = yamlbody.load(body)
    except ValueError:
        return []  # decoding the configuration reports it
    return [strict_error] if strict_error else []


def decode_patched(
    request: web.Request, target: Target, patched: dict[str, Any], *, mode: str, patch_problems: list[str],
    shown: Callable[[], str],
) -> dict[str, Any]:
    """The patched object decoded into its kind; problems are the 422 of the real patcher,
    whose bad value (`shown()`) is the patched JSON, or the patch map for strategic merge."""
    server = server_of(request)
    decoded = walker.decode(server.decoders.for_resource(target.spec, target.subresource), patched,
                            strict=mode != IGNORE)

    def fail(text: str) -> errors.StatusError:
        return errors.invalid("", "", [FieldError(CAUSE_INVALID, "patch", text, shown())])

    if decoded.error is not None:
        raise fail(decoded.error)
    report(request, [*patch_problems, *decoded.strict], mode=mode, fail=lambda text: fail(STRICT_ERROR + text))
    assert isinstance(decoded.value, dict)
    return decoded.value


def patched_json(value: Any) -> str:
    """The patched object as the JSON patch engines print it (compact, keys sorted)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def go_map_text(value: Any) -> str:
    """Go's `%+v` of a decoded JSON value (the strategic patcher prints its patch map so):
    `map[spec:map[replicas:3]]`, keys sorted, strings bare, floats in %v form."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{go_map_text(item)}" for key, item in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_map_text(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(value: float) -> str:
    """%v of a float64: shortest digits, exponent form below 1e-4 or from 1e21."""
    if value == 0 or 1e-4 <= abs(value) < 1e21:
        text = repr(value)
        return text.removesuffix(".0")
    mantissa, exponent = f"{value:e}".split("e")
    digits = repr(float(mantissa)).rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{digits}e{int(exponent):+03d}"
