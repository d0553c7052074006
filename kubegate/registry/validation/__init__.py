"""Schema validation of built-in kinds: the 422 Invalid answers of the real strategies.

The real server validates every object it stores (strategy.Validate / ValidateUpdate) and
answers `Pod "x" is invalid: [spec.containers[0].name: Required value, ...]` with one cause
per problem. `validate_create` and `validate_update` give those problems for an object about
to be stored; `RULES` says which rules each resource has (keyed by `ResourceSpec.resource_key`:
group, plural), one small module per API area:

- `objectmeta`: labels and annotations of every kind (names are `kubegate.api.meta`'s)
- `pods`, `podupdate`: pod specs (also inside templates), and the pod update rules
- `workloads`: Deployments, ReplicaSets, StatefulSets, DaemonSets, ReplicationControllers,
  PodTemplates, Jobs and CronJobs
- `services`, `configdata` (ConfigMaps, Secrets), `rbac`
- `admissionpolicy`: ValidatingAdmissionPolicies (their CEL compiled) and their bindings

Writes to subresources (status, scale) are validated by their own rules, not these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubegate.registry.spec import ResourceKey, ResourceSpec
from kubegate.registry.validation import (
    admissionpolicy,
    configdata,
    podupdate,
    rbac,
    services,
    workloads,
)
from kubegate.registry.validation.field import (
    IMMUTABLE,
    Errors,
    go_label_selector,
    invalid,
    mapping,
)
from kubegate.registry.validation.objectmeta import validate_meta

Check = Callable[[Any], Errors]
UpdateCheck = Callable[[Any, Any], Errors]
_RBAC = "rbac.authorization.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"


@dataclass(frozen=True, slots=True)
class Rules:
    """A kind's validation: of a new object, and of an update (which includes the object's
    own rules wherever the real ValidateUpdate runs them)."""

    create: Check
    update: UpdateCheck | None = None

    def on_update(self, obj: Any, old: Any) -> Errors:
        return self.update(obj, old) if self.update is not None else self.create(obj)


def _immutable_selector(check: UpdateCheck) -> UpdateCheck:
    """apps/v1 selectors may not change (the strategies' ValidateUpdate)."""

    def update(obj: Any, old: Any) -> Errors:
        problems = check(obj, old)
        selector = mapping(obj.get("spec")).get("selector")
        if selector != mapping(old.get("spec")).get("selector"):
            problems.append(invalid("spec.selector", go_label_selector(selector), IMMUTABLE))
        return problems

    return update


def _new_only(check: Check) -> UpdateCheck:
    """An update validated by the rules of the new object alone."""
    return lambda obj, old: check(obj)


def _job_update(obj: Any, old: Any) -> Errors:
    return [*workloads.validate_job(obj), *workloads.validate_job_update(obj, old)]


#: resource (group, plural) -> the rules of its objects.
RULES: dict[ResourceKey, Rules] = {
    ("", "pods"): Rules(podupdate.validate_pod, podupdate.validate_pod_update),
    ("", "podtemplates"): Rules(workloads.validate_pod_template_object),
    ("", "replicationcontrollers"): Rules(workloads.validate_replication_controller),
    ("", "services"): Rules(services.validate_service, services.validate_service_update),
    ("", "configmaps"): Rules(configdata.validate_config_map, configdata.validate_config_map_update),
    ("", "secrets"): Rules(configdata.validate_secret, configdata.validate_secret_update),
    ("apps", "deployments"): Rules(workloads.validate_deployment,
                                   _immutable_selector(_new_only(workloads.validate_deployment))),
    ("apps", "replicasets"): Rules(workloads.validate_replica_set,
                                   _immutable_selector(_new_only(workloads.validate_replica_set))),
    ("apps", "statefulsets"): Rules(workloads.validate_stateful_set,
                                    _immutable_selector(workloads.validate_stateful_set_update)),
    ("apps", "daemonsets"): Rules(workloads.validate_daemon_set,
                                  _immutable_selector(_new_only(workloads.validate_daemon_set))),
    ("batch", "jobs"): Rules(workloads.validate_job, _job_update),
    ("batch", "cronjobs"): Rules(workloads.validate_cron_job),
    (_RBAC, "roles"): Rules(rbac.validate_role),
    (_RBAC, "clusterroles"): Rules(rbac.validate_cluster_role),
    (_RBAC, "rolebindings"): Rules(rbac.validate_role_binding, rbac.validate_role_binding_update),
    (_RBAC, "clusterrolebindings"): Rules(rbac.validate_cluster_role_binding, rbac.validate_cluster_role_binding_update),
    (_ADMISSION, "validatingadmissionpolicies"): Rules(admissionpolicy.validate_policy),
    (_ADMISSION, "validatingadmissionpolicybindings"): Rules(admissionpolicy.validate_binding),
}


def validate_create(spec: ResourceSpec, obj: dict[str, Any]) -> Errors:
    """The problems with a new object, after those of its name (which the store checks)."""
    problems = validate_meta(obj.get("metadata"))
    rules = RULES.get(spec.resource_key)
    if rules is not None:
        problems += rules.create(obj)
    return problems


def validate_update(spec: ResourceSpec, obj: dict[str, Any], old: dict[str, Any], *, subresource: str = "") -> Errors:
    """The problems with an update of `old` to `obj` through `subresource` ("" for the object)."""
    if subresource:
        return []
    problems = validate_meta(obj.get("metadata"))
    rules = RULES.get(spec.resource_key)
    if rules is not None:
        problems += rules.on_update(obj, old)
    return problems
