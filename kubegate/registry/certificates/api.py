"""The names of certificates.k8s.io/v1 and the condition lookups shared by its users.

Mirrors the constants of k8s.io/api/certificates/v1 (signer names, key usages, condition
types) and the small helpers the controllers use to read a CSR's state
(pkg/controller/certificates: GetCertApprovalCondition, IsCertificateRequestApproved,
HasTrueCondition). The strategy, the admission plugins and the controllers all read CSRs
through these, so "approved" means the same thing everywhere.
"""

from __future__ import annotations

from typing import Any

GROUP = "certificates.k8s.io"
RESOURCE = "certificatesigningrequests"
#: the store key of CSRs
KEY = (GROUP, RESOURCE)
KIND = "CertificateSigningRequest"

#: client certificates for the API server, any subject (kube-controller-manager signs them)
KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
#: kubelet client certificates: CN system:node:NAME, O system:nodes
KUBE_APISERVER_CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet"
#: kubelet serving certificates: DNS/IP SANs, CN system:node:NAME, O system:nodes
KUBELET_SERVING = "kubernetes.io/kubelet-serving"
#: the v1beta1 default, refused by the v1 API
LEGACY_UNKNOWN = "kubernetes.io/legacy-unknown"

APPROVED = "Approved"
DENIED = "Denied"
FAILED = "Failed"

#: every KeyUsage value the API accepts (allValidUsages)
KEY_USAGES = frozenset({
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement",
    "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
    "server auth", "client auth", "code signing", "email protection", "s/mime",
    "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
    "microsoft sgc", "netscape sgc",
})  # fmt: skip


def section(obj: dict[str, Any], name: str) -> dict[str, Any]:
    """`spec` or `status` as a dict (empty when absent); decoding has rejected other types."""
    value = obj.get(name)
    return value if isinstance(value, dict) else {}


def conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    value = section(obj, "status").get("conditions")
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def condition_types(obj: dict[str, Any]) -> list[str]:
    return [str(c.get("type") or "") for c in conditions(obj)]


def approval_state(obj: dict[str, Any]) -> tuple[bool, bool]:
    """(approved, denied): whether any Approved or Denied condition is present."""
    types = condition_types(obj)
    return APPROVED in types, DENIED in types


def is_approved(obj: dict[str, Any]) -> bool:
    """Approved and not Denied, as the signers require."""
    approved, denied = approval_state(obj)
    return approved and not denied


def has_true_condition(obj: dict[str, Any], condition_type: str) -> bool:
    """A condition of this type whose status is True (or empty, as old clients wrote it)."""
    return any(
        c.get("type") == condition_type and c.get("status", "") in ("", "True") for c in conditions(obj)
    )


def signer_name(obj: dict[str, Any]) -> str:
    return str(section(obj, "spec").get("signerName") or "")


def usages(obj: dict[str, Any]) -> list[str]:
    value = section(obj, "spec").get("usages")
    return [str(u) for u in value] if isinstance(value, list) else []


def certificate(obj: dict[str, Any]) -> str:
    """status.certificate as JSON carries it (base64 of PEM), or ""."""
    return str(section(obj, "status").get("certificate") or "")
