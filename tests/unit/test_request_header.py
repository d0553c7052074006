"""Reading a front proxy's headers as k8s.io/apiserver's headerrequest package does."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate import pki
from kubegate.authn.authenticator import AuthRequest
from kubegate.authn.request_header import (
    STANDARD_NAMES,
    AuthenticationHeaders,
    RequestHeaderAuthenticator,
    RequestHeaderNames,
    authentication_headers,
    from_config,
    unescape_extra_key,
)
from kubegate.config import ConfigError, ServerConfig

NAMES = RequestHeaderNames(
    usernames=("X-Remote-User", "X-Proxy-User"),
    uids=("X-Remote-Uid",),
    groups=("X-Remote-Group", "X-Proxy-Group"),
    extra_prefixes=("X-Remote-Extra-", "X-Proxy-Extra-"),
)


def request(*headers: tuple[str, str]) -> AuthRequest:
    return AuthRequest(headers=CIMultiDictProxy(CIMultiDict(headers)))


async def user_of(*headers: tuple[str, str]) -> dict[str, Any] | None:
    result = await RequestHeaderAuthenticator(NAMES).authenticate(request(*headers))
    return None if result is None else result.user.to_dict()


async def test_no_user_name_is_not_mine() -> None:
    assert await user_of(("X-Remote-Group", "dev"), ("X-Remote-Extra-Scopes", "x")) is None
    assert await user_of(("X-Remote-User", ""), ("X-Proxy-User", "")) is None


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        ((("X-Remote-User", "jane"),), "jane"),
        ((("x-remote-user", "jane"),), "jane"),  # header names are case-insensitive
        ((("X-Proxy-User", "bob"), ("X-Remote-User", "jane")), "jane"),  # configured order wins
        ((("X-Remote-User", ""), ("X-Proxy-User", "bob")), "bob"),  # first non-empty
        ((("X-Remote-User", "jane"), ("X-Remote-User", "bob")), "jane"),  # first value only
    ],
)
async def test_the_first_non_empty_user_header_names_the_user(headers: Any, name: str) -> None:
    user = await user_of(*headers)
    assert user is not None and user["username"] == name


async def test_every_group_value_of_every_group_header() -> None:
    user = await user_of(
        ("X-Remote-User", "jane"),
        ("X-Proxy-Group", "c"),
        ("X-Remote-Group", "a"),
        ("X-Remote-Group", ""),
        ("X-Remote-Group", "b"),
        ("X-Remote-Uid", "u-1"),
    )
    assert user == {"username": "jane", "uid": "u-1", "groups": ["a", "b", "c"]}


async def test_extra_keys_are_lower_cased_then_percent_decoded_and_keep_every_value() -> None:
    user = await user_of(
        ("X-Remote-User", "jane"),
        ("X-Remote-Extra-Scopes", "openid"),
        ("X-Remote-Extra-Scopes", "profile"),
        ("X-Remote-Extra-Acme.com%2FProject", "blue"),
        ("X-Proxy-Extra-Scopes", "email"),
        ("X-Remote-Extra-Empty", ""),
    )
    assert user is not None
    assert user["extra"] == {
        "scopes": ["openid", "profile", "email"],
        "acme.com/project": ["blue"],
        "empty": [""],
    }


@pytest.mark.parametrize(
    ("encoded", "key"),
    [
        ("scopes", "scopes"),
        ("acme.com%2fproject", "acme.com/project"),
        ("a%20b", "a b"),
        ("a+b", "a+b"),  # path unescaping leaves + alone
        ("bad%zzescape%2f", "bad%zzescape%2f"),  # malformed: kept exactly as sent
        ("trailing%2", "trailing%2"),
        ("%e2%9c%93", "\u2713"),
    ],
)
def test_unescape_extra_key_as_go_path_unescape(encoded: str, key: str) -> None:
    assert unescape_extra_key(encoded) == key


async def test_header_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    raw = b"j\xffne".decode("utf-8", "surrogateescape")  # how aiohttp keeps such a header
    user = await user_of(("X-Remote-User", raw))
    assert user is not None and user["username"] == "j\ufffdne"


def test_authentication_headers_remove_standard_and_configured_names_only() -> None:
    headers = AuthenticationHeaders(STANDARD_NAMES, NAMES)
    sent = [
        ("Accept", "application/json"),
        ("x-remote-user", "jane"),
        ("X-Proxy-User", "bob"),
        ("X-Remote-Group", "dev"),
        ("X-Remote-Uid", "1"),
        ("X-Remote-Extra-Scopes", "a"),
        ("X-Proxy-Extra-Foo", "b"),
        ("X-Remote-Other", "kept"),
    ]
    assert headers.without(CIMultiDict(sent)) == [("Accept", "application/json"), ("X-Remote-Other", "kept")]
    assert headers.without(CIMultiDict([("Accept", "application/json"), ("X-Remote-Users", "x")])) is None


def test_configured_headers_are_only_cleared_when_a_front_proxy_is_configured(tmp_path: Path) -> None:
    custom = {"requestheader_username_headers": ("X-Proxy-User",)}
    sent = CIMultiDict([("X-Proxy-User", "bob"), ("X-Remote-User", "jane")])
    assert authentication_headers(ServerConfig(**custom)).without(sent) == [("X-Proxy-User", "bob")]
    with_ca = ServerConfig(requestheader_client_ca_file=tmp_path / "ca.crt", **custom)
    assert authentication_headers(with_ca).without(sent) == []


def test_no_front_proxy_without_its_ca_file() -> None:
    assert from_config(ServerConfig(requestheader_username_headers=("X-Remote-User",))) is None


def test_uid_headers_must_include_the_standard_one(tmp_path: Path) -> None:
    config = ServerConfig(requestheader_client_ca_file=tmp_path / "ca.crt", requestheader_uid_headers=("X-Uid",))
    with pytest.raises(ConfigError, match="without specifying the standard X-Remote-Uid header"):
        from_config(config)


def test_non_standard_header_names_are_warned_about(
    pki_files: pki.PkiFiles, caplog: pytest.LogCaptureFixture
) -> None:
    config = ServerConfig(
        requestheader_client_ca_file=pki_files.ca_cert,
        requestheader_username_headers=("X-Proxy-User",),
        requestheader_group_headers=("X-Remote-Group",),
    )
    with caplog.at_level(logging.WARNING, logger="kubegate.authn"):
        assert from_config(config) is not None
    warning = (
        "--requestheader-username-headers is set without specifying the standard X-Remote-User"
        " header - API aggregation will not work"
    )
    assert [r.getMessage() for r in caplog.records] == [warning]
