"""The Node object a simulated kubelet registers, shaped as a single-node kind 1.32 node's.

Labels, annotations, conditions, capacity and nodeInfo are tables of data; `node_status` adds
the times. Conditions keep their lastTransitionTime while their status stays the same, as the
kubelet's setters do, and carry the real reasons and messages.
"""

from __future__ import annotations

from typing import Any

from kubegate.controllers.nodes.identity import NodeIdentity

CONTAINER_RUNTIME = "containerd://1.7.24"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL = "6.8.0-kubegate"
KUBELET_PORT = 10250

#: (type, status, reason, message), in the order the kubelet reports them
CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
#: what the kubelet reports of its machine (kind shows allocatable equal to capacity)
CAPACITY = {
    "cpu": "8",
    "ephemeral-storage": "102625208Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "16265608Ki",
    "pods": "110",
}
ANNOTATIONS = {
    "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
    "node.alpha.kubernetes.io/ttl": "0",
    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
}


def labels(identity: NodeIdentity, *, control_plane: bool) -> dict[str, str]:
    result = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": identity.name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        result["node-role.kubernetes.io/control-plane"] = ""
        result["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    return result


def new_node(
    identity: NodeIdentity, *, kubelet_version: str, now: str, images: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Node as the kubelet registers it (the first node is the control plane, as in kind);
    a Node is created with its status, which the API keeps."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": identity.name,
            "labels": labels(identity, control_plane=identity.index == 0),
            "annotations": dict(ANNOTATIONS),
        },
        "spec": {
            "podCIDR": identity.pod_cidr,
            "podCIDRs": [identity.pod_cidr],
            "providerID": f"kubegate://{identity.name}",
        },
        "status": node_status(identity, None, kubelet_version=kubelet_version, now=now, images=images),
    }


def node_status(
    identity: NodeIdentity, current: dict[str, Any] | None, *, kubelet_version: str, now: str,
    images: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The status the kubelet posts: heartbeat now, transitions kept from `current`."""
    previous = {c.get("type"): c for c in (current or {}).get("conditions") or [] if isinstance(c, dict)}
    conditions = []
    for kind, status, reason, message in CONDITIONS:
        old = previous.get(kind) or {}
        transition = old.get("lastTransitionTime") if old.get("status") == status else None
        conditions.append({
            "type": kind, "status": status, "lastHeartbeatTime": now,
            "lastTransitionTime": transition or now, "reason": reason, "message": message,
        })
    return {
        "addresses": [
            {"type": "InternalIP", "address": identity.internal_ip},
            {"type": "Hostname", "address": identity.name},
        ],
        "allocatable": dict(CAPACITY),
        "capacity": dict(CAPACITY),
        "conditions": conditions,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
        "images": images or [],
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": identity.stable_id("boot"),
            "containerRuntimeVersion": CONTAINER_RUNTIME,
            "kernelVersion": KERNEL,
            **({"kubeProxyVersion": kubelet_version} if _reports_kube_proxy(kubelet_version) else {}),
            "kubeletVersion": kubelet_version,
            "machineID": identity.stable_id("machine").replace("-", ""),
            "operatingSystem": "linux",
            "osImage": OS_IMAGE,
            "systemUUID": identity.stable_id("system"),
        },
    }


def changed(stored: dict[str, Any] | None, posted: dict[str, Any]) -> bool:
    """nodeStatusHasChanged: anything but the conditions' heartbeat times differs."""
    def plain(status: dict[str, Any] | None) -> dict[str, Any]:
        status = dict(status or {})
        status["conditions"] = [
            {k: v for k, v in c.items() if k != "lastHeartbeatTime"} if isinstance(c, dict) else c
            for c in status.get("conditions") or []
        ]
        return status

    return plain(stored) != plain({**(stored or {}), **posted})


def _reports_kube_proxy(kubelet_version: str) -> bool:
    """nodeInfo.kubeProxyVersion is left empty from 1.33 (DisableNodeKubeProxyVersion)."""
    parts = kubelet_version.lstrip("v").split(".")
    return len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < 33
