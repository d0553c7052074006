"""Running the admission chain from a verb handler: the mutating phase, and the validating
phase the registry calls back (`validation`) once it has the object it is about to store.

The attributes carry the request's options (CreateOptions, UpdateOptions or DeleteOptions, as
the real handlers build them for admission) and hand back warnings, which become the
response's `Warning` headers whether the request succeeds or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kubegate.admission.attributes import CREATE, DELETE, UPDATE, AdmissionAttributes
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.endpoints.auditing import audit_of
from kubegate.endpoints.context import USER, server_of
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.warnings import add_warning
from kubegate.registry.rest import ValidateObject

META_V1 = "meta.k8s.io/v1"
CREATE_OPTIONS, UPDATE_OPTIONS = "CreateOptions", "UpdateOptions"


def write_options(request: web.Request, kind: str) -> dict[str, Any]:
    """Create/UpdateOptions from the query (a PATCH's PatchOptions become UpdateOptions, or
    CreateOptions when it creates, as the real patch handler converts them)."""
    query = request.rel_url.query
    options: dict[str, Any] = {"kind": kind, "apiVersion": META_V1}
    dry_run = query.getall("dryRun", [])
    if dry_run:
        options["dryRun"] = list(dry_run)
    for name in ("fieldManager", "fieldValidation"):
        if query.get(name):
            options[name] = query[name]
    return options


def delete_options_object(options: DeleteOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": META_V1}
    if options.grace_period_seconds is not None:
        out["gracePeriodSeconds"] = options.grace_period_seconds
    preconditions = {
        key: value for key, value in (
            ("uid", options.precondition_uid), ("resourceVersion", options.precondition_resource_version),
        ) if value
    }  # fmt: skip
    if preconditions:
        out["preconditions"] = preconditions
    if options.orphan_dependents is not None:
        out["orphanDependents"] = options.orphan_dependents
    if options.propagation_policy:
        out["propagationPolicy"] = options.propagation_policy
    if options.dry_run:
        out["dryRun"] = ["All"]
    return out


def _attributes(
    request: web.Request, target: Target, *, operation: str, obj: dict[str, Any] | None,
    old: dict[str, Any] | None, name: str, dry_run: bool, options: dict[str, Any] | None,
) -> AdmissionAttributes:
    if options is None and operation != DELETE:
        options = write_options(request, CREATE_OPTIONS if operation == CREATE else UPDATE_OPTIONS)
    return AdmissionAttributes(
        operation=operation,
        spec=target.spec,
        namespace=target.namespace,
        name=name or target.name,
        subresource=target.subresource,
        user=request[USER],
        obj=obj,
        old=old,
        dry_run=dry_run,
        options=options,
    )


def _report(request: web.Request, attributes: AdmissionAttributes) -> None:
    """Warnings go out with the answer (an admission denial included); annotations to the audit event."""
    for text in attributes.warnings:
        add_warning(request, text)
    audit = audit_of(request)
    if audit is not None and audit.enabled:
        for key, value in attributes.audit_annotations.items():
            audit.add_annotation(key, value)


async def admit(
    request: web.Request, target: Target, *, operation: str, obj: dict[str, Any] | None,
    old: dict[str, Any] | None, name: str = "", dry_run: bool = False, options: dict[str, Any] | None = None,
) -> None:
    """The mutating phase; `obj` is changed in place."""
    attributes = _attributes(
        request, target, operation=operation, obj=obj, old=old, name=name, dry_run=dry_run, options=options
    )
    await _run(request, attributes, server_of(request).admission.admit)


async def validate(
    request: web.Request, target: Target, *, operation: str, obj: dict[str, Any] | None,
    old: dict[str, Any] | None, name: str = "", dry_run: bool = False, options: dict[str, Any] | None = None,
) -> None:
    """The validating phase, for callers that hold the final object themselves (DELETE)."""
    attributes = _attributes(
        request, target, operation=operation, obj=obj, old=old, name=name, dry_run=dry_run, options=options
    )
    await _run(request, attributes, server_of(request).admission.validate)


async def _run(
    request: web.Request, attributes: AdmissionAttributes, phase: Callable[[AdmissionAttributes], Awaitable[None]],
) -> None:
    try:
        await phase(attributes)
    finally:
        _report(request, attributes)


def validation(request: web.Request, target: Target, *, name: str = "", dry_run: bool = False) -> ValidateObject:
    """The validating phase as the registry calls it: CREATE when there is no live object."""

    async def check(obj: dict[str, Any], live: dict[str, Any] | None) -> None:
        operation = CREATE if live is None else UPDATE
        await validate(request, target, operation=operation, obj=obj, old=live, name=name, dry_run=dry_run)

    return check
