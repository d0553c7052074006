"""Objects a fresh cluster has before anyone creates anything.

The four system namespaces and the `kubernetes` Service in `default`, created the way a client
would create them so they carry the same server-set metadata as everything else.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

_KUBERNETES_SERVICE: dict[str, Any] = {
    "metadata": {
        "name": "kubernetes",
        "labels": {"component": "apiserver", "provider": "kubernetes"},
    },
    "spec": {
        "type": "ClusterIP",
        "clusterIP": "10.96.0.1",
        "clusterIPs": ["10.96.0.1"],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster",
        "sessionAffinity": "None",
        "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
    },
}


def seed(rest: GenericStore, catalog: Catalog) -> None:
    namespaces = catalog.lookup("", "v1", "namespaces")
    services = catalog.lookup("", "v1", "services")
    assert namespaces is not None and services is not None
    for name in SYSTEM_NAMESPACES:
        rest.create(namespaces, "", {"metadata": {"name": name}})
    rest.create(services, "default", _KUBERNETES_SERVICE)
