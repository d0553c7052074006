"""The TaintNodesByCondition admission plugin: a new Node starts out not ready for pods.

kube-apiserver adds `node.kubernetes.io/not-ready:NoSchedule` to every Node it creates, unless
the Node already carries a taint with that key and effect, so that no pod is scheduled onto a
node before its kubelet has said it is Ready. The node lifecycle controller takes the taint off
once the node's Ready condition is True (`kubegate.controllers.nodes.lifecycle`).
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes

NOT_READY_TAINT = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}


def _matches(taint: Any, wanted: dict[str, str]) -> bool:
    """Taint.MatchTaint: the same key and effect (values do not matter)."""
    return isinstance(taint, dict) and taint.get("key") == wanted["key"] and taint.get("effect") == wanted["effect"]


class TaintNodesByConditionAdmission:
    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "nodes") or attributes.subresource or attributes.operation != CREATE:
            return
        node = attributes.obj
        if not isinstance(node, dict):
            return
        node_spec = node.get("spec")
        if node_spec is None:
            node_spec = node["spec"] = {}
        if not isinstance(node_spec, dict):
            return  # validation answers for it
        taints = node_spec.get("taints")
        if taints is None:
            taints = []
        if not isinstance(taints, list):
            return
        if not any(_matches(taint, NOT_READY_TAINT) for taint in taints):
            node_spec["taints"] = [*taints, dict(NOT_READY_TAINT)]
