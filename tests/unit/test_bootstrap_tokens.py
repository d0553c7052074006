"""Bootstrap tokens: which Secrets vouch for `<id>.<secret>`, and the user they make."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from kubegate.authn.bootstrap import BootstrapTokenAuthenticator
from tests.support.memory_cache import running_cache

TOKEN = "abcdef.0123456789abcdef"


def secret(**overrides: Any) -> dict[str, Any]:
    data = {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:worker,system:bootstrappers:kubeadm:default-node-token",
    }
    data.update({k: v for k, v in overrides.items() if k != "type" and k != "metadata" and v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        data.pop(key, None)
    return {
        "metadata": {"name": "bootstrap-token-abcdef", "namespace": "kube-system", **overrides.get("metadata", {})},
        "type": overrides.get("type", "bootstrap.kubernetes.io/token"),
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


async def authenticate(token: str, obj: dict[str, Any] | None) -> Any:
    async with running_cache() as store:
        if obj is not None:
            await store.create(("", "secrets"), ("kube-system", obj["metadata"]["name"]), obj)
        return await BootstrapTokenAuthenticator(store).authenticate_token(token, audiences=())


async def test_a_valid_token_is_a_bootstrapper() -> None:
    result = await authenticate(TOKEN, secret(expiration="2999-01-01T00:00:00Z"))
    assert result is not None
    assert result.user.name == "system:bootstrap:abcdef"
    assert result.user.groups == (  # sorted and de-duplicated, as cluster-bootstrap returns them
        "system:bootstrappers",
        "system:bootstrappers:kubeadm:default-node-token",
        "system:bootstrappers:worker",
    )
    assert result.user.uid == "" and not result.user.extra


@pytest.mark.parametrize(
    ("token", "obj"),
    [
        ("abcdef.0123456789abcdeX", secret()),  # wrong secret
        ("ABCDEF.0123456789abcdef", secret()),  # not the token form
        ("abcdef.0123456789abcde", secret()),
        (TOKEN, None),  # no Secret
        (TOKEN, secret(type="Opaque")),
        (TOKEN, secret(**{"token-id": "zzzzzz"})),
        (TOKEN, secret(expiration="2000-01-01T00:00:00Z")),
        (TOKEN, secret(expiration="next tuesday")),  # unparseable counts as expired
        (TOKEN, secret(**{"usage-bootstrap-authentication": None})),
        (TOKEN, secret(**{"usage-bootstrap-authentication": "yes"})),
        (TOKEN, secret(**{"auth-extra-groups": "system:masters"})),
        (TOKEN, secret(**{"auth-extra-groups": "system:bootstrappers:ok,system:bootstrappers:Bad"})),
        (TOKEN, secret(metadata={"deletionTimestamp": "2020-01-01T00:00:00Z"})),
    ],
    ids=["wrong-secret", "uppercase", "short", "no-secret", "wrong-type", "id-mismatch", "expired",
         "bad-expiration", "no-usage", "usage-not-true", "escalating-group", "bad-group", "deleting"],
)
async def test_secrets_that_do_not_vouch_leave_the_token_unclaimed(token: str, obj: dict[str, Any] | None) -> None:
    assert await authenticate(token, obj) is None


async def test_the_token_secret_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="kubegate.authn.bootstrap"):
        assert await authenticate("abcdef.ffffffffffffffff", secret()) is None
    assert "has invalid value for key token-secret" in caplog.text
    assert "ffffffffffffffff" not in caplog.text and "0123456789abcdef" not in caplog.text
