"""The wrappers the chain is built from: both union flavours and the authenticated-group adder."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult
from kubegate.authn.group_adder import AuthenticatedGroupAdder
from kubegate.authn.union import UnionAuthenticator

REQUEST = AuthRequest(headers=CIMultiDictProxy(CIMultiDict()))


class Fixed:
    def __init__(self, outcome: UserInfo | str | None) -> None:
        self.outcome = outcome
        self.calls = 0

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        self.calls += 1
        if isinstance(self.outcome, str):
            raise AuthenticationError(self.outcome)
        return AuthResult(self.outcome) if self.outcome is not None else None


async def test_fail_on_error_stops_at_the_first_failure() -> None:
    later = Fixed(UserInfo("anyone"))
    with pytest.raises(AuthenticationError, match="^bad$"):
        await UnionAuthenticator([Fixed("bad"), later]).authenticate(REQUEST)
    assert later.calls == 0


async def test_collecting_union_lets_a_later_authenticator_succeed() -> None:
    union = UnionAuthenticator([Fixed("bad cert"), Fixed(None), Fixed(UserInfo("tok"))], fail_on_error=False)
    result = await union.authenticate(REQUEST)
    assert result is not None and result.user.name == "tok"


async def test_collecting_union_raises_every_failure_when_no_one_succeeds() -> None:
    union = UnionAuthenticator([Fixed("a"), Fixed(None), Fixed("b")], fail_on_error=False)
    with pytest.raises(AuthenticationError, match=r"^\[a, b\]$"):
        await union.authenticate(REQUEST)
    assert await UnionAuthenticator([Fixed(None)], fail_on_error=False).authenticate(REQUEST) is None


@pytest.mark.parametrize(
    ("user", "groups"),
    [
        (UserInfo("jane", groups=("dev",)), ("dev", "system:authenticated")),
        (UserInfo("jane", groups=("system:authenticated", "dev")), ("system:authenticated", "dev")),
        (UserInfo("jane", groups=("system:unauthenticated",)), ("system:unauthenticated",)),
        (UserInfo("system:anonymous", groups=("x",)), ("x",)),
    ],
)
async def test_group_adder_follows_the_real_rules(user: UserInfo, groups: tuple[str, ...]) -> None:
    result = await AuthenticatedGroupAdder(Fixed(user)).authenticate(REQUEST)
    assert result is not None and result.user.groups == groups
