"""Network defaults: networking/v1 SetDefaults_NetworkPolicy, _NetworkPolicyPort and
_IngressClass, core/v1 SetDefaults_Endpoints and discovery/v1 SetDefaults_EndpointPort.

Ingresses get none: networking/v1 leaves `pathType` and `ingressClassName` as sent (the
DefaultIngressClass admission plugin, not a defaulter, fills the class).
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, apply_each, dicts, lookup, present

#: no policyTypes: Ingress, and Egress too when egress rules are given
NETWORK_POLICY: tuple[Default, ...] = (
    Default("spec.policyTypes", ["Ingress", "Egress"], zero=True,
            when=lambda obj: bool(lookup(obj, "spec.egress"))),
    Default("spec.policyTypes", ["Ingress"], zero=True),
)
NETWORK_POLICY_PORT: tuple[Default, ...] = (Default("protocol", "TCP"),)
INGRESS_CLASS: tuple[Default, ...] = (Default("spec.parameters.scope", "Cluster", when=present("spec.parameters")),)
#: core/v1 EndpointPort (in Endpoints subsets)
ENDPOINT_PORT: tuple[Default, ...] = (Default("protocol", "TCP"),)
#: discovery/v1 EndpointPort: both are pointers, so an unnamed port shows `name: ""`
SLICE_PORT: tuple[Default, ...] = (Default("name", ""), Default("protocol", "TCP"))


def network_policy_defaults(obj: dict[str, Any]) -> None:
    if not isinstance(obj.get("spec", {}), dict):
        return
    apply(obj, NETWORK_POLICY)
    for direction in ("ingress", "egress"):
        for rule in dicts(lookup(obj, f"spec.{direction}")):
            apply_each(rule.get("ports"), NETWORK_POLICY_PORT)


def ingress_class_defaults(obj: dict[str, Any]) -> None:
    apply(obj, INGRESS_CLASS)


def endpoints_defaults(obj: dict[str, Any]) -> None:
    for subset in dicts(obj.get("subsets")):
        apply_each(subset.get("ports"), ENDPOINT_PORT)


def endpoint_slice_defaults(obj: dict[str, Any]) -> None:
    apply_each(obj.get("ports"), SLICE_PORT)
