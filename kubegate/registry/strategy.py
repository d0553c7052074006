"""Per-resource behaviour that differs from the generic store, as a table.

The real apiserver gives every resource a strategy (PrepareForCreate, PrepareForUpdate, name
validation, whether generation is tracked). kubegate keeps only the differences that a client
can notice, as rows keyed by the resource (`ResourceSpec.resource_key`: group, plural, so every
served version shares its row); everything else uses `DEFAULT`.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kubegate.registry import jobs
from kubegate.registry.certificates.strategy import CSR_STRATEGY
from kubegate.registry.customresources.crd_strategy import CRD_HOOKS, apply_v1_defaults
from kubegate.registry.defaults import (
    admissionpolicy,
    admissionregistration,
    kinds,
    limitranges,
    pods,
    services,
    workloads,
)
from kubegate.registry.spec import ResourceKey, ResourceSpec

if TYPE_CHECKING:
    from kubegate.api.errors import FieldError
    from kubegate.api.user import UserInfo

#: Mutates a new object (already a private copy) before it is stored.
CreateHook = Callable[[dict[str, Any]], None]


class WriteHooks(Protocol):
    """rest.BeforeCreate/BeforeUpdate of a resource whose writes depend on who asks, on the live
    object or on the subresource written (CSRs): prepare the object, answer its field errors."""

    def before_create(self, obj: dict[str, Any], *, user: UserInfo | None) -> list[FieldError]: ...

    def before_update(
        self, obj: dict[str, Any], old: dict[str, Any], *, sent: dict[str, Any], subresource: str
    ) -> list[FieldError]:
        """`obj` is the generic store's merge of `sent` (what the client sent) onto `old`."""
        ...


@dataclass(frozen=True, slots=True)
class Strategy:
    #: which rule metadata.name must follow: "subdomain", "label", "dns1035" or "path"
    name_rule: str = "subdomain"
    #: metadata.generation starts at 1 and moves with every change outside metadata and status
    tracks_generation: bool = False
    #: extra defaults applied on create, after metadata is set
    on_create: CreateHook | None = None
    #: applied to every incoming object, created or updated, as the real server's decoding
    #: (v1 -> internal conversion) does before anything else sees it
    on_write: CreateHook | None = None
    #: PrepareForUpdate: (new, live) -> None, applied to an update of the object (not of a
    #: subresource) before it is validated
    on_update: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
    #: status defaults, applied to an object whose status a status write has just replaced
    #: (on create they are part of `on_create`)
    on_status_write: CreateHook | None = None
    #: objects of this resource may be created by a PUT to a name that does not exist yet
    allow_create_on_update: bool = False
    #: DELETE answers with the object rather than a `Status` of kind Success
    returns_deleted_object: bool = False
    #: a status write may change annotations too (the deployment status strategy keeps only
    #: spec and labels, so the controller sets the revision annotation with the status)
    status_writes_annotations: bool = False
    #: preparation and validation that need the requester, the live object or the subresource
    hooks: WriteHooks | None = None
    #: a create keeps the status it was sent (Nodes: the kubelet registers its node with status)
    keeps_status_on_create: bool = False


def _namespace_defaults(obj: dict[str, Any]) -> None:
    metadata = obj["metadata"]
    # The NamespaceDefaultLabelName feature: every namespace is selectable by its own name.
    metadata["labels"] = {**(metadata.get("labels") or {}), "kubernetes.io/metadata.name": metadata["name"]}
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("finalizers", ["kubernetes"])
    obj["status"] = {"phase": "Active"}


def _pod_defaults(obj: dict[str, Any]) -> None:
    """A pod that nothing schedules: Pending, with the QoS class the spec implies."""
    spec = obj.get("spec")
    if spec is None:
        spec = obj["spec"] = {}
    if isinstance(spec, dict):
        pods.pod_defaults(spec)
    containers = spec.get("containers") if isinstance(spec, dict) and isinstance(spec.get("containers"), list) else []
    obj["status"] = {"phase": "Pending", "qosClass": _qos_class(containers or [])}


def _pod_writes(obj: dict[str, Any]) -> None:
    """Decoding a Pod: the pod spec defaults, so that an update compares like with like."""
    if isinstance(obj.get("spec"), dict):
        pods.pod_defaults(obj["spec"])


def _job_create(obj: dict[str, Any]) -> None:
    """The generated selector, then the Job's labels shared from its (now labelled) template."""
    jobs.generate_selector(obj)
    workloads.job_labels_from_template(obj)


def _qos_class(containers: list[Any]) -> str:
    requests_any = False
    guaranteed = bool(containers)
    for container in containers:
        resources = container.get("resources", {}) if isinstance(container, dict) else {}
        limits = resources.get("limits") or {}
        requests = resources.get("requests") or {}
        if limits or requests:
            requests_any = True
        if not all(k in limits for k in ("cpu", "memory")) or any(requests.get(k, limits[k]) != limits[k] for k in ("cpu", "memory")):
            guaranteed = False
    if guaranteed:
        return "Guaranteed"
    return "Burstable" if requests_any else "BestEffort"


def _service_account_defaults(obj: dict[str, Any]) -> None:
    obj.pop("status", None)


