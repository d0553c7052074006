"""How each resource is deleted: its default garbage-collection policy and graceful deletion.

The real registry gives a resource's strategy two optional delete behaviours:
`DefaultGarbageCollectionPolicy` (rest.GarbageCollectionDeleteStrategy) and
`CheckGracefulDelete` (rest.RESTGracefulDeleteStrategy). kubegate keeps both as one row per
resource that differs from the default, keyed by `ResourceSpec.resource_key` (group, plural),
like `registry.strategy` does for create and update.

Default policies as a 1.32 server has them, for the versions kubegate serves: nearly everything
is `DeleteDependents` (a delete without a propagation policy behaves as Background: the garbage
collector removes dependents once the owner is gone). Two keep their pre-GC behaviour for
backwards compatibility and orphan by default: ReplicationControllers in core `v1` and Jobs in
`batch/v1` (a client deleting a Job without a policy leaves its pods behind, as on a real
cluster). The apps workloads orphan only in `extensions/v1beta1` and `apps/v1beta2`, which are
not served, so their `apps/v1` rows are `DeleteDependents` (kept as the record of that fact).
Events answer `Unsupported`: no garbage-collector finalizer is ever set on them.

kubectl always sends a policy (`--cascade`, default background), so defaults matter to API
clients that send none: curl, client libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubegate.registry.spec import ResourceKey, ResourceSpec

DELETE_DEPENDENTS = "DeleteDependents"
ORPHAN_DEPENDENTS = "OrphanDependents"
UNSUPPORTED = "Unsupported"

#: (object, requested grace period or None) -> the grace period the deletion uses.
GracefulDelete = Callable[[dict[str, Any], int | None], int]


@dataclass(frozen=True, slots=True)
class DeleteStrategy:
    gc_policy: str = DELETE_DEPENDENTS
    #: set for resources deleted gracefully (deletionTimestamp in the future, then removed)
    check_graceful_delete: GracefulDelete | None = None


def pod_grace_period(pod: dict[str, Any], requested: int | None) -> int:
    """The pod strategy's CheckGracefulDelete.

    The requested period, else `spec.terminationGracePeriodSeconds` (else 0); 0 for a pod that
    was never scheduled (nothing runs it) or has already finished; a negative one becomes 1.
    """
    spec = pod.get("spec") if isinstance(pod.get("spec"), dict) else {}
    status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
    assert isinstance(spec, dict) and isinstance(status, dict)
    if requested is not None:
        period = requested
    else:
        default = spec.get("terminationGracePeriodSeconds")
        period = default if isinstance(default, int) and not isinstance(default, bool) else 0
    if not spec.get("nodeName"):
        period = 0
    if status.get("phase") in ("Failed", "Succeeded"):
        period = 0
    return 1 if period < 0 else period


DEFAULT = DeleteStrategy()
_APPS_V1 = DeleteStrategy(gc_policy=DELETE_DEPENDENTS)
_LEGACY_ORPHAN = DeleteStrategy(gc_policy=ORPHAN_DEPENDENTS)
_EVENTS = DeleteStrategy(gc_policy=UNSUPPORTED)

#: resource (group, plural) -> how it is deleted, when that is not `DEFAULT`
DELETE_STRATEGIES: dict[ResourceKey, DeleteStrategy] = {
    ("", "pods"): DeleteStrategy(check_graceful_delete=pod_grace_period),
    ("", "events"): _EVENTS,
    ("events.k8s.io", "events"): _EVENTS,
    ("", "replicationcontrollers"): _LEGACY_ORPHAN,
    ("batch", "jobs"): _LEGACY_ORPHAN,
    ("batch", "cronjobs"): DEFAULT,
    ("apps", "replicasets"): _APPS_V1,
    ("apps", "deployments"): _APPS_V1,
    ("apps", "statefulsets"): _APPS_V1,
    ("apps", "daemonsets"): _APPS_V1,
}


def delete_strategy_for(spec: ResourceSpec) -> DeleteStrategy:
    return DELETE_STRATEGIES.get(spec.resource_key, DEFAULT)
