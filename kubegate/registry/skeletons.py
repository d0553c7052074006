"""The Go zero value of each built-in resource's objects, below their top level.

`kubegate.api.managedfields.zero` explains why field managers compare objects over their Go zero
value. Only the non-scalar parts matter (a scalar counts the same whether added or modified),
so the table lists structs (`{}`) and null lists and pointers (`None`) below `spec`/`status`
(or below the top level, for kinds without a spec). Rows are keyed by the resource
(`ResourceSpec.resource_key`: group, plural); every served version of a resource shares its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubegate.api.managedfields import zero
from kubegate.registry.spec import ResourceKey, ResourceSpec

_POD_SPEC: dict[str, Any] = {"containers": None}
_POD_TEMPLATE: dict[str, Any] = {"metadata": {}, "spec": _POD_SPEC}
_WORKLOAD: dict[str, Any] = {"selector": None, "template": _POD_TEMPLATE}

#: resource (group, plural) -> the parts of its zero value below the top level, by Go type.
SKELETONS: Mapping[ResourceKey, dict[str, Any]] = {
    ("", "pods"): {"spec": _POD_SPEC},
    ("", "podtemplates"): {"template": _POD_TEMPLATE},
    ("", "services"): {"status": {"loadBalancer": {}}},
    ("", "nodes"): {"status": {"daemonEndpoints": {"kubeletEndpoint": {}}, "nodeInfo": {}}},
    ("", "persistentvolumeclaims"): {"spec": {"resources": {}}},
    ("", "limitranges"): {"spec": {"limits": None}},
    ("", "events"): {"involvedObject": {}, "source": {}},
    ("apps", "deployments"): {"spec": {**_WORKLOAD, "strategy": {}}},
    ("apps", "replicasets"): {"spec": _WORKLOAD},
    ("apps", "statefulsets"): {"spec": {**_WORKLOAD, "updateStrategy": {}}},
    ("apps", "daemonsets"): {"spec": {**_WORKLOAD, "updateStrategy": {}}},
    ("batch", "jobs"): {"spec": {"template": _POD_TEMPLATE}},
    ("batch", "cronjobs"): {"spec": {"jobTemplate": {"metadata": {}, "spec": {"template": _POD_TEMPLATE}}}},
    ("autoscaling", "horizontalpodautoscalers"): {"spec": {"scaleTargetRef": {}}},
    ("networking.k8s.io", "ingresses"): {"status": {"loadBalancer": {}}},
    ("networking.k8s.io", "networkpolicies"): {"spec": {"podSelector": {}}},
    ("rbac.authorization.k8s.io", "roles"): {"rules": None},
    ("rbac.authorization.k8s.io", "clusterroles"): {"rules": None},
    ("rbac.authorization.k8s.io", "rolebindings"): {"roleRef": {}},
    ("rbac.authorization.k8s.io", "clusterrolebindings"): {"roleRef": {}},
    ("events.k8s.io", "events"): {"regarding": {}, "deprecatedSource": {}},
    ("discovery.k8s.io", "endpointslices"): {"endpoints": None},
    ("storage.k8s.io", "volumeattachments"): {"spec": {"source": {}}},
    ("storage.k8s.io", "csinodes"): {"spec": {"drivers": None}},
    ("apiextensions.k8s.io", "customresourcedefinitions"): {
        "spec": {"names": {}, "versions": None},
        "status": {"acceptedNames": {}, "storedVersions": None},
    },
}


def skeleton_of(spec: ResourceSpec, *, subresource: str = "", top_level: tuple[str, ...]) -> dict[str, Any]:
    """The zero value of what a write of `spec` through `subresource` ("" for none) carries,
    whose schema has the fields `top_level`. A subresource speaking a kind of its own (Scale,
    Eviction, TokenRequest, ...) has no rows: only metadata, spec and status."""
    sub = spec.subresource(subresource) if subresource else None
    own_kind = sub is None or not sub.kind
    return zero.skeleton(SKELETONS.get(spec.resource_key, {}) if own_kind else {}, top_level=top_level)
