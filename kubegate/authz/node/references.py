"""Where a Pod or a PersistentVolume names the objects a kubelet must read to run it.

Paths are data: a tuple of keys in which `*` walks every item of a list. The pod tables follow
the real visitors (`VisitPodSecretNames`, `VisitPodConfigmapNames`, the volume and claim edges
the node graph adds): image pull secrets, env and envFrom of every container kind, secret and
configMap volumes and projections, the secret references of the volume plugins, persistent
volume claims (named, or generated for ephemeral volumes), the service account and resource
claims. A PersistentVolume leads to its bound claim and to the secrets of its volume source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str, ...]
#: (kind, namespace, name): an object the graph knows; cluster-scoped kinds have namespace ""
Vertex = tuple[str, str, str]

SECRET, CONFIGMAP, PVC, PV = "secret", "configmap", "persistentvolumeclaim", "persistentvolume"
SERVICEACCOUNT, RESOURCECLAIM, POD = "serviceaccount", "resourceclaim", "pod"
VOLUMEATTACHMENT = "volumeattachment"

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _in_containers(*tail: str) -> tuple[Path, ...]:
    return tuple(("spec", kind, "*", *tail) for kind in _CONTAINER_LISTS)


#: pod paths whose string values name Secrets in the pod's namespace
POD_SECRET_PATHS: tuple[Path, ...] = (
    ("spec", "imagePullSecrets", "*", "name"),
    *_in_containers("env", "*", "valueFrom", "secretKeyRef", "name"),
    *_in_containers("envFrom", "*", "secretRef", "name"),
    ("spec", "volumes", "*", "secret", "secretName"),
    ("spec", "volumes", "*", "projected", "sources", "*", "secret", "name"),
    ("spec", "volumes", "*", "azureFile", "secretName"),
    ("spec", "volumes", "*", "cephfs", "secretRef", "name"),
    ("spec", "volumes", "*", "cinder", "secretRef", "name"),
    ("spec", "volumes", "*", "flexVolume", "secretRef", "name"),
    ("spec", "volumes", "*", "iscsi", "secretRef", "name"),
    ("spec", "volumes", "*", "rbd", "secretRef", "name"),
    ("spec", "volumes", "*", "scaleIO", "secretRef", "name"),
    ("spec", "volumes", "*", "storageos", "secretRef", "name"),
    ("spec", "volumes", "*", "csi", "nodePublishSecretRef", "name"),
)

#: pod paths whose string values name ConfigMaps in the pod's namespace
POD_CONFIGMAP_PATHS: tuple[Path, ...] = (
    *_in_containers("env", "*", "valueFrom", "configMapKeyRef", "name"),
    *_in_containers("envFrom", "*", "configMapRef", "name"),
    ("spec", "volumes", "*", "configMap", "name"),
    ("spec", "volumes", "*", "projected", "sources", "*", "configMap", "name"),
)

POD_CLAIM_PATHS: tuple[Path, ...] = (("spec", "volumes", "*", "persistentVolumeClaim", "claimName"),)

POD_RESOURCE_CLAIM_PATHS: tuple[Path, ...] = (
    ("spec", "resourceClaims", "*", "resourceClaimName"),
    ("status", "resourceClaimStatuses", "*", "resourceClaimName"),
)

#: PersistentVolume secret references: (path to the reference, its name key, its namespace key);
#: a reference without a namespace falls back to the bound claim's namespace
PV_SECRET_REFS: tuple[tuple[Path, str, str], ...] = (
    *((("spec", "csi", ref), "name", "namespace") for ref in (
        "nodePublishSecretRef", "nodeStageSecretRef", "nodeExpandSecretRef",
        "controllerPublishSecretRef", "controllerExpandSecretRef",
    )),
    *((("spec", plugin, "secretRef"), "name", "namespace") for plugin in (
        "cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos",
    )),
    (("spec", "azureFile"), "secretName", "secretNamespace"),
)


def walk(obj: Any, path: Path) -> Iterator[Any]:
    """Every value at `path` in `obj` (nothing where the shape does not fit)."""
    if not path:
        yield obj
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(obj, list):
            for item in obj:
                yield from walk(item, rest)
    elif isinstance(obj, dict) and head in obj:
        yield from walk(obj[head], rest)


def names_at(obj: Any, paths: tuple[Path, ...]) -> set[str]:
    return {value for path in paths for value in walk(obj, path) if isinstance(value, str) and value}


def pod_references(pod: dict[str, Any]) -> frozenset[Vertex]:
    """Everything the pod's kubelet may read because of this pod."""
    meta = pod.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    refs: set[Vertex] = set()
    for kind, paths in (
        (SECRET, POD_SECRET_PATHS),
        (CONFIGMAP, POD_CONFIGMAP_PATHS),
        (PVC, POD_CLAIM_PATHS),
        (RESOURCECLAIM, POD_RESOURCE_CLAIM_PATHS),
    ):
        refs.update((kind, namespace, ref) for ref in names_at(pod, paths))
    for volume in walk(pod, ("spec", "volumes", "*")):
        if isinstance(volume, dict) and volume.get("ephemeral") is not None and volume.get("name"):
            refs.add((PVC, namespace, f"{name}-{volume['name']}"))
    account = (pod.get("spec") or {}).get("serviceAccountName")
    if isinstance(account, str) and account:
        refs.add((SERVICEACCOUNT, namespace, account))
    return frozenset(refs)


def pv_claim(pv: dict[str, Any]) -> Vertex | None:
    ref = (pv.get("spec") or {}).get("claimRef")
    if not isinstance(ref, dict) or not ref.get("name"):
        return None
    return (PVC, str(ref.get("namespace") or ""), str(ref["name"]))


def pv_secrets(pv: dict[str, Any]) -> frozenset[Vertex]:
    claim = pv_claim(pv)
    fallback = claim[1] if claim else ""
    out: set[Vertex] = set()
    for path, name_key, namespace_key in PV_SECRET_REFS:
        for ref in walk(pv, path):
            if isinstance(ref, dict) and isinstance(ref.get(name_key), str) and ref[name_key]:
                namespace = ref.get(namespace_key)
                if path[-1] == "azureFile":
                    namespace = namespace or "default"
                out.add((SECRET, str(namespace or fallback), ref[name_key]))
    return frozenset(out)
