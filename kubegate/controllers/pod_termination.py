"""The kubelet's last word on a deleted pod: remove it once its grace period has run out.

A pod bound to a node is deleted gracefully: the API server only sets its deletionTimestamp
(now + the grace period) and deletionGracePeriodSeconds. On a real cluster the kubelet then
stops the containers and, when they are gone, deletes the pod with gracePeriodSeconds=0 (and
its uid as a precondition), which removes it unless finalizers hold it. Where no
kubelet runs, this controller takes that last step when the grace period expires, as if every
container stopped exactly on time; pods on nodes a simulated kubelet runs (`--nodes`) are left to
it (`leave_to_kubelets`). A second delete with a shorter grace period moves the moment earlier;
`--grace-period=0 --force` needs nobody, the API server removes the pod at once.

Keys are a pod's (namespace, name). The wait is the work queue's: a pod whose grace period has
not run out yet comes back with `queue.add_after` when it will have. Both that function and the
clock can be injected, so tests can drive the expiry without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event, ObjectKey
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

PODS = ("", "pods")

#: (key, delay in seconds) -> None: reconcile the key again after the delay, like queue.add_after.
AddAfter = Callable[[ObjectKey, float], None]


@dataclass
class _Timer:
    uid: str
    started: float
    deadline: float


class PodTerminationController(Controller):
    """Keys are (namespace, name) of pods."""

    name = "pod-termination"

    def __init__(
        self,
        informers: Informers,
        rest: GenericStore,
        catalog: Catalog,
        *,
        add_after: AddAfter | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(informers)
        spec = catalog.lookup("", "v1", "pods")
        if spec is None:
            raise LookupError("pods are not served")
        self._spec = spec
        self._rest = rest
        self._add_after = add_after or (lambda key, delay: self.queue.add_after(key, delay))
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._timers: dict[ObjectKey, _Timer] = {}  # pod -> its pending removal
        self._kubelet_nodes: frozenset[str] = frozenset()  # nodes whose simulated kubelet deletes pods
        self.watch(PODS, self._pod_changed)

    @property
    def pending(self) -> int:
        """How many pods wait for their grace period to end."""
        return len(self._timers)

    def leave_to_kubelets(self, nodes: Iterable[str]) -> None:
        """Pods bound to these nodes are deleted by their (simulated) kubelet, not here."""
        self._kubelet_nodes = frozenset(nodes)

    def _mine(self, pod: dict[str, object]) -> bool:
        spec = pod.get("spec")
        node = spec.get("nodeName") if isinstance(spec, dict) else None
        return _terminating(pod) and not (node and node in self._kubelet_nodes)

    def _pod_changed(self, event: Event) -> Iterable[ObjectKey]:
        if event.type == DELETED:
            return (event.key,) if event.key in self._timers else ()
        return (event.key,) if self._mine(event.stored.obj) else ()

    def initial_keys(self) -> Iterable[ObjectKey]:
        terminating = [
            (str(stored.obj["metadata"].get("namespace", "")), str(stored.obj["metadata"]["name"]))
            for stored in self.informers.list(PODS)
            if self._mine(stored.obj)
        ]
        return list(dict.fromkeys([*terminating, *self._timers]))  # and forget the pods gone meanwhile

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(PODS, key)
        metadata = stored.obj.get("metadata") if stored is not None else None
        if stored is None or not isinstance(metadata, dict) or not self._mine(stored.obj):
            self._timers.pop(key, None)  # gone, never deleted, or a kubelet's: nothing to wait for
            return
        grace = metadata.get("deletionGracePeriodSeconds")
        if not isinstance(grace, int) or grace <= 0:
            self._timers.pop(key, None)  # grace 0: the API server itself removes it (or its finalizers hold it)
            return
        uid = str(metadata.get("uid"))
        now = self._clock()
        timer = self._timers.get(key)
        if timer is None or timer.uid != uid:
            timer = self._timers[key] = _Timer(uid, now, now + grace)
        else:
            # The deadline counts from when the deletion began, as deletionTimestamp does: a shorter
            # grace period given later moves it back (never into the past), a longer one is ignored.
            timer.deadline = min(timer.deadline, max(timer.started + grace, now))
        if now < timer.deadline:
            self._add_after(key, timer.deadline - now)
            return
        await final_delete(self._rest, self._spec, key, uid)
        if self._timers.get(key) is timer:
            del self._timers[key]


def _terminating(pod: dict[str, object]) -> bool:
    metadata = pod.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("deletionTimestamp"))


async def final_delete(rest: GenericStore, spec: ResourceSpec, key: ObjectKey, uid: str) -> None:
    """The kubelet's last word on a pod: delete it now, only the one with `uid`.

    Gone already (404) or replaced by another pod of the same name (409) is fine.
    """
    namespace, name = key
    try:
        await rest.delete(spec, namespace, name, DeleteOptions(grace_period_seconds=0, precondition_uid=uid))
    except errors.StatusError as error:
        if error.code not in (404, 409):
            raise
