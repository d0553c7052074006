"""The two ServiceAccount token validators: legacy (Secret-based) and bound (TokenRequest).

Run after the signature and audience checks (jwt.py); each decides whether the token is still
valid and whose it is. The messages are the real ones (pkg/serviceaccount legacy.go and
claims.go), because TokenReview reports them in `status.error`.

Legacy tokens (`--service-account-lookup`, default true) live only as long as their Secret,
whose `data.token` must still be this very token, and their ServiceAccount with the same uid.

Bound tokens get go-jose's time checks with its one-minute leeway (nbf, then exp, then iat),
then must name a ServiceAccount, and a bound Pod, Secret or Node, that still exist with the same
uid (objects whose deletion began more than the leeway ago count as gone).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from typing import Any

from kubegate.api import meta
from kubegate.authn.authenticator import AuthenticationError
from kubegate.authn.serviceaccount import claims as sa_claims
from kubegate.authn.serviceaccount.claims import (
    ServiceAccountInfo,
    credential_id_for_jti,
    split_username,
)
from kubegate.authn.serviceaccount.getter import NotFound, StoreGetter
from kubegate.authn.serviceaccount.jwt import ClaimsError, PublicClaims, go_string, json_type

log = logging.getLogger("kubegate.authn.serviceaccount")

#: go-jose's `jwt.DefaultLeeway`
LEEWAY_SECONDS = 60.0

INVALIDATED = "service account token has been invalidated"
LEGACY_INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since"


def _timestamp(obj: dict[str, Any], field: str) -> float | None:
    text = obj.get("metadata", {}).get(field)
    moment = meta.parse_time(text) if isinstance(text, str) else None
    return moment.timestamp() if moment is not None else None


def _uid(obj: dict[str, Any]) -> str:
    return str(obj["metadata"].get("uid", ""))


class LegacyValidator:
    def __init__(self, *, lookup: bool, getter: StoreGetter) -> None:
        self._lookup = lookup
        self._getter = getter

    async def validate(self, token: str, public: PublicClaims, payload: dict[str, Any]) -> ServiceAccountInfo:
        namespace = go_string(payload, sa_claims.LEGACY_NAMESPACE, "legacyPrivateClaims.Namespace")
        secret_name = go_string(payload, sa_claims.LEGACY_SECRET_NAME, "legacyPrivateClaims.SecretName")
        sa_name = go_string(payload, sa_claims.LEGACY_SA_NAME, "legacyPrivateClaims.ServiceAccountName")
        sa_uid = go_string(payload, sa_claims.LEGACY_SA_UID, "legacyPrivateClaims.ServiceAccountUID")
        if not public.subject:
            raise AuthenticationError("sub claim is missing")
        for value, claim in ((namespace, "namespace"), (secret_name, "secretName"),
                             (sa_name, "serviceAccountName"), (sa_uid, "serviceAccountUID")):
            if not value:
                raise AuthenticationError(f"{claim} claim is missing")
        if split_username(public.subject) != (namespace, sa_name):
            raise AuthenticationError("sub claim is invalid")
        if self._lookup:
            self._check_objects(token, namespace=namespace, secret_name=secret_name, sa_name=sa_name, sa_uid=sa_uid)
        return ServiceAccountInfo(namespace, sa_name, sa_uid)

    def _check_objects(self, token: str, *, namespace: str, secret_name: str, sa_name: str, sa_uid: str) -> None:
        try:
            secret = self._getter.secret(namespace, secret_name)
        except NotFound as exc:
            log.debug("Could not retrieve token %s/%s for service account %s/%s: %s",
                      namespace, secret_name, namespace, sa_name, exc)
            raise AuthenticationError("Token has been invalidated") from None
        if secret["metadata"].get("deletionTimestamp"):
            raise AuthenticationError("Token has been invalidated")
        if not hmac.compare_digest(_secret_token(secret), token.encode("utf-8", "surrogateescape")):
            log.debug("Token contents no longer matches %s/%s for service account %s/%s",
                      namespace, secret_name, namespace, sa_name)
            raise AuthenticationError("Token does not match server's copy")
        try:
            account = self._getter.service_account(namespace, sa_name)
        except NotFound as exc:
            raise AuthenticationError(str(exc)) from None
        if account["metadata"].get("deletionTimestamp"):
            raise AuthenticationError(f"ServiceAccount {namespace}/{sa_name} has been deleted")
        if _uid(account) != sa_uid:
            raise AuthenticationError(f"ServiceAccount UID ({_uid(account)}) does not match claim ({sa_uid})")
        if (secret["metadata"].get("labels") or {}).get(LEGACY_INVALID_SINCE_LABEL):
            self._getter.mark_secret_used(secret)
            raise AuthenticationError(
                f"the token in secret {namespace}/{secret_name} for service account {namespace}/{sa_name} "
                "has been marked invalid. Use tokens from the TokenRequest API or manually created "
                "secret-based tokens, or remove the "
                f"'{LEGACY_INVALID_SINCE_LABEL}' label from the secret to temporarily allow use of this token"
            )
        self._getter.mark_secret_used(secret)


def _secret_token(secret: dict[str, Any]) -> bytes:
    data = secret.get("data")
    value = data.get("token") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def check_times(public: PublicClaims, now: float) -> None:
    """go-jose's `Claims.Validate` with its default leeway, in its order."""
    if public.not_before is not None and now + LEEWAY_SECONDS < public.not_before:
        raise AuthenticationError("service account token is not valid yet")
    if public.expiry is not None and now - LEEWAY_SECONDS > public.expiry:
        raise AuthenticationError("service account token has expired")
    if public.issued_at is not None and now + LEEWAY_SECONDS < public.issued_at:
        raise AuthenticationError("service account token is issued in the future")


