"""The signing keys of one OIDC issuer: discovery document, then JWKS, over HTTPS, cached.

What go-oidc's provider and remote key set do for kube-apiserver, without a background poller:

- the first token for the issuer loads `{url}/.well-known/openid-configuration` (or the
  configured discoveryURL), checks that its `issuer` is the configured URL, and loads
  `jwks_uri`; concurrent tokens share that one load. Until it succeeds, tokens for the issuer are
  rejected ("authenticator not initialized"), and a failed load is retried no sooner than
  `init_retry` seconds later (the real server polls every 10 s);
- keys are kept until a token names a key id they lack: then the JWKS is fetched again, at most
  once per `refresh_interval`, so a stream of made-up key ids cannot turn kubegate into a
  traffic generator against the issuer.

All fetches are aiohttp requests with the issuer's CA (or the system roots) and a 30 s timeout;
nothing here ever blocks the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from kubegate.webhook.client import WebhookError, read_bounded

log = logging.getLogger("kubegate.authn.oidc")

WELL_KNOWN_PATH = "/.well-known/openid-configuration"
_MAX_DOCUMENT_BYTES = 1024 * 1024

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class KeysUnavailable(Exception):
    """The issuer's keys could not be loaded; the message says why (for the log)."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    kid: str
    key: PublicKey


class RemoteKeySet:
    def __init__(
        self,
        *,
        issuer_url: str,
        ssl_context: ssl.SSLContext,
        discovery_url: str = "",
        timeout: float = 30.0,
        init_retry: float = 10.0,
        refresh_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer_url = issuer_url
        self._discovery_url = discovery_url or issuer_url.rstrip("/") + WELL_KNOWN_PATH
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._init_retry = init_retry
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._jwks_uri: str | None = None
        self._keys: tuple[VerificationKey, ...] | None = None
        self._failed_at: float | None = None
        self._refreshed_at: float | None = None
        self._inflight: asyncio.Task[tuple[VerificationKey, ...]] | None = None

    async def current(self) -> tuple[VerificationKey, ...]:
        """The cached keys, loading them first if need be; `KeysUnavailable` until that works."""
        if self._keys is not None:
            return self._keys
        if self._inflight is None:
            if self._failed_at is not None and self._clock() - self._failed_at < self._init_retry:
                raise KeysUnavailable("oidc: authenticator not initialized")
            self._start(self._initialize)
        assert self._inflight is not None
        try:
            return await asyncio.shield(self._inflight)
        except KeysUnavailable as exc:
            raise KeysUnavailable(f"oidc: authenticator not initialized: {exc}") from None

    async def refresh(self) -> tuple[VerificationKey, ...] | None:
        """Fetch the JWKS again for an unknown key id; None when rate-limited or it failed."""
        if self._keys is None or self._jwks_uri is None:
            return None
        if self._inflight is None:
            now = self._clock()
            if self._refreshed_at is not None and now - self._refreshed_at < self._refresh_interval:
                return None
            self._refreshed_at = now
            self._start(self._fetch_keys)
        assert self._inflight is not None
        try:
            return await asyncio.shield(self._inflight)
        except KeysUnavailable:
            return None

    def _start(self, load: Callable[[], Awaitable[tuple[VerificationKey, ...]]]) -> None:
        async def run() -> tuple[VerificationKey, ...]:
            try:
                keys = await load()
            except KeysUnavailable as exc:
                log.error("oidc authenticator: issuer %s: %s", self.issuer_url, exc)
                if self._keys is None:
                    self._failed_at = self._clock()
                raise
            self._keys = keys
            return keys

        task = asyncio.ensure_future(run())
        self._inflight = task

        def done(finished: asyncio.Task[tuple[VerificationKey, ...]]) -> None:
            self._inflight = None
            if not finished.cancelled():
                finished.exception()  # marks it retrieved: waiters may all have gone

        task.add_done_callback(done)

    async def _initialize(self) -> tuple[VerificationKey, ...]:
        document = await self._get_json(self._discovery_url)
        issuer = document.get("issuer")
        if issuer != self.issuer_url:
            raise KeysUnavailable(
                f'oidc: issuer did not match the issuer returned by provider, expected "{self.issuer_url}" got "{issuer}"'
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable(f"oidc: discovery document at {self._discovery_url} has no jwks_uri")
        self._jwks_uri = jwks_uri
        return await self._fetch_keys()

    async def _fetch_keys(self) -> tuple[VerificationKey, ...]:
        assert self._jwks_uri is not None
        document = await self._get_json(self._jwks_uri)
        return parse_jwks(document)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            connector = aiohttp.TCPConnector(ssl=self._ssl)
            async with (
                aiohttp.ClientSession(connector=connector, timeout=self._timeout) as session,
                session.get(url, headers={"Accept": "application/json"}) as response,
            ):
                if response.status != 200:
                    raise KeysUnavailable(f"GET {url}: {response.status} {response.reason}")
                body = await read_bounded(response, _MAX_DOCUMENT_BYTES)
        except WebhookError as exc:
            raise KeysUnavailable(f"GET {url}: {exc}") from None
        except TimeoutError:
            raise KeysUnavailable(f"GET {url}: no answer within {self._timeout.total:g}s") from None
        except aiohttp.ClientError as exc:
            raise KeysUnavailable(f"GET {url}: {exc}") from None
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise KeysUnavailable(f"GET {url}: not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise KeysUnavailable(f"GET {url}: not a JSON object")
        return document


def parse_jwks(document: dict[str, Any]) -> tuple[VerificationKey, ...]:
    """The RSA and EC public keys of a JWK set; symmetric and unusable entries are skipped."""
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise KeysUnavailable("oidc: failed to decode keys: no \"keys\" list")
    keys: list[VerificationKey] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid") if isinstance(entry.get("kid"), str) else ""
        loader = _LOADERS.get(str(entry.get("kty")))
        if loader is None:
            continue  # "oct" (shared secrets) must never verify anything; OKP is not allowed
        try:
            key = loader(entry)
        except (InvalidKeyError, ValueError, KeyError, TypeError) as exc:
            log.warning("oidc: skipping unusable JWK %r: %s", kid, exc)
            continue
        if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            key = key.public_key()
        if isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
            keys.append(VerificationKey(str(kid), key))
    return tuple(keys)


_LOADERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "RSA": RSAAlgorithm.from_jwk,
    "EC": ECAlgorithm.from_jwk,
}
