"""ServiceAccount token verification: routing, signatures, audiences, times and object checks.

The authenticators run against a bare watch cache (over a memory backend) holding the objects each case needs; the error
texts are the ones TokenReview reports, so they are asserted exactly.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kubegate.authn.authenticator import AuthenticationError, AuthResult
from kubegate.authn.serviceaccount.claims import LEGACY_ISSUER, ObjectRef
from kubegate.authn.serviceaccount.getter import LAST_USED_LABEL, StoreGetter, Touch
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.authn.serviceaccount.jws import CRYPTO_FAILURE
from kubegate.authn.serviceaccount.jwt import MAX_TOKEN_BYTES, JWTTokenAuthenticator
from kubegate.authn.serviceaccount.keys import public_key
from kubegate.authn.serviceaccount.validators import BoundValidator, LegacyValidator
from kubegate.authn.token import TokenUnion
from kubegate.registry.rest import GenericStore
from kubegate.storage.cacher import Cacher
from tests.support.memory_cache import put_object, running_cache
from tests.support.sa_tokens import API_AUDIENCE, ISSUER, b64, bound_claims_for, forge

API = (API_AUDIENCE,)
SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def put(store: Cacher, plural: str, namespace: str, name: str, uid: str, **fields: Any) -> None:
    metadata = {"name": name, "uid": uid, **({"namespace": namespace} if namespace else {})}
    metadata.update(fields.pop("metadata", {}))
    await store.create(("", plural), (namespace, name), {"metadata": metadata, **fields})


@pytest.fixture
async def store() -> AsyncIterator[Cacher]:
    async with running_cache() as store:
        await put(store, "serviceaccounts", "team", "robot", "sa-uid")
        await put(store, "pods", "team", "web-1", "pod-uid")
        await put(store, "nodes", "", "node-a", "node-uid")
        await put(store, "secrets", "team", "bound-secret", "secret-uid")
        yield store


def bound_authenticator(store: Cacher, *keys: Any) -> JWTTokenAuthenticator:
    return JWTTokenAuthenticator(
        issuers=(ISSUER,), keys=[public_key(k.public_key()) for k in (keys or (SIGNING_KEY,))],
        implicit_audiences=API, validator=BoundValidator(getter=StoreGetter(store)),
    )


async def authenticate(store: Cacher, token: str, *, audiences: tuple[str, ...] = API) -> AuthResult | None:
    return await bound_authenticator(store).authenticate_token(token, audiences=audiences)


async def rejected(store: Cacher, token: str, *, audiences: tuple[str, ...] = API) -> str:
    with pytest.raises(AuthenticationError) as caught:
        await authenticate(store, token, audiences=audiences)
    return str(caught.value)


def sign(claims: dict[str, Any], key: Any = SIGNING_KEY, alg: str = "ES256", **headers: Any) -> str:
    return forge(claims, key, alg, headers=headers or None)


async def test_a_pod_bound_token_names_the_pod_and_its_node(store: Cacher) -> None:
    claims = bound_claims_for("team", "robot", "sa-uid", pod=ObjectRef("web-1", "pod-uid"), node=ObjectRef("node-a", "node-uid"))
    result = await authenticate(store, sign(claims))
    assert result is not None
    assert result.audiences == API
    user = result.user
    assert (user.name, user.uid) == ("system:serviceaccount:team:robot", "sa-uid")
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:team")
    assert dict(user.extra) == {
        "authentication.kubernetes.io/pod-name": ("web-1",),
        "authentication.kubernetes.io/pod-uid": ("pod-uid",),
        "authentication.kubernetes.io/credential-id": ("JTI=4b8c6f1e-0000-4000-8000-000000000001",),
        "authentication.kubernetes.io/node-name": ("node-a",),
        "authentication.kubernetes.io/node-uid": ("node-uid",),
    }


async def test_a_node_bound_token_checks_the_node(store: Cacher) -> None:
    claims = bound_claims_for("team", "robot", "sa-uid", node=ObjectRef("node-a", "node-uid"))
    result = await authenticate(store, sign(claims))
    assert result is not None and result.user.extra["authentication.kubernetes.io/node-name"] == ("node-a",)
    await store.delete(("", "nodes"), ("", "node-a"))
    assert await rejected(store, sign(claims)) == "service account token has been invalidated"


async def test_any_of_several_keys_may_have_signed(store: Cacher) -> None:
    token = forge(bound_claims_for("team", "robot", "sa-uid"), RSA_KEY, "RS256")
    auth = bound_authenticator(store, OTHER_KEY, RSA_KEY)
    assert await auth.authenticate_token(token, audiences=API) is not None


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        '{"payload":"x"}',
        sign(bound_claims_for("team", "robot", "sa-uid", issuer="https://someone.else")),
        sign({"sub": "no issuer at all"}),
        "e30." + b64(b'{"iss":"%s"}' % ISSUER.encode()) + "=.sig",  # padded base64 is not JWS
    ],
    ids=["opaque", "two-parts", "json", "other-issuer", "no-iss", "padded"],
)
async def test_tokens_of_other_issuers_are_not_mine(store: Cacher, token: str) -> None:
    assert await authenticate(store, token) is None


async def test_oversized_tokens_are_not_decoded(store: Cacher) -> None:
    claims = {**bound_claims_for("team", "robot", "sa-uid"), "padding": "x" * MAX_TOKEN_BYTES}
    assert await authenticate(store, sign(claims)) is None


PUBLIC_PEM = SIGNING_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(
    ("key", "alg", "headers"),
    [
        (OTHER_KEY, "ES256", {}),
        (None, "none", {}),
        (PUBLIC_PEM, "HS256", {}),
        (RSA_KEY, "RS256", {}),
        (SIGNING_KEY, "ES256", {"crit": ["exp"]}),
    ],
    ids=["foreign-key", "alg-none", "hs256-with-public-key", "rsa-not-ours", "crit"],
)
async def test_forged_signatures_are_rejected(store: Cacher, key: Any, alg: str, headers: dict[str, Any]) -> None:
    token = forge(bound_claims_for("team", "robot", "sa-uid"), key, alg, headers=headers)
    message = await rejected(store, token)
    assert message == ("go-jose/go-jose: unsupported crit header" if headers else CRYPTO_FAILURE)


async def test_a_tampered_payload_breaks_the_signature(store: Cacher) -> None:
    token = sign(bound_claims_for("team", "robot", "sa-uid"))
    header, _, signature = token.split(".")
    evil = b64(b'{"iss":"%s","sub":"system:serviceaccount:kube-system:admin"}' % ISSUER.encode())
    assert await rejected(store, f"{header}.{evil}.{signature}") == CRYPTO_FAILURE


async def test_audience_must_intersect_the_requested_audiences(store: Cacher) -> None:
    token = sign(bound_claims_for("team", "robot", "sa-uid", audiences=("vault",)))
    assert await rejected(store, token) == (
        'token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]'
    )
    result = await authenticate(store, token, audiences=("other", "vault"))
    assert result is not None and result.audiences == ("vault",)


@pytest.mark.parametrize(
    ("offset", "lifetime", "message"),
    [
        (-3600 - 61, 3600, "service account token has expired"),
        (120, 3600, "service account token is not valid yet"),
        (-3600 - 59, 3600, ""),  # expired 59 s ago: inside go-jose's one-minute leeway
        (59, 3600, ""),
    ],
    ids=["expired", "not-yet-valid", "leeway-expired", "leeway-early"],
)
async def test_times_with_the_one_minute_leeway(store: Cacher, offset: int, lifetime: int, message: str) -> None:
    claims = bound_claims_for("team", "robot", "sa-uid", issued_at=int(time.time()) + offset, lifetime=lifetime)
    if message:
        assert await rejected(store, sign(claims)) == message
    else:
        assert await authenticate(store, sign(claims)) is not None


async def test_issued_in_the_future(store: Cacher) -> None:
    claims = {**bound_claims_for("team", "robot", "sa-uid"), "iat": int(time.time()) + 300}
    assert await rejected(store, sign(claims)) == "service account token is issued in the future"


@pytest.mark.parametrize("exp", ["tomorrow", 10**400, float("inf"), float("nan"), True])
async def test_dates_that_are_not_numbers(store: Cacher, exp: object) -> None:
    claims = {**bound_claims_for("team", "robot", "sa-uid"), "exp": exp}
    assert await rejected(store, sign(claims)) == "go-jose/go-jose/jwt: expected number for numeric date"


async def test_claims_of_the_wrong_type(store: Cacher) -> None:
    claims = {**bound_claims_for("team", "robot", "sa-uid"), "sub": 7, "aud": [1]}
    assert await rejected(store, sign(claims)) == "json: cannot unmarshal number into Go struct field Claims.sub of type string"
    claims = {**bound_claims_for("team", "robot", "sa-uid"), "kubernetes.io": "robot"}
    assert "cannot unmarshal string" in await rejected(store, sign(claims))


async def test_the_service_account_must_still_exist_with_its_uid(store: Cacher) -> None:
    token = sign(bound_claims_for("team", "robot", "sa-uid"))
    await store.delete(("", "serviceaccounts"), ("team", "robot"))
    assert await rejected(store, token) == 'serviceaccounts "robot" not found'
    await put(store, "serviceaccounts", "team", "robot", "new-uid")
    assert await rejected(store, token) == "service account UID (new-uid) does not match claim (sa-uid)"


async def test_an_object_being_deleted_counts_as_gone_after_the_leeway(store: Cacher) -> None:
    token = sign(bound_claims_for("team", "robot", "sa-uid", pod=ObjectRef("web-1", "pod-uid")))
    await store.delete(("", "pods"), ("team", "web-1"))
    await put(store, "pods", "team", "web-1", "pod-uid", metadata={"deletionTimestamp": "2020-01-01T00:00:00Z"})
    assert await rejected(store, token) == "service account token has been invalidated"
    await store.delete(("", "pods"), ("team", "web-1"))
    await put(store, "pods", "team", "web-1", "other-pod")
    assert await rejected(store, token) == "pod UID (other-pod) does not match service account pod ref claim (pod-uid)"


async def test_a_secret_bound_token_dies_with_its_secret(store: Cacher) -> None:
    token = sign(bound_claims_for("team", "robot", "sa-uid", secret=ObjectRef("bound-secret", "secret-uid")))
    assert await authenticate(store, token) is not None
    await store.delete(("", "secrets"), ("team", "bound-secret"))
    assert await rejected(store, token) == "service account token has been invalidated"


# legacy (Secret-based) tokens ---------------------------------------------------------------


async def legacy_setup(
    store: Cacher, *, lookup: bool = True, touch: Touch | None = None
) -> tuple[JWTTokenAuthenticator, str]:
    token = TokenIssuer(issuer=ISSUER, signing_key=SIGNING_KEY).issue_legacy(
        namespace="team", service_account=ObjectRef("robot", "sa-uid"), secret_name="robot-token"
    )
    await put(store, "secrets", "team", "robot-token", "legacy-secret-uid", type="kubernetes.io/service-account-token",
        data={"token": base64.b64encode(token.encode()).decode()})
    auth = JWTTokenAuthenticator(
        issuers=(LEGACY_ISSUER,), keys=[public_key(SIGNING_KEY.public_key())], implicit_audiences=API,
        validator=LegacyValidator(lookup=lookup, getter=StoreGetter(store, touch=touch)),
    )
    return auth, token


async def legacy_error(auth: JWTTokenAuthenticator, token: str) -> str:
    with pytest.raises(AuthenticationError) as caught:
        await auth.authenticate_token(token, audiences=API)
    return str(caught.value)


async def test_a_legacy_token_is_valid_while_its_secret_holds_it(store: Cacher) -> None:
    rest = GenericStore(store)
    touched = asyncio.Event()

    async def touch(*args: Any) -> None:  # the server's label write, reporting when it is done
        await rest.touch(*args)
        touched.set()

    auth, token = await legacy_setup(store, touch=touch)
    result = await auth.authenticate_token(token, audiences=API)
    assert result is not None
    assert (result.user.name, result.user.uid, dict(result.user.extra)) == ("system:serviceaccount:team:robot", "sa-uid", {})
    assert result.audiences == API
    await asyncio.wait_for(touched.wait(), 5)  # the Secret is labelled after the answer, as upstream
    labels = store.get(("", "secrets"), ("team", "robot-token")).obj["metadata"]["labels"]  # type: ignore[union-attr]
    assert labels[LAST_USED_LABEL] == time.strftime("%Y-%m-%d", time.gmtime())


async def test_a_legacy_token_dies_with_its_secret_or_account(store: Cacher) -> None:
    auth, token = await legacy_setup(store)
    await store.delete(("", "serviceaccounts"), ("team", "robot"))
    assert await legacy_error(auth, token) == 'serviceaccounts "robot" not found'
    await put(store, "serviceaccounts", "team", "robot", "new-uid")
    assert await legacy_error(auth, token) == "ServiceAccount UID (new-uid) does not match claim (sa-uid)"
    await store.delete(("", "secrets"), ("team", "robot-token"))
    assert await legacy_error(auth, token) == "Token has been invalidated"


async def test_a_legacy_token_must_match_the_secret_copy(store: Cacher) -> None:
    auth, token = await legacy_setup(store)
    current = store.get(("", "secrets"), ("team", "robot-token"))
    assert current is not None
    await put_object(store, ("", "secrets"), {**current.obj, "data": {"token": "b3RoZXI="}})
    assert await legacy_error(auth, token) == "Token does not match server's copy"


async def test_a_legacy_token_marked_invalid_says_how_to_recover(store: Cacher) -> None:
    auth, token = await legacy_setup(store)
    current = store.get(("", "secrets"), ("team", "robot-token"))
    assert current is not None
    marked = {**current.obj, "metadata": {**current.obj["metadata"], "labels": {"kubernetes.io/legacy-token-invalid-since": "2024-01-01"}}}
    await put_object(store, ("", "secrets"), marked)
    assert (await legacy_error(auth, token)).startswith(
        "the token in secret team/robot-token for service account team/robot has been marked invalid."
    )


async def test_without_lookup_a_legacy_token_needs_only_its_signature(store: Cacher) -> None:
    auth, token = await legacy_setup(store, lookup=False)
    await store.delete(("", "secrets"), ("team", "robot-token"))
    assert await auth.authenticate_token(token, audiences=API) is not None


async def test_legacy_and_bound_authenticators_each_skip_the_others_tokens(store: Cacher) -> None:
    legacy, legacy_token = await legacy_setup(store)
    union = TokenUnion([legacy, bound_authenticator(store)])
    bound_token = sign(bound_claims_for("team", "robot", "sa-uid"))
    assert await union.authenticate_token(legacy_token, audiences=API) is not None
    assert await union.authenticate_token(bound_token, audiences=API) is not None
