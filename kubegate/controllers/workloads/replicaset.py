"""The ReplicaSet and ReplicationController controllers: keep `spec.replicas` pods running.

One controller class serves both, as upstream's ReplicationManager wraps the ReplicaSet
controller; `ReplicaKind` holds the little that differs (resource, selector shape, event
component). A reconcile, for one set:

1. claims pods: its own that still match, orphans that match (adopted), and releases the ones
   that stopped matching (`podcontrol.claim`);
2. creates missing pods (`<set>-<5 letters>` through generateName), in doubling batches as
   upstream's slow start does, or deletes surplus ones, preferring pods that are unscheduled,
   pending, not ready, ready the shortest time, restarted most, newest;
3. writes status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
   minReadySeconds; a set waiting on that comes back when it is due), observedGeneration, and
   the `ReplicaFailure` condition while creating pods fails.

After its writes a reconcile waits until the cache shows them, so the next one counts the pods
it made: that stands in for upstream's expectations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.labels import LabelSelector, selector_from_label_selector_object
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.workloads import podcontrol
from kubegate.controllers.workloads.podcontrol import PODS, PodControl
from kubegate.registry.objects import DELETED, Event, ObjectKey
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.workloads")

#: upstream's burstReplicas: at most this many creates or deletes per reconcile
BURST = 500


@dataclass(frozen=True)
class ReplicaKind:
    resource: tuple[str, str]
    kind: str
    controller_name: str
    #: component of its Events (source.component)
    component: str
    selector: Callable[[dict[str, Any]], LabelSelector]


def _set_selector(obj: dict[str, Any]) -> LabelSelector:
    return selector_from_label_selector_object((obj.get("spec") or {}).get("selector"))


def _rc_selector(obj: dict[str, Any]) -> LabelSelector:
    spec = obj.get("spec") or {}
    labels = spec.get("selector") or ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    return selector_from_label_selector_object({"matchLabels": labels} if labels else None)


REPLICA_SETS = ReplicaKind(("apps", "replicasets"), "ReplicaSet", "replicaset", "replicaset-controller", _set_selector)
REPLICATION_CONTROLLERS = ReplicaKind(
    ("", "replicationcontrollers"), "ReplicationController", "replicationcontroller", "replication-controller",
    _rc_selector,
)


def _time(text: Any) -> float:
    moment = meta.parse_time(str(text or ""))
    return moment.timestamp() if moment else 0.0


def deletion_rank(pod: dict[str, Any]) -> tuple[Any, ...]:
    """Sort key: pods to delete first come first (controller.ActivePods ordering)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(str(status.get("phase")), 0)
    since = podcontrol.ready_since(pod)
    restarts = sum(int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or () if isinstance(c, dict))
    return (
        1 if spec.get("nodeName") else 0,
        phase_rank,
        1 if since is not None else 0,
        -(since.timestamp() if since else 0.0),
        -restarts,
        -_time((pod.get("metadata") or {}).get("creationTimestamp")),
    )


def replica_status(
    obj: dict[str, Any], pods: list[dict[str, Any]], *, failure: str | None, now: datetime
) -> dict[str, Any]:
    """The status a set reports for its active pods (calculateStatus)."""
    spec = obj.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    labels_of = [(p.get("metadata") or {}).get("labels") or {} for p in pods]
    status: dict[str, Any] = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(1 for labels in labels_of if all(labels.get(k) == v for k, v in template_labels.items())),
        "readyReplicas": sum(1 for p in pods if podcontrol.is_ready(p)),
        "availableReplicas": sum(1 for p in pods if podcontrol.is_available(p, min_ready, now)),
        "observedGeneration": int((obj.get("metadata") or {}).get("generation") or 0),
    }
    old = obj.get("status") or {}
    conditions = [c for c in old.get("conditions") or () if isinstance(c, dict) and c.get("type") != "ReplicaFailure"]
    if failure is not None:
        existing = next((c for c in old.get("conditions") or () if c.get("type") == "ReplicaFailure"), None)
        stamp = existing.get("lastTransitionTime") if existing else meta.format_time(now)
        conditions.append({"type": "ReplicaFailure", "status": "True", "lastTransitionTime": stamp,
                           "reason": "FailedCreate", "message": failure})
    if conditions:
        status["conditions"] = conditions
    return {key: value for key, value in status.items() if value or key == "replicas"}


