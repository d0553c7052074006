"""Storage errors turned into the Status errors the real registry answers with.

Backends raise `kubegate.storage.errors`; only the registry knows the resource and name a
client asked for, so the translation (404, 409, 410, 500) happens here, in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kubegate.api import errors
from kubegate.storage import errors as storage

#: etcd's wording when it cannot be reached, which the real server wraps in a 500
UNAVAILABLE = "etcdserver: request timed out"


def to_status(error: storage.StorageError, *, plural: str, name: str, group: str = "") -> errors.StatusError:
    if isinstance(error, storage.KeyNotFound):
        return errors.not_found(plural, name, group=group)
    if isinstance(error, storage.KeyExists):
        return errors.already_exists(plural, name, group=group)
    if isinstance(error, storage.Conflict):
        message = str(error) if str(error).startswith("Precondition failed") else errors.MODIFIED_CONFLICT
        return errors.conflict(plural, name, message, group=group)
    if isinstance(error, storage.TooOldRevision):
        return errors.too_old_resource_version(error.revision, error.oldest)
    if isinstance(error, storage.InvalidObject):
        return errors.bad_request(str(error))
    return errors.internal(str(error) or UNAVAILABLE)


@contextmanager
def as_status(*, plural: str, name: str, group: str = "") -> Iterator[None]:
    """Raise storage errors from the block as the Status error the client should see."""
    try:
        yield
    except storage.StorageError as error:
        raise to_status(error, plural=plural, name=name, group=group) from None
