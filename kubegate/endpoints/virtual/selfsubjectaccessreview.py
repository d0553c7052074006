"""SelfSubjectAccessReview (`kubectl auth can-i`): may I, as the server sees me, do this?

"Me" is the requester after impersonation, so `--as` asks on behalf of the impersonated user.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import USER
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual.accessreview import (
    ACCESS_STATUS,
    SELF_SPEC,
    answer,
    attributes_from,
    invalid_review,
    metadata_of,
    read_review,
    validate_metadata,
    validate_spec,
)


async def create_self_subject_access_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_review(request, target, spec=SELF_SPEC, status=ACCESS_STATUS)
    spec = body.get("spec") or {}
    problems = validate_spec(spec, subject=False) + validate_metadata(metadata_of(body))
    if problems:
        raise invalid_review(problems)
    return await answer(request, target, spec=spec, attributes=attributes_from(spec, request[USER]))
