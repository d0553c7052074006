"""ServiceAccount token keys: reading them from PEM files, naming them, and their algorithms.

Verification keys come from `--service-account-key-file` (repeatable). As the real server's
`keyutil.PublicKeysFromFile`, a file may hold several PEM blocks: public keys, certificates
(their public key is used) and RSA or ECDSA private keys (their public half is used); blocks of
other kinds are skipped, and a file with no key at all is an error. The signing key
(`--service-account-signing-key-file`) is one RSA or ECDSA private key.

A key's id (`kid`) is what kube-apiserver derives: base64url, without padding, of the SHA-256 of
the public key's PKIX DER encoding. RSA keys sign RS256 (and verify any RSA algorithm go-jose
knows), ECDSA keys sign ES256/ES384/ES512 by curve.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kubegate.config import ConfigError

PublicKeyType = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKeyType = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

#: the algorithm an ECDSA key signs with, by curve (go-jose's names)
EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
#: JWK curve names
EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
#: what a verification key accepts in a token's `alg` header
RSA_VERIFY_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


class KeyFileError(ConfigError):
    """A ServiceAccount key file cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    key: PublicKeyType
    key_id: str
    #: the algorithm this key signs with, as published in the JWKS
    algorithm: str

    def accepts(self, alg: str) -> bool:
        """Whether a token with header `alg` can be verified by this key at all."""
        if isinstance(self.key, rsa.RSAPublicKey):
            return alg in RSA_VERIFY_ALGORITHMS
        return alg == self.algorithm

    def to_jwk(self) -> dict[str, Any]:
        """The JWK go-jose publishes: use, kty, kid, crv, alg, then the key numbers."""
        if isinstance(self.key, rsa.RSAPublicKey):
            numbers = self.key.public_numbers()
            return {"use": "sig", "kty": "RSA", "kid": self.key_id, "alg": self.algorithm,
                    "n": _b64_int(numbers.n), "e": _b64_int(numbers.e)}
        point = self.key.public_numbers()
        size = (self.key.curve.key_size + 7) // 8
        return {"use": "sig", "kty": "EC", "kid": self.key_id, "crv": EC_CURVES[self.key.curve.name],
                "alg": self.algorithm, "x": _b64_int(point.x, size), "y": _b64_int(point.y, size)}


def key_id(key: PublicKeyType) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def signing_algorithm(key: PublicKeyType) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    algorithm = EC_ALGORITHMS.get(key.curve.name)
    if algorithm is None:
        raise ValueError("unknown private key curve, must be 256, 384, or 521")
    return algorithm


def public_key(key: PublicKeyType) -> PublicKey:
    return PublicKey(key, key_id(key), signing_algorithm(key))


def parse_public_keys(data: bytes) -> list[PublicKey]:
    """Every RSA or ECDSA public key in PEM `data`, in order; other blocks are skipped."""
    keys: list[PublicKey] = []
    for match in _PEM_BLOCK.finditer(data):
        found = _public_key_of_block(match.group(1).decode(), match.group(0))
        if found is not None:
            try:
                keys.append(public_key(found))
            except ValueError:
                continue  # an ECDSA curve no JWT algorithm names
    return keys


def _public_key_of_block(label: str, pem: bytes) -> PublicKeyType | None:
    loaded: Any
    try:
        if label == "CERTIFICATE":
            loaded = x509.load_pem_x509_certificate(pem).public_key()
        elif label.endswith("PRIVATE KEY"):
            loaded = serialization.load_pem_private_key(pem, password=None).public_key()
        elif label.endswith("PUBLIC KEY"):
            loaded = serialization.load_pem_public_key(pem)
        else:
            return None  # e.g. "EC PARAMETERS": tolerated, as the real parser does
    except (ValueError, TypeError):
        return None
    return loaded if isinstance(loaded, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)) else None


def load_public_keys(path: Path) -> list[PublicKey]:
    data = _read(path)
    keys = parse_public_keys(data)
    if not keys:
        raise KeyFileError(f"failed to parse key file {str(path)!r}: data does not contain any valid RSA or ECDSA public keys")
    return keys


def load_signing_key(path: Path) -> PrivateKeyType:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"failed to parse service-account-signing-key-file {str(path)!r}: {exc}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise KeyFileError(f"service-account-signing-key-file {str(path)!r} holds neither an RSA nor an ECDSA key")
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in EC_ALGORITHMS:
        raise KeyFileError(f"service-account-signing-key-file {str(path)!r}: unknown private key curve, must be 256, 384, or 521")
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None


def _b64_int(value: int, size: int = 0) -> str:
    raw = value.to_bytes(max(size, (value.bit_length() + 7) // 8) or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
