"""Dialling etcd: `--etcd-servers` URLs, TLS files, the gRPC channel, and one-line reasons when it fails."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc

DEFAULT_PORT = 2379
CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.max_receive_message_length", -1),  # a large list is one message per page
    ("grpc.keepalive_time_ms", 30_000),  # kube-apiserver's etcd keepalive: 30s, 10s timeout
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.initial_reconnect_backoff_ms", 100),  # come back quickly after an etcd restart
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
)


class EtcdUnavailable(Exception):
    """etcd cannot be used at startup; the message is one line for the user."""


# connecting -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One `--etcd-servers` URL, split."""

    url: str
    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EtcdUnavailable(f"cannot use etcd server {url!r}: expected http(s)://HOST:PORT")
        return cls(url, parts.hostname, parts.port or DEFAULT_PORT, parts.scheme == "https")

    @property
    def authority(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


async def _resolve(endpoint: Endpoint) -> list[tuple[int, str]]:
    """The (family, address) pairs a host name stands for."""
    try:
        ipaddress.ip_address(endpoint.host)
        family = socket.AF_INET6 if ":" in endpoint.host else socket.AF_INET
        return [(int(family), endpoint.host)]
    except ValueError:
        pass
    try:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise EtcdUnavailable(f"cannot reach etcd at {endpoint.url}: cannot resolve {endpoint.host}: "
                              f"{error.strerror or error}") from None
    return [(int(family), str(sockaddr[0])) for family, _, _, _, sockaddr in infos]


async def grpc_target(endpoints: Sequence[Endpoint]) -> str:
    """A gRPC target for the endpoints: `HOST:PORT` for one, an address list for several.

    gRPC's resolvers take one DNS name or a list of IP addresses, so several servers are
    resolved once, here; the channel then fails over between them (pick_first).
    """
    if len(endpoints) == 1:
        return endpoints[0].authority
    resolved = [await _resolve(endpoint) for endpoint in endpoints]
    for family, scheme in ((socket.AF_INET, "ipv4"), (socket.AF_INET6, "ipv6")):
        picked = [next((a for f, a in addresses if f == family), None) for addresses in resolved]
        if all(picked):
            listed = (f"[{a}]:{e.port}" if family == socket.AF_INET6 else f"{a}:{e.port}"
                      for a, e in zip(picked, endpoints, strict=True))
            return f"{scheme}:" + ",".join(listed)
    raise EtcdUnavailable("cannot use these etcd servers together: no address family common to all")


def _read(path: str | Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise EtcdUnavailable(f"cannot read the etcd {what} {path}: {error.strerror or error}") from None


def open_channel(target: str, endpoints: Sequence[Endpoint], *, ca_file: str | Path | None,
                 cert_file: str | Path | None, key_file: str | Path | None) -> Any:
    """A plaintext channel for http:// servers, TLS (with a client cert if given) for https://."""
    if len({endpoint.tls for endpoint in endpoints}) > 1:
        raise EtcdUnavailable("cannot mix http:// and https:// etcd servers")
    options: list[tuple[str, int | str]] = list(CHANNEL_OPTIONS)
    if not endpoints[0].tls:
        return grpc.aio.insecure_channel(target, options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file, "CA file"), private_key=_read(key_file, "key file"),
        certificate_chain=_read(cert_file, "certificate file"),
    )
    if len(endpoints) > 1:  # an address list: verify the certificates against the first name
        options.append(("grpc.ssl_target_name_override", endpoints[0].host))
    return grpc.aio.secure_channel(target, credentials, options=options)


def unreachable_reason(details: str) -> str:
    """gRPC's account of a failed dial, cut down to its cause ("connection refused")."""
    lowered = details.lower()
    if "connection refused" in lowered:
        return "connection refused"
    if "resolving" in lowered or "dns resolution failed" in lowered:
        return "cannot resolve the host name"
    if "certificate_verify_failed" in lowered:
        return "TLS: etcd's certificate does not verify against --etcd-cafile"
    if "tsi_data_corrupted" in lowered:  # the server ended the handshake: our certificate
        return "TLS: etcd refused the client certificate (--etcd-certfile, --etcd-keyfile)"
    cause = details.rsplit("last error:", 1)[-1].strip()
    cause = re.sub(r"^[A-Z_]+: ", "", cause)  # a status code name
    cause = re.sub(r"^(ipv4|ipv6|dns|unix):\S*: ", "", cause)  # the address tried
    return (cause.splitlines() or [details])[0] or "unavailable"


# errors ----------------------------------------------------------------------------------------


def error_details(error: grpc.aio.AioRpcError) -> str:
    return str(error.details() or error.code().name)


def describe(error: Exception) -> str:
    """One line for an error from gRPC or aetcd."""
    if isinstance(error, grpc.aio.AioRpcError):
        return error_details(error)
    return str(error) or type(error).__name__
