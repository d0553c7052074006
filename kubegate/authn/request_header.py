"""The request-header (front proxy) authenticator: a trusted proxy names the user in headers.

An authenticating proxy (or an aggregated API server's caller) sends `X-Remote-User`,
`X-Remote-Group` and `X-Remote-Extra-*`, or whatever `--requestheader-*-headers` name, over a
connection made with its own client certificate. This module only reads the headers, as
k8s.io/apiserver's `headerrequest` does; `x509_verifier.CertificateVerifier` decides whether the
connection is a proxy at all, and `from_config` puts the two together.

Reading follows the real server: the first username (and uid) header with a non-empty value
wins, and without one the request is not this authenticator's; every non-empty value of every
group header is a group; an extra header's key is the rest of its name after the prefix,
lower-cased and then percent-decoded, and all its values are kept. After authentication the
filter removes these headers (`AuthenticationHeaders`) so nothing past it sees them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol
from urllib.parse import unquote_to_bytes

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import Authenticator, AuthRequest, AuthResult, HeaderView
from kubegate.authn.cert_chain import ChainVerifier
from kubegate.authn.x509_verifier import CertificateVerifier
from kubegate.config import ConfigError, ServerConfig
from kubegate.pki import load_certificates

log = logging.getLogger("kubegate.authn")


@dataclass(frozen=True, slots=True)
class RequestHeaderNames:
    """Which headers carry the user name, uid, groups and extra values."""

    usernames: tuple[str, ...] = ()
    uids: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    extra_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: ServerConfig) -> RequestHeaderNames:
        return cls(
            usernames=config.requestheader_username_headers,
            uids=config.requestheader_uid_headers,
            groups=config.requestheader_group_headers,
            extra_prefixes=config.requestheader_extra_headers_prefix,
        )


#: The headers aggregated API servers expect; the authentication filter always removes them.
STANDARD_NAMES = RequestHeaderNames(
    usernames=("X-Remote-User",),
    uids=("X-Remote-Uid",),
    groups=("X-Remote-Group",),
    extra_prefixes=("X-Remote-Extra-",),
)

_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def unescape_extra_key(encoded: str) -> str:
    """Go's `url.PathUnescape`, keeping the key as sent when an escape is malformed."""
    if "%" not in encoded:
        return encoded
    if _ESCAPE.search(encoded):
        return encoded
    return unquote_to_bytes(encoded).decode("utf-8", "replace")


def _text(value: str) -> str:
    """Header bytes that are not UTF-8 (kept as surrogates) become U+FFFD, as Go's JSON does."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _first_value(headers: HeaderView, names: Iterable[str]) -> str:
    for name in names:
        value = headers.get(name)
        if value:
            return _text(value)
    return ""


def _extra(headers: HeaderView, prefixes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    extra: dict[str, list[str]] = {}
    for prefix in prefixes:
        lowered = prefix.lower()
        for name, value in headers.items():
            if name.lower().startswith(lowered):
                key = unescape_extra_key(_text(name[len(prefix):].lower()))
                extra.setdefault(key, []).append(_text(value))
    return {key: tuple(values) for key, values in extra.items()}


class RequestHeaderAuthenticator:
    """Go's `requestHeaderAuthRequestHandler`: the user named by the configured headers."""

    def __init__(self, names: RequestHeaderNames) -> None:
        self._names = names

    async def authenticate(self, request: AuthRequest) -> AuthResult | None:
        headers = request.headers
        name = _first_value(headers, self._names.usernames)
        if not name:
            return None
        groups = tuple(
            _text(value)
            for header in self._names.groups
            for value in headers.getall(header, [])
            if value
        )
        user = UserInfo(
            name,
            uid=_first_value(headers, self._names.uids),
            groups=groups,
            extra=MappingProxyType(_extra(headers, self._names.extra_prefixes)),
        )
        return AuthResult(user)


class HeaderNames(Protocol):
    """Request headers as the authentication filter holds them (aiohttp's multidict)."""

    def __iter__(self) -> Iterator[str]: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


class AuthenticationHeaders:
    """Header names (and name prefixes) that must not outlive authentication.

    Asked on every authenticated request, and almost always for nothing, so the question is
    one regular expression over the joined header names.
    """

    def __init__(self, *names: RequestHeaderNames) -> None:
        exact = {h.lower() for n in names for h in (*n.usernames, *n.uids, *n.groups)}
        prefixes = {p.lower() for n in names for p in n.extra_prefixes}
        alternatives = [re.escape(h) + "$" for h in sorted(exact)] + [re.escape(p) for p in sorted(prefixes)]
        self._pattern = re.compile("^(?:" + "|".join(alternatives) + ")", re.IGNORECASE | re.MULTILINE)

    def clears(self, name: str) -> bool:
        return self._pattern.match(name) is not None

    def without(self, headers: HeaderNames) -> list[tuple[str, str]] | None:
        """The headers left once these are removed, or None when none of them was sent."""
        # Header names never contain a newline (the HTTP parser refuses them).
        if self._pattern.search("\n".join(headers)) is None:
            return None
        return [(name, value) for name, value in headers.items() if not self.clears(name)]


def authentication_headers(config: ServerConfig) -> AuthenticationHeaders:
    """The standard front-proxy headers, plus the configured ones when a front proxy is set up."""
    if config.requestheader_client_ca_file is None:
        return AuthenticationHeaders(STANDARD_NAMES)
    return AuthenticationHeaders(STANDARD_NAMES, RequestHeaderNames.from_config(config))


_STANDARD_FLAGS = (
    ("requestheader-username-headers", "usernames", "X-Remote-User"),
    ("requestheader-group-headers", "groups", "X-Remote-Group"),
    ("requestheader-extra-headers-prefix", "extra_prefixes", "X-Remote-Extra-"),
)


def _check(names: RequestHeaderNames) -> None:
    for flag, attr, standard in _STANDARD_FLAGS:
        configured: tuple[str, ...] = getattr(names, attr)
        if configured and standard.lower() not in (h.lower() for h in configured):
            log.warning(
                "--%s is set without specifying the standard %s header%s - API aggregation will not work",
                flag, standard, " prefix" if attr == "extra_prefixes" else "",
            )
    if names.uids and "x-remote-uid" not in (h.lower() for h in names.uids):
        # Added later than the others, so the real server refuses to start instead of warning.
        raise ConfigError(
            "--requestheader-uid-headers is set without specifying the standard X-Remote-Uid"
            " header - API aggregation will not work"
        )


def from_config(config: ServerConfig) -> Authenticator | None:
    """The front-proxy authenticator, verified by `--requestheader-client-ca-file`, if set."""
    ca_file = config.requestheader_client_ca_file
    if ca_file is None:
        return None
    names = RequestHeaderNames.from_config(config)
    _check(names)
    return CertificateVerifier(
        RequestHeaderAuthenticator(names),
        verifier=ChainVerifier(load_certificates(ca_file)),
        allowed_common_names=config.requestheader_allowed_names,
    )
