"""The CustomResourceDefinition controllers: naming, establishing, serving and finalizing.

kube-apiserver runs these inside apiextensions-apiserver, in every apiserver process; so does
kubegate (the controller is not leader-elected), keyed by CRD names, after the write that
changed a CRD has been answered, as on a real cluster: a client's CRD create returns before the
CRD is NamesAccepted, Established and served, and its DELETE before the CRD's instances and the
CRD itself are gone (an instance's own finalizers may hold them up; the CRD then waits,
Terminating, for their removal):

- naming: accept the requested names unless another CRD of the group holds them (then
  NamesAccepted is False with the conflict), and mark the CRD Established once they are;
- serving: every change re-publishes the set of established CRDs (`Serving.publish`), in every
  process, so each serves what the others establish;
- finalizing: a CRD marked for deletion (the `customresourcecleanup.apiextensions.k8s.io`
  finalizer, Terminating condition) has its instances deleted namespace by namespace; once
  none is left the condition says InstanceDeletionCompleted, the finalizer goes, and with it
  the CRD. Its resource then leaves the catalog, discovery and OpenAPI.

Status writes go through the CRD's status endpoint as `kube-apiserver` (the manager a real
cluster shows), so they are validated and tracked like any other write. A write that lost a
race to another writer (another process, say) is not an error: the event it caused brings the
CRD back.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.customresources import definition
from kubegate.registry.customresources.naming import Condition, accept_names
from kubegate.registry.customresources.serving import Serving
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.objects import DELETED, Event, ResourceKey
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.crd")

CRDS = (definition.GROUP, definition.PLURAL)
MANAGER = "kube-apiserver"
Obj = dict[str, Any]


class CustomResourceDefinitionController(Controller):
    """Keys are CRD names."""

    name = "customresourcedefinition"
    #: apiextensions-apiserver's controllers run in every apiserver, and each must serve the CRDs
    leader_elected = False

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, serving: Serving, *,
        field_managers: FieldManagers | None = None,
    ) -> None:
        super().__init__(informers)
        spec = catalog.lookup(definition.GROUP, "v1", definition.PLURAL)
        assert spec is not None
        self._crd_spec: ResourceSpec = spec
        self._rest = rest
        self._serving = serving
        self._field_managers = field_managers
        #: (group, plural) of terminating CRDs -> CRD name, to look again when an instance goes
        self._finalizing: dict[ResourceKey, str] = {}
        self.watch(CRDS, lambda event: (event.key[1],))
        self.watch(None, self._instance_deleted)

    # events -----------------------------------------------------------------------------------

    def _instance_deleted(self, event: Event) -> Iterable[str]:
        if event.type == DELETED and event.resource in self._finalizing:
            return (self._finalizing[event.resource],)
        return ()

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(CRDS)]

    # the sync ---------------------------------------------------------------------------------

    def _all(self) -> list[Obj]:
        return [stored.obj for stored in self.informers.list(CRDS)]

    async def reconcile(self, name: str) -> None:
        stored = self.cache.get(CRDS, ("", name))
        if stored is None:
            self._serving.publish(self._all())
            for other in self._all():  # names it held may be free now
                if not definition.is_true(other, definition.NAMES_ACCEPTED):
                    self.queue.add(other["metadata"]["name"])
            return
        crd = stored.obj
        if crd["metadata"].get("deletionTimestamp"):
            if definition.CLEANUP_FINALIZER in (crd["metadata"].get("finalizers") or []):
                await self._finalize(crd)
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
            await self._write_status(updated)
            if names_accepted.status == "True":
                # others of the group may have waited for a name this one no longer holds
                for other in same_group:
                    other_name = other["metadata"]["name"]
                    if other_name != name and not definition.is_true(other, definition.NAMES_ACCEPTED):
                        self.queue.add(other_name)
        self._serving.publish(self._all())

    async def _finalize(self, crd: Obj) -> None:
        name = crd["metadata"]["name"]
        resource = (definition.group_of(crd), str(definition.accepted_names(crd).get("plural") or ""))
        condition = definition.find_condition(crd, definition.TERMINATING) or {}
        if condition.get("reason") != "InstanceDeletionInProgress":
            updated = copy.deepcopy(crd)
            _set(updated, Condition(definition.TERMINATING, "True", "InstanceDeletionInProgress",
                                    "CustomResource deletion is in progress"))  # fmt: skip
            crd = await self._write_status(updated) or crd
        if definition.is_true(crd, definition.ESTABLISHED) and resource[1]:
            self._finalizing[resource] = name
            if await self._delete_instances(resource):
                return  # some are held by their own finalizers: wait for them to go
            outcome = Condition(definition.TERMINATING, "False", "InstanceDeletionCompleted", "removed all instances")
        else:
            outcome = Condition(definition.TERMINATING, "False", "NeverEstablished", "resource was never established")
        self._finalizing.pop(resource, None)
        updated = copy.deepcopy(crd)
        _set(updated, outcome)
        crd = await self._write_status(updated) or crd
        done = copy.deepcopy(crd)
        finalizers = [f for f in done["metadata"].get("finalizers") or [] if f != definition.CLEANUP_FINALIZER]
        done["metadata"]["finalizers"] = finalizers
        try:
            await self._rest.update(self._crd_spec, "", name, done)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise
            self.queue.add(name)  # it changed meanwhile: look again

    async def _delete_instances(self, resource: ResourceKey) -> bool:
        """Delete every instance; True while some are still there."""
        spec = next((s for s in self._serving_specs() if (s.group, s.plural) == resource), None)
        left = False
        for stored in list(self.cache.scan(resource)):
            left = True
            metadata = stored.obj["metadata"]
            if metadata.get("deletionTimestamp") or spec is None:
                continue
            try:
                await self._rest.delete(spec, str(metadata.get("namespace") or ""), str(metadata["name"]),
                                        DeleteOptions(propagation_policy="Background"))  # fmt: skip
            except errors.StatusError as error:
                if error.code == 409:  # changed under us: look again once this pass is done
                    self.queue.add(self._finalizing[resource])
                elif error.code != 404:
                    raise
        return left and self.cache.count(resource) > 0

    def _serving_specs(self) -> list[ResourceSpec]:
        return [spec for spec in self._serving.catalog if spec.custom_resource]

    async def _write_status(self, crd: Obj) -> Obj | None:
        """UpdateStatus as kube-apiserver; the stored object, or None if it changed meanwhile."""
        name = crd["metadata"]["name"]
        track = None
        if self._field_managers is not None:
            fields = self._field_managers.for_resource(self._crd_spec, "status")
            track = lambda live, new: fields.update(live, new, MANAGER)
        try:
            stored, _ = await self._rest.update(self._crd_spec, "", name, crd, subresource="status", track=track)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise
            return None
        return stored.obj


def _set(crd: Obj, condition: Condition) -> None:
    definition.set_condition(crd, condition.type, condition.status, condition.reason, condition.message)
