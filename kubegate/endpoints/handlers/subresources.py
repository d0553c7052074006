"""PUT of a subresource computed from its parent (scale): decode, track, admit, write through.

GET and PATCH of such subresources are one line each in their handlers; a PUT also checks
the body's kind and name against the endpoint, as the real update handler does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.admission.attributes import UPDATE
from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers import fieldvalidation
from kubegate.endpoints.handlers.admission import admit, validate
from kubegate.endpoints.handlers.common import Target, dry_run
from kubegate.endpoints.handlers.managers import manager_name
from kubegate.endpoints.responses import value_response
from kubegate.endpoints.virtual.subresource import SubresourceStorage


async def put(request: web.Request, target: Target, storage: SubresourceStorage) -> web.StreamResponse:
    mode = fieldvalidation.directive(request, options_kind="UpdateOptions")
    body = await fieldvalidation.read_typed_object(request, target, mode=mode)  # checks the kind too
    name = (body.get("metadata") or {}).get("name") if isinstance(body.get("metadata"), dict) else None
    if name and name != target.name:
        raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL ({target.name})")
    is_dry_run = dry_run(request.rel_url.query.getall("dryRun", []))
    manager = manager_name(request, options_kind="UpdateOptions")
    server = server_of(request)
    fields = server.field_managers.for_resource(target.spec, target.subresource)

    async def transform(old: dict[str, Any]) -> dict[str, Any]:
        new = fields.update(old, body, manager)
        await admit(request, target, operation=UPDATE, obj=new, old=old, dry_run=is_dry_run)
        await validate(request, target, operation=UPDATE, obj=new, old=old, dry_run=is_dry_run)
        return new

    result = await storage.update(server.rest, target, transform, dry_run=is_dry_run)
    return value_response(result, target.accepted)
