"""Where a webhook given as `service: {namespace, name, port}` is reached.

The real server sends such calls to `https://NAME.NAMESPACE.svc:PORT/PATH`, verifying the
serving certificate for `NAME.NAMESPACE.svc`, and dials an address its service resolver picks.
kubegate has no service network, so cluster IPs lead nowhere; it resolves as kube-apiserver
does with `--enable-aggregator-routing=true`: an address and port of the Service's Endpoints
(the subset port named like the Service port). A webhook server on the host is thus
registered as on a real cluster: a Service without selector and Endpoints listing
`127.0.0.1` and the server's port. An ExternalName Service (`externalName: localhost`) is
dialled at that name and the Service port, as the cluster-IP resolver does.

Failures have the resolvers' texts (`service "x" not found`, `no endpoints available for
service "x"`, ...); the caller shows them after `Post "URL": `, as Go's dialer errors appear.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from kubegate.admission.webhook.configuration import ServiceReference
from kubegate.registry.objects import ObjectCache

SERVICES = ("", "services")
ENDPOINTS = ("", "endpoints")
ROUTED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")


class ResolveError(Exception):
    """No address for the service; the message is the real resolver's."""


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int


def server_name(reference: ServiceReference) -> str:
    """The name the serving certificate must hold, and the host the URL shows."""
    return f"{reference.name}.{reference.namespace}.svc"


def resolve(cache: ObjectCache, reference: ServiceReference) -> Address:
    if not reference.name or not reference.namespace or not reference.port:
        raise ResolveError("cannot resolve an empty service name or namespace or port")
    stored = cache.get(SERVICES, (reference.namespace, reference.name))
    if stored is None:
        raise ResolveError(f'service "{reference.name}" not found')
    spec = stored.obj.get("spec")
    if not isinstance(spec, dict):
        spec = {}
    kind = spec.get("type") or "ClusterIP"
    if kind == "ExternalName":
        return Address(str(spec.get("externalName") or ""), reference.port)
    if kind not in ROUTED_TYPES:
        raise ResolveError(f'unsupported service type "{kind}"')
    port_name = _service_port_name(spec, reference)
    endpoints = cache.get(ENDPOINTS, (reference.namespace, reference.name))
    if endpoints is None:
        raise ResolveError(f'endpoints "{reference.name}" not found')
    subsets = [s for s in endpoints.obj.get("subsets") or [] if isinstance(s, dict)]
    if not subsets:
        raise ResolveError(f'no endpoints available for service "{reference.name}"')
    start = random.randrange(len(subsets))
    for offset in range(len(subsets)):
        subset = subsets[(start + offset) % len(subsets)]
        addresses = [a for a in subset.get("addresses") or [] if isinstance(a, dict) and a.get("ip")]
        if not addresses:
            continue
        for port in subset.get("ports") or []:
            if isinstance(port, dict) and (port.get("name") or "") == port_name:
                return Address(str(random.choice(addresses)["ip"]), int(port.get("port") or 0))
    raise ResolveError(f'no endpoints available for service "{reference.name}"')


def _service_port_name(spec: dict[str, Any], reference: ServiceReference) -> str:
    for port in spec.get("ports") or []:
        if isinstance(port, dict) and port.get("port") == reference.port:
            return str(port.get("name") or "")
    raise ResolveError(f'no service port {reference.port} found for service "{reference.name}"')
