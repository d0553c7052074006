"""Which defaulter each resource gets, for the kinds whose strategy row does not name one.

The strategies of workloads, Pods, Services and Secrets call their defaults themselves
(`kubegate.registry.strategy`); every other built-in kind that the real server defaults is a
row here, and `strategy` lays it under that resource's strategy: `on_write` on every create and
update (decoding); `status` on the status of a new object (once the one a client sent has been
dropped) and after every status write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubegate.registry.defaults import (
    autoscaling,
    cluster,
    flowcontrol,
    networking,
    rbac,
    services,
    storage,
)

Hook = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Defaulter:
    on_write: Hook | None = None
    status: Hook | None = None


#: (group, plural) -> its defaulter
DEFAULTERS: Mapping[tuple[str, str], Defaulter] = {
    ("", "persistentvolumes"): Defaulter(storage.persistent_volume_defaults, status=storage.pending_status),
    ("", "persistentvolumeclaims"): Defaulter(storage.claim_defaults, status=storage.pending_status),
    ("", "namespaces"): Defaulter(cluster.namespace_defaults),
    ("", "endpoints"): Defaulter(networking.endpoints_defaults),
    ("", "services"): Defaulter(status=services.load_balancer_status_defaults),
    ("", "nodes"): Defaulter(status=cluster.node_status_defaults),
    ("discovery.k8s.io", "endpointslices"): Defaulter(networking.endpoint_slice_defaults),
    ("networking.k8s.io", "networkpolicies"): Defaulter(networking.network_policy_defaults),
    ("networking.k8s.io", "ingressclasses"): Defaulter(networking.ingress_class_defaults),
    ("rbac.authorization.k8s.io", "rolebindings"): Defaulter(rbac.binding_defaults),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): Defaulter(rbac.binding_defaults),
    ("autoscaling", "horizontalpodautoscalers"): Defaulter(autoscaling.horizontal_pod_autoscaler_defaults),
    ("scheduling.k8s.io", "priorityclasses"): Defaulter(cluster.priority_class_defaults),
    ("storage.k8s.io", "storageclasses"): Defaulter(storage.storage_class_defaults),
    ("storage.k8s.io", "csidrivers"): Defaulter(storage.csi_driver_defaults),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"): Defaulter(flowcontrol.flow_schema_defaults),
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): Defaulter(flowcontrol.priority_level_defaults),
    ("apiregistration.k8s.io", "apiservices"): Defaulter(cluster.api_service_defaults),
}