def _fold_string_data(obj: dict[str, Any]) -> None:
    """Secret.stringData is write-only: its entries overwrite `data` (base64) and it is dropped."""
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data") if isinstance(obj.get("data"), dict) else {}
        assert isinstance(data, dict)
        for key, value in string_data.items():
            if isinstance(value, str):
                data[key] = base64.b64encode(value.encode()).decode()
        obj["data"] = data


def _secret_writes(obj: dict[str, Any]) -> None:
    """Decoding a Secret: stringData folded into data, and `type` defaulted to Opaque."""
    _fold_string_data(obj)
    if not obj.get("type"):
        obj["type"] = "Opaque"


DEFAULT = Strategy()
_GENERATION = Strategy(tracks_generation=True)
_PATH_NAMES = Strategy(name_rule="path")

#: resource (group, plural) -> its strategy, when it is not `DEFAULT`
STRATEGIES: dict[ResourceKey, Strategy] = {
    ("", "namespaces"): Strategy(name_rule="label", on_create=_namespace_defaults, returns_deleted_object=True),
    ("", "pods"): Strategy(on_create=_pod_defaults, on_write=_pod_writes, returns_deleted_object=True),
    ("", "podtemplates"): Strategy(on_write=workloads.pod_template_defaults),
    # cluster IPs and node ports: hooks registered at start-up (kubegate.server.cluster)
    ("", "services"): Strategy(
        name_rule="dns1035", on_write=services.service_defaults, on_update=services.drop_type_dependent_fields,
        returns_deleted_object=True,
    ),
    ("", "serviceaccounts"): Strategy(on_create=_service_account_defaults, returns_deleted_object=True),
    ("", "secrets"): Strategy(on_write=_secret_writes),
    ("", "limitranges"): Strategy(on_write=limitranges.limit_range_defaults),
    ("storage.k8s.io", "storageclasses"): Strategy(returns_deleted_object=True),
    ("", "replicationcontrollers"): Strategy(tracks_generation=True, on_write=workloads.replication_controller_defaults),
    ("", "events"): Strategy(allow_create_on_update=True),
    ("", "nodes"): Strategy(keeps_status_on_create=True),
    ("", "endpoints"): Strategy(allow_create_on_update=True),
    ("apps", "deployments"): Strategy(
        tracks_generation=True, on_write=workloads.deployment_defaults, status_writes_annotations=True
    ),
    ("apps", "replicasets"): Strategy(tracks_generation=True, on_write=workloads.replica_set_defaults),
    ("apps", "statefulsets"): Strategy(tracks_generation=True, on_write=workloads.stateful_set_defaults),
    ("apps", "daemonsets"): Strategy(tracks_generation=True, on_write=workloads.daemon_set_defaults),
    ("batch", "jobs"): Strategy(tracks_generation=True, on_write=workloads.job_defaults, on_create=_job_create),
    ("batch", "cronjobs"): Strategy(tracks_generation=True, on_write=workloads.cron_job_defaults),
    ("autoscaling", "horizontalpodautoscalers"): _GENERATION,
    ("networking.k8s.io", "ingresses"): _GENERATION,
    ("networking.k8s.io", "networkpolicies"): _GENERATION,
    ("policy", "poddisruptionbudgets"): _GENERATION,
    ("apiextensions.k8s.io", "customresourcedefinitions"): Strategy(
        tracks_generation=True, on_write=apply_v1_defaults, hooks=CRD_HOOKS
    ),
    ("coordination.k8s.io", "leases"): Strategy(allow_create_on_update=True),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): Strategy(
        tracks_generation=True, on_write=admissionpolicy.policy_defaults,
    ),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): Strategy(
        on_write=admissionpolicy.binding_defaults,
    ),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): Strategy(
        on_write=admissionregistration.mutating_webhook_configuration_defaults
    ),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): Strategy(
        on_write=admissionregistration.validating_webhook_configuration_defaults
    ),
    ("certificates.k8s.io", "certificatesigningrequests"): Strategy(name_rule="path", hooks=CSR_STRATEGY),
    ("rbac.authorization.k8s.io", "roles"): _PATH_NAMES,
    ("rbac.authorization.k8s.io", "clusterroles"): _PATH_NAMES,
    ("rbac.authorization.k8s.io", "rolebindings"): _PATH_NAMES,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): _PATH_NAMES,
}


def _then(first: CreateHook | None, second: CreateHook | None) -> CreateHook | None:
    if first is None or second is None:
        return first or second

    def both(obj: dict[str, Any]) -> None:
        first(obj)
        second(obj)

    return both


def _with_defaulters(strategies: dict[ResourceKey, Strategy]) -> None:
    """Lay each kind's defaulter (`kubegate.registry.defaults.kinds`) under its strategy: the
    defaults first, as decoding comes before anything the strategy does; status defaults after
    the strategy has set the status of a new object."""
    for key, defaulter in kinds.DEFAULTERS.items():
        base = strategies.get(key, DEFAULT)
        strategies[key] = dataclasses.replace(
            base,
            on_write=_then(defaulter.on_write, base.on_write),
            on_create=_then(base.on_create, defaulter.status),
            on_status_write=_then(defaulter.status, base.on_status_write),
        )


_with_defaulters(STRATEGIES)


def strategy_for(spec: ResourceSpec) -> Strategy:
    """A built-in resource's strategy (custom resources get theirs from the store, per version)."""
    return STRATEGIES.get(spec.resource_key, DEFAULT)
