"""Who is writing: the field manager named by `?fieldManager=`, or derived from the User-Agent.

Every create, update and patch records its manager in managedFields. Without the query
parameter the real server takes the User-Agent up to its first `/` (`kubectl/v1.32.4 ...`
gives `kubectl`), keeping printable characters and at most 128 bytes; an explicit name longer
than that or with unprintable characters is refused with the options kind's 422.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.api import errors
from kubegate.api.errors import CAUSE_INVALID, CAUSE_TOO_LONG, FieldError
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target
from kubegate.registry.rest import Track

MAX_LENGTH = 128
META_GROUP = "meta.k8s.io"


def requested_manager(request: web.Request, *, options_kind: str) -> str:
    """The `fieldManager` query parameter, validated ("" when absent)."""
    name = request.rel_url.query.get("fieldManager", "")
    problems: list[FieldError] = []
    if len(name.encode()) > MAX_LENGTH:
        problems.append(FieldError(CAUSE_TOO_LONG, "fieldManager", f"may not be more than {MAX_LENGTH} bytes"))
    for position, char in enumerate(name):
        if not char.isprintable():
            problems.append(FieldError(
                CAUSE_INVALID, "fieldManager", f"invalid character U+{ord(char):04X} (at position {position})", name
            ))
    if problems:
        raise errors.invalid(options_kind, "", problems, group=META_GROUP)
    return name


def manager_name(request: web.Request, *, options_kind: str) -> str:
    """The manager a write is recorded under (managerOrUserAgent)."""
    return requested_manager(request, options_kind=options_kind) or from_user_agent(
        request.headers.get("User-Agent", "")
    )


def from_user_agent(agent: str) -> str:
    out = ""
    for char in agent.split("/", 1)[0]:
        if not char.isprintable():
            continue
        if len((out + char).encode()) > MAX_LENGTH:
            break
        out += char
    return out


def tracker(request: web.Request, target: Target, *, options_kind: str) -> Track:
    """The registry hook that brings managedFields up to date for this write."""
    manager = manager_name(request, options_kind=options_kind)
    fields = server_of(request).field_managers.for_resource(target.spec, target.subresource)

    def track(live: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        return fields.update(live, new, manager)

    return track
