"""Compact JWS parsing and signature checks, with the rules go-jose applies for kube-apiserver.

Kept apart from the token logic so the hostile-input rules sit in one place:

- a token is three base64url segments without padding; anything else does not parse (and a
  token that does not parse is "not mine" for the ServiceAccount authenticators);
- the header must be a JSON object naming `alg`; `crit` extensions are refused;
- a signature is checked only with a key that can produce that algorithm: RSA keys take
  RS256/384/512 and PS256/384/512, ECDSA keys the ES algorithm of their curve. `none`, HMAC
  (including HS256 "signed" with the public key) and anything else fail, with go-jose's one
  message for every signature failure.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kubegate.authn.serviceaccount.keys import PublicKey

CRYPTO_FAILURE = "go-jose/go-jose: error in cryptographic primitive"
UNSUPPORTED_CRIT = "go-jose/go-jose: unsupported crit header"

_RAW_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


class ParseError(ValueError):
    """The text is not a compact JWS."""


class SignatureError(ValueError):
    """The signature does not verify with the key; the message is go-jose's."""


def b64url_decode(segment: str) -> bytes:
    """Go's `base64.RawURLEncoding`: URL alphabet, no padding."""
    if not _RAW_B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise ParseError("illegal base64 data")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise ParseError("illegal base64 data") from None


def decode_json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise ParseError("not JSON") from None
    if not isinstance(value, dict):
        raise ParseError("not a JSON object")
    return value


def peek_claims(token: str) -> dict[str, Any] | None:
    """The unverified payload of a compact JWS, or None when it is not one.

    Only for routing (which issuer's authenticator should look at the token): nothing in it may
    be trusted before the signature is checked.
    """
    if token.strip().startswith("{"):
        return None  # the JSON serialization of JWS is not accepted
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return decode_json_object(b64url_decode(parts[1]))
    except ParseError:
        return None


@dataclass(frozen=True, slots=True)
class CompactJWS:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else ""

    @classmethod
    def parse(cls, token: str) -> CompactJWS:
        parts = token.split(".")
        if len(parts) != 3:
            raise ParseError("compact JWS format must have three parts")
        header = decode_json_object(b64url_decode(parts[0]))
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
        return cls(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)

    def verify(self, key: PublicKey) -> None:
        """Raise SignatureError unless `key` made the signature."""
        if self.header.get("crit"):
            raise SignatureError(UNSUPPORTED_CRIT)
        alg = self.algorithm
        if not key.accepts(alg):
            raise SignatureError(CRYPTO_FAILURE)
        hash_type = _HASHES[alg[2:]]
        try:
            if isinstance(key.key, rsa.RSAPublicKey):
                scheme: padding.AsymmetricPadding = (
                    padding.PKCS1v15() if alg.startswith("RS")
                    else padding.PSS(mgf=padding.MGF1(hash_type()), salt_length=padding.PSS.AUTO)
                )
                key.key.verify(self.signature, self.signing_input, scheme, hash_type())
            else:
                size = (key.key.curve.key_size + 7) // 8
                if len(self.signature) != 2 * size:
                    raise SignatureError(CRYPTO_FAILURE)
                r = int.from_bytes(self.signature[:size], "big")
                s = int.from_bytes(self.signature[size:], "big")
                key.key.verify(encode_dss_signature(r, s), self.signing_input, ec.ECDSA(hash_type()))
        except (InvalidSignature, ValueError):
            raise SignatureError(CRYPTO_FAILURE) from None
