"""LocalSubjectAccessReview: a SubjectAccessReview confined to the namespace in its URL.

Granting `create` on it in one namespace lets someone ask about that namespace only, so the
question must name the URL's namespace and cannot be about non-resource paths.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.api import errors
from kubegate.api.errors import CAUSE_INVALID, FieldError
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual.accessreview import (
    ACCESS_STATUS,
    SUBJECT_SPEC,
    answer,
    attributes_from,
    go_non_resource_attributes,
    invalid_review,
    metadata_of,
    read_review,
    subject_of,
    validate_metadata,
    validate_spec,
)


async def create_local_subject_access_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_review(request, target, spec=SUBJECT_SPEC, status=ACCESS_STATUS)
    given = (body.get("metadata") or {}).get("namespace") or ""
    if given and given != target.namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    namespace = target.namespace
    spec = body.get("spec") or {}
    problems = validate_spec(spec, subject=True)
    problems += validate_metadata(metadata_of(body, namespace=namespace), except_namespace=True)
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if resource is not None and (resource.get("namespace") or "") != namespace:
        problems.append(FieldError(
            CAUSE_INVALID, "spec.resourceAttributes.namespace", "must match metadata.namespace",
            bad_value=resource.get("namespace") or "",
        ))
    if non_resource is not None:
        problems.append(FieldError(
            CAUSE_INVALID, "spec.nonResourceAttributes", "disallowed on this kind of request",
            bad_value=go_non_resource_attributes(non_resource),
        ))
    if problems:
        raise invalid_review(problems)
    return await answer(
        request, target, spec=spec, attributes=attributes_from(spec, subject_of(spec)), namespace=namespace
    )
