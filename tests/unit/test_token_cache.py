"""The token cache the webhook authenticator sits behind: what is remembered, and how long."""

from __future__ import annotations

import asyncio

import pytest

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.token_cache import CachedTokenAuthenticator

AUDS = ("https://kubernetes.default.svc.cluster.local",)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counting:
    """Accepts "good", refuses "bad", fails on "broken"; counts calls per token."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.gate: asyncio.Event | None = None

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        self.calls[token] = self.calls.get(token, 0) + 1
        if self.gate is not None:
            await self.gate.wait()
        if token == "broken":
            raise AuthenticationError("webhook down")
        return AuthResult(UserInfo("jane"), audiences) if token == "good" else None


def cache(inner: Counting, clock: Clock, **options: object) -> CachedTokenAuthenticator:
    settings: dict[str, object] = {"success_ttl": 120.0, "failure_ttl": 120.0, **options}
    return CachedTokenAuthenticator(inner, clock=clock, **settings)  # type: ignore[arg-type]


async def test_success_is_remembered_for_the_ttl() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock)
    first = await cached.authenticate_token("good", audiences=AUDS)
    clock.now += 119
    assert await cached.authenticate_token("good", audiences=AUDS) is first
    assert inner.calls["good"] == 1
    clock.now += 2
    await cached.authenticate_token("good", audiences=AUDS)
    assert inner.calls["good"] == 2


async def test_a_plain_refusal_is_remembered_too() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock)
    assert await cached.authenticate_token("bad", audiences=AUDS) is None
    assert await cached.authenticate_token("bad", audiences=AUDS) is None
    assert inner.calls["bad"] == 1


async def test_errors_are_not_remembered() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock)
    for _ in range(2):
        with pytest.raises(AuthenticationError, match="webhook down"):
            await cached.authenticate_token("broken", audiences=AUDS)
    assert inner.calls["broken"] == 2


async def test_errors_are_remembered_when_asked() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock, cache_errors=True)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            await cached.authenticate_token("broken", audiences=AUDS)
    assert inner.calls["broken"] == 1


async def test_audiences_are_part_of_the_key() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock)
    await cached.authenticate_token("good", audiences=AUDS)
    result = await cached.authenticate_token("good", audiences=("vault",))
    assert result is not None and result.audiences == ("vault",)
    assert inner.calls["good"] == 2


async def test_zero_ttl_remembers_nothing() -> None:
    inner, clock = Counting(), Clock()
    cached = cache(inner, clock, success_ttl=0.0, failure_ttl=0.0)
    await cached.authenticate_token("good", audiences=AUDS)
    await cached.authenticate_token("good", audiences=AUDS)
    assert inner.calls["good"] == 2


async def test_concurrent_lookups_share_one_call() -> None:
    inner, clock = Counting(), Clock()
    inner.gate = asyncio.Event()
    cached = cache(inner, clock)
    lookups = [asyncio.ensure_future(cached.authenticate_token("good", audiences=AUDS)) for _ in range(5)]
    await asyncio.sleep(0)
    inner.gate.set()
    results = await asyncio.gather(*lookups)
    assert inner.calls["good"] == 1
    assert all(result is results[0] for result in results)


async def test_a_client_hanging_up_does_not_cancel_the_shared_lookup() -> None:
    inner, clock = Counting(), Clock()
    inner.gate = asyncio.Event()
    cached = cache(inner, clock)
    quitter = asyncio.ensure_future(cached.authenticate_token("good", audiences=AUDS))
    stayer = asyncio.ensure_future(cached.authenticate_token("good", audiences=AUDS))
    await asyncio.sleep(0)
    quitter.cancel()
    inner.gate.set()
    assert (await stayer) is not None
    assert inner.calls["good"] == 1
