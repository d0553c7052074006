"""The namespace controller: empties a terminating namespace, then removes it.

Deleting a namespace only marks it Terminating (its `kubernetes` finalizer holds it). This
controller then deletes everything inside it and, once nothing is left, drops the finalizer so
the namespace disappears and watchers see DELETED, as kube-controller-manager does.
"""

from __future__ import annotations

import asyncio
import logging

from kubegate.api import errors
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import NAMESPACES, DeleteOptions, GenericStore
from kubegate.storage.memory import DELETED, Event

log = logging.getLogger("kubegate.controllers.namespace")

#: How long a namespace stays Terminating with its contents before the controller empties it.
#: kube-controller-manager takes a moment too, and clients rely on it: `kubectl delete -f` of a
#: manifest that starts with its Namespace deletes the namespace first and then each object in
#: it, which must still be there to be deleted.
CLEANUP_DELAY = 1.0


class NamespaceController:
    def __init__(self, rest: GenericStore, catalog: Catalog, *, delay: float = CLEANUP_DELAY) -> None:
        self._rest = rest
        self._delay = delay
        self._catalog = catalog
        # namespace -> loop time before which its contents are left alone
        self._pending: dict[str, float] = {}
        self._scheduled = False
        rest.store.add_listener(self._observe)

    def _observe(self, event: Event) -> None:
        if event.resource == NAMESPACES:
            deleting = event.type != DELETED and event.stored.obj["metadata"].get("deletionTimestamp")
            if deleting and event.key[1] not in self._pending:
                loop = asyncio.get_running_loop()
                self._pending[event.key[1]] = loop.time() + self._delay
                loop.call_later(self._delay, self._schedule)
        elif event.type == DELETED and event.key[0] in self._pending:
            self._schedule()  # something it waited for is gone: look again

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        now = asyncio.get_running_loop().time()
        for namespace, not_before in sorted(self._pending.items()):
            if now < not_before:
                continue
            try:
                if self._purge(namespace):
                    del self._pending[namespace]
            except Exception:  # a controller must keep going; the next event retries
                log.exception("cleaning up namespace %s failed", namespace)

    def _purge(self, namespace: str) -> bool:
        """Delete what is left in `namespace`; True once it is empty and finalized."""
        left = False
        for spec in list(self._catalog):
            if not spec.namespaced or "delete" not in spec.verbs:
                continue
            for stored in list(self._rest.store.scan(self._rest.key_of(spec), namespace=namespace)):
                left = True
                if stored.obj["metadata"].get("deletionTimestamp"):
                    continue  # waiting for its own finalizers
                try:
                    self._rest.delete(
                        spec, namespace, stored.obj["metadata"]["name"], DeleteOptions(propagation_policy="Background")
                    )
                except errors.StatusError as error:
                    if error.code != 404:
                        raise
        if left and self._has_content(namespace):
            return False
        self._rest.finalize_namespace(namespace)
        return True

    def _has_content(self, namespace: str) -> bool:
        return any(
            self._rest.store.count(self._rest.key_of(spec), namespace=namespace)
            for spec in self._catalog
            if spec.namespaced
        )
