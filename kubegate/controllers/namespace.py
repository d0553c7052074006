"""The namespace controller: empties a terminating namespace, then removes it.

Deleting a namespace only marks it Terminating (its `kubernetes` finalizer holds it). This
controller then deletes everything inside it and, once nothing is left, drops the finalizer so
the namespace disappears and watchers see DELETED, as kube-controller-manager does. Keys are
namespace names: a namespace is looked at when it changes while terminating, and again whenever
something inside it is deleted, until it is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from kubegate.api import errors
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event, ResourceKey
from kubegate.registry.rest import NAMESPACES, DeleteOptions, GenericStore
from kubegate.registry.spec import ResourceSpec

#: How long a namespace stays Terminating with its contents before the controller empties it.
#: kube-controller-manager takes a moment too, and clients rely on it: `kubectl delete -f` of a
#: manifest that starts with its Namespace deletes the namespace first and then each object in
#: it, which must still be there to be deleted.
CLEANUP_DELAY = 1.0


class NamespaceController(Controller):
    """Keys are namespace names."""

    name = "namespace"

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *, delay: float = CLEANUP_DELAY
    ) -> None:
        super().__init__(informers)
        self._rest = rest
        self._delay = delay
        self._catalog = catalog
        # terminating namespace -> loop time before which its contents are left alone
        self._pending: dict[str, float] = {}
        self.watch(NAMESPACES, self._namespace_changed)
        self.watch(None, self._content_deleted)

    def _namespace_changed(self, event: Event) -> Iterable[str]:
        name = event.key[1]
        if event.type == DELETED:
            return (name,) if name in self._pending else ()
        return (name,) if event.stored.obj["metadata"].get("deletionTimestamp") else ()

    def _content_deleted(self, event: Event) -> Iterable[str]:
        # something it waited for is gone: look again
        return (event.key[0],) if event.type == DELETED and event.key[0] in self._pending else ()

    def initial_keys(self) -> Iterable[str]:
        return [
            stored.obj["metadata"]["name"]
            for stored in self.informers.list(NAMESPACES)
            if stored.obj["metadata"].get("deletionTimestamp")
        ]

    async def reconcile(self, namespace: str) -> None:
        stored = self.cache.get(NAMESPACES, ("", namespace))
        if stored is None or not stored.obj["metadata"].get("deletionTimestamp"):
            self._pending.pop(namespace, None)
            return
        now = asyncio.get_running_loop().time()
        not_before = self._pending.setdefault(namespace, now + self._delay)
        if now < not_before:
            self.queue.add_after(namespace, not_before - now)
            return
        await self._purge(namespace)

    async def _purge(self, namespace: str) -> bool:
        """Delete what is left in `namespace`; True once it is empty and finalized."""
        left = False
        for spec in self._deletable():
            for stored in list(self.cache.scan(GenericStore.key_of(spec), namespace=namespace)):
                left = True
                if stored.obj["metadata"].get("deletionTimestamp"):
                    continue  # waiting for its own finalizers
                try:
                    await self._rest.delete(
                        spec, namespace, stored.obj["metadata"]["name"], DeleteOptions(propagation_policy="Background")
                    )
                except errors.StatusError as error:
                    if error.code == 409:  # changed under us: look again once this pass is done
                        self.queue.add(namespace)
                    elif error.code != 404:
                        raise
        if left and self._has_content(namespace):
            return False
        await self._rest.finalize_namespace(namespace)
        return True

    def _deletable(self) -> list[ResourceSpec]:
        """One spec per stored namespaced resource that can be deleted (versions share storage)."""
        specs: dict[ResourceKey, ResourceSpec] = {}
        for spec in list(self._catalog):
            if spec.namespaced and "delete" in spec.verbs:
                specs.setdefault(GenericStore.key_of(spec), spec)
        return list(specs.values())

    def _has_content(self, namespace: str) -> bool:
        return any(
            self.cache.count(GenericStore.key_of(spec), namespace=namespace)
            for spec in list(self._catalog)
            if spec.namespaced
        )
