"""Subresources computed from their parent object, read and written through it.

The real registry gives such a subresource its own REST storage (a Getter and an Updater);
the verb handlers look these up in `server.virtual_subresources` by (group, resource,
subresource) before the generic store. An update hands the storage a transform from the
current subresource object to the new one, as `rest.UpdatedObjectInfo` does, so PUT, every
patch type and server-side apply share one write path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kubegate.endpoints.handlers.common import Target
    from kubegate.registry.rest import GenericStore

#: The current subresource object (with managedFields as the writer sees them) -> the new one.
Transform = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class SubresourceStorage(Protocol):
    def get(self, rest: GenericStore, target: Target) -> dict[str, Any]:
        """The subresource object, as a GET answers it."""
        ...

    async def update(
        self,
        rest: GenericStore,
        target: Target,
        transform: Transform,
        *,
        dry_run: bool,
    ) -> dict[str, Any]:
        """Write the object `transform` makes of the current one; answer the stored result."""
        ...
