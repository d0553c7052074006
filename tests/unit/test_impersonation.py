"""Impersonate-* headers: what is checked, in which order, and who the request becomes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api.user import UserInfo
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.union import UnionAuthorizer
from kubegate.endpoints.context import IMPERSONATED_USER, IMPERSONATOR, SERVER_KEY, USER
from kubegate.endpoints.filters.impersonation import (
    ImpersonationError,
    ImpersonationRequest,
    impersonated_user,
    impersonation_filter,
    impersonation_requests,
    split_service_account,
    without_impersonation_headers,
)


def headers(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


def become(*pairs: tuple[str, str]) -> UserInfo:
    wanted = headers(*pairs)
    return impersonated_user(
        impersonation_requests(wanted), groups_specified=bool(wanted.getall("Impersonate-Group", []))
    )


def test_no_headers_is_no_impersonation() -> None:
    assert impersonation_requests(headers(("Authorization", "Bearer x"))) == []


def test_every_header_value_is_one_check_in_the_real_order() -> None:
    requests = impersonation_requests(headers(
        ("Impersonate-Uid", "u-1"),
        ("Impersonate-Extra-Scopes", "a"),
        ("Impersonate-Group", "dev"),
        ("Impersonate-User", "bob"),
        ("Impersonate-Group", "ops"),
        ("Impersonate-Extra-Scopes", "b"),
    ))
    assert requests == [
        ImpersonationRequest("User", "bob"),
        ImpersonationRequest("Group", "dev"),
        ImpersonationRequest("Group", "ops"),
        ImpersonationRequest("UserExtra", "a", extra_key="scopes"),
        ImpersonationRequest("UserExtra", "b", extra_key="scopes"),
        ImpersonationRequest("UID", "u-1"),
    ]


@pytest.mark.parametrize(
    ("request_", "resource", "group", "namespace", "subresource"),
    [
        (ImpersonationRequest("User", "bob"), "users", "", "", ""),
        (ImpersonationRequest("ServiceAccount", "robot", namespace="ns"), "serviceaccounts", "", "ns", ""),
        (ImpersonationRequest("Group", "dev"), "groups", "", "", ""),
        (ImpersonationRequest("UID", "u-1"), "uids", "authentication.k8s.io", "", ""),
        (ImpersonationRequest("UserExtra", "a", extra_key="scopes"), "userextras", "authentication.k8s.io", "", "scopes"),
    ],
)
def test_each_kind_is_authorized_as_its_resource(
    request_: ImpersonationRequest, resource: str, group: str, namespace: str, subresource: str
) -> None:
    alice = UserInfo("alice")
    attributes = request_.attributes(alice)
    assert (attributes.verb, attributes.resource, attributes.api_group) == ("impersonate", resource, group)
    assert (attributes.namespace, attributes.subresource, attributes.name) == (namespace, subresource, request_.name)
    assert attributes.user is alice and attributes.is_resource_request


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("system:serviceaccount:ns:robot", ("ns", "robot")),
        ("system:serviceaccount:ns:robot.v2", ("ns", "robot.v2")),
        ("system:serviceaccount:ns", None),
        ("system:serviceaccount:ns:a:b", None),
        ("system:serviceaccount:Bad_NS:robot", None),
        ("system:serviceaccount::robot", None),
        ("system:serviceaccounts:ns", None),
        ("bob", None),
    ],
)
def test_service_account_names_are_split_only_when_valid(name: str, expected: tuple[str, str] | None) -> None:
    assert split_service_account(name) == expected


def test_a_user_gets_system_authenticated() -> None:
    assert become(("Impersonate-User", "bob")) == UserInfo("bob", groups=("system:authenticated",))


def test_groups_given_are_the_groups_plus_system_authenticated() -> None:
    assert become(("Impersonate-User", "bob"), ("Impersonate-Group", "dev")).groups == ("dev", "system:authenticated")


def test_asking_for_system_unauthenticated_keeps_system_authenticated_out() -> None:
    user = become(("Impersonate-User", "bob"), ("Impersonate-Group", "system:unauthenticated"))
    assert user.groups == ("system:unauthenticated",)


def test_anonymous_gets_system_unauthenticated() -> None:
    assert become(("Impersonate-User", "system:anonymous")).groups == ("system:unauthenticated",)


def test_a_service_account_gets_its_groups_unless_groups_are_given() -> None:
    assert become(("Impersonate-User", "system:serviceaccount:ns:robot")) == UserInfo(
        "system:serviceaccount:ns:robot",
        groups=("system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"),
    )
    given = become(("Impersonate-User", "system:serviceaccount:ns:robot"), ("Impersonate-Group", "x"))
    assert given.groups == ("x", "system:authenticated")


def test_extra_keys_are_lower_cased_and_percent_decoded() -> None:
    user = become(
        ("Impersonate-User", "bob"),
        ("Impersonate-Extra-Example.com%2FScopes", "a"),
        ("impersonate-extra-example.com%2fscopes", "b"),
        ("Impersonate-Extra-Reason", "x y"),
        ("Impersonate-Extra-Bad%zz", "kept"),
        ("Impersonate-Uid", "u-1"),
    )
    assert dict(user.extra) == {"example.com/scopes": ("a", "b"), "reason": ("x y",), "bad%zz": ("kept",)}
    assert user.uid == "u-1"


@pytest.mark.parametrize(
    ("pairs", "listed"),
    [
        ((("Impersonate-Group", "dev"),), "{Group  dev    }"),
        ((("Impersonate-Uid", "u-1"),), "{UID  u-1  authentication.k8s.io/v1  }"),
        ((("Impersonate-Extra-Scopes", "a"),), "{UserExtra  a  authentication.k8s.io/v1  scopes}"),
        ((("Impersonate-User", ""), ("Impersonate-Group", "dev")), "{Group  dev    }"),
    ],
)
def test_anything_without_a_user_is_refused(pairs: tuple[tuple[str, str], ...], listed: str) -> None:
    with pytest.raises(ImpersonationError) as caught:
        impersonation_requests(headers(*pairs))
    assert str(caught.value) == f"requested [{listed}] without impersonating a user"


def test_only_impersonation_headers_are_removed() -> None:
    kept = without_impersonation_headers(headers(
        ("Impersonate-User", "bob"), ("Impersonate-Group", "dev"), ("Impersonate-Uid", "1"),
        ("Impersonate-Extra-Scopes", "a"), ("Accept", "application/json"), ("X-Impersonate-User", "keep"),
    ))
    assert list(kept.items()) == [("Accept", "application/json"), ("X-Impersonate-User", "keep")]


async def test_outer_stages_keep_the_requester_and_learn_the_impersonated_user() -> None:
    app = web.Application()
    app[SERVER_KEY] = SimpleNamespace(authorizer=UnionAuthorizer([PrivilegedGroupAuthorizer()]))  # type: ignore[assignment]
    request = make_mocked_request("GET", "/api", headers={"Impersonate-User": "bob", "Accept": "*/*"}, app=app)
    root = UserInfo("root", groups=("system:masters", "system:authenticated"))
    request[USER] = root
    seen: list[web.Request] = []

    async def handler(inner: web.Request) -> web.StreamResponse:
        seen.append(inner)
        return web.Response()

    await impersonation_filter(request, handler)
    [inner] = seen
    assert (inner[USER].name, inner[IMPERSONATOR]) == ("bob", root)
    assert dict(inner.headers) == {"Accept": "*/*"}
    assert request[USER] is root and request[IMPERSONATED_USER].name == "bob"
