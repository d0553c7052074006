"""Volume source defaults, shared by a pod's volumes and a PersistentVolume's spec.

SetDefaults_HostPathVolumeSource, _SecretVolumeSource, _ConfigMapVolumeSource,
_DownwardAPIVolumeSource, _ProjectedVolumeSource, _ServiceAccountTokenProjection and
_ObjectFieldSelector, plus the `+default=` markers of core/v1 (rbd, iscsi, azureDisk, scaleIO).
A row applies only where the client chose that source: the real defaulters run on pointers that
are set. `SOURCES` holds what a pod volume and a PersistentVolumeSpec have alike.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, apply_each, dicts, lookup, present

#: 0644, the mode of files projected from secrets, config maps and the downward API
FILE_MODE = 420

SOURCES: tuple[Default, ...] = (
    Default("hostPath.type", "", when=present("hostPath")),
    Default("rbd.pool", "rbd", when=present("rbd")),
    Default("rbd.user", "admin", when=present("rbd")),
    Default("rbd.keyring", "/etc/ceph/keyring", when=present("rbd")),
    Default("iscsi.iscsiInterface", "default", when=present("iscsi")),
    Default("azureDisk.cachingMode", "ReadWrite", when=present("azureDisk")),
    Default("azureDisk.fsType", "ext4", when=present("azureDisk")),
    Default("azureDisk.readOnly", False, when=present("azureDisk")),
    Default("azureDisk.kind", "Shared", when=present("azureDisk")),
    Default("scaleIO.storageMode", "ThinProvisioned", when=present("scaleIO")),
    Default("scaleIO.fsType", "xfs", when=present("scaleIO")),
)
#: what only a pod's volumes have; a volume naming no source at all is an emptyDir
POD_SOURCES: tuple[Default, ...] = (
    Default("emptyDir", {}, when=lambda volume: all(value is None for key, value in volume.items() if key != "name")),
    Default("secret.defaultMode", FILE_MODE, when=present("secret")),
    Default("configMap.defaultMode", FILE_MODE, when=present("configMap")),
    Default("downwardAPI.defaultMode", FILE_MODE, when=present("downwardAPI")),
    Default("projected.defaultMode", FILE_MODE, when=present("projected")),
    Default("ephemeral.volumeClaimTemplate.spec.volumeMode", "Filesystem",
            when=present("ephemeral.volumeClaimTemplate.spec")),
)
#: a projected volume's sources
PROJECTION: tuple[Default, ...] = (
    Default("serviceAccountToken.expirationSeconds", 3600, when=present("serviceAccountToken")),
)
#: an item of a downward API volume (or projection) and an env var's valueFrom
FIELD_REF: tuple[Default, ...] = (Default("fieldRef.apiVersion", "v1", when=present("fieldRef")),)


def volume_defaults(volume: dict[str, Any]) -> None:
    """A pod volume (in a Pod or a pod template)."""
    apply(volume, POD_SOURCES)
    apply(volume, SOURCES)
    apply_each(lookup(volume, "downwardAPI.items"), FIELD_REF)
    for source in dicts(lookup(volume, "projected.sources")):
        apply(source, PROJECTION)
        apply_each(lookup(source, "downwardAPI.items"), FIELD_REF)


def persistent_source_defaults(spec: Any) -> None:
    """A PersistentVolumeSpec's volume source."""
    if isinstance(spec, dict):
        apply(spec, SOURCES)

