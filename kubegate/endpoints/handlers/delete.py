"""DELETE of one object, and of a whole collection (deletecollection).

DeleteOptions may come in the body (kubectl sends `{"propagationPolicy":"Background"}`) or in
the query. An object held by finalizers is returned with its deletionTimestamp set; otherwise
resources whose real registry returns the deleted object do so, the rest answer a Success
`Status`, as on a real cluster.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.admission.attributes import DELETE
from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.admission import admit
from kubegate.endpoints.handlers.common import dry_run, read_body, resolve_target
from kubegate.endpoints.handlers.list import run_list
from kubegate.endpoints.negotiation import decode_body
from kubegate.endpoints.responses import (
    json_response,
    list_bytes,
    stored_response,
    success_status,
    value_response,
)
from kubegate.registry.rest import DeleteOptions
from kubegate.registry.strategy import strategy_for

_PROPAGATION = ("", "Orphan", "Background", "Foreground")


async def delete_options(request: web.Request) -> DeleteOptions:
    query = request.rel_url.query
    body = await read_body(request)
    options: dict[str, Any] = {}
    if body.strip():
        decoded = decode_body(body, request.headers.get("Content-Type", ""))
        if not isinstance(decoded, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        options = decoded
    policy = options.get("propagationPolicy") or query.get("propagationPolicy", "")
    if policy not in _PROPAGATION:
        raise errors.bad_request(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"'
        )
    preconditions = options.get("preconditions") or {}
    dry = options.get("dryRun") or query.getall("dryRun", [])
    if not isinstance(dry, list):
        raise errors.bad_request("dryRun must be a list of strings")
    return DeleteOptions(
        precondition_uid=str(preconditions.get("uid") or ""),
        precondition_resource_version=str(preconditions.get("resourceVersion") or ""),
        propagation_policy=policy,
        dry_run=dry_run([str(value) for value in dry]),
    )


async def delete(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="delete")
    options = await delete_options(request)
    spec = target.spec
    rest = server_of(request).rest
    current = rest.get(spec, target.namespace, target.name)
    await admit(request, target, operation=DELETE, obj=None, old=current.obj, dry_run=options.dry_run)
    stored = rest.delete(spec, target.namespace, target.name, options)
    pending = bool(stored.obj["metadata"].get("deletionTimestamp"))
    if pending or strategy_for(spec.group, spec.plural).returns_deleted_object:
        return stored_response(stored, target.accepted)
    details = {"name": target.name, "kind": spec.plural, "uid": stored.obj["metadata"].get("uid", "")}
    if spec.group:
        details = {"name": target.name, "group": spec.group, "kind": spec.plural, "uid": details["uid"]}
    return value_response(success_status(details), target.accepted)


async def delete_collection(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="deletecollection")
    options = await delete_options(request)
    rest = server_of(request).rest
    result = run_list(request, target)
    deleted = []
    for item in result.items:
        metadata = item.obj["metadata"]
        try:
            deleted.append(rest.delete(target.spec, metadata.get("namespace", ""), metadata["name"], options))
        except errors.StatusError as error:
            if error.code != 404:  # gone meanwhile is fine
                raise
    spec = target.spec
    return json_response(
        list_bytes(kind=spec.list_kind, api_version=spec.api_version, items=deleted, resource_version=str(rest.store.revision))
    )

