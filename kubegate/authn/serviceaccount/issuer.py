"""Signing ServiceAccount tokens, as kube-apiserver's TokenRequest and the token controller do.

`TokenIssuer` holds the signing key (`--service-account-signing-key-file`, default the PKI's
`sa.key`) and the issuer (the first `--service-account-issuer`). Its tokens are byte-for-byte
shaped like the real ones: header `{"alg":...,"kid":...}` (no `typ`), the `kid` derived from
the public key (see keys.py), RS256 for RSA keys and ES256/384/512 by curve for ECDSA keys, and
claims in the order Go writes them (claims.py).

- `issue_bound` is TokenRequest's token: audiences, `exp`/`iat`/`nbf`, a fresh `jti`, and the
  ServiceAccount plus at most one bound Pod (with its Node when known), Secret or Node.
- `issue_legacy` is the token the token controller writes into a Secret of type
  `kubernetes.io/service-account-token`: issuer `kubernetes/serviceaccount`, no expiry.

Policy (default and maximum expiration, `warnafter` for projected volumes, which objects may be
bound) belongs to the TokenRequest endpoint, not here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jwt.api_jws import PyJWS

from kubegate.api import meta
from kubegate.authn.serviceaccount.claims import ObjectRef, bound_claims, legacy_claims
from kubegate.authn.serviceaccount.keys import PrivateKeyType, load_signing_key, public_key
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles

_JWS = PyJWS()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    #: `status.expirationTimestamp` of a TokenRequest
    expiration: datetime
    #: the `jti`; `credential_id` is what requests made with the token carry in user extra
    jti: str
    claims: dict[str, Any]

    @property
    def credential_id(self) -> str:
        return f"JTI={self.jti}"


class TokenIssuer:
    def __init__(self, *, issuer: str, signing_key: PrivateKeyType) -> None:
        self.issuer = issuer
        self._signing_key = signing_key
        public = public_key(signing_key.public_key())
        self.key_id = public.key_id
        self.algorithm = public.algorithm

    @classmethod
    def from_config(cls, config: ServerConfig, *, pki: PkiFiles | None) -> TokenIssuer | None:
        """The server's issuer, or None when there is no signing key to use."""
        path: Path | None = config.service_account_signing_key_file or (pki.sa_key if pki else None)
        if path is None or not config.service_account_issuer:
            return None
        return cls(issuer=config.service_account_issuer[0], signing_key=load_signing_key(path))

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS of `claims` (kept in their order) under the signing key."""
        payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
        return _JWS.encode(payload, self._signing_key, algorithm=self.algorithm,
                           headers={"kid": self.key_id, "typ": None})

    def issue_bound(
        self,
        *,
        namespace: str,
        service_account: ObjectRef,
        audiences: tuple[str, ...],
        expiration_seconds: int,
        pod: ObjectRef | None = None,
        secret: ObjectRef | None = None,
        node: ObjectRef | None = None,
        warn_after_seconds: int = 0,
        now: datetime | None = None,
    ) -> IssuedToken:
        moment = now or meta.now()
        issued_at = int(moment.timestamp())
        jti = str(uuid.uuid4())
        claims = bound_claims(
            issuer=self.issuer, namespace=namespace, service_account=service_account,
            audiences=audiences, issued_at=issued_at, expiration_seconds=expiration_seconds,
            jti=jti, pod=pod, secret=secret, node=node, warn_after_seconds=warn_after_seconds,
        )
        expiration = datetime.fromtimestamp(issued_at + expiration_seconds, UTC)
        return IssuedToken(self.sign(claims), expiration, jti, claims)

    def issue_legacy(self, *, namespace: str, service_account: ObjectRef, secret_name: str) -> str:
        return self.sign(legacy_claims(namespace=namespace, service_account=service_account, secret_name=secret_name))
