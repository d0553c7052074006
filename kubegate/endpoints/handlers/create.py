"""POST to a collection: create an object (201), or run a create-only virtual resource.

Create-only resources that are never stored (access reviews, token requests, SelfSubjectReview)
are answered by handlers registered in `server.virtual_creates`, keyed by group, resource and
subresource; everything else goes to the generic store.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.admission.attributes import CREATE
from kubegate.api import errors
from kubegate.endpoints.context import USER, server_of
from kubegate.endpoints.handlers import fieldvalidation
from kubegate.endpoints.handlers.admission import admit, validation
from kubegate.endpoints.handlers.common import dry_run, resolve_target
from kubegate.endpoints.handlers.managers import tracker
from kubegate.endpoints.responses import stored_response
from kubegate.endpoints.state import VirtualHandler
from kubegate.endpoints.virtual import podstreams

#: POSTs that open a stream (SPDY exec/attach/portforward of older kubectl), answered by their handler
STREAMED_POSTS: dict[tuple[str, str, str], VirtualHandler] = {
    ("", "pods", "exec"): podstreams.connect_exec, ("", "pods", "attach"): podstreams.connect_exec,
    ("", "pods", "portforward"): podstreams.connect_portforward,
}


async def create(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="create")
    server = server_of(request)
    key = (target.spec.group, target.spec.plural, target.subresource)
    virtual = server.virtual_creates.get(key) or STREAMED_POSTS.get(key)
    if virtual is not None:
        return await virtual(request, target)
    if target.spec.verbs == ("create",) or target.subresource:
        # computed resources (reviews, token requests) are never stored; those not built yet
        # say so instead of pretending
        raise errors.StatusError(
            405, "MethodNotAllowed",
            f"kubegate does not serve create on {target.spec.group_resource}"
            + (f"/{target.subresource}" if target.subresource else "") + " yet",
        )
    mode = fieldvalidation.directive(request, options_kind="CreateOptions")
    body = await fieldvalidation.read_typed_object(request, target, mode=mode)
    is_dry_run = dry_run(request.rel_url.query.getall("dryRun", []))
    track = tracker(request, target, options_kind="CreateOptions")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    name = str(metadata.get("name") or "")  # "" for generateName: admission sees the request's name
    await admit(request, target, operation=CREATE, obj=body, old=None, name=name, dry_run=is_dry_run)
    stored = await server.rest.create(
        target.spec, target.namespace, body, dry_run=is_dry_run, track=track, user=request[USER],
        validate=validation(request, target, name=name, dry_run=is_dry_run),
    )
    return stored_response(stored, target.accepted, status=201)
