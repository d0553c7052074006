"""The Kubernetes URL library: url(s), isURL(s), getScheme/getHost/getHostname/getPort/getEscapedPath/getQuery.

As Go's `url.ParseRequestURI`, which the real library uses: a URL must be absolute (a scheme) or
an absolute path; anything else is `URL parse error during conversion from string: ...`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from kubegate.cel.library import types
from kubegate.cel.library.declare import BOOL, STRING, LibraryError, Type, function, glob, member

U = types.URL


def _check(text: str) -> str | None:
    """Why ParseRequestURI refuses `text`, or None."""
    if not text:
        return 'parse "": empty url'
    if any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return f'parse "{text}": net/url: invalid control character in URL'
    head = text.split("?", 1)[0]
    if head.startswith("/"):
        return None
    scheme, colon, _ = head.partition(":")
    if not colon or not scheme or not scheme[0].isalpha() or not all(c.isalnum() or c in "+-." for c in scheme):
        return f'parse "{text}": invalid URI for request'
    return None


def to_url(text: str) -> Any:
    problem = _check(text)
    if problem is not None:
        raise LibraryError(f"URL parse error during conversion from string: {problem}")
    return types.make("kubernetes.URL", text)


def is_url(text: str) -> bool:
    return _check(text) is None


def _split(url: Any) -> Any:
    return urlsplit(url.value)


def _hostname(url: Any) -> str:
    host = str(_split(url).netloc).rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.rpartition(":")[0] if ":" in host else host


def _port(url: Any) -> str:
    host = str(_split(url).netloc).rpartition("@")[2]
    if host.startswith("[") and "]" in host:
        host = host[host.find("]") + 1 :]
    return host.rpartition(":")[2] if ":" in host else ""


def _escaped_path(url: Any) -> str:
    return quote(unquote(_split(url).path), safe="/:@!$&'()*+,;=-._~")


def _query(url: Any) -> dict[str, list[str]]:
    return parse_qs(_split(url).query, keep_blank_values=True)


DECLARATIONS = (
    function("url", glob("string_to_url", U, [STRING], to_url)),
    function("isURL", glob("is_url_string", BOOL, [STRING], is_url)),
    function("getScheme", member("url_get_scheme", STRING, [U], lambda u: _split(u).scheme)),
    function("getHost", member("url_get_host", STRING, [U], lambda u: _split(u).netloc.rpartition("@")[2])),
    function("getHostname", member("url_get_hostname", STRING, [U], _hostname)),
    function("getPort", member("url_get_port", STRING, [U], _port)),
    function("getEscapedPath", member("url_get_escaped_path", STRING, [U], _escaped_path)),
    function("getQuery", member("url_get_query", Type.Map(STRING, Type.List(STRING)), [U], _query)),
)
