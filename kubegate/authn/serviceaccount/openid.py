"""The ServiceAccount issuer's discovery documents, rendered once at start.

What kube-apiserver serves so that other systems can verify its tokens (pkg/serviceaccount
openidmetadata.go): `/.well-known/openid-configuration` names the issuer, the JWKS location and
the signing algorithms; `/openid/v1/jwks` lists every verification key as a JWK.

The issuer (the first `--service-account-issuer`) must be an https URL without query or
fragment, otherwise the real server logs why and serves neither document; so does kubegate.
`jwks_uri` is built from the server's external address, `https://<host:port>/openid/v1/jwks`,
not from the issuer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from kubegate.authn.serviceaccount.keys import PublicKey

OPENID_CONFIG_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/openid/v1/jwks"
CACHE_CONTROL = "public, max-age=3600"
JWKS_CONTENT_TYPE = "application/jwk-set+json"


class MetadataError(ValueError):
    """The discovery documents cannot be built; the endpoints stay off."""


@dataclass(frozen=True, slots=True)
class OpenIDMetadata:
    config_json: bytes
    keyset_json: bytes

    @classmethod
    def build(cls, *, issuer: str, external_address: str, keys: Sequence[PublicKey]) -> OpenIDMetadata:
        if not issuer:
            raise MetadataError("empty issuer URL")
        parts = urlsplit(issuer)
        if parts.scheme != "https":
            raise MetadataError(f"issuer URL must use https scheme, got: {issuer}")
        if parts.query:
            raise MetadataError(f"issuer URL may not include a query, got: {issuer}")
        if parts.fragment:
            raise MetadataError(f"issuer URL may not include a fragment, got: {issuer}")
        if not external_address:
            raise MetadataError("either the JWKS URI or the default external address, or both, must be set")
        if not keys:
            raise MetadataError("no keys provided for validating keyset")
        jwks = [key.to_jwk() for key in keys]
        metadata = {
            "issuer": issuer,
            "jwks_uri": f"https://{external_address}{JWKS_PATH}",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": sorted({key.algorithm for key in keys}),
        }
        return cls(_json(metadata), _json({"keys": jwks}))


def external_address(host: str, port: str | int) -> str:
    """host:port as Go's `net.JoinHostPort` writes it (IPv6 in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
