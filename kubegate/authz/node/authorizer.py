"""`--authorization-mode=Node`: what a kubelet may do, decided per object from the node graph.

Only users named `system:node:NAME` in group `system:nodes` are nodes; everyone else gets no
opinion. For a node, as in the real NodeAuthorizer of 1.32 (AuthorizeNodeWithSelectors on):

- secrets, configmaps: get/list/watch of one named object a pod on the node uses;
- persistentvolumeclaims (and their status updates), persistentvolumes, volumeattachments,
  resourceclaims: get of one such object;
- serviceaccounts: create the `token` of one a pod on the node runs as;
- leases: in `kube-node-lease`, named after the node; csinodes: named after the node;
- nodes: read only its own Node (create, update and status updates are allowed);
- pods: get one bound to it, list/watch with `fieldSelector=spec.nodeName=NAME`, create and
  delete (mirror pods), update/patch status, create evictions;
- anything else: the static `system:node` rules.

Every refusal is no opinion with the real reason, e.g. `no relationship found between node 'n1'
and this object`, so a 403 says why.
"""

from __future__ import annotations

from collections.abc import Callable

from kubegate.api import errors
from kubegate.api import fields as field_selectors
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision, RulesResult, Verdict
from kubegate.authz.node import references as refs
from kubegate.authz.node.graph import NodeGraph
from kubegate.authz.node.rules import NODE_RULES
from kubegate.authz.rbac.rules import rule_allows
from kubegate.registry.objects import ObjectCache

NODE_USER_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
NODE_LEASE_NAMESPACE = "kube-node-lease"

_ALLOW = Verdict(Decision.ALLOW)
_SILENT = Verdict(Decision.NO_OPINION)


def node_identity(user: UserInfo) -> str | None:
    """The node's name for a node user (possibly empty), None for everyone else."""
    if not user.name.startswith(NODE_USER_PREFIX) or NODES_GROUP not in user.groups:
        return None
    return user.name[len(NODE_USER_PREFIX):]


def _no(reason: str) -> Verdict:
    return Verdict(Decision.NO_OPINION, reason)


