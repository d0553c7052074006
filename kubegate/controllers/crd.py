"""The CustomResourceDefinition controllers: naming, establishing, serving and finalizing.

kube-apiserver runs these inside apiextensions-apiserver; kubegate runs them synchronously from
store events (like its other controllers), so by the time a client's CRD create returns the
CRD is NamesAccepted, Established and served, and by the time its DELETE returns the CRD's
instances are gone and so is the CRD (unless an instance's own finalizers hold it up; then it
waits, Terminating, for their removal):

- naming: accept the requested names unless another CRD of the group holds them (then
  NamesAccepted is False with the conflict), and mark the CRD Established once they are;
- serving: every change re-publishes the set of established CRDs (`Serving.publish`);
- finalizing: a CRD marked for deletion (the `customresourcecleanup.apiextensions.k8s.io`
  finalizer, Terminating condition) has its instances deleted namespace by namespace; once
  none is left the condition says InstanceDeletionCompleted, the finalizer goes, and with it
  the CRD. Its resource then leaves the catalog, discovery and OpenAPI.

Status writes go through the CRD's status endpoint as `kube-apiserver` (the manager a real
cluster shows), so they are validated and tracked like any other write.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.registry.catalog import Catalog
from kubegate.registry.customresources import definition
from kubegate.registry.customresources.naming import Condition, accept_names
from kubegate.registry.customresources.serving import Serving
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.memory import DELETED, Event

log = logging.getLogger("kubegate.controllers.crd")

CRDS = (definition.GROUP, definition.PLURAL)
MANAGER = "kube-apiserver"
Obj = dict[str, Any]


class CustomResourceDefinitionController:
    def __init__(
        self, rest: GenericStore, catalog: Catalog, serving: Serving, *, field_managers: FieldManagers | None = None
    ) -> None:
        spec = catalog.lookup(definition.GROUP, "v1", definition.PLURAL)
        assert spec is not None
        self._crd_spec: ResourceSpec = spec
        self._rest = rest
        self._serving = serving
        self._field_managers = field_managers
        self._queue: list[str] = []
        self._running = False
        #: (group, plural) of terminating CRDs -> CRD name, to look again when an instance goes
        self._finalizing: dict[tuple[str, str], str] = {}
        rest.store.add_listener(self._observe)
        for stored in list(rest.store.scan(CRDS)):
            self._enqueue(stored.obj["metadata"]["name"])

    # events -----------------------------------------------------------------------------------

    def _observe(self, event: Event) -> None:
        if event.resource == CRDS:
            self._enqueue(event.key[1])
        elif event.type == DELETED and event.resource in self._finalizing:
            self._enqueue(self._finalizing[event.resource])

    def _enqueue(self, name: str) -> None:
        if name not in self._queue:
            self._queue.append(name)
        if self._running:
            return  # the loop below picks it up; writes made while syncing land here too
        self._running = True
        try:
            while self._queue:
                current = self._queue.pop(0)
                try:
                    self._sync(current)
                except Exception:  # a controller must keep going; the next event retries
                    log.exception("syncing CustomResourceDefinition %s failed", current)
        finally:
            self._running = False

    # the sync ---------------------------------------------------------------------------------

    def _all(self) -> list[Obj]:
        return [stored.obj for stored in self._rest.store.scan(CRDS)]

    def _sync(self, name: str) -> None:
        stored = self._rest.store.get(CRDS, ("", name))
        if stored is None:
            self._serving.publish(self._all())
            for other in self._all():  # names it held may be free now
                if not definition.is_true(other, definition.NAMES_ACCEPTED):
                    self._queue.append(other["metadata"]["name"])
            return
        crd = stored.obj
        if crd["metadata"].get("deletionTimestamp"):
            if definition.CLEANUP_FINALIZER in (crd["metadata"].get("finalizers") or []):
                self._finalize(crd)
            return
        group = definition.group_of(crd)
        same_group = [c for c in self._all() if definition.group_of(c) == group]
        names, names_accepted, established = accept_names(crd, same_group)
        status = definition.status_of(crd)
        current = definition.find_condition(crd, definition.NAMES_ACCEPTED)
        unchanged = status.get("acceptedNames") == names and current is not None and (
            current.get("status"), current.get("reason"), current.get("message")
        ) == (names_accepted.status, names_accepted.reason, names_accepted.message)
        if not unchanged or not definition.find_condition(crd, definition.ESTABLISHED):
            updated = copy.deepcopy(crd)
            updated.setdefault("status", {})["acceptedNames"] = names
            for condition in (names_accepted, established):
                _set(updated, condition)
            self._write_status(updated)
            if names_accepted.status == "True":
                # others of the group may have waited for a name this one no longer holds
                self._queue.extend(c["metadata"]["name"] for c in same_group
                                   if c["metadata"]["name"] != name and not definition.is_true(c, definition.NAMES_ACCEPTED))  # fmt: skip
        self._serving.publish(self._all())

    def _finalize(self, crd: Obj) -> None:
        name = crd["metadata"]["name"]
        resource = (definition.group_of(crd), str(definition.accepted_names(crd).get("plural") or ""))
        condition = definition.find_condition(crd, definition.TERMINATING) or {}
        if condition.get("reason") != "InstanceDeletionInProgress":
            updated = copy.deepcopy(crd)
            _set(updated, Condition(definition.TERMINATING, "True", "InstanceDeletionInProgress",
                                    "CustomResource deletion is in progress"))  # fmt: skip
            crd = self._write_status(updated) or crd
        if definition.is_true(crd, definition.ESTABLISHED) and resource[1]:
            self._finalizing[resource] = name
            if self._delete_instances(crd, resource):
                return  # some are held by their own finalizers: wait for them to go
            outcome = Condition(definition.TERMINATING, "False", "InstanceDeletionCompleted", "removed all instances")
        else:
            outcome = Condition(definition.TERMINATING, "False", "NeverEstablished", "resource was never established")
        self._finalizing.pop(resource, None)
        updated = copy.deepcopy(crd)
        _set(updated, outcome)
        crd = self._write_status(updated) or crd
        done = copy.deepcopy(crd)
        finalizers = [f for f in done["metadata"].get("finalizers") or [] if f != definition.CLEANUP_FINALIZER]
        done["metadata"]["finalizers"] = finalizers
        try:
            self._rest.update(self._crd_spec, "", name, done)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise
            self._queue.append(name)  # it changed meanwhile: look again

    def _delete_instances(self, crd: Obj, resource: tuple[str, str]) -> bool:
        """Delete every instance; True while some are still there."""
        spec = next((s for s in self._serving_specs() if (s.group, s.plural) == resource), None)
        left = False
        for stored in list(self._rest.store.scan(resource)):
            left = True
            metadata = stored.obj["metadata"]
            if metadata.get("deletionTimestamp") or spec is None:
                continue
            try:
                self._rest.delete(spec, str(metadata.get("namespace") or ""), str(metadata["name"]),
                                  DeleteOptions(propagation_policy="Background"))  # fmt: skip
            except errors.StatusError as error:
                if error.code != 404:
                    raise
        return left and self._rest.store.count(resource) > 0

    def _serving_specs(self) -> list[ResourceSpec]:
        return [spec for spec in self._serving.catalog if spec.custom_resource]

    def _write_status(self, crd: Obj) -> Obj | None:
        """UpdateStatus as kube-apiserver; the stored object, or None if it changed meanwhile."""
        name = crd["metadata"]["name"]
        track = None
        if self._field_managers is not None:
            fields = self._field_managers.for_resource(self._crd_spec, "status")
            track = lambda live, new: fields.update(live, new, MANAGER)
        try:
            stored, _ = self._rest.update(self._crd_spec, "", name, crd, subresource="status", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise
            return None
        return stored.obj


def _set(crd: Obj, condition: Condition) -> None:
    definition.set_condition(crd, condition.type, condition.status, condition.reason, condition.message)
