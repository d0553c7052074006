"""Running the admission chain from a verb handler."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.endpoints.auditing import audit_of
from kubegate.endpoints.context import USER, server_of
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.warnings import add_warning


async def admit(
    request: web.Request,
    target: Target,
    *,
    operation: str,
    obj: dict[str, Any] | None,
    old: dict[str, Any] | None,
    name: str = "",
    dry_run: bool = False,
) -> None:
    attributes = AdmissionAttributes(
        operation=operation,
        spec=target.spec,
        namespace=target.namespace,
        name=name or target.name,
        subresource=target.subresource,
        user=request[USER],
        obj=obj,
        old=old,
        dry_run=dry_run,
    )
    try:
        await server_of(request).admission.admit(attributes)
    finally:  # warnings go out with the answer, an admission denial included
        for warning in attributes.warnings:
            add_warning(request, warning)
        audit = audit_of(request)
        if audit is not None and audit.enabled:
            for key, value in attributes.audit_annotations.items():
                audit.add_annotation(key, value)
