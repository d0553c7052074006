"""Who each simulated node is: its name, addresses and pod CIDR, from its index alone.

Everything here is a pure function of the node's index and the configuration, so a restarted
server (or a second process over the same etcd) describes the same nodes the same way.
Names: `kubegate-node` for the first, then `kubegate-node2`, `kubegate-node3`, ... (as kind names
its workers `kind-worker`, `kind-worker2`). Node IPs count up from 172.18.0.2 (kind's Docker
network), pod CIDRs are the consecutive /24s of `--cluster-cidr`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from dataclasses import dataclass

BASE_NAME = "kubegate-node"
NODE_NETWORK = ipaddress.IPv4Network("172.18.0.0/16")
#: first node IP offset in NODE_NETWORK (.1 is the Docker bridge's gateway)
FIRST_HOST = 2


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    index: int
    name: str
    internal_ip: str
    pod_cidr: str

    def stable_id(self, purpose: str) -> str:
        """A deterministic UUID-shaped id (machineID, systemUUID, bootID) for this node."""
        digest = hashlib.sha256(f"{self.name}/{purpose}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def node_name(index: int) -> str:
    return BASE_NAME if index == 0 else f"{BASE_NAME}{index + 1}"


def pod_cidr(cluster_cidr: str, index: int) -> str:
    """The index-th /24 of the cluster CIDR (the whole CIDR, when it is /24 or smaller)."""
    network = ipaddress.ip_network(cluster_cidr, strict=False)
    prefix = max(24, network.prefixlen)
    size = 1 << (network.max_prefixlen - prefix)
    count = network.num_addresses // size
    base = int(network.network_address) + (index % count) * size
    return f"{ipaddress.ip_address(base)}/{prefix}"


def identities(count: int, *, cluster_cidr: str) -> list[NodeIdentity]:
    return [
        NodeIdentity(
            index=i,
            name=node_name(i),
            internal_ip=str(NODE_NETWORK.network_address + FIRST_HOST + i),
            pod_cidr=pod_cidr(cluster_cidr, i),
        )
        for i in range(count)
    ]
