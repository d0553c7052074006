"""Printers for storage: volumes, claims, classes and the CSI objects behind them.

Access modes print as `RWO,ROX,RWX,RWOP`; a class comes from the beta storage-class annotation
when present, else `storageClassName`; a default StorageClass is named `standard (default)`.
Unset fields print the values v1 defaulting would have stored (reclaim policy Retain for
volumes, Delete and Immediate for classes, volume mode Filesystem, CSI attachRequired true).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    UNSET,
    Column,
    dig,
    doc,
    flag,
    items,
    mapping,
    quantity,
    text,
)
from kubegate.registry.spec import ResourceKey

_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
_DEFAULT_CLASS = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")
_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def access_modes(modes: list[Any]) -> str:
    return ",".join(short for mode, short in _MODES if mode in modes)


def _class(obj: dict[str, Any]) -> str:
    annotations = mapping(obj, "metadata", "annotations")
    if _BETA_CLASS in annotations:
        return str(annotations[_BETA_CLASS])
    return text(obj, "spec", "storageClassName")


def _phase(obj: dict[str, Any]) -> str:
    if dig(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    return text(obj, "status", "phase", default="Pending")


def _claim(pv: dict[str, Any], _: datetime) -> str:
    ref = mapping(pv, "spec", "claimRef")
    return f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else ""


def _attributes_class(obj: dict[str, Any], _: datetime) -> str:
    return text(obj, "spec", "volumeAttributesClassName", default=UNSET)


def _volume_mode(obj: dict[str, Any], _: datetime) -> str:
    return text(obj, "spec", "volumeMode", default="Filesystem")


PERSISTENT_VOLUME_COLUMNS = (
    NAME,
    Column("Capacity", lambda o, _: quantity(dig(o, "spec", "capacity", "storage")),
           description=doc("core.v1.PersistentVolumeSpec", "capacity")),
    Column("Access Modes", lambda o, _: access_modes(items(o, "spec", "accessModes")),
           description=doc("core.v1.PersistentVolumeSpec", "accessModes")),
    Column("Reclaim Policy", lambda o, _: text(o, "spec", "persistentVolumeReclaimPolicy", default="Retain"),
           description=doc("core.v1.PersistentVolumeSpec", "persistentVolumeReclaimPolicy")),
    Column("Status", lambda o, _: _phase(o), description=doc("core.v1.PersistentVolumeStatus", "phase")),
    Column("Claim", _claim, description=doc("core.v1.PersistentVolumeSpec", "claimRef")),
    Column("StorageClass", lambda o, _: _class(o), description="StorageClass of the pv"),
    Column("VolumeAttributesClass", _attributes_class, description="VolumeAttributesClass of the pv"),
    Column("Reason", lambda o, _: text(o, "status", "reason"), description=doc("core.v1.PersistentVolumeStatus", "reason")),
    AGE,
    Column("VolumeMode", _volume_mode, priority=1, description=doc("core.v1.PersistentVolumeSpec", "volumeMode")),
)  # fmt: skip


def _bound(field: str) -> Any:
    """Capacity and access modes print only once the claim names its volume."""

    def getter(pvc: dict[str, Any], _: datetime) -> str:
        if not text(pvc, "spec", "volumeName"):
            return ""
        if field == "capacity":
            return quantity(dig(pvc, "status", "capacity", "storage"))
        return access_modes(items(pvc, "status", "accessModes"))

    return getter


PERSISTENT_VOLUME_CLAIM_COLUMNS = (
    NAME,
    Column("Status", lambda o, _: _phase(o), description=doc("core.v1.PersistentVolumeClaimStatus", "phase")),
    Column("Volume", lambda o, _: text(o, "spec", "volumeName"), description=doc("core.v1.PersistentVolumeClaimSpec", "volumeName")),
    Column("Capacity", _bound("capacity"), description=doc("core.v1.PersistentVolumeClaimStatus", "capacity")),
    Column("Access Modes", _bound("accessModes"), description=doc("core.v1.PersistentVolumeClaimStatus", "accessModes")),
    Column("StorageClass", lambda o, _: _class(o), description="StorageClass of the pvc"),
    Column("VolumeAttributesClass", _attributes_class, description="VolumeAttributesClass of the pvc"),
    AGE,
    Column("VolumeMode", _volume_mode, priority=1, description=doc("core.v1.PersistentVolumeClaimSpec", "volumeMode")),
)  # fmt: skip


def _class_name(obj: dict[str, Any], _: datetime) -> str:
    annotations = mapping(obj, "metadata", "annotations")
    name = text(obj, "metadata", "name")
    return f"{name} (default)" if any(annotations.get(key) == "true" for key in _DEFAULT_CLASS) else name


STORAGE_CLASS_COLUMNS = (
    Column("Name", _class_name, format="name", description=NAME.description),
    Column("Provisioner", lambda o, _: text(o, "provisioner"), description=doc("storage.v1.StorageClass", "provisioner")),
    Column("ReclaimPolicy", lambda o, _: text(o, "reclaimPolicy", default="Delete"),
           description=doc("storage.v1.StorageClass", "reclaimPolicy")),
    Column("VolumeBindingMode", lambda o, _: text(o, "volumeBindingMode", default="Immediate"),
           description=doc("storage.v1.StorageClass", "volumeBindingMode")),
    Column("AllowVolumeExpansion", lambda o, _: flag(o, "allowVolumeExpansion"),
           description=doc("storage.v1.StorageClass", "allowVolumeExpansion")),
    AGE,
)  # fmt: skip


def _token_requests(driver: dict[str, Any], _: datetime) -> str:
    requests = dig(driver, "spec", "tokenRequests")
    if not isinstance(requests, list):
        return UNSET
    return ",".join(str(r.get("audience", "")) for r in requests if isinstance(r, dict))


CSI_DRIVER_COLUMNS = (
    NAME,
    Column("AttachRequired", lambda o, _: flag(o, "spec", "attachRequired", default=True), type="boolean",
           description=doc("storage.v1.CSIDriverSpec", "attachRequired")),
    Column("PodInfoOnMount", lambda o, _: flag(o, "spec", "podInfoOnMount"), type="boolean",
           description=doc("storage.v1.CSIDriverSpec", "podInfoOnMount")),
    Column("StorageCapacity", lambda o, _: flag(o, "spec", "storageCapacity"), type="boolean",
           description=doc("storage.v1.CSIDriverSpec", "storageCapacity")),
    Column("TokenRequests", _token_requests, description=doc("storage.v1.CSIDriverSpec", "tokenRequests")),
    Column("RequiresRepublish", lambda o, _: flag(o, "spec", "requiresRepublish"), type="boolean",
           description=doc("storage.v1.CSIDriverSpec", "requiresRepublish")),
    Column("Modes", lambda o, _: ",".join(str(m) for m in items(o, "spec", "volumeLifecycleModes")) or "Persistent",
           description=doc("storage.v1.CSIDriverSpec", "volumeLifecycleModes")),
    AGE,
)  # fmt: skip

CSI_NODE_COLUMNS = (
    NAME,
    Column("Drivers", lambda o, _: len(items(o, "spec", "drivers")), type="integer",
           description="Drivers indicates the number of CSI drivers registered on the node"),
    AGE,
)  # fmt: skip

CSI_STORAGE_CAPACITY_COLUMNS = (
    NAME,
    Column("StorageClassName", lambda o, _: text(o, "storageClassName"),
           description=doc("storage.v1.CSIStorageCapacity", "storageClassName")),
    Column("Capacity", lambda o, _: text(o, "capacity", default=UNSET), description=doc("storage.v1.CSIStorageCapacity", "capacity")),
)  # fmt: skip

VOLUME_ATTACHMENT_COLUMNS = (
    NAME,
    Column("Attacher", lambda o, _: text(o, "spec", "attacher"), format="name",
           description=doc("storage.v1.VolumeAttachmentSpec", "attacher")),
    Column("PV", lambda o, _: text(o, "spec", "source", "persistentVolumeName"),
           description=doc("storage.v1.VolumeAttachmentSource", "persistentVolumeName")),
    Column("Node", lambda o, _: text(o, "spec", "nodeName"), description=doc("storage.v1.VolumeAttachmentSpec", "nodeName")),
    Column("Attached", lambda o, _: flag(o, "status", "attached"), type="boolean",
           description=doc("storage.v1.VolumeAttachmentStatus", "attached")),
    AGE,
)  # fmt: skip

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("", "persistentvolumes"): PERSISTENT_VOLUME_COLUMNS,
    ("", "persistentvolumeclaims"): PERSISTENT_VOLUME_CLAIM_COLUMNS,
    ("storage.k8s.io", "storageclasses"): STORAGE_CLASS_COLUMNS,
    ("storage.k8s.io", "csidrivers"): CSI_DRIVER_COLUMNS,
    ("storage.k8s.io", "csinodes"): CSI_NODE_COLUMNS,
    ("storage.k8s.io", "csistoragecapacities"): CSI_STORAGE_CAPACITY_COLUMNS,
    ("storage.k8s.io", "volumeattachments"): VOLUME_ATTACHMENT_COLUMNS,
}
