"""Storage errors: what a backend says went wrong, before anyone turns it into HTTP.

As in k8s.io/apiserver's `storage` package, a backend never answers with a `Status`; it raises
one of these and the registry maps it to the real error (404, 409, 410, 500, 504).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage error; `key` is the storage key it concerns ("" when none)."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key


class KeyNotFound(StorageError):
    """The key holds no object (get, update, delete)."""


class KeyExists(StorageError):
    """A create found the key taken."""


class Conflict(StorageError):
    """A precondition (uid, resourceVersion) does not hold for the current object."""


class TooOldRevision(StorageError):
    """The revision asked for has been compacted away (the registry answers 410 Expired)."""

    def __init__(self, revision: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {revision} ({oldest})")
        self.revision = revision
        self.oldest = oldest


class FutureRevision(StorageError):
    """A read at a revision the backend has not reached."""


class Unavailable(StorageError):
    """The backend cannot be reached or failed (the registry answers 500 or 504)."""


class InvalidObject(StorageError):
    """The object cannot be encoded for storage (for instance nested past the encoder's limit)."""
