"""kube-controller-manager's pvc-protection and pv-protection: the other half of StorageObjectInUseProtection.

The admission plugin puts `kubernetes.io/pvc-protection` on every new claim and
`kubernetes.io/pv-protection` on every new volume. These controllers take the finalizer off an
object being deleted once nothing uses it: a claim when no pod of its namespace that has not
finished names it in its volumes (directly, or as the claim of an ephemeral volume), a volume
when it is not Bound. Until then `kubectl delete pvc` leaves the claim Terminating, as on a
real cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.objects import DELETED, Event, ObjectKey

PODS = ("", "pods")
CLAIMS = ("", "persistentvolumeclaims")
VOLUMES = ("", "persistentvolumes")
PVC_FINALIZER = "kubernetes.io/pvc-protection"
PV_FINALIZER = "kubernetes.io/pv-protection"


def _releasing(obj: dict[str, Any], finalizer: str) -> bool:
    metadata = obj.get("metadata") or {}
    return bool(metadata.get("deletionTimestamp")) and finalizer in (metadata.get("finalizers") or ())


def _key(obj: dict[str, Any]) -> ObjectKey:
    metadata = obj["metadata"]
    return str(metadata.get("namespace", "")), str(metadata["name"])


def claims_of(pod: dict[str, Any]) -> set[str]:
    """The claims a pod that has not finished uses."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return set()
    spec = pod.get("spec") or {}
    pod_name = (pod.get("metadata") or {}).get("name", "")
    names = set()
    for volume in spec.get("volumes") or ():
        if not isinstance(volume, dict):
            continue
        claim = volume.get("persistentVolumeClaim")
        if isinstance(claim, dict) and claim.get("claimName"):
            names.add(str(claim["claimName"]))
        elif isinstance(volume.get("ephemeral"), dict):
            names.add(f"{pod_name}-{volume.get('name', '')}")
    return names


async def _drop_finalizer(client: ControllerClient, plural: str, key: ObjectKey, finalizer: str) -> None:
    def without(live: dict[str, Any]) -> dict[str, Any]:
        metadata = live.get("metadata") or {}
        finalizers = [f for f in metadata.get("finalizers") or () if f != finalizer]
        if finalizers == list(metadata.get("finalizers") or ()):
            return live
        updated = {**live, "metadata": {**metadata, "finalizers": finalizers}}
        if not finalizers:
            del updated["metadata"]["finalizers"]
        return updated

    await client.change(client.spec(plural), key[0], key[1], without)


class PVCProtectionController(Controller):
    """Keys are (namespace, name) of claims."""

    name = "pvc-protection"

    def __init__(self, informers: Informers, client: ControllerClient) -> None:
        super().__init__(informers)
        self._client = client
        self.watch(CLAIMS, self._claim_changed)
        self.watch(PODS, self._pod_changed)

    def _claim_changed(self, event: Event) -> Iterable[ObjectKey]:
        return (event.key,) if event.type != DELETED and _releasing(event.stored.obj, PVC_FINALIZER) else ()

    def _pod_changed(self, event: Event) -> Iterable[ObjectKey]:
        namespace = event.key[0]
        return [(namespace, name) for name in claims_of(event.stored.obj) | self._named(event)]

    @staticmethod
    def _named(event: Event) -> set[str]:
        """A deleted or finished pod frees its claims: look at them again."""
        spec = event.stored.obj.get("spec") or {}
        return {
            str(volume["persistentVolumeClaim"].get("claimName"))
            for volume in spec.get("volumes") or ()
            if isinstance(volume, dict) and isinstance(volume.get("persistentVolumeClaim"), dict)
        }

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [_key(stored.obj) for stored in self.informers.list(CLAIMS) if _releasing(stored.obj, PVC_FINALIZER)]

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(CLAIMS, key)
        if stored is None or not _releasing(stored.obj, PVC_FINALIZER):
            return
        namespace, name = key
        if any(name in claims_of(pod.obj) for pod in self.cache.scan(PODS, namespace=namespace)):
            return  # in use: the pod's end brings the claim back here
        await _drop_finalizer(self._client, "persistentvolumeclaims", key, PVC_FINALIZER)


class PVProtectionController(Controller):
    """Keys are ("", name) of volumes."""

    name = "pv-protection"

    def __init__(self, informers: Informers, client: ControllerClient) -> None:
        super().__init__(informers)
        self._client = client
        self.watch(VOLUMES, lambda event: (event.key,) if event.type != DELETED else ())

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [_key(stored.obj) for stored in self.informers.list(VOLUMES) if _releasing(stored.obj, PV_FINALIZER)]

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(VOLUMES, key)
        if stored is None or not _releasing(stored.obj, PV_FINALIZER):
            return
        if (stored.obj.get("status") or {}).get("phase") == "Bound":
            return  # bound to a claim: released when the claim goes
        await _drop_finalizer(self._client, "persistentvolumes", key, PV_FINALIZER)
