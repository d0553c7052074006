"""Client-certificate authentication (kube-apiserver `--client-ca-file`).

The TLS layer has already verified the presented chain against the client CA bundle during the
handshake, so this authenticator maps the leaf to a user: CN is the user name and each
Organization is a group, as k8s.io/apiserver's `CommonNameUserConversion` does. A decoded
identity is cached per certificate (the DER bytes), because every keep-alive request of a
connection presents the same one.
"""

from __future__ import annotations

from collections import OrderedDict

from cryptography import x509
from cryptography.x509.oid import NameOID

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult

_CACHE_SIZE = 4096


def user_from_certificate(cert: x509.Certificate) -> UserInfo:
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    name = str(common_names[0].value) if common_names else ""
    if not name:
        raise AuthenticationError("x509: certificate has no common name")
    groups = tuple(
        str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    )
    return UserInfo(name, groups=groups)


class X509Authenticator:
    """Authenticates a request by its verified client certificate, if it has one."""

    def __init__(self) -> None:
        self._cache: OrderedDict[bytes, AuthResult] = OrderedDict()

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        der = request.peer_certificate_der
        if not der:
            return None
        cached = self._cache.get(der)
        if cached is not None:
            return cached
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise AuthenticationError(f"x509: unparseable client certificate: {exc}") from exc
        result = AuthResult(user_from_certificate(cert))
        self._cache[der] = result
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return result
