"""The default ClusterRoles and ClusterRoleBindings of a fresh 1.32 cluster, as data.

Every object carries the `kubernetes.io/bootstrapping: rbac-defaults` label and the
`rbac.authorization.kubernetes.io/autoupdate: "true"` annotation; lists are sorted, as the real
policy builder sorts them. `admin`, `edit` and `view` have no rules of their own: the
aggregation controller fills them from the `system:aggregate-to-*` roles (and `edit` from
`view`, `admin` from `edit`) through their labels. Roles of controllers and control-plane
components that kubegate does not run (kube-scheduler, kube-controller-manager, kubelet) are left
out, with their bindings.
"""

from __future__ import annotations

from typing import Any

BOOTSTRAP_LABEL = ("kubernetes.io/bootstrapping", "rbac-defaults")
AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"
RBAC_GROUP = "rbac.authorization.k8s.io"
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
READ_WRITE = READ + WRITE
EVENT_GROUPS = ("", "events.k8s.io")


Names = tuple[str, ...]


def rule(verbs: Names, groups: Names, resources: Names, names: Names = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "verbs": sorted(set(verbs)),
        "apiGroups": sorted(set(groups)),
        "resources": sorted(set(resources)),
    }
    if names:
        out["resourceNames"] = sorted(set(names))
    return out


def urls(verbs: Names, paths: Names) -> dict[str, Any]:
    return {"verbs": sorted(set(verbs)), "nonResourceURLs": sorted(set(paths))}


def _metadata(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "labels": {BOOTSTRAP_LABEL[0]: BOOTSTRAP_LABEL[1], **(labels or {})},
        "annotations": {AUTOUPDATE_ANNOTATION: "true"},
    }


def cluster_role(
    name: str, *rules: dict[str, Any], aggregate_to: str = "", aggregate_from: str = ""
) -> dict[str, Any]:
    labels = {AGGREGATE_TO + aggregate_to: "true"} if aggregate_to else None
    role: dict[str, Any] = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": _metadata(name, labels),
    }
    if aggregate_from:
        selector = {"matchLabels": {AGGREGATE_TO + aggregate_from: "true"}}
        role["aggregationRule"] = {"clusterRoleSelectors": [selector]}
    else:
        role["rules"] = list(rules)
    return role


def cluster_role_binding(role: str, *subjects: tuple[str, str], name: str = "") -> dict[str, Any]:
    """Subjects as (kind, name); a ServiceAccount's name is `namespace/name`."""
    listed = []
    for kind, subject in subjects:
        if kind == "ServiceAccount":
            namespace, _, sa_name = subject.partition("/")
            listed.append({"kind": kind, "name": sa_name, "namespace": namespace})
        else:
            listed.append({"kind": kind, "apiGroup": RBAC_GROUP, "name": subject})
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _metadata(name or role),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": listed,
    }


_PODS_ESCALATING = ("pods/attach", "pods/exec", "pods/portforward", "pods/proxy")
_SIGNERS = "certificates.k8s.io"

