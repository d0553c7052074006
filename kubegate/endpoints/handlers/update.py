"""PUT of an object or of its status subresource (200, or 201 where PUT may create)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.admission.attributes import CREATE, UPDATE
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers import fieldvalidation, subresources
from kubegate.endpoints.handlers.admission import admit, validation
from kubegate.endpoints.handlers.common import dry_run, resolve_target
from kubegate.endpoints.handlers.managers import tracker
from kubegate.endpoints.responses import stored_response


async def update(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="update")
    server = server_of(request)
    virtual = server.virtual_updates.get((target.spec.group, target.spec.plural, target.subresource))
    if virtual is not None:
        return await virtual(request, target)
    storage = server.virtual_subresources.get((target.spec.group, target.spec.plural, target.subresource))
    if storage is not None:
        return await subresources.put(request, target, storage)
    mode = fieldvalidation.directive(request, options_kind="UpdateOptions")
    body = await fieldvalidation.read_typed_object(request, target, mode=mode)
    is_dry_run = dry_run(request.rel_url.query.getall("dryRun", []))
    track = tracker(request, target, options_kind="UpdateOptions")

    async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
        await admit(
            request, target, operation=UPDATE if live is not None else CREATE, obj=body, old=live, dry_run=is_dry_run
        )
        return body

    stored, created = await server.rest.update(
        target.spec, target.namespace, target.name, updated, subresource=target.subresource, dry_run=is_dry_run,
        track=track, validate=validation(request, target, dry_run=is_dry_run),
    )
    return stored_response(stored, target.accepted, status=201 if created else 200)
