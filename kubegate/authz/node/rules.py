"""What every node may do where the graph does not decide: bootstrappolicy.NodeRules (1.32).

The Node authorizer answers requests for secrets, configmaps, volumes, claims, service account
tokens, leases, CSINodes, nodes and pods itself; any other request from a node is checked
against these rules, the same ones the `system:node` ClusterRole holds. Feature-gated rules that
are off by default in 1.32 (dynamic resource allocation, cluster trust bundles) are left out.
"""

from __future__ import annotations

from kubegate.authz.rbac.rules import PolicyRule

READ = ("get", "list", "watch")


def _rule(verbs: tuple[str, ...], group: str, *resources: str) -> PolicyRule:
    return PolicyRule(verbs=verbs, api_groups=(group,), resources=resources)


NODE_RULES: tuple[PolicyRule, ...] = (
    # checking API access; these creates do not change anything
    _rule(("create",), "authentication.k8s.io", "tokenreviews"),
    _rule(("create",), "authorization.k8s.io", "subjectaccessreviews", "localsubjectaccessreviews"),
    # services, for the environment variables of pods
    _rule(READ, "", "services"),
    # registering the Node object and reporting its status
    _rule(("create", "get", "list", "watch"), "", "nodes"),
    _rule(("update", "patch"), "", "nodes/status"),
    _rule(("update", "patch"), "", "nodes"),
    _rule(("create", "update", "patch"), "", "events"),
    # pods: mirror pods, status, evictions
    _rule(READ, "", "pods"),
    _rule(("create", "delete"), "", "pods"),
    _rule(("update", "patch"), "", "pods/status"),
    _rule(("create",), "", "pods/eviction"),
    # what pods use (the graph narrows these to the node's own pods)
    _rule(READ, "", "secrets", "configmaps"),
    _rule(("get",), "", "persistentvolumeclaims", "persistentvolumes"),
    _rule(("get",), "", "endpoints"),
    # client certificate rotation
    _rule(("create", "get", "list", "watch"), "certificates.k8s.io", "certificatesigningrequests"),
    _rule(("get", "create", "update", "patch", "delete"), "coordination.k8s.io", "leases"),
    _rule(("get",), "storage.k8s.io", "volumeattachments"),
    _rule(("get", "update", "patch"), "", "persistentvolumeclaims/status"),
    _rule(("create",), "", "serviceaccounts/token"),
    _rule(READ, "storage.k8s.io", "csidrivers"),
    _rule(("get", "create", "update", "patch", "delete"), "storage.k8s.io", "csinodes"),
    _rule(READ, "node.k8s.io", "runtimeclasses"),
)
