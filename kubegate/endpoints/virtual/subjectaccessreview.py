"""SubjectAccessReview: may this user (with exactly these groups, extra and uid) do this?

Used by webhooks and proxies to ask the server's authorizer about someone else; nothing about
the requester enters the question.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual.accessreview import (
    ACCESS_STATUS,
    SUBJECT_SPEC,
    answer,
    attributes_from,
    invalid_review,
    metadata_of,
    read_review,
    subject_of,
    validate_metadata,
    validate_spec,
)


async def create_subject_access_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_review(request, target, spec=SUBJECT_SPEC, status=ACCESS_STATUS)
    spec = body.get("spec") or {}
    problems = validate_spec(spec, subject=True) + validate_metadata(metadata_of(body))
    if problems:
        raise invalid_review(problems)
    return await answer(request, target, spec=spec, attributes=attributes_from(spec, subject_of(spec)))
