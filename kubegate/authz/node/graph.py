"""Which node each object is reachable from, kept current from store events.

The real authorizer keeps a graph (secret -> pod -> node, pvc -> pod -> node, pv -> pvc, ...)
fed by informers and searches it for a path. kubegate keeps the same relationships as indexes:
for every object a bound pod uses, how many pods on each node use it; for every
PersistentVolume, its claim and its secrets; for every VolumeAttachment, its node. A question
is then one or two dictionary lookups. Pods without `spec.nodeName` are not in the graph, as in
the real one: a kubelet learns of a pod only once it is scheduled there.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kubegate.authz.node import references
from kubegate.authz.node.references import PV, SECRET, Vertex
from kubegate.registry.objects import DELETED, Event, ObjectCache, ObjectKey, ResourceKey

PODS: ResourceKey = ("", "pods")
PERSISTENT_VOLUMES: ResourceKey = ("", "persistentvolumes")
VOLUME_ATTACHMENTS: ResourceKey = ("storage.k8s.io", "volumeattachments")


class NodeGraph:
    def __init__(self, store: ObjectCache) -> None:
        #: pod -> (its node, what it uses)
        self._pods: dict[ObjectKey, tuple[str, frozenset[Vertex]]] = {}
        #: used object -> node -> number of pods on that node using it
        self._uses: dict[Vertex, Counter[str]] = {}
        #: persistent volume name -> (bound claim, secrets of its source)
        self._volumes: dict[str, tuple[Vertex | None, frozenset[Vertex]]] = {}
        self._volumes_by_secret: dict[Vertex, set[str]] = {}
        #: volume attachment name -> node
        self._attachments: dict[str, str] = {}
        for resource in (PODS, PERSISTENT_VOLUMES, VOLUME_ATTACHMENTS):
            for stored in store.scan(resource):
                meta = stored.obj.get("metadata") or {}
                self._apply(resource, (str(meta.get("namespace") or ""), str(meta.get("name") or "")), stored.obj)
        store.subscribe(self._observe)

    # questions ---------------------------------------------------------------------------

    def has_path(self, node: str, vertex: Vertex) -> bool:
        kind, namespace, name = vertex
        if kind == references.POD:
            entry = self._pods.get((namespace, name))
            return entry is not None and entry[0] == node
        if kind == references.VOLUMEATTACHMENT:
            return self._attachments.get(name) == node
        if kind == PV:
            claim = self._volumes.get(name, (None, frozenset()))[0]
            return claim is not None and self._used_on(node, claim)
        if self._used_on(node, vertex):
            return True
        if kind == SECRET:
            return any(self.has_path(node, (PV, "", pv)) for pv in self._volumes_by_secret.get(vertex, ()))
        return False

    def _used_on(self, node: str, vertex: Vertex) -> bool:
        counts = self._uses.get(vertex)
        return bool(counts and counts.get(node))

    # keeping up ----------------------------------------------------------------------------

    def _observe(self, event: Event) -> None:
        self._apply(event.resource, event.key, None if event.type == DELETED else event.stored.obj)

    def _apply(self, resource: ResourceKey, key: ObjectKey, obj: dict[str, Any] | None) -> None:
        if resource == PODS:
            self._set_pod(key, obj)
        elif resource == PERSISTENT_VOLUMES:
            self._set_volume(key[1], obj)
        elif resource == VOLUME_ATTACHMENTS:
            node = ((obj or {}).get("spec") or {}).get("nodeName")
            if isinstance(node, str) and node:
                self._attachments[key[1]] = node
            else:
                self._attachments.pop(key[1], None)

    def _set_pod(self, key: ObjectKey, pod: dict[str, Any] | None) -> None:
        old = self._pods.pop(key, None)
        if old is not None:
            for vertex in old[1]:
                counts = self._uses[vertex]
                counts[old[0]] -= 1
                if counts[old[0]] <= 0:
                    del counts[old[0]]
                if not counts:
                    del self._uses[vertex]
        node = ((pod or {}).get("spec") or {}).get("nodeName")
        if pod is None or not isinstance(node, str) or not node:
            return
        uses = references.pod_references(pod)
        self._pods[key] = (node, uses)
        for vertex in uses:
            self._uses.setdefault(vertex, Counter())[node] += 1

    def _set_volume(self, name: str, pv: dict[str, Any] | None) -> None:
        old = self._volumes.pop(name, None)
        if old is not None:
            for secret in old[1]:
                holders = self._volumes_by_secret[secret]
                holders.discard(name)
                if not holders:
                    del self._volumes_by_secret[secret]
        if pv is None:
            return
        secrets = references.pv_secrets(pv)
        self._volumes[name] = (references.pv_claim(pv), secrets)
        for secret in secrets:
            self._volumes_by_secret.setdefault(secret, set()).add(name)
