"""Objects a fresh cluster has before anyone creates anything.

The four system namespaces and the `kubernetes` Service in `default` (at the first address of
the service IP range), created the way a client would create them so they carry the same
server-set metadata as everything else. On a persisted store they are already there after a
restart: only the missing ones are created, and several processes starting together on one etcd
create each exactly once (the loser's create is a 409).
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import errors
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import Stored
from kubegate.registry.rest import GenericStore
from kubegate.registry.services.ranges import IPRange
from kubegate.registry.spec import ResourceSpec

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

#: The PriorityClasses kube-apiserver creates at start (scheduling's bootstrap policy).
SYSTEM_PRIORITY_CLASSES: tuple[dict[str, Any], ...] = (
    {
        "metadata": {"name": "system-node-critical"},
        "value": 2000001000,
        "description": "Used for system critical pods that must not be moved from their current node.",
        "preemptionPolicy": "PreemptLowerPriority",
    },
    {
        "metadata": {"name": "system-cluster-critical"},
        "value": 2000000000,
        "description": "Used for system critical pods that must run in the cluster, but can be moved to another "
                       "node if necessary.",
        "preemptionPolicy": "PreemptLowerPriority",
    },
)

_KUBERNETES_SERVICE: dict[str, Any] = {
    "metadata": {
        "name": "kubernetes",
        "labels": {"component": "apiserver", "provider": "kubernetes"},
    },
    "spec": {
        "type": "ClusterIP",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster",
        "sessionAffinity": "None",
        "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
    },
}


#: --service-cluster-ip-range's default; the `kubernetes` Service takes the range's first address
DEFAULT_SERVICE_RANGE = "10.96.0.0/12"


def kubernetes_service(
    service_cluster_ip_range: str = DEFAULT_SERVICE_RANGE, secure_port: int = 6443,
) -> dict[str, Any]:
    """At the range's first address, forwarding to the secure port (as kube-apiserver's own)."""
    first = IPRange.parse(service_cluster_ip_range).first
    service = copy.deepcopy(_KUBERNETES_SERVICE)
    service["spec"]["clusterIP"], service["spec"]["clusterIPs"] = first, [first]
    service["spec"]["ports"][0]["targetPort"] = secure_port
    return service


async def seed(
    rest: GenericStore, catalog: Catalog, *,
    service_cluster_ip_range: str = DEFAULT_SERVICE_RANGE, secure_port: int = 6443,
) -> None:
    namespaces = catalog.lookup("", "v1", "namespaces")
    services = catalog.lookup("", "v1", "services")
    assert namespaces is not None and services is not None
    for name in SYSTEM_NAMESPACES:
        await ensure(rest, namespaces, "", {"metadata": {"name": name}})
    await ensure(rest, services, "default", kubernetes_service(service_cluster_ip_range, secure_port))
    priority_classes = catalog.lookup("scheduling.k8s.io", "v1", "priorityclasses")
    if priority_classes is not None:
        for priority_class in SYSTEM_PRIORITY_CLASSES:
            await ensure(rest, priority_classes, "", priority_class)


async def ensure(rest: GenericStore, spec: ResourceSpec, namespace: str, obj: dict[str, Any]) -> Stored | None:
    """Create `obj` unless it exists; the live object when it did (None when this call created it,
    or another process starting beside this one did: the loser's create is a quiet 409)."""
    live = rest.find(spec, namespace, obj["metadata"]["name"])
    if live is not None:
        return live
    try:
        await rest.create(spec, namespace, obj)
    except errors.StatusError as error:
        if error.code != 409:
            raise
    return None
