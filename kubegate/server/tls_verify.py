"""A second opinion at the handshake: chains OpenSSL refuses that Go's verifier accepts.

OpenSSL finds a certificate's issuer in the trust store by subject name, takes the first CA
whose name (and AuthorityKeyIdentifier, when the certificate has one) matches, and fails the
handshake when that CA's signature does not verify. Go tries every CA with the subject. So
with two CAs named `CN=kubernetes` in one `--client-ca-file` (two `kubegate pki init` runs
whose bundles were concatenated), a certificate without an AuthorityKeyIdentifier from the
second one never gets past the handshake, although kube-apiserver accepts it.

Python's ssl module has no verify callback, so one is set on the context's `SSL_CTX` through
ctypes: where OpenSSL says no, the callback asks `ChainVerifier` (cryptography's path builder,
which tries every candidate issuer as Go does) about the chain the client sent, against the
same client-facing CAs; yes there makes the handshake go on. Verdicts are cached per chain.
The authenticators verify again against their own bundles, as before.

If the `SSL_CTX` cannot be reached safely (another Python, another OpenSSL), nothing is
installed and OpenSSL's answer stands: `install` returns False and the caller may say so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import ssl
import time
from collections.abc import Sequence
from typing import Any

from cryptography import x509

from kubegate.authn.cert_chain import ChainError, ChainVerifier, Verdict, VerdictCache

log = logging.getLogger("kubegate.tls")

_SSL_VERIFY_PEER = 0x01
_VerifyCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


def _loaded_library(stem: str) -> str | None:
    """The path of the libssl/libcrypto this process already uses (the one `_ssl` links)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                if f"/{stem}.so" in path:
                    return path
    except OSError:
        pass
    return ctypes.util.find_library(stem.removeprefix("lib"))


class _OpenSSL:
    def __init__(self) -> None:
        ssl_path, crypto_path = _loaded_library("libssl"), _loaded_library("libcrypto")
        if ssl_path is None or crypto_path is None:
            raise OSError("libssl or libcrypto not found")
        libssl, libcrypto = ctypes.CDLL(ssl_path), ctypes.CDLL(crypto_path)
        self.set_verify = libssl.SSL_CTX_set_verify
        self.set_verify.argtypes = [ctypes.c_void_p, ctypes.c_int, _VerifyCallback]
        self.set_verify.restype = None
        self.get_verify_mode = libssl.SSL_CTX_get_verify_mode
        self.get_verify_mode.argtypes = [ctypes.c_void_p]
        self.get_verify_mode.restype = ctypes.c_int
        self.get_options = libssl.SSL_CTX_get_options
        self.get_options.argtypes = [ctypes.c_void_p]
        self.get_options.restype = ctypes.c_uint64
        self.untrusted = libcrypto.X509_STORE_CTX_get0_untrusted
        self.untrusted.argtypes = [ctypes.c_void_p]
        self.untrusted.restype = ctypes.c_void_p
        self.sk_num = libcrypto.OPENSSL_sk_num
        self.sk_num.argtypes = [ctypes.c_void_p]
        self.sk_num.restype = ctypes.c_int
        self.sk_value = libcrypto.OPENSSL_sk_value
        self.sk_value.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.sk_value.restype = ctypes.c_void_p
        self.i2d = libcrypto.i2d_X509
        self.i2d.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte))]
        self.i2d.restype = ctypes.c_int
        self.set_error = libcrypto.X509_STORE_CTX_set_error
        self.set_error.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.set_error.restype = None
        self.clear_errors = libcrypto.ERR_clear_error
        self.clear_errors.argtypes = []
        self.clear_errors.restype = None

    def der(self, cert: int) -> bytes:
        length = self.i2d(cert, None)
        if length <= 0:
            return b""
        buffer = (ctypes.c_ubyte * length)()
        cursor = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ubyte))
        self.i2d(cert, ctypes.byref(cursor))
        return bytes(buffer)

    def peer_chain(self, store_ctx: int) -> list[bytes]:
        """The chain the peer sent, leaf first (the verification's untrusted stack)."""
        stack = self.untrusted(store_ctx)
        if not stack:
            return []
        return [self.der(self.sk_value(stack, index) or 0) for index in range(self.sk_num(stack))]


def _ssl_ctx_pointer(context: ssl.SSLContext, openssl: _OpenSSL) -> int | None:
    """The `SSL_CTX *` right after the object header of CPython's `_ssl._SSLContext`, checked
    against what the context reports before it is trusted."""
    pointer = ctypes.c_void_p.from_address(id(context) + object.__basicsize__).value
    if not pointer:
        return None
    expected_mode = _SSL_VERIFY_PEER if context.verify_mode != ssl.CERT_NONE else 0
    if (openssl.get_verify_mode(pointer) & _SSL_VERIFY_PEER) != expected_mode:
        return None
    if openssl.get_options(pointer) != int(context.options):
        return None
    return pointer


class SecondOpinion:
    """The callback's judgement: does the sent chain verify against the client-facing CAs?"""

    def __init__(self, roots: Sequence[x509.Certificate]) -> None:
        self._verifier = ChainVerifier(roots)
        self._cache: VerdictCache[bool] = VerdictCache(size=1024)

    def accepts(self, chain: Sequence[bytes]) -> bool:
        if not chain or not chain[0]:
            return False
        key = b"".join(chain)
        verdict = self._cache.get(key)
        if verdict is None:
            verdict = self._cache.put(key, self._decide(chain))
        return verdict.value

    def _decide(self, chain: Sequence[bytes]) -> Verdict[bool]:
        try:
            leaf, *rest = (x509.load_der_x509_certificate(der) for der in chain)
            until = self._verifier.verify(leaf, rest)
        except ChainError as exc:
            return Verdict(False, min(exc.retry_at, time.time() + 60))
        except ValueError:
            return Verdict(False, float("inf"))
        return Verdict(True, until)


def install(context: ssl.SSLContext, roots: Sequence[x509.Certificate]) -> bool:
    """Give `context` the second opinion on client chains; False when it cannot be done safely."""
    try:
        openssl = _OpenSSL()
    except (OSError, AttributeError):
        return False
    pointer = _ssl_ctx_pointer(context, openssl)
    if pointer is None:
        return False
    opinion = SecondOpinion(roots)

    def verify(preverify_ok: int, store_ctx: Any) -> int:
        if preverify_ok:
            return 1
        try:
            if opinion.accepts(openssl.peer_chain(store_ctx)):
                openssl.set_error(store_ctx, 0)  # X509_V_OK
                # the refused signature left its error queued; a later SSL_read would report it
                openssl.clear_errors()
                return 1
        except Exception:  # an exception must never cross into OpenSSL
            log.debug("client chain second opinion failed", exc_info=True)
        return 0

    callback = _VerifyCallback(verify)
    openssl.set_verify(pointer, openssl.get_verify_mode(pointer), callback)
    context._kubegate_verify_callback = callback  # type: ignore[attr-defined]  # kept alive with the context
    return True
