"""What makes the API a running cluster: nodes and their kubelets, the scheduler, the workload
controllers and service networking, wired in one place.

Each part registers its controllers with the manager (kube-controller-manager's, leader-elected)
and anything every apiserver does itself (IP and port allocation) with the state.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.api.user import UserInfo
from kubegate.controllers import nodes as simulated_nodes
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.informer import Informers
from kubegate.controllers.manager import ControllerManager
from kubegate.controllers.pod_termination import PodTerminationController
from kubegate.controllers.workloads import cronjob, daemonset, disruption, job, statefulset
from kubegate.endpoints.state import APIServer
from kubegate.endpoints.virtual import eviction
from kubegate.registry.spec import ResourceSpec

#: who kube-controller-manager's requests come from
CONTROLLER_MANAGER = UserInfo("system:kube-controller-manager", groups=("system:authenticated",))


def controller_client(state: APIServer) -> ControllerClient:
    """A client for kube-controller-manager's controllers: its creates pass the admission chain
    (ServiceAccount, Priority, DefaultTolerationSeconds ..., and admission webhooks) as the
    controllers' requests do."""

    async def admit(spec: ResourceSpec, namespace: str, obj: dict[str, Any]) -> None:
        name = str((obj.get("metadata") or {}).get("name") or "")
        attributes = AdmissionAttributes(
            operation=CREATE, spec=spec, namespace=namespace, name=name, subresource="",
            user=CONTROLLER_MANAGER, obj=obj, old=None,
            options={"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
        )
        await state.admission.admit(attributes)
        await state.admission.validate(attributes)

    return ControllerClient(state.rest, state.catalog, field_managers=state.field_managers, admit=admit)


def install(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    _nodes_and_kubelets(state, manager, informers)
    _scheduler(state, manager, informers)
    _deployments_and_replicasets(state, manager, informers)
    _other_workloads(state, manager, informers)
    _service_networking(state, manager, informers)


def _nodes_and_kubelets(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    """Simulated nodes (`--nodes`), their leases and kubelets, the node lifecycle and taint
    eviction controllers, pod eviction (pod logs: handlers/get.py)."""

    async def admit_node(spec: ResourceSpec, obj: dict[str, Any]) -> None:
        """A kubelet registers its Node through admission (TaintNodesByCondition), as itself."""
        name = str((obj.get("metadata") or {}).get("name") or "")
        user = UserInfo(f"system:node:{name}", groups=("system:nodes", "system:authenticated"))
        await state.admission.admit(AdmissionAttributes(
            operation=CREATE, spec=spec, namespace="", name=name, subresource="", user=user, obj=obj, old=None))

    nodes = simulated_nodes.start(
        manager, informers, state.rest, state.catalog, config=state.config,
        kubelet_version=state.version.git_version, field_managers=state.field_managers, admit=admit_node,
    )
    simulated_nodes.start_controllers(manager, informers, controller_client(state), state.catalog, config=state.config)
    for controller in manager.controllers:  # pods on simulated nodes are deleted by their kubelet
        if isinstance(controller, PodTerminationController):
            controller.leave_to_kubelets(node.name for node in nodes)
    eviction.install(state)


def _scheduler(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    """kube-scheduler: binds pending pods to nodes that fit them, and the `pods/binding` endpoint."""
    from kubegate.controllers.scheduler.controller import Scheduler
    from kubegate.endpoints.virtual import binding

    binding.install(state)
    manager.add(Scheduler(informers, state.rest, state.catalog, field_managers=state.field_managers))


def _deployments_and_replicasets(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    """The deployment, replicaset and replicationcontroller controllers."""
    from kubegate.controllers.events import EventRecorder
    from kubegate.controllers.workloads import deployment, deployment_sync, podcontrol, replicaset

    client = controller_client(state)
    for kind in (replicaset.REPLICA_SETS, replicaset.REPLICATION_CONTROLLERS):
        spec = state.catalog.lookup(kind.resource[0], "v1", kind.resource[1])
        if spec is not None:
            recorder = EventRecorder(state.rest, state.catalog, kind.component)
            pods = podcontrol.PodControl(client, recorder)
            manager.add(replicaset.ReplicaSetController(informers, client, pods, kind, spec))
    deployments = state.catalog.lookup("apps", "v1", "deployments")
    replicasets = state.catalog.lookup("apps", "v1", "replicasets")
    if deployments is not None and replicasets is not None:
        recorder = EventRecorder(state.rest, state.catalog, "deployment-controller")
        writer = deployment_sync.ReplicaSetWriter(client, recorder, deployments, replicasets)
        manager.add(deployment.DeploymentController(informers, client, writer))


def _other_workloads(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    """StatefulSets, DaemonSets, Jobs, CronJobs and PodDisruptionBudget status."""
    for controller in (
        statefulset.StatefulSetController, daemonset.DaemonSetController, job.JobController,
        cronjob.CronJobController, disruption.DisruptionController,
    ):
        manager.add(controller(informers, state.rest, state.catalog, client=controller_client(state)))


def _service_networking(state: APIServer, manager: ControllerManager, informers: Informers) -> None:
    """ClusterIP and NodePort allocation, Endpoints and EndpointSlices, the defaults they need."""
    import dataclasses

    from kubegate.controllers.endpoints import EndpointsController
    from kubegate.controllers.endpointslices import EndpointSliceController
    from kubegate.registry.services.allocation import ServiceAllocation

    config = state.config
    # every apiserver allocates cluster IPs and node ports itself, in the Service strategy
    allocation = ServiceAllocation(
        state.store, ip_range=config.service_cluster_ip_range, port_range=config.service_node_port_range,
    )
    for spec in state.catalog:
        if spec.resource_key == ("", "services"):
            strategy = state.rest.strategy_of(spec)
            state.rest.strategies[spec.version_key] = dataclasses.replace(strategy, hooks=allocation)
    client = controller_client(state)
    manager.add(EndpointsController(informers, client))
    manager.add(EndpointSliceController(informers, client, state.catalog))
