"""PATCH: JSON patch and JSON merge patch applied to the live object, then stored as an update.

The patch type comes from the Content-Type, as on the real server. Types kubegate cannot apply
yet are refused with 415 and the list of supported ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from kubegate.admission.attributes import UPDATE
from kubegate.api import errors
from kubegate.api.jsonpatch import apply_json_patch
from kubegate.api.mergepatch import apply_merge_patch, decode_merge_patch
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.admission import admit
from kubegate.endpoints.handlers.common import dry_run, read_body, resolve_target
from kubegate.endpoints.negotiation import decode_body
from kubegate.endpoints.responses import stored_response

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

PatchFunction = Callable[[Any, Any], Any]

PATCHERS: dict[str, PatchFunction] = {
    JSON_PATCH: apply_json_patch,
    MERGE_PATCH: apply_merge_patch,
}


def supported_patch_types() -> tuple[str, ...]:
    return tuple(PATCHERS)


async def patch(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="patch")
    media = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    patcher = PATCHERS.get(media)
    if patcher is None:
        raise errors.unsupported_media_type(supported_patch_types())
    body = await read_body(request)
    document = decode_body(body, "application/json")
    if media == MERGE_PATCH:
        document = decode_merge_patch(document)

    is_dry_run = dry_run(request.rel_url.query.getall("dryRun", []))
    rest = server_of(request).rest
    current = rest.get(target.spec, target.namespace, target.name)
    patched = patcher(current.obj, document)
    if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
        raise errors.bad_request("the patched object must be an object with metadata")
    # Without a resourceVersion of its own, a patch applies to the version it was computed on.
    patched["metadata"].setdefault("resourceVersion", current.obj["metadata"]["resourceVersion"])
    await admit(request, target, operation=UPDATE, obj=patched, old=current.obj, dry_run=is_dry_run)
    stored, _ = rest.update(
        target.spec, target.namespace, target.name, patched, subresource=target.subresource, dry_run=is_dry_run
    )
    return stored_response(stored, target.accepted)
