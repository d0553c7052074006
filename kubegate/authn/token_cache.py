"""Remembering token answers for a while (k8s.io/apiserver's `token/cache`).

The webhook authenticator is wrapped in one, as kube-apiserver does with
`--authentication-token-webhook-cache-ttl`: a token the remote service accepted is accepted
again without asking for `success_ttl`, one it turned down (without an error) is turned down for
`failure_ttl`. Errors (the service was down, answered garbage or said `status.error`) are not
remembered unless `cache_errors` is set, so an outage does not outlive itself.

Entries are keyed by an HMAC (under a per-process random key) of the token and the requested
audiences, each length-prefixed, so the cache never holds a token and `("ab", "c")` never meets
`("a", "bc")`. Concurrent lookups of one key share a single call to the wrapped authenticator.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.token import TokenAuthenticator

_MAX_ENTRIES = 32768


@dataclass(frozen=True, slots=True)
class _Record:
    expires: float
    result: AuthResult | None
    error: AuthenticationError | None


class CachedTokenAuthenticator:
    def __init__(
        self,
        inner: TokenAuthenticator,
        *,
        success_ttl: float,
        failure_ttl: float,
        cache_errors: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._success_ttl = success_ttl
        self._failure_ttl = failure_ttl
        self._cache_errors = cache_errors
        self._clock = clock
        self._secret = secrets.token_bytes(32)
        self._records: OrderedDict[bytes, _Record] = OrderedDict()
        self._inflight: dict[bytes, asyncio.Task[_Record]] = {}

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        key = self._key(token, audiences)
        record = self._records.get(key)
        if record is not None and record.expires > self._clock():
            return _unwrap(record)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._lookup(key, token, audiences))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Shielded: one client hanging up must not cancel the lookup other clients wait for.
        return _unwrap(await asyncio.shield(task))

    def _key(self, token: str, audiences: tuple[str, ...]) -> bytes:
        digest = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in (token, *audiences):
            data = part.encode()
            digest.update(len(data).to_bytes(4, "big") + data)
        digest.update(len(audiences).to_bytes(4, "big"))
        return digest.digest()

    async def _lookup(self, key: bytes, token: str, audiences: tuple[str, ...]) -> _Record:
        try:
            result = await self._inner.authenticate_token(token, audiences=audiences)
        except AuthenticationError as exc:
            record = _Record(self._clock() + self._failure_ttl, None, exc)
            if self._cache_errors:
                self._remember(key, record, self._failure_ttl)
            return record
        ttl = self._success_ttl if result is not None else self._failure_ttl
        record = _Record(self._clock() + ttl, result, None)
        self._remember(key, record, ttl)
        return record

    def _remember(self, key: bytes, record: _Record, ttl: float) -> None:
        if ttl <= 0:
            return
        self._records[key] = record
        self._records.move_to_end(key)
        while len(self._records) > _MAX_ENTRIES:
            self._records.popitem(last=False)


def _unwrap(record: _Record) -> AuthResult | None:
    if record.error is not None:
        raise AuthenticationError(str(record.error))
    return record.result
