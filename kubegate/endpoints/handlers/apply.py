"""PATCH with `application/apply-patch+yaml`: server-side apply.

The body is the manager's whole intent for the object, as YAML (JSON is YAML too). The field
manager merges it into the live object, or into nothing when the object does not exist yet,
in which case the apply creates it and answers 201. Conflicts with fields other managers own
answer 409 unless `force=true`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from kubegate.admission.attributes import CREATE, UPDATE
from kubegate.api import errors, yamlaliases
from kubegate.api.mergepatch import go_kind
from kubegate.api.strict import walker
from kubegate.endpoints import yamlbody
from kubegate.endpoints.context import USER, server_of
from kubegate.endpoints.handlers.admission import admit, validate, validation
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.responses import stored_response, value_response

if TYPE_CHECKING:
    from kubegate.endpoints.state import APIServer

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _ApplyLoader(_BASE_LOADER):  # type: ignore[misc]
    """YAML as sigs.k8s.io/yaml reads it into JSON: dates stay strings."""


_ApplyLoader.add_constructor("tag:yaml.org,2002:int", yamlbody.construct_go_int)
_ApplyLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode_config(body: bytes) -> dict[str, Any]:
    """The apply configuration, or the real server's 400 for a body that is not one."""
    try:
        value = yaml.load(body, Loader=_ApplyLoader)
    except (yaml.YAMLError, RecursionError, ValueError, UnicodeDecodeError) as exc:
        raise errors.bad_request(f"error decoding patch: error converting YAML to JSON: {exc}") from None
    try:
        yamlaliases.check(value)  # before the conversion expands the aliases
        value = yamlbody.to_json(value, prefix="")
    except (ValueError, RecursionError) as exc:
        raise errors.bad_request(f"error decoding patch: error converting YAML to JSON: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.bad_request(
            f"error decoding patch: json: cannot unmarshal {go_kind(value)} into Go value of type "
            "map[string]interface {}"
        )
    return value


async def apply_patch(
    request: web.Request, target: Target, body: bytes, *, manager: str, force: bool, dry_run: bool
) -> web.StreamResponse:
    config = decode_config(body)
    server = server_of(request)
    fields = server.field_managers.for_resource(target.spec, target.subresource)
    storage = server.virtual_subresources.get((target.spec.group, target.spec.plural, target.subresource))
    if storage is not None:

        async def transform(old: dict[str, Any]) -> dict[str, Any]:
            new = fields.apply(old, config, manager, force=force)
            await admit(request, target, operation=UPDATE, obj=new, old=old, dry_run=dry_run)
            await validate(request, target, operation=UPDATE, obj=new, old=old, dry_run=dry_run)
            return new

        result = await storage.update(server.rest, target, transform, dry_run=dry_run)
        return value_response(result, target.accepted)

    current = server.rest.find(target.spec, target.namespace, target.name)
    if current is None:
        applied = _applied(server, target, fields.apply(None, config, manager, force=force))
        uid = applied["metadata"].get("uid")
        if uid:
            raise errors.conflict(
                target.spec.plural, target.name,
                f"uid mismatch: the provided object specified uid {uid}, and no existing object was found",
                group=target.spec.group,
            )
        await admit(request, target, operation=CREATE, obj=applied, old=None, dry_run=dry_run)
        created = await server.rest.create(
            target.spec, target.namespace, applied, dry_run=dry_run, user=request[USER],
            validate=validation(request, target, dry_run=dry_run),
        )
        return stored_response(created, target.accepted, status=201)

    async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
        """The configuration applied to the live object; again whenever another writer came first."""
        if live is None:
            raise errors.not_found(target.spec.plural, target.name, group=target.spec.group)
        applied = _applied(server, target, fields.apply(live, config, manager, force=force))
        await admit(request, target, operation=UPDATE, obj=applied, old=live, dry_run=dry_run)
        return applied

    stored, _ = await server.rest.update(
        target.spec, target.namespace, target.name, updated, subresource=target.subresource, dry_run=dry_run,
        validate=validation(request, target, dry_run=dry_run),
    )
    return stored_response(stored, target.accepted)


def _applied(server: APIServer, target: Target, applied: dict[str, Any]) -> dict[str, Any]:
    _check_name(applied, target)
    return _as_typed(server, target, applied)


def _as_typed(server: APIServer, target: Target, obj: dict[str, Any]) -> dict[str, Any]:
    """The applied object as its conversion to the Go type leaves it: timestamps encoded again
    (`...T20:00:00+02:00` stored as `...T18:00:00Z`). One Go cannot decode stays as it was."""
    decoded = walker.decode(server.decoders.for_resource(target.spec, target.subresource), copy.deepcopy(obj),
                            strict=False)
    return decoded.value if decoded.error is None and isinstance(decoded.value, dict) else obj


def _check_name(obj: dict[str, Any], target: Target) -> None:
    """checkName: the applied object must name what the URL names."""
    name = obj.get("metadata", {}).get("name")
    if not name:
        raise errors.bad_request(
            f"the name of the object ({target.name} based on URL) was undeterminable: name must be provided"
        )
    if name != target.name:
        raise errors.bad_request(
            f"the name of the object ({name}) does not match the name on the URL ({target.name})"
        )
