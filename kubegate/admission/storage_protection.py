"""StorageObjectInUseProtection: new claims and volumes carry their protection finalizers.

Every PersistentVolumeClaim created gets `kubernetes.io/pvc-protection` and every
PersistentVolume `kubernetes.io/pv-protection` (unless already there), so that deleting a claim
a pod still uses, or a volume a claim is bound to, leaves it Terminating until the protection
controllers take the finalizer off.
"""

from __future__ import annotations

from kubegate.admission.attributes import CREATE, AdmissionAttributes

FINALIZERS = {
    ("", "persistentvolumeclaims"): "kubernetes.io/pvc-protection",
    ("", "persistentvolumes"): "kubernetes.io/pv-protection",
}


class StorageObjectInUseProtectionAdmission:
    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        finalizer = FINALIZERS.get((spec.group, spec.plural))
        if finalizer is None or attributes.subresource or attributes.operation != CREATE or attributes.obj is None:
            return
        metadata = attributes.obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            return
        finalizers = metadata.get("finalizers")
        if finalizers is None:
            finalizers = []
        if isinstance(finalizers, list) and finalizer not in finalizers:
            metadata["finalizers"] = [*finalizers, finalizer]
