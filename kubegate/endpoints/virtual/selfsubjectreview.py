"""SelfSubjectReview (`kubectl auth whoami`): who the authentication chain decided you are."""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import USER
from kubegate.endpoints.handlers.common import Target, check_kind, read_object
from kubegate.endpoints.responses import value_response


async def create_self_subject_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_object(request)
    check_kind(target.spec, body)
    review = {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": request[USER].to_dict()},
    }
    return value_response(review, target.accepted, status=201)
