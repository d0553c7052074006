"""The identity a StatefulSet gives each of its pods: ordinal name, labels, hostname and claims.

Pod `db-3` of StatefulSet `db` is ordinal 3: it carries `statefulset.kubernetes.io/pod-name:
db-3`, `apps.kubernetes.io/pod-index: "3"` and the `controller-revision-hash` of the revision it
was made from, gets `hostname: db-3` (and `subdomain` = the governing Service), and mounts one
PersistentVolumeClaim per volumeClaimTemplate, named `<template>-db-3`, which the controller
creates before the pod and never deletes unless the retention policy says so.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from kubegate.controllers.workloads.podcontrol import controller_ref
from kubegate.controllers.workloads.revisions import HASH_LABEL

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(set_name: str, pod: dict[str, Any]) -> int | None:
    """The ordinal in the pod's name, None if the name is not `<set>-<n>`."""
    match = re.fullmatch(re.escape(set_name) + r"-(0|[1-9][0-9]*)", str(pod["metadata"].get("name", "")))
    return int(match.group(1)) if match else None


def claim_name(template: dict[str, Any], set_name: str, ordinal: int) -> str:
    return f"{(template.get('metadata') or {}).get('name', '')}-{set_name}-{ordinal}"


def claim_templates(sts: dict[str, Any]) -> list[dict[str, Any]]:
    templates = (sts.get("spec") or {}).get("volumeClaimTemplates") or []
    return [t for t in templates if isinstance(t, dict) and (t.get("metadata") or {}).get("name")]


def claim_for(sts: dict[str, Any], template: dict[str, Any], ordinal: int) -> dict[str, Any]:
    """The PVC a pod of `sts` uses for `template` (getPersistentVolumeClaims)."""
    name = sts["metadata"]["name"]
    selector_labels = ((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    metadata = template.get("metadata") or {}
    claim: dict[str, Any] = {
        "metadata": {
            "name": claim_name(template, name, ordinal),
            "namespace": sts["metadata"].get("namespace", ""),
            "labels": {**(metadata.get("labels") or {}), **selector_labels},
        },
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
    if metadata.get("annotations"):
        claim["metadata"]["annotations"] = dict(metadata["annotations"])
    policy = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
    if policy.get("whenDeleted") == "Delete":
        claim["metadata"]["ownerReferences"] = [controller_ref(sts)]
    return claim


def pod_identity(sts: dict[str, Any], template: dict[str, Any], ordinal: int, revision: str) -> dict[str, Any]:
    """Keyword arguments for `PodControl.create_pod`: the name, labels and spec changes of a pod."""
    name = f"{sts['metadata']['name']}-{ordinal}"
    spec = copy.deepcopy(template.get("spec") or {})
    volumes = [v for v in spec.get("volumes") or [] if isinstance(v, dict)]
    for claim_template in claim_templates(sts):
        volume_name = claim_template["metadata"]["name"]
        volumes = [v for v in volumes if v.get("name") != volume_name]
        volumes.append({
            "name": volume_name,
            "persistentVolumeClaim": {"claimName": claim_name(claim_template, sts["metadata"]["name"], ordinal)},
        })
    changes: dict[str, Any] = {"hostname": name}
    if volumes:
        changes["volumes"] = volumes
    service = (sts.get("spec") or {}).get("serviceName")
    if service:
        changes["subdomain"] = service
    return {
        "name": name,
        "labels": {HASH_LABEL: revision, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)},
        "spec_changes": changes,
    }
