"""PATCH: every patch type the real server takes, applied to the live object and stored.

The patch type comes from the Content-Type. JSON patch, JSON merge patch and strategic merge
patch (built-in kinds only; its merge keys come from the kind's schema) are functions of the
live object, listed in `PATCHERS`; server-side apply (`apply.py`) is not, since it may create
the object and owns fields rather than values. Custom resources answer 415 to a strategic
merge patch, with the list of the types they do take, as the real server does.

Patch options are validated as `PatchOptions`: `fieldManager` is required for apply, and
`force` is only for apply. Subresources computed from their parent (scale) are patched
through their storage, so every patch type works on them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from kubegate.admission.attributes import UPDATE
from kubegate.api import errors
from kubegate.api.errors import CAUSE_FORBIDDEN, CAUSE_REQUIRED, FieldError
from kubegate.api.jsonpatch import apply_json_patch
from kubegate.api.mergepatch import apply_merge_patch, decode_merge_patch, go_kind
from kubegate.api.strategicpatch import PatchError, PatchSchema, apply_patch
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers import fieldvalidation
from kubegate.endpoints.handlers.admission import admit, validate, validation
from kubegate.endpoints.handlers.apply import apply_patch as server_side_apply
from kubegate.endpoints.handlers.common import dry_run, read_body, resolve_target
from kubegate.endpoints.handlers.managers import META_GROUP, from_user_agent, requested_manager
from kubegate.endpoints.negotiation import decode_body
from kubegate.endpoints.responses import stored_response, value_response

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


@dataclass(frozen=True, slots=True)
class Patcher:
    """One patch type: how its body decodes, and how it changes an object."""

    decode: Callable[[Any], Any]
    apply: Callable[[dict[str, Any], Any, PatchSchema | None], Any]


def _strategic_document(document: Any) -> dict[str, Any]:
    if document is None:
        return {}  # `null` decodes to a nil map: a patch that changes nothing
    if not isinstance(document, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {go_kind(document)} into Go value of type map[string]interface {{}}"
        )
    return document


def _strategic(current: dict[str, Any], document: Any, schema: PatchSchema | None) -> dict[str, Any]:
    try:
        return apply_patch(current, document, schema or PatchSchema.untyped())
    except PatchError as exc:
        raise exc.to_status() from None


PATCHERS: dict[str, Patcher] = {
    JSON_PATCH: Patcher(lambda doc: doc, lambda current, doc, _: apply_json_patch(current, doc)),
    MERGE_PATCH: Patcher(decode_merge_patch, lambda current, doc, _: apply_merge_patch(current, doc)),
    STRATEGIC_MERGE_PATCH: Patcher(_strategic_document, _strategic),
}


def supported_patch_types(*, strategic: bool = True) -> tuple[str, ...]:
    """What a resource accepts, in the real server's order; no SMP for custom resources."""
    kinds = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
    return kinds if strategic else tuple(k for k in kinds if k != STRATEGIC_MERGE_PATCH)


async def patch(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="patch")
    server = server_of(request)
    media = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    schema = server.field_managers.patch_schema(target.spec, target.subresource)
    accepted = supported_patch_types(strategic=schema is not None)
    if media not in accepted:
        raise errors.unsupported_media_type(accepted)
    query = request.rel_url.query
    requested = requested_manager(request, options_kind="PatchOptions")
    _check_options(media, requested, forced="force" in query)
    mode = fieldvalidation.directive(request, options_kind="PatchOptions")
    manager = requested or from_user_agent(request.headers.get("User-Agent", ""))
    is_dry_run = dry_run(query.getall("dryRun", []))
    body = await read_body(request)
    if media == APPLY_PATCH:
        force = query.get("force", "").lower() in ("true", "1", "t")
        if mode != fieldvalidation.IGNORE:
            fieldvalidation.report(request, fieldvalidation.apply_problems(body), mode=mode,
                                   fail=lambda text: errors.bad_request(f"error strict decoding patch: {text}"))
        return await server_side_apply(request, target, body, manager=manager, force=force, dry_run=is_dry_run)

    patcher = PATCHERS[media]
    document = patcher.decode(decode_body(body, "application/json"))
    problems = [] if mode == fieldvalidation.IGNORE else fieldvalidation.patch_document_problems(
        body, json_patch=media == JSON_PATCH
    )

    def typed(patched: dict[str, Any]) -> dict[str, Any]:
        """The patched object as the typed decoder leaves it (fieldValidation applies)."""
        snapshot = b"" if media == STRATEGIC_MERGE_PATCH else orjson.dumps(patched)  # decoding prunes it

        def shown() -> str:  # the bad value of a 422: the patch map (strategic), else the patched object
            if media == STRATEGIC_MERGE_PATCH:
                return fieldvalidation.go_map_text(document)
            return fieldvalidation.patched_json(orjson.loads(snapshot))

        return fieldvalidation.decode_patched(request, target, patched, mode=mode, patch_problems=problems, shown=shown)

    fields = server.field_managers.for_resource(target.spec, target.subresource)
    storage = server.virtual_subresources.get((target.spec.group, target.spec.plural, target.subresource))
    if storage is not None:

        async def transform(old: dict[str, Any]) -> dict[str, Any]:
            new = fields.update(old, typed(_patched(patcher, old, document, schema)), manager)
            await admit(request, target, operation=UPDATE, obj=new, old=old, dry_run=is_dry_run)
            await validate(request, target, operation=UPDATE, obj=new, old=old, dry_run=is_dry_run)
            return new

        result = await storage.update(server.rest, target, transform, dry_run=is_dry_run)
        return value_response(result, target.accepted)

    server.rest.get(target.spec, target.namespace, target.name)  # 404 before anything else

    async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
        """The patch applied to the live object; again whenever another writer came first."""
        if live is None:
            raise errors.not_found(target.spec.plural, target.name, group=target.spec.group)
        patched = typed(_patched(patcher, live, document, schema))
        # Without a resourceVersion of its own, a patch applies to the version it was computed on.
        patched["metadata"].setdefault("resourceVersion", live["metadata"]["resourceVersion"])
        await admit(request, target, operation=UPDATE, obj=patched, old=live, dry_run=is_dry_run)
        return patched

    stored, _ = await server.rest.update(
        target.spec, target.namespace, target.name, updated,
        subresource=target.subresource, dry_run=is_dry_run,
        track=lambda live, new: fields.update(live, new, manager),
        validate=validation(request, target, dry_run=is_dry_run),
        fresh=True,  # each attempt patches a copy of the live object: the store may keep it
    )
    return stored_response(stored, target.accepted)


def _patched(patcher: Patcher, current: dict[str, Any], document: Any, schema: PatchSchema | None) -> dict[str, Any]:
    patched = patcher.apply(current, document, schema)
    if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
        raise errors.bad_request("the patched object must be an object with metadata")
    return patched


def _check_options(media: str, manager: str, *, forced: bool) -> None:
    """ValidatePatchOptions: apply needs a manager; only apply may force."""
    problems: list[FieldError] = []
    if media == APPLY_PATCH:
        if not manager:
            problems.append(FieldError(CAUSE_REQUIRED, "fieldManager", "is required for apply patch"))
    elif forced:
        problems.append(FieldError(CAUSE_FORBIDDEN, "force", "may not be specified for non-apply patch"))
    if problems:
        raise errors.invalid("PatchOptions", "", problems, group=META_GROUP)
