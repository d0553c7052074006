"""Simulated nodes and their kubelets: what makes pods run without any machine behind them.

`start` registers, with the controller manager, one `NodeRegistration` controller (the nodes'
registration, status and leases) and one `Kubelet` per node, sharing each node's image store.
Both are leader-elected: when several processes share etcd, the one running
kube-controller-manager's controllers also runs the kubelets, so each pod has exactly one
kubelet. `start_controllers` adds kube-controller-manager's node lifecycle and taint eviction
controllers, which look after every Node, simulated or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubegate.config import ServerConfig
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.nodes.identity import NodeIdentity, identities
from kubegate.controllers.nodes.images import NodeImages, preloaded
from kubegate.controllers.nodes.kubelet import Kubelet, Timing
from kubegate.controllers.nodes.lifecycle import NodeLifecycleController
from kubegate.controllers.nodes.registration import RENEW_INTERVAL, Admit, NodeRegistration
from kubegate.controllers.nodes.taint_eviction import TaintEvictionController
from kubegate.registry.catalog import Catalog
from kubegate.registry.fieldmanagers import FieldManagers
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

#: the field manager the kubelet's writes are recorded under, as on a real node
KUBELET_MANAGER = "kubelet"

Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


def start(
    manager: ControllerManager, informers: Informers, rest: GenericStore, catalog: Catalog, *,
    config: ServerConfig, kubelet_version: str, field_managers: FieldManagers | None = None,
    admit: Admit | None = None,
) -> list[NodeIdentity]:
    """Add the nodes' controllers; returns the simulated nodes (none with `--nodes 0`)."""
    nodes = identities(config.nodes, cluster_cidr=config.cluster_cidr)
    if not nodes:
        return []

    def track(spec: ResourceSpec, subresource: str) -> Track | None:
        if field_managers is None:
            return None
        fields = field_managers.for_resource(spec, subresource)
        return lambda live, new: fields.update(live, new, KUBELET_MANAGER)

    held = {node.name: NodeImages(preloaded(kubelet_version)) for node in nodes}
    manager.add(NodeRegistration(
        informers, rest, catalog, nodes=nodes, kubelet_version=kubelet_version, track=track, images=held,
        admit=admit, renew_interval=renew_interval(config.node_monitor_grace_period),
    ))
    pods = catalog.lookup("", "v1", "pods")
    assert pods is not None
    timing = Timing(start_delay=config.pod_start_delay, run_time=config.pod_run_time)
    for node in nodes:
        manager.add(Kubelet(informers, rest, catalog, node=node, timing=timing, images=held[node.name],
                            track=track(pods, "status")))
    return nodes


def renew_interval(grace_period: float) -> float:
    """Kubelets renew their Lease every 10 s (a quarter of its 40 s), more often if the node
    lifecycle controller's grace period is short enough to need it."""
    return min(RENEW_INTERVAL, grace_period / 4)


def start_controllers(manager: ControllerManager, informers: Informers, client: ControllerClient, catalog: Catalog, *,
                      config: ServerConfig) -> None:
    """The node lifecycle controller (health, conditions, taints) and the taint eviction controller."""
    manager.add(NodeLifecycleController(informers, client, catalog, grace_period=config.node_monitor_grace_period))
    manager.add(TaintEvictionController(informers, client, catalog))
