"""What the kubelet signers accept (pkg/apis/certificates helpers: ValidateKubelet*CSR).

A kubelet asks for two kinds of certificate: a client certificate to reach the API server
(`kubernetes.io/kube-apiserver-client-kubelet`) and a serving certificate for its own port
(`kubernetes.io/kubelet-serving`). Both must name a node (CN `system:node:NAME`) in exactly the
group `system:nodes`, with a fixed set of usages; serving certificates need a DNS or IP name and
client certificates may carry none. The signers fail requests that break a rule with the
message of the first rule broken, in the real order; the approver only recognises requests
that break none.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubegate.registry.certificates.request import RequestedNames

NODE_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"

NOT_NODES_ORGANIZATION = "subject organization is not system:nodes"
NOT_NODE_COMMON_NAME = "subject common name does not begin with system:node:"
DNS_OR_IP_REQUIRED = "DNS or IP subjectAltName is required"
DNS_NOT_ALLOWED = "DNS subjectAltNames are not allowed"
EMAIL_NOT_ALLOWED = "Email subjectAltNames are not allowed"
IP_NOT_ALLOWED = "IP subjectAltNames are not allowed"
URI_NOT_ALLOWED = "URI subjectAltNames are not allowed"

SERVING_USAGES = frozenset({"digital signature", "key encipherment", "server auth"})
SERVING_USAGES_NO_RSA = frozenset({"digital signature", "server auth"})
CLIENT_USAGES = frozenset({"digital signature", "key encipherment", "client auth"})
CLIENT_USAGES_NO_RSA = frozenset({"digital signature", "client auth"})


def _usages_mismatch(required: frozenset[str]) -> str:
    return "usages did not match [" + " ".join(sorted(required)) + "]"


def kubelet_serving_problem(names: RequestedNames, usages: Iterable[str]) -> str | None:
    """ValidateKubeletServingCSR: the first rule the request breaks, or None."""
    if names.organizations != (NODES_GROUP,):
        return NOT_NODES_ORGANIZATION
    if not names.dns_names and not names.ip_addresses:
        return DNS_OR_IP_REQUIRED
    if names.email_addresses:
        return EMAIL_NOT_ALLOWED
    if names.uris:
        return URI_NOT_ALLOWED
    if frozenset(usages) not in (SERVING_USAGES, SERVING_USAGES_NO_RSA):
        return _usages_mismatch(SERVING_USAGES)
    if not names.common_name.startswith(NODE_PREFIX):
        return NOT_NODE_COMMON_NAME
    return None


def kubelet_client_problem(names: RequestedNames, usages: Iterable[str]) -> str | None:
    """ValidateKubeletClientCSR: the first rule the request breaks, or None."""
    if names.organizations != (NODES_GROUP,):
        return NOT_NODES_ORGANIZATION
    if names.dns_names:
        return DNS_NOT_ALLOWED
    if names.email_addresses:
        return EMAIL_NOT_ALLOWED
    if names.ip_addresses:
        return IP_NOT_ALLOWED
    if names.uris:
        return URI_NOT_ALLOWED
    if not names.common_name.startswith(NODE_PREFIX):
        return NOT_NODE_COMMON_NAME
    if frozenset(usages) not in (CLIENT_USAGES, CLIENT_USAGES_NO_RSA):
        return _usages_mismatch(CLIENT_USAGES)
    return None
