"""What a ServiceAccount token says, and the user it makes.

One module for both directions, so that the issuer and the validators cannot disagree on a
claim name: the payloads kube-apiserver writes (pkg/serviceaccount `Claims` for bound tokens,
`LegacyClaims` for Secret-based ones) and the user a verified token becomes
(k8s.io/apiserver `serviceaccount.ServiceAccountInfo.UserInfo`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kubegate.api.user import UserInfo

LEGACY_ISSUER = "kubernetes/serviceaccount"

USERNAME_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
GROUP_PREFIX = "system:serviceaccounts:"

POD_NAME_KEY = "authentication.kubernetes.io/pod-name"
POD_UID_KEY = "authentication.kubernetes.io/pod-uid"
NODE_NAME_KEY = "authentication.kubernetes.io/node-name"
NODE_UID_KEY = "authentication.kubernetes.io/node-uid"
CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"

#: the private claims of a legacy (Secret-based) token
LEGACY_NAMESPACE = "kubernetes.io/serviceaccount/namespace"
LEGACY_SECRET_NAME = "kubernetes.io/serviceaccount/secret.name"
LEGACY_SA_NAME = "kubernetes.io/serviceaccount/service-account.name"
LEGACY_SA_UID = "kubernetes.io/serviceaccount/service-account.uid"

#: the private claim of a bound token
BOUND_CLAIM = "kubernetes.io"

# apimachinery's namespace and ServiceAccount name rules (DNS-1123 label / subdomain)
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def make_username(namespace: str, name: str) -> str:
    return f"{USERNAME_PREFIX}{namespace}:{name}"


def split_username(username: str) -> tuple[str, str] | None:
    """(namespace, name) of `system:serviceaccount:NS:NAME`, or None if it is not one."""
    if not username.startswith(USERNAME_PREFIX):
        return None
    parts = username[len(USERNAME_PREFIX):].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if len(namespace) > 63 or not _LABEL.fullmatch(namespace):
        return None
    if len(name) > 253 or not _SUBDOMAIN.fullmatch(name):
        return None
    return namespace, name


def credential_id_for_jti(jti: str) -> str:
    return f"JTI={jti}" if jti else ""


@dataclass(frozen=True, slots=True)
class ServiceAccountInfo:
    """A verified token's facts; `user()` is the identity requests then carry."""

    namespace: str
    name: str
    uid: str
    pod_name: str = ""
    pod_uid: str = ""
    node_name: str = ""
    node_uid: str = ""
    credential_id: str = ""

    def user(self) -> UserInfo:
        extra: dict[str, tuple[str, ...]] = {}
        if self.pod_name and self.pod_uid:
            extra[POD_NAME_KEY] = (self.pod_name,)
            extra[POD_UID_KEY] = (self.pod_uid,)
        if self.credential_id:
            extra[CREDENTIAL_ID_KEY] = (self.credential_id,)
        if self.node_name:
            extra[NODE_NAME_KEY] = (self.node_name,)
            if self.node_uid:
                extra[NODE_UID_KEY] = (self.node_uid,)
        return UserInfo(
            make_username(self.namespace, self.name),
            uid=self.uid,
            groups=(ALL_SERVICE_ACCOUNTS_GROUP, GROUP_PREFIX + self.namespace),
            extra=MappingProxyType(extra),
        )


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """A name and uid, as a bound token records its ServiceAccount, Pod, Secret or Node."""

    name: str
    uid: str

    def to_claim(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.name:
            out["name"] = self.name
        if self.uid:
            out["uid"] = self.uid
        return out


def bound_claims(
    *,
    issuer: str,
    namespace: str,
    service_account: ObjectRef,
    audiences: tuple[str, ...],
    issued_at: int,
    expiration_seconds: int,
    jti: str,
    pod: ObjectRef | None = None,
    secret: ObjectRef | None = None,
    node: ObjectRef | None = None,
    warn_after_seconds: int = 0,
) -> dict[str, Any]:
    """The payload of a TokenRequest token, keys in the order Go's JSON encoder writes them.

    A pod-bound token also records the pod's node when it is known; a token is bound to at most
    one of a Pod, a Secret or a Node.
    """
    if secret is not None and (pod is not None or node is not None):
        raise ValueError("internal error, token can only be bound to one object type")
    private: dict[str, Any] = {"namespace": namespace}
    if node is not None:
        private["node"] = node.to_claim()
    if pod is not None:
        private["pod"] = pod.to_claim()
    if secret is not None:
        private["secret"] = secret.to_claim()
    private["serviceaccount"] = service_account.to_claim()
    if warn_after_seconds:
        private["warnafter"] = issued_at + warn_after_seconds
    claims: dict[str, Any] = {
        "aud": list(audiences),
        "exp": issued_at + expiration_seconds,
        "iat": issued_at,
        "iss": issuer,
    }
    if jti:
        claims["jti"] = jti
    claims[BOUND_CLAIM] = private
    claims["nbf"] = issued_at
    claims["sub"] = make_username(namespace, service_account.name)
    return claims


def legacy_claims(*, namespace: str, service_account: ObjectRef, secret_name: str) -> dict[str, Any]:
    """The payload of a Secret-based token, as the token controller writes it."""
    return {
        "iss": LEGACY_ISSUER,
        LEGACY_NAMESPACE: namespace,
        LEGACY_SECRET_NAME: secret_name,
        LEGACY_SA_NAME: service_account.name,
        LEGACY_SA_UID: service_account.uid,
        "sub": make_username(namespace, service_account.name),
    }
