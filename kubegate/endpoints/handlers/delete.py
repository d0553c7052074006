"""DELETE of one object, and of a whole collection (deletecollection).

DeleteOptions come in the body (kubectl sends `{"propagationPolicy":"Background"}`) or, without
a body, in the query (`kubegate.api.deleteoptions`). An object that is not gone yet (finalizers,
a graceful pod) is returned as it now is, with its deletionTimestamp; otherwise resources whose
real registry returns the deleted object do so, the rest answer a Success `Status`, as on a
real cluster. What happens to dependents is `kubegate.registry.deleter`'s and the garbage
collector's business.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.admission.attributes import DELETE
from kubegate.api import deleteoptions, errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.admission import admit, delete_options_object, validate
from kubegate.endpoints.handlers.common import Target, read_body, resolve_target
from kubegate.endpoints.handlers.list import run_list
from kubegate.endpoints.negotiation import decode_body
from kubegate.endpoints.responses import (
    json_response,
    list_bytes,
    stored_response,
    success_status,
    value_response,
)
from kubegate.registry.strategy import strategy_for


async def delete_options(request: web.Request) -> DeleteOptions:
    """The body's options when there is a body, else the query's: never a mix, as the real handler."""
    body = await read_body(request)
    if body.strip():
        return deleteoptions.from_body(decode_body(body, request.headers.get("Content-Type", "")))
    query = request.rel_url.query
    return deleteoptions.from_query({key: query.getall(key) for key in query})


async def _admit_deletion(request: web.Request, target: Target, live: dict[str, Any], options: DeleteOptions) -> None:
    """Both admission phases see the live object, as the real store's deleteValidation gives it them."""
    sent = delete_options_object(options)
    await admit(request, target, operation=DELETE, obj=None, old=live, dry_run=options.dry_run, options=sent)
    await validate(request, target, operation=DELETE, obj=None, old=live, dry_run=options.dry_run, options=sent)


async def delete(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="delete")
    options = await delete_options(request)
    spec = target.spec
    rest = server_of(request).rest
    await rest.wait_fresh()
    current = rest.get(spec, target.namespace, target.name)
    await _admit_deletion(request, target, current.obj, options)
    result = await rest.delete_object(spec, target.namespace, target.name, options)
    stored = result.stored
    if not result.deleted:
        # Held by finalizers or a grace period: the object as it waits. 202 only for the
        # deprecated orphanDependents=false, which is how the real handler has always answered.
        status = 202 if options.orphan_dependents is False else 200
        return stored_response(stored, target.accepted, status=status)
    if strategy_for(spec).returns_deleted_object:
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
    for item in result.items:
        metadata = item.obj["metadata"]
        await _admit_deletion(request, target, item.obj, options)  # with the collection's (empty) name
        try:
            await rest.delete(target.spec, metadata.get("namespace", ""), metadata["name"], options)
        except errors.StatusError as error:
            if error.code != 404:  # gone meanwhile is fine
                raise
    spec = target.spec
    # The answer is the list as it was read, before the deletions (the real DeleteCollection's).
    return json_response(list_bytes(
        kind=spec.list_kind, api_version=spec.api_version, items=result.items, resource_version=str(rest.store.revision)
    ))