class ReplicaSetController(Controller):
    """Keys are (namespace, name) of sets of one kind."""

    def __init__(self, informers: Informers, client: ControllerClient, pods: PodControl, kind: ReplicaKind,
                 spec: ResourceSpec) -> None:
        super().__init__(informers)
        self.name = kind.controller_name
        self.kind = kind
        self._client = client
        self._pods = pods
        self._spec = spec
        self.watch(kind.resource, lambda event: (event.key,))
        self.watch(PODS, self._pod_changed)

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [self._key(stored.obj) for stored in self.informers.list(self.kind.resource)]

    @staticmethod
    def _key(obj: dict[str, Any]) -> ObjectKey:
        metadata = obj.get("metadata") or {}
        return (str(metadata.get("namespace", "")), str(metadata.get("name", "")))

    def _pod_changed(self, event: Event) -> Iterable[Hashable]:
        keys: set[Hashable] = set()
        for version in (event.stored, event.previous):
            if version is None:
                continue
            pod = version.obj
            ref = podcontrol.controller_of(pod)
            namespace = str((pod.get("metadata") or {}).get("namespace", ""))
            if ref is not None:
                if ref.get("kind") == self.kind.kind:
                    keys.add((namespace, str(ref.get("name", ""))))
            elif event.type != DELETED:  # an orphan: every set that would adopt it
                labels = (pod.get("metadata") or {}).get("labels") or {}
                for stored in self.informers.list(self.kind.resource, namespace=namespace):
                    try:
                        if self.kind.selector(stored.obj).matches(labels):
                            keys.add(self._key(stored.obj))
                    except errors.StatusError:
                        continue
        return keys

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(self.kind.resource, key)
        if stored is None:
            return  # the garbage collector removes its pods
        owner = stored.obj
        try:
            selector = self.kind.selector(owner)
        except errors.StatusError:
            log.warning("%s %s/%s has an invalid selector", self.kind.kind, *key)
            return
        namespace = key[0]
        candidates = [s.obj for s in self.informers.list(PODS, namespace=namespace) if podcontrol.is_active(s.obj)]
        pods = await podcontrol.claim(
            self._client, self._client.spec("pods"), owner, candidates,
            lambda pod: selector.matches((pod.get("metadata") or {}).get("labels")),
        )
        failure = None
        if not (owner.get("metadata") or {}).get("deletionTimestamp"):
            failure = await self._manage(owner, pods)
        await self._client.rest.wait_fresh()
        await self._write_status(key, pods, failure)

    async def _manage(self, owner: dict[str, Any], pods: list[dict[str, Any]]) -> str | None:
        """Create or delete pods towards spec.replicas; the creation error, if one stopped it."""
        wanted = (owner.get("spec") or {}).get("replicas")
        replicas = 1 if wanted is None else int(wanted)
        diff = len(pods) - replicas
        template = (owner.get("spec") or {}).get("template") or {}
        if diff < 0:
            missing, batch = min(-diff, BURST), 1
            while missing > 0:  # slow start: 1, 2, 4, ... creates, stopping at the first failure
                size = min(batch, missing)
                for _ in range(size):
                    try:
                        await self._pods.create_pod(owner, template)
                    except errors.StatusError as error:
                        return error.message
                missing -= size
                batch *= 2
        elif diff > 0:
            for pod in sorted(pods, key=deletion_rank)[: min(diff, BURST)]:
                await self._pods.delete_pod(owner, pod)
        return None

    async def _write_status(self, key: ObjectKey, pods: list[dict[str, Any]], failure: str | None) -> None:
        stored = self.cache.get(self.kind.resource, key)
        if stored is None:
            return
        now = meta.now()
        owned = [p for p in pods if self.cache.get(PODS, self._key(p)) is not None]
        status = replica_status(stored.obj, owned, failure=failure, now=now)
        min_ready = int((stored.obj.get("spec") or {}).get("minReadySeconds") or 0)
        waits = [w for p in owned if (w := podcontrol.seconds_until_available(p, min_ready, now)) is not None]
        if waits:
            self.queue.add_after(key, min(waits) + 0.05)
        if status == (stored.obj.get("status") or {}):
            return

        async def with_status(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(self._spec.plural, key[1], group=self._spec.group)
            return {**live, "status": status}

        try:
            await self._client.rest.update(
                self._spec, key[0], key[1], with_status, subresource="status", track=self._client.track(self._spec, "status")
            )
        except errors.StatusError as error:
            if error.code != 404:
                raise
