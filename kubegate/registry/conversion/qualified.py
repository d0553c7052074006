"""Errors name the resource the request named, not the one it is stored as.

events.k8s.io/v1 events live in core/v1 `events` storage, yet a conflict on one reads
`Operation cannot be fulfilled on events.events.k8s.io "x"`: the real generic Store qualifies its
errors from the request (qualifiedResourceFromContext). Writes through another version run against
the storage row, so their errors are re-qualified here on the way out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kubegate.api import errors
from kubegate.registry.spec import ResourceSpec


@contextmanager
def errors_as(served: ResourceSpec, storage: ResourceSpec) -> Iterator[None]:
    """Re-raise `StatusError`s about `storage` as errors about `served`."""
    if (served.group, served.plural) == (storage.group, storage.plural):
        yield
        return
    try:
        yield
    except errors.StatusError as error:
        requalify(error, served, storage)
        raise


def requalify(error: errors.StatusError, served: ResourceSpec, storage: ResourceSpec) -> None:
    for old, new in (
        (f'{storage.group_resource} "', f'{served.group_resource} "'),
        (f'{_qualified_kind(storage)} "', f'{_qualified_kind(served)} "'),
    ):
        if old in error.message:
            error.message = error.message.replace(old, new, 1)
            break
    details = error.details
    if details and details.get("group", "") == storage.group and ("name" in details or "kind" in details):
        rest = {k: v for k, v in details.items() if k not in ("name", "group", "kind")}
        head = {"name": details.get("name"), "group": served.group or None, "kind": details.get("kind")}
        error.details = {**{k: v for k, v in head.items() if v}, **rest}


def _qualified_kind(spec: ResourceSpec) -> str:
    return f"{spec.kind}.{spec.group}" if spec.group else spec.kind
