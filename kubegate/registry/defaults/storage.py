"""Storage defaults: PersistentVolumes and claims (core/v1 SetDefaults_PersistentVolume,
_PersistentVolumeClaim, _PersistentVolumeClaimSpec) and storage.k8s.io/v1 SetDefaults_StorageClass
and _CSIDriver (fsGroupPolicy and volumeLifecycleModes sit behind gates that are GA).

A volume or claim's `status.phase` Pending is a status default: it applies on create, after the
status a client sent has been dropped (`*_status`).
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, lookup
from kubegate.registry.defaults.volumes import persistent_source_defaults

PERSISTENT_VOLUME: tuple[Default, ...] = (
    Default("spec.persistentVolumeReclaimPolicy", "Retain"),
    Default("spec.volumeMode", "Filesystem"),
)
#: a claim's spec, wherever one appears (claims, StatefulSet claim templates, ephemeral volumes)
CLAIM_SPEC: tuple[Default, ...] = (Default("volumeMode", "Filesystem"),)
PENDING: tuple[Default, ...] = (Default("status.phase", "Pending"),)
STORAGE_CLASS: tuple[Default, ...] = (
    Default("reclaimPolicy", "Delete"),
    Default("volumeBindingMode", "Immediate"),
)
CSI_DRIVER: tuple[Default, ...] = (
    Default("spec.attachRequired", True),
    Default("spec.podInfoOnMount", False),
    Default("spec.storageCapacity", False),
    Default("spec.fsGroupPolicy", "ReadWriteOnceWithFSType"),
    Default("spec.volumeLifecycleModes", ["Persistent"], zero=True),
    Default("spec.requiresRepublish", False),
)


def persistent_volume_defaults(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec", {}), dict):
        apply(obj, PERSISTENT_VOLUME)
        persistent_source_defaults(obj.get("spec"))


def claim_defaults(obj: dict[str, Any]) -> None:
    spec = lookup(obj, "spec")
    if spec is None:
        spec = obj["spec"] = {}
    if isinstance(spec, dict):
        apply(spec, CLAIM_SPEC)


def pending_status(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("status", {}), dict):
        apply(obj, PENDING)


def storage_class_defaults(obj: dict[str, Any]) -> None:
    apply(obj, STORAGE_CLASS)


def csi_driver_defaults(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec", {}), dict):
        apply(obj, CSI_DRIVER)
