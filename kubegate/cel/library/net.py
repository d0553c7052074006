"""The Kubernetes ip and cidr libraries (1.30): ip("10.0.0.1"), cidr("10.0.0.0/8") and their methods.

Texts are parsed as Go's netip does, with the Kubernetes refusals: no zones, no IPv4-mapped IPv6
addresses; `ip.isCanonical` asks whether the text is the address's canonical form.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubegate.cel.library import types
from kubegate.cel.library.declare import BOOL, INT, STRING, LibraryError, function, glob, member

IP, CIDR = types.IP, types.CIDR
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(text: str) -> Address:
    if "%" in text:
        raise LibraryError(f'IP address "{text}" with zone value is not allowed')
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise LibraryError(f'IP Address "{text}" parse error during conversion from string: '
                           f'ParseAddr("{text}"): unable to parse IP') from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise LibraryError(f'IPv4-mapped IPv6 address "{text}" is not allowed')
    return address


def parse_cidr(text: str) -> Network:
    address_text, slash, bits = text.partition("/")
    if not slash or not bits.isdigit():
        raise LibraryError(f'network address parse error during conversion from string: netip.ParsePrefix("{text}"): '
                           "no '/'" if not slash else "bad bits after slash")
    try:
        address = parse_ip(address_text)
        return ipaddress.ip_network(f"{address}/{int(bits)}", strict=False)
    except (LibraryError, ValueError) as exc:
        raise LibraryError(f"network address parse error during conversion from string: {exc}") from None


def _ip(value: Any) -> Address:
    return ipaddress.ip_address(value.value)


def _cidr(value: Any) -> tuple[Address, Network]:
    address, _, bits = value.value.partition("/")
    ip = ipaddress.ip_address(address)
    return ip, ipaddress.ip_network(f"{ip}/{bits}", strict=False)


def to_ip(text: str) -> Any:
    return types.make("net.IP", str(parse_ip(text)))


def to_cidr(text: str) -> Any:
    parse_cidr(text)
    address, _, bits = text.partition("/")
    return types.make("net.CIDR", f"{ipaddress.ip_address(address)}/{int(bits)}")


def _valid(parse: Any) -> Any:
    def check(text: str) -> bool:
        try:
            parse(text)
        except LibraryError:
            return False
        return True

    return check


def is_canonical(text: str) -> bool:
    return str(parse_ip(text)) == text


def contains_ip(cidr: Any, ip: Any) -> bool:
    address = parse_ip(ip) if isinstance(ip, str) else _ip(ip)
    return address in _cidr(cidr)[1]


def contains_cidr(cidr: Any, other: Any) -> bool:
    network = parse_cidr(other) if isinstance(other, str) else _cidr(other)[1]
    outer = _cidr(cidr)[1]
    return network.version == outer.version and network.subnet_of(outer)  # type: ignore[arg-type]


def masked(cidr: Any) -> Any:
    return types.make("net.CIDR", str(_cidr(cidr)[1]))


DECLARATIONS = (
    function("ip", glob("string_to_ip", IP, [STRING], to_ip), member("cidr_ip", IP, [CIDR], lambda c: types.make(
        "net.IP", str(_cidr(c)[0])))),
    function("family", member("ip_family", INT, [IP], lambda ip: _ip(ip).version)),
    function("ip.isCanonical", glob("ip_is_canonical", BOOL, [STRING], is_canonical)),
    function("isUnspecified", member("ip_is_unspecified", BOOL, [IP], lambda ip: _ip(ip).is_unspecified)),
    function("isLoopback", member("ip_is_loopback", BOOL, [IP], lambda ip: _ip(ip).is_loopback)),
    function("isLinkLocalMulticast", member(
        "ip_is_link_local_multicast", BOOL, [IP],
        lambda ip: _ip(ip) in ipaddress.ip_network("224.0.0.0/24" if _ip(ip).version == 4 else "ff02::/16"))),
    function("isLinkLocalUnicast", member("ip_is_link_local_unicast", BOOL, [IP], lambda ip: _ip(ip).is_link_local)),
    function("isGlobalUnicast", member("ip_is_global_unicast", BOOL, [IP], lambda ip: not (
        _ip(ip).is_unspecified or _ip(ip).is_loopback or _ip(ip).is_multicast or _ip(ip).is_link_local
        or str(_ip(ip)) == "255.255.255.255"))),
    function("isIP", glob("is_ip", BOOL, [STRING], _valid(parse_ip))),
    function("cidr", glob("string_to_cidr", CIDR, [STRING], to_cidr)),
    function("containsIP", member("cidr_contains_ip_string", BOOL, [CIDR, STRING], contains_ip),
             member("cidr_contains_ip_ip", BOOL, [CIDR, IP], contains_ip)),
    function("containsCIDR", member("cidr_contains_cidr_string", BOOL, [CIDR, STRING], contains_cidr),
             member("cidr_contains_cidr", BOOL, [CIDR, CIDR], contains_cidr)),
    function("prefixLength", member("cidr_prefix_length", INT, [CIDR], lambda c: _cidr(c)[1].prefixlen)),
    function("masked", member("cidr_masked", CIDR, [CIDR], masked)),
    function("isCIDR", glob("is_cidr", BOOL, [STRING], _valid(parse_cidr))),
    # cel-cpp dispatches every opaque value as a `message`, so `string` can take only one of
    # them: string(cidr) is not declared (its text is `cidr.ip()` and `prefixLength()`)
    function("string", glob("ip_to_string", STRING, [IP], lambda value: value.value)),
)
