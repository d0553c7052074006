"""The service IP range and the node port range: what is valid, and how a free value is chosen.

As kube-apiserver's allocators: the network address and (IPv4) broadcast address are never
handed out; the first address of the range belongs to the `kubernetes` Service; the lowest
part of each range (a sixteenth, at least 16 and at most 256 addresses or 128 ports) is kept
for values chosen by hand, and dynamic values come at random from above it, falling back to
the lower part only when the upper one is full. Random choice keeps allocations by several
processes sharing one store from colliding often (they do not coordinate; see `allocation`).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Container
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: tries at random before scanning in order (a nearly full range)
_RANDOM_TRIES = 64


def _band(size: int, *, low: int, high: int) -> int:
    return min(max(low, size // 16), high)


def _pick(size: int, taken: Callable[[int], bool], static: int, rng: random.Random) -> int | None:
    """A free offset in [0, size): random in [static, size), else in [0, static), else None."""
    static = min(static, size)
    for low, high in ((static, size), (0, static)):
        if high <= low:
            continue
        for _ in range(_RANDOM_TRIES):
            offset = rng.randrange(low, high)
            if not taken(offset):
                return offset
        start = rng.randrange(low, high)
        for step in range(high - low):
            offset = low + (start - low + step) % (high - low)
            if not taken(offset):
                return offset
    return None


@dataclass(frozen=True)
class IPRange:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network

    @classmethod
    def parse(cls, cidr: str) -> IPRange:
        return cls(ipaddress.ip_network(cidr.strip(), strict=False))

    @property
    def family(self) -> str:
        return "IPv4" if self.network.version == 4 else "IPv6"

    @property
    def size(self) -> int:
        """How many addresses may be handed out (no network address, no IPv4 broadcast)."""
        reserved = 2 if self.network.version == 4 else 1
        return max(0, min(self.network.num_addresses - reserved, 2**20 if self.network.version == 6 else 2**32))

    @property
    def first(self) -> str:
        """The range's first usable address: the `kubernetes` Service's."""
        return str(self.network.network_address + 1)

    def __str__(self) -> str:
        return str(self.network)

    def offset(self, address: IPAddress) -> int | None:
        """The address's place among the usable ones, None when outside them."""
        if address.version != self.network.version or address not in self.network:
            return None
        offset = int(address) - int(self.network.network_address) - 1
        return offset if 0 <= offset < self.size else None

    def choose(self, taken: Container[str], *, rng: random.Random) -> str | None:
        base = int(self.network.network_address) + 1
        make = ipaddress.ip_address

        def is_taken(offset: int) -> bool:
            return str(make(base + offset)) in taken

        offset = _pick(self.size, is_taken, _band(self.size, low=16, high=256), rng)
        return None if offset is None else str(make(base + offset))


@dataclass(frozen=True)
class PortRange:
    low: int
    high: int

    @classmethod
    def parse(cls, text: str) -> PortRange:
        """`30000-32767`, or a single port; `low+size` as the real flag also accepts."""
        text = text.strip()
        if "+" in text:
            low, size = text.split("+", 1)
            return cls(int(low), int(low) + int(size) - 1)
        low, _, high = text.partition("-")
        return cls(int(low), int(high or low))

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high

    def choose(self, taken: Container[int], *, rng: random.Random) -> int | None:
        size = self.high - self.low + 1

        def is_taken(offset: int) -> bool:
            return self.low + offset in taken

        offset = _pick(size, is_taken, _band(size, low=16, high=128), rng)
        return None if offset is None else self.low + offset