def _ref(value: Any, field: str) -> sa_claims.ObjectRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ClaimsError(f"json: cannot unmarshal {json_type(value)} into Go struct field kubernetes.{field} of type serviceaccount.ref")
    return sa_claims.ObjectRef(go_string(value, "name", "ref.name"), go_string(value, "uid", "ref.uid"))


class BoundValidator:
    def __init__(self, *, getter: StoreGetter) -> None:
        self._getter = getter

    async def validate(self, token: str, public: PublicClaims, payload: dict[str, Any]) -> ServiceAccountInfo:
        private = payload.get(sa_claims.BOUND_CLAIM)
        if private is None:
            private = {}
        if not isinstance(private, dict):
            raise ClaimsError(f"json: cannot unmarshal {json_type(private)} into Go struct field "
                              "privateClaims.kubernetes.io of type serviceaccount.kubernetes")
        namespace = go_string(private, "namespace", "kubernetes.namespace")
        account_ref = _ref(private.get("serviceaccount"), "serviceaccount") or sa_claims.ObjectRef("", "")
        pod_ref = _ref(private.get("pod"), "pod")
        secret_ref = _ref(private.get("secret"), "secret")
        node_ref = _ref(private.get("node"), "node")
        now = meta.now()
        check_times(public, now.timestamp())
        deleted_before = now.timestamp() - LEEWAY_SECONDS
        account = self._lookup(lambda: self._getter.service_account(namespace, account_ref.name), raw_error=True)
        if _uid(account) != account_ref.uid:
            raise AuthenticationError(f"service account UID ({_uid(account)}) does not match claim ({account_ref.uid})")
        if _gone(account, deleted_before):
            raise AuthenticationError(f"service account {namespace}/{account_ref.name} has been deleted")
        if secret_ref is not None:
            secret = self._lookup(lambda: self._getter.secret(namespace, secret_ref.name))
            if _uid(secret) != secret_ref.uid:
                raise AuthenticationError(
                    f"secret UID ({_uid(secret)}) does not match service account secret ref claim ({secret_ref.uid})")
            if _gone(secret, deleted_before):
                raise AuthenticationError(INVALIDATED)
        pod_name = pod_uid = node_name = node_uid = ""
        if pod_ref is not None:
            pod = self._lookup(lambda: self._getter.pod(namespace, pod_ref.name))
            if _uid(pod) != pod_ref.uid:
                raise AuthenticationError(
                    f"pod UID ({_uid(pod)}) does not match service account pod ref claim ({pod_ref.uid})")
            if _gone(pod, deleted_before):
                raise AuthenticationError(INVALIDATED)
            pod_name, pod_uid = pod_ref.name, pod_ref.uid
            if node_ref is not None:  # a pod-bound token records its node for information only
                node_name, node_uid = node_ref.name, node_ref.uid
        elif node_ref is not None:
            node = self._lookup(lambda: self._getter.node(node_ref.name))
            if _uid(node) != node_ref.uid:
                raise AuthenticationError(
                    f"node UID ({_uid(node)}) does not match service account node ref claim ({node_ref.uid})")
            if _gone(node, deleted_before):
                raise AuthenticationError(INVALIDATED)
            node_name, node_uid = node_ref.name, node_ref.uid
        return ServiceAccountInfo(
            namespace, account_ref.name, account_ref.uid,
            pod_name=pod_name, pod_uid=pod_uid, node_name=node_name, node_uid=node_uid,
            credential_id=credential_id_for_jti(public.jti),
        )

    @staticmethod
    def _lookup(get: Callable[[], dict[str, Any]], *, raw_error: bool = False) -> dict[str, Any]:
        """The object, or the token is invalid: the NotFound text for the ServiceAccount itself,
        the generic "invalidated" for the objects it is bound to, as the real validator says."""
        try:
            return get()
        except NotFound as exc:
            raise AuthenticationError(str(exc) if raw_error else INVALIDATED) from None


def _gone(obj: dict[str, Any], deleted_before: float) -> bool:
    deletion = _timestamp(obj, "deletionTimestamp")
    return deletion is not None and deletion < deleted_before
