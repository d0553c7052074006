"""How the in-process controllers read and write, as kube-controller-manager's client would.

Controllers read from the informers' cache and write through the generic REST store, after the
write that triggered them has been answered, as on a real cluster. They share three habits:

- writes go through the generic REST store, with managedFields recorded under the
  `kube-controller-manager` manager, as a real cluster shows them;
- nothing is created in a namespace that is missing or terminating (the real controllers check
  the phase, and the API refuses them anyway), so the namespace controller's purge terminates;
- a write that lost a race (404, 409) is not an error: the next event brings the newer state
  and the controller looks again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import ObjectCache, Stored
from kubegate.registry.rest import NAMESPACES, GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers")

MANAGER = "kube-controller-manager"


def namespace_active(store: ObjectCache, namespace: str) -> bool:
    """True if the namespace exists and is not being deleted (phase Active)."""
    stored = store.get(NAMESPACES, ("", namespace))
    if stored is None or stored.obj["metadata"].get("deletionTimestamp"):
        return False
    return bool((stored.obj.get("status") or {}).get("phase", "Active") == "Active")


#: Runs the server's admission chain on an object a controller creates (spec, namespace, object),
#: as the real controllers' requests pass through the API server's admission.
Admit = Callable[[ResourceSpec, str, dict[str, Any]], Awaitable[None]]


class ControllerClient:
    """Create, update and delete on behalf of a controller, through the generic REST store."""

    def __init__(
        self, rest: GenericStore, catalog: Catalog, *, field_managers: FieldManagers | None = None,
        admit: Admit | None = None,
    ) -> None:
        self.admit = admit
        self.rest = rest
        self.store = rest.store
        self._catalog = catalog
        self._field_managers = field_managers

    def spec(self, plural: str) -> ResourceSpec:
        """The core/v1 resource `plural` (every controller here works on core resources)."""
        spec = self._catalog.lookup("", "v1", plural)
        if spec is None:
            raise LookupError(f"core resource {plural} is not served")
        return spec

    def track(
        self, spec: ResourceSpec, subresource: str = ""
    ) -> Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] | None:
        """managedFields bookkeeping for a write as `kube-controller-manager` (of a subresource)."""
        if self._field_managers is None:
            return None
        fields = self._field_managers.for_resource(spec, subresource)
        return lambda live, new: fields.update(live, new, MANAGER)

    async def create(self, spec: ResourceSpec, namespace: str, obj: dict[str, Any]) -> Stored | None:
        """Create `obj`; None if it already exists or its namespace cannot take new content."""
        if spec.namespaced and not namespace_active(self.store, namespace):
            return None
        try:
            body = {"apiVersion": spec.api_version, "kind": spec.kind, **obj}
            if self.admit is not None:
                await self.admit(spec, namespace, body)
            return await self.rest.create(spec, namespace, body, track=self.track(spec))
        except errors.StatusError as error:
            if error.code in (403, 404, 409):  # terminating namespace, gone namespace, raced
                return None
            raise

    async def update(self, spec: ResourceSpec, current: Stored, obj: dict[str, Any]) -> Stored | None:
        """Replace `current` with `obj`; None if the object changed or went away meanwhile."""
        metadata = current.obj["metadata"]
        body = {**obj, "metadata": {**obj["metadata"], "resourceVersion": metadata["resourceVersion"]}}
        try:
            stored, _ = await self.rest.update(
                spec, metadata.get("namespace", ""), metadata["name"], body, track=self.track(spec)
            )
        except errors.StatusError as error:
            if error.code in (404, 409):  # the next event brings the newer state
                return None
            raise
        return stored

    async def change(
        self, spec: ResourceSpec, namespace: str, name: str,
        change: Callable[[dict[str, Any]], Awaitable[dict[str, Any]] | dict[str, Any]], *, subresource: str = "",
    ) -> Stored | None:
        """Apply `change` to the live object inside a guaranteed update (retried on races).

        None if the object is gone; `change` returning its input unchanged writes nothing.
        """

        async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(spec.plural, name, group=spec.group)
            result = change(live)
            return await result if isinstance(result, Awaitable) else result

        try:
            stored, _ = await self.rest.update(
                spec, namespace, name, updated, subresource=subresource, track=self.track(spec, subresource)
            )
        except errors.StatusError as error:
            if error.code == 404:
                return None
            raise
        return stored

    async def delete(self, spec: ResourceSpec, namespace: str, name: str, *, uid: str = "") -> None:
        """Delete an object, only the one with `uid` when given; a missing one is fine."""
        try:
            await self.rest.delete(spec, namespace, name, DeleteOptions(precondition_uid=uid, propagation_policy="Background"))
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone already, or another object took the name
                raise
