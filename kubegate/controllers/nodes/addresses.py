"""Pod IPs of one node, handed out from its pod CIDR as a CNI's host-local IPAM does.

The lowest free address goes first, starting after the bridge's .1 (kind's first pods get
10.244.0.2, .3, ...); an address comes back when its pod stops or goes away.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable


class PodAddresses:
    def __init__(self, cidr: str) -> None:
        self._network = ipaddress.ip_network(cidr, strict=False)
        self._by_key: dict[Hashable, str] = {}
        self._taken: set[str] = set()

    def claim(self, key: Hashable, ip: str) -> None:
        """Record an address a pod already shows (after a restart)."""
        if ip not in self._taken:
            self._by_key[key] = ip
            self._taken.add(ip)

    def allocate(self, key: Hashable) -> str:
        """The pod's address, a new one if it has none (raises RuntimeError when all are used)."""
        if key in self._by_key:
            return self._by_key[key]
        for offset, host in enumerate(self._network.hosts()):
            if offset == 0:
                continue  # the bridge's gateway
            ip = str(host)
            if ip not in self._taken:
                self._by_key[key] = ip
                self._taken.add(ip)
                return ip
        raise RuntimeError(f"no free pod IP left in {self._network}")

    def release(self, key: Hashable) -> None:
        ip = self._by_key.pop(key, None)
        if ip is not None:
            self._taken.discard(ip)