class NodeAuthorizer:
    def __init__(self, graph: NodeGraph) -> None:
        self.graph = graph
        Rule = Callable[[str, Attributes], Verdict]
        self._by_resource: dict[tuple[str, str], Rule] = {
            ("", "secrets"): lambda n, a: self._read_namespaced(n, refs.SECRET, a),
            ("", "configmaps"): lambda n, a: self._read_namespaced(n, refs.CONFIGMAP, a),
            ("", "persistentvolumeclaims"): self._claim,
            ("", "persistentvolumes"): lambda n, a: self._get(n, refs.PV, a),
            ("resource.k8s.io", "resourceclaims"): lambda n, a: self._get(n, refs.RESOURCECLAIM, a),
            ("storage.k8s.io", "volumeattachments"): lambda n, a: self._get(n, refs.VOLUMEATTACHMENT, a),
            ("", "serviceaccounts"): self._token,
            ("coordination.k8s.io", "leases"): self._lease,
            ("storage.k8s.io", "csinodes"): self._csinode,
            ("", "nodes"): self._node,
            ("", "pods"): self._pod,
        }

    @classmethod
    def for_store(cls, store: ObjectCache) -> NodeAuthorizer:
        return cls(NodeGraph(store))

    async def authorize(self, attributes: Attributes) -> Verdict:
        return self.decide(attributes)

    def decide(self, attributes: Attributes) -> Verdict:
        node = node_identity(attributes.user)
        if node is None:
            return _SILENT
        if not node:
            return _no(f'unknown node for user "{attributes.user.name}"')
        if attributes.is_resource_request:
            rule = self._by_resource.get((attributes.api_group, attributes.resource))
            if rule is not None:
                return rule(node, attributes)
        if any(rule_allows(attributes, rule) for rule in NODE_RULES):
            return _ALLOW
        return _SILENT

    def rules_for(self, user: UserInfo, namespace: str) -> RulesResult:
        if node_identity(user) is None:
            return RulesResult()
        return RulesResult(incomplete=True, evaluation_error="node authorizer does not support user rule resolution")

    # the per-resource rules ----------------------------------------------------------------

    def _related(self, node: str, kind: str, attributes: Attributes) -> Verdict:
        if not attributes.name:
            return _no("No Object name found")
        if self.graph.has_path(node, (kind, attributes.namespace, attributes.name)):
            return _ALLOW
        return _no(f"no relationship found between node '{node}' and this object")

    def _read_namespaced(self, node: str, kind: str, attributes: Attributes) -> Verdict:
        if attributes.verb not in ("get", "list", "watch"):
            return _no("can only read resources of this type")
        if attributes.subresource:
            return _no("cannot read subresource")
        if not attributes.namespace:
            return _no("can only read namespaced object of this type")
        return self._related(node, kind, attributes)

    def _get(self, node: str, kind: str, attributes: Attributes) -> Verdict:
        if attributes.verb != "get":
            return _no("can only get individual resources of this type")
        if attributes.subresource:
            return _no("cannot get subresource")
        return self._related(node, kind, attributes)

    def _claim(self, node: str, attributes: Attributes) -> Verdict:
        if attributes.subresource != "status":
            return self._get(node, refs.PVC, attributes)
        if attributes.verb not in ("update", "patch"):
            return _no("can only get/update/patch this type")
        return self._related(node, refs.PVC, attributes)

    def _token(self, node: str, attributes: Attributes) -> Verdict:
        if attributes.verb != "create" or not attributes.name:
            return _no("can only create tokens for individual service accounts")
        if attributes.subresource != "token":
            return _no("can only create token subresource of serviceaccount")
        return self._related(node, refs.SERVICEACCOUNT, attributes)

    def _lease(self, node: str, attributes: Attributes) -> Verdict:
        if attributes.verb not in ("get", "create", "update", "patch", "delete"):
            return _no("can only get, create, update, patch, or delete a node lease")
        if attributes.namespace != NODE_LEASE_NAMESPACE:
            return _no(f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace')
        # the name of a lease being created is not known here (NodeRestriction checks it)
        if attributes.verb != "create" and attributes.name != node:
            return _no("can only access node lease with the same name as the requesting node")
        return _ALLOW

    def _csinode(self, node: str, attributes: Attributes) -> Verdict:
        if attributes.verb not in ("get", "create", "update", "patch", "delete"):
            return _no("can only get, create, update, patch, or delete a CSINode")
        if attributes.subresource:
            return _no("cannot authorize CSINode subresources")
        if attributes.verb != "create" and attributes.name != node:
            return _no("can only access CSINode with the same name as the requesting node")
        return _ALLOW

    def _node(self, node: str, attributes: Attributes) -> Verdict:
        verb = attributes.verb
        if attributes.subresource == "":
            if verb in ("create", "update", "patch"):
                return _ALLOW  # NodeRestriction admission keeps a node to its own object
            if verb in ("get", "list", "watch"):
                # by name, not the graph: a kubelet reads its Node before creating it
                if attributes.name == node:
                    return _ALLOW
                if not attributes.name:
                    return _no(f"node '{node}' cannot read all nodes, only its own Node object")
                return _no(f"node '{node}' cannot read '{attributes.name}', only its own Node object")
        elif attributes.subresource == "status" and verb in ("update", "patch"):
            return _ALLOW
        return _SILENT

    def _pod(self, node: str, attributes: Attributes) -> Verdict:
        verb, subresource = attributes.verb, attributes.subresource
        if subresource == "":
            if verb == "get":
                return self._get(node, refs.POD, attributes)
            if verb in ("list", "watch"):
                if _pinned_to_node(attributes.field_selector, node):
                    return _ALLOW
                if attributes.name:
                    return self._related(node, refs.POD, attributes)
                return _no("can only list/watch pods with spec.nodeName field selector")
            if verb in ("create", "delete"):
                return _ALLOW  # mirror pods; NodeRestriction admission keeps them to this node
        elif (subresource, verb) in (("status", "update"), ("status", "patch"), ("eviction", "create")):
            return _ALLOW
        return _SILENT


def _pinned_to_node(field_selector: str, node: str) -> bool:
    try:
        selector = field_selectors.parse_field_selector(field_selector)
    except errors.StatusError:
        return False
    return any(
        field == "spec.nodeName" and op == field_selectors.EQUALS and value == node
        for field, op, value in selector.requirements
    )
