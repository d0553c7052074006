"""How the in-process controllers read and write, as kube-controller-manager's client would.

The controllers that fill a cluster with default objects (ServiceAccounts, the root CA
ConfigMap, token Secrets) run synchronously from store events, so the object a client expects
is there by the time its own request returns. They share three habits, kept here:

- writes go through the generic REST store, with managedFields recorded under the
  `kube-controller-manager` manager, as a real cluster shows them;
- nothing is created in a namespace that is missing or terminating (the real controllers check
  the phase, and the API refuses them anyway), so the namespace controller's purge terminates;
- a failing controller logs and carries on: an exception must never escape into the write
  that triggered it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.rest import NAMESPACES, GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.memory import Event, Store, Stored

log = logging.getLogger("kubegate.controllers")

MANAGER = "kube-controller-manager"


def namespace_active(store: Store, namespace: str) -> bool:
    """True if the namespace exists and is not being deleted (phase Active)."""
    stored = store.get(NAMESPACES, ("", namespace))
    if stored is None or stored.obj["metadata"].get("deletionTimestamp"):
        return False
    return bool((stored.obj.get("status") or {}).get("phase", "Active") == "Active")


def guarded(name: str) -> Callable[[Callable[[Any, Event], None]], Callable[[Any, Event], None]]:
    """Wrap a store listener so its failures are logged instead of failing the triggering write."""

    def wrap(listener: Callable[[Any, Event], None]) -> Callable[[Any, Event], None]:
        @functools.wraps(listener)
        def run(self: Any, event: Event) -> None:
            try:
                listener(self, event)
            except Exception:  # a controller must keep going; the next event retries
                log.exception("%s: handling %s %s %s failed", name, event.type, event.resource, event.key)

        return run

    return wrap


class ControllerClient:
    """Create, update and delete on behalf of a controller, through the generic REST store."""

    def __init__(self, rest: GenericStore, catalog: Catalog, *, field_managers: FieldManagers | None = None) -> None:
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

    def _track(self, spec: ResourceSpec) -> Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] | None:
        if self._field_managers is None:
            return None
        fields = self._field_managers.for_resource(spec)
        return lambda live, new: fields.update(live, new, MANAGER)

    def create(self, spec: ResourceSpec, namespace: str, obj: dict[str, Any]) -> Stored | None:
        """Create `obj`; None if it already exists or its namespace cannot take new content."""
        if spec.namespaced and not namespace_active(self.store, namespace):
            return None
        try:
            body = {"apiVersion": spec.api_version, "kind": spec.kind, **obj}
            return self.rest.create(spec, namespace, body, track=self._track(spec))
        except errors.StatusError as error:
            if error.code in (403, 404, 409):  # terminating namespace, gone namespace, raced
                return None
            raise

    def update(self, spec: ResourceSpec, current: Stored, obj: dict[str, Any]) -> Stored | None:
        """Replace `current` with `obj`; None if the object changed or went away meanwhile."""
        metadata = current.obj["metadata"]
        body = {**obj, "metadata": {**obj["metadata"], "resourceVersion": metadata["resourceVersion"]}}
        try:
            stored, _ = self.rest.update(
                spec, metadata.get("namespace", ""), metadata["name"], body, track=self._track(spec)
            )
        except errors.StatusError as error:
            if error.code in (404, 409):  # the next event brings the newer state
                return None
            raise
        return stored

    def delete(self, spec: ResourceSpec, namespace: str, name: str, *, uid: str = "") -> None:
        """Delete an object, only the one with `uid` when given; a missing one is fine."""
        try:
            self.rest.delete(spec, namespace, name, DeleteOptions(precondition_uid=uid, propagation_policy="Background"))
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone already, or another object took the name
                raise
