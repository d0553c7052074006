"""What every verb handler needs: the target resource, the query options and the body.

The resource is found from RequestInfo in the catalog; a path naming nothing served is a 404,
a verb the resource does not serve is a 405, as the real server's routes answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from kubegate.api import errors, strconv
from kubegate.api.requestinfo import RequestInfo
from kubegate.endpoints.auditing import log_request_body
from kubegate.endpoints.context import REQUEST_INFO, server_of
from kubegate.endpoints.negotiation import Accepted, decode_body, parse_accept
from kubegate.endpoints.warnings import add_warning
from kubegate.registry import lifecycle
from kubegate.registry.spec import ResourceSpec


@dataclass(frozen=True, slots=True)
class Target:
    spec: ResourceSpec
    namespace: str
    name: str
    subresource: str
    info: RequestInfo
    accepted: Accepted


def resolve_target(request: web.Request, *, verb: str) -> Target:
    info: RequestInfo = request[REQUEST_INFO]
    server = server_of(request)
    spec = server.catalog.lookup(info.api_group, info.api_version, info.resource)
    if spec is None:
        raise errors.path_not_found()
    namespace = info.namespace
    if spec.namespaced:
        if (spec.group, spec.plural) == ("", "namespaces"):
            namespace = ""
    elif namespace and (spec.group, spec.plural) != ("", "namespaces"):
        raise errors.path_not_found()
    if info.resource == "namespaces" and not spec.group:
        namespace = ""
    allowed = spec.verbs
    if info.subresource:
        sub = spec.subresource(info.subresource)
        if sub is None:
            raise errors.path_not_found()
        allowed = sub.verbs
    if verb not in allowed:
        raise errors.method_not_supported(spec.plural, verb, group=spec.group)
    deprecated = lifecycle.deprecation_warning(spec, lifecycle.supported_minor(server.version.minor_int))
    if deprecated is not None:  # as the real route handlers warn, on every verb
        add_warning(request, deprecated)
    accepted = parse_accept(request.headers.get("Accept", ""))
    return Target(spec, namespace, info.name, info.subresource, info, accepted)


async def read_body(request: web.Request) -> bytes:
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise errors.too_large() from None
    if len(body) > errors.MAX_REQUEST_BODY_BYTES:
        raise errors.too_large()
    log_request_body(request, body)  # the audit event's requestObject
    return body


async def read_object(request: web.Request) -> dict[str, Any]:
    """Decode the request body as one object (JSON, YAML or protobuf)."""
    body = await read_body(request)
    if not body.strip():
        raise errors.bad_request("the request body is empty; an object is required")
    value = decode_body(body, request.headers.get("Content-Type", ""))
    if not isinstance(value, dict):
        raise errors.bad_request("the request body must be a single object")
    return value


def check_kind(spec: ResourceSpec, body: dict[str, Any], *, expected_kind: str = "", expected_version: str = "") -> None:
    """A body naming another kind or version than the endpoint serves is refused (400)."""
    kind = expected_kind or spec.kind
    version = expected_version or spec.api_version
    if body.get("apiVersion") not in (None, "", version):
        raise errors.bad_request(
            f"the API version in the data ({body['apiVersion']}) does not match the expected API version ({version})"
        )
    if body.get("kind") not in (None, "", kind):
        raise errors.bad_request(f"the kind in the data ({body['kind']}) does not match the expected kind ({kind})")


def dry_run(values: list[str]) -> bool:
    """`dryRun=All` is the only value the real server accepts; anything else is a 400."""
    for value in values:
        if value != "All":
            raise errors.bad_request(f'unsupported dry run value: "{value}" (supported values: All)')
    return bool(values)


def int_param(query: Mapping[str, str], name: str, *, default: int = 0) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return strconv.parse_int(raw)
    except strconv.NumError:
        raise errors.bad_request(f'invalid value for {name}: "{raw}" is not an integer') from None


def bool_param(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")
