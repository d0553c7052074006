"""Whether this process runs kube-controller-manager's controllers now, or campaigns for it.

On the memory and sqlite stores the process is alone with its data and simply leads. Over etcd,
where several processes may serve one cluster, it campaigns for the kube-controller-manager
Lease (unless `--leader-elect=false`).
"""

from __future__ import annotations

from kubegate.controllers.leaderelection import LeaderElection, Timing, new_identity
from kubegate.controllers.manager import ControllerManager
from kubegate.endpoints.state import APIServer


def start(state: APIServer, manager: ControllerManager) -> LeaderElection | None:
    config = state.config
    spec = state.catalog.lookup("coordination.k8s.io", "v1", "leases")
    if state.store.backend.name != "etcd3" or not config.leader_elect or spec is None:
        manager.lead()
        return None
    timing = Timing(
        lease_duration=config.leader_elect_lease_duration,
        renew_deadline=config.leader_elect_renew_deadline,
        retry_period=config.leader_elect_retry_period,
    )
    election = LeaderElection(
        state.rest, spec, identity=new_identity(), timing=timing, on_started=manager.lead,
        on_stopped=manager.step_down,
    )
    election.start()
    return election