CLUSTER_ROLES: tuple[dict[str, Any], ...] = (
    cluster_role("cluster-admin", rule(("*",), ("*",), ("*",)), urls(("*",), ("*",))),
    # the user-facing roles, aggregated; created leaves first so each is filled once
    cluster_role(
        "system:aggregate-to-view",
        rule(READ, ("",), (
            "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
            "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
            "services", "services/status",
        )),
        rule(READ, ("",), (
            "bindings", "limitranges", "namespaces/status", "pods/log", "pods/status",
            "replicationcontrollers/status", "resourcequotas", "resourcequotas/status",
        )),
        rule(READ, ("",), ("namespaces",)),
        rule(READ, EVENT_GROUPS, ("events",)),
        rule(READ, ("discovery.k8s.io",), ("endpointslices",)),
        rule(READ, ("apps",), (
            "controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
            "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
            "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status",
        )),
        rule(READ, ("autoscaling",), (
            "horizontalpodautoscalers", "horizontalpodautoscalers/status",
        )),
        rule(READ, ("batch",), ("cronjobs", "cronjobs/status", "jobs", "jobs/status")),
        rule(READ, ("extensions",), (
            "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
            "deployments/status", "ingresses", "ingresses/status", "networkpolicies",
            "replicasets", "replicasets/scale", "replicasets/status",
            "replicationcontrollers/scale",
        )),
        rule(READ, ("policy",), ("poddisruptionbudgets", "poddisruptionbudgets/status")),
        rule(READ, ("networking.k8s.io",), ("ingresses", "ingresses/status", "networkpolicies")),
        aggregate_to="view",
    ),
    cluster_role(
        "system:aggregate-to-edit",
        rule(READ, ("",), (*_PODS_ESCALATING, "secrets", "services/proxy")),
        rule(("impersonate",), ("",), ("serviceaccounts",)),
        rule(WRITE, ("",), ("pods", *_PODS_ESCALATING)),
        rule(("create",), ("",), ("pods/eviction",)),
        rule(WRITE, ("",), (
            "configmaps", "persistentvolumeclaims", "replicationcontrollers",
            "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
            "services/proxy",
        )),
        rule(("create",), ("",), ("serviceaccounts/token",)),
        rule(WRITE, EVENT_GROUPS, ("events",)),
        rule(WRITE, ("apps",), (
            "daemonsets", "deployments", "deployments/rollback", "deployments/scale",
            "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale",
        )),
        rule(WRITE, ("autoscaling",), ("horizontalpodautoscalers",)),
        rule(WRITE, ("batch",), ("cronjobs", "jobs")),
        rule(WRITE, ("extensions",), (
            "daemonsets", "deployments", "deployments/rollback", "deployments/scale",
            "ingresses", "networkpolicies", "replicasets", "replicasets/scale",
            "replicationcontrollers/scale",
        )),
        rule(WRITE, ("policy",), ("poddisruptionbudgets",)),
        rule(WRITE, ("networking.k8s.io",), ("ingresses", "networkpolicies")),
        rule(READ_WRITE, ("coordination.k8s.io",), ("leases",)),
        aggregate_to="edit",
    ),
    cluster_role(
        "system:aggregate-to-admin",
        rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews",)),
        rule(READ_WRITE, (RBAC_GROUP,), ("rolebindings", "roles")),
        aggregate_to="admin",
    ),
    cluster_role("view", aggregate_from="view", aggregate_to="edit"),
    cluster_role("edit", aggregate_from="edit", aggregate_to="admin"),
    cluster_role("admin", aggregate_from="admin"),
    # what every user, and every client, may read or ask
    cluster_role("system:discovery", urls(("get",), (
        "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
        "/readyz", "/version", "/version/",
    ))),
    cluster_role("system:public-info-viewer", urls(("get",), (
        "/healthz", "/livez", "/readyz", "/version", "/version/",
    ))),
    cluster_role(
        "system:basic-user",
        rule(("create",), ("authorization.k8s.io",), (
            "selfsubjectaccessreviews", "selfsubjectrulesreviews",
        )),
        rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",)),
    ),
    cluster_role("system:service-account-issuer-discovery", urls(("get",), (
        "/.well-known/openid-configuration", "/.well-known/openid-configuration/",
        "/openid/v1/jwks", "/openid/v1/jwks/",
    ))),
    cluster_role("system:monitoring", urls(("get",), (
        "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz",
        "/readyz/*",
    ))),
    cluster_role(
        "system:auth-delegator",
        rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
        rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
    ),
    # certificates
    cluster_role(
        "system:node-bootstrapper",
        rule(("create", *READ), (_SIGNERS,), ("certificatesigningrequests",)),
    ),
    cluster_role(
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        rule(("create",), (_SIGNERS,), ("certificatesigningrequests/nodeclient",)),
    ),
    cluster_role(
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        rule(("create",), (_SIGNERS,), ("certificatesigningrequests/selfnodeclient",)),
    ),
    *(
        cluster_role(
            f"system:certificates.k8s.io:{role}",
            rule(("approve",), (_SIGNERS,), ("signers",), (signer,)),
        )
        for role, signer in (
            ("kube-apiserver-client-approver", "kubernetes.io/kube-apiserver-client"),
            (
                "kube-apiserver-client-kubelet-approver",
                "kubernetes.io/kube-apiserver-client-kubelet",
            ),
            ("kubelet-serving-approver", "kubernetes.io/kubelet-serving"),
            ("legacy-unknown-approver", "kubernetes.io/legacy-unknown"),
        )
    ),
    # add-ons and node agents a cluster administrator binds to their own identities
    cluster_role(
        "system:heapster",
        rule(READ, ("",), ("events", "namespaces", "nodes", "pods")),
        rule(READ, ("extensions",), ("deployments",)),
    ),
    cluster_role("system:kube-aggregator", rule(READ, ("",), ("endpoints", "services"))),
    cluster_role("system:kube-dns", rule(("list", "watch"), ("",), ("endpoints", "services"))),
    cluster_role(
        "system:node-problem-detector",
        rule(("get",), ("",), ("nodes",)),
        rule(("patch",), ("",), ("nodes/status",)),
        rule(("create", "patch", "update"), EVENT_GROUPS, ("events",)),
    ),
    cluster_role(
        "system:node-proxier",
        rule(("list", "watch"), ("",), ("endpoints", "services")),
        rule(READ, ("",), ("nodes",)),
        rule(("create", "patch", "update"), EVENT_GROUPS, ("events",)),
        rule(("list", "watch"), ("discovery.k8s.io",), ("endpointslices",)),
    ),
    cluster_role(
        "system:persistent-volume-provisioner",
        rule(("create", "delete", *READ), ("",), ("persistentvolumes",)),
        rule(("update", *READ), ("",), ("persistentvolumeclaims",)),
        rule(READ, ("storage.k8s.io",), ("storageclasses",)),
        rule(("watch",), ("",), ("events",)),
        rule(("create", "patch", "update"), EVENT_GROUPS, ("events",)),
    ),
    cluster_role(
        "system:volume-scheduler",
        rule(("patch", "update", *READ), ("",), ("persistentvolumes",)),
        rule(READ, ("storage.k8s.io",), ("storageclasses",)),
        rule(("patch", "update", *READ), ("",), ("persistentvolumeclaims",)),
    ),
)

CLUSTER_ROLE_BINDINGS: tuple[dict[str, Any], ...] = (
    cluster_role_binding("cluster-admin", ("Group", "system:masters")),
    cluster_role_binding("system:basic-user", ("Group", "system:authenticated")),
    cluster_role_binding("system:discovery", ("Group", "system:authenticated")),
    cluster_role_binding("system:monitoring", ("Group", "system:monitoring")),
    cluster_role_binding(
        "system:public-info-viewer",
        ("Group", "system:authenticated"),
        ("Group", "system:unauthenticated"),
    ),
    cluster_role_binding(
        "system:service-account-issuer-discovery", ("Group", "system:serviceaccounts")
    ),
    cluster_role_binding("system:kube-dns", ("ServiceAccount", "kube-system/kube-dns")),
    cluster_role_binding("system:node-proxier", ("User", "system:kube-proxy")),
    cluster_role_binding("system:volume-scheduler", ("User", "system:kube-scheduler")),
)
