"""kube-system as a freshly made cluster has it: CoreDNS, kube-proxy and the objects around them.

kubeadm creates these once, when the cluster is made; kubegate does it when a server starts,
creating only what is missing, so a restart on a persisted store neither duplicates nor
overwrites them (a user's edits stay) and several processes starting together on one etcd each
create an object at most once (the loser's create is a 409). Their pods are then made and run
by the ordinary controllers, scheduler and simulated kubelets. `--system-workloads=false` skips
all of it. The objects themselves are data, in `system_manifests`.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from typing import Any

import orjson

from kubegate.api import errors
from kubegate.api.managedfields.fieldmanager import FieldManager
from kubegate.endpoints.state import APIServer
from kubegate.server import system_manifests
from kubegate.server.system_manifests import ClusterValues

log = logging.getLogger(__name__)

#: the manager kubeadm's writes show in managedFields
FIELD_MANAGER = "kubeadm"


def dns_ip(service_cluster_ip_range: str) -> str:
    """The kube-dns Service's address: the 10th of the range, as kubeadm computes it."""
    network = ipaddress.ip_network(service_cluster_ip_range.split(",")[0].strip(), strict=False)
    return str(network.network_address + system_manifests.DNS_IP_INDEX)


def _read(path: Any) -> bytes | None:
    try:
        return bytes(path.read_bytes()) if path is not None else None
    except OSError as error:
        log.warning("system workloads: cannot read %s: %s", path, error)
        return None


def _extension_auth(state: APIServer) -> dict[str, str]:
    """extension-apiserver-authentication: the client CA, and the front-proxy settings if any."""
    config = state.config
    data: dict[str, str] = {}
    client_ca = _read(config.client_ca_file or (state.pki.ca_cert if state.pki is not None else None))
    if client_ca is not None:
        data["client-ca-file"] = client_ca.decode()
    front_proxy_ca = _read(config.requestheader_client_ca_file)
    if front_proxy_ca is not None:
        lists = {
            "requestheader-allowed-names": config.requestheader_allowed_names,
            "requestheader-extra-headers-prefix": config.requestheader_extra_headers_prefix,
            "requestheader-group-headers": config.requestheader_group_headers,
            "requestheader-uid-headers": config.requestheader_uid_headers,
            "requestheader-username-headers": config.requestheader_username_headers,
        }
        data["requestheader-client-ca-file"] = front_proxy_ca.decode()
        data.update({key: orjson.dumps(list(value)).decode() for key, value in lists.items()})
    return data


def cluster_values(state: APIServer) -> ClusterValues:
    config = state.config
    return ClusterValues(
        dns_ip=dns_ip(config.service_cluster_ip_range),
        git_version=state.version.git_version,
        cluster_cidr=config.cluster_cidr,
        service_cidr=config.service_cluster_ip_range,
        server_url=f"https://{state.address}",
        ca_pem=_read(state.pki.ca_cert) if state.pki is not None else None,
        extension_auth=_extension_auth(state),
    )


def _track(fields: FieldManager, live: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    return fields.update(live, new, FIELD_MANAGER)


async def ensure(state: APIServer) -> None:
    """Create every missing system object (nothing when `--system-workloads=false`)."""
    if not state.config.system_workloads:
        return
    for group, version, plural, namespace, obj in system_manifests.manifests(cluster_values(state)):
        spec = state.catalog.lookup(group, version, plural)
        if spec is None:  # not served (e.g. storage.k8s.io switched off)
            continue
        if state.rest.find(spec, namespace, obj["metadata"]["name"]) is not None:
            continue
        fields = state.field_managers.for_resource(spec)
        body = {"apiVersion": spec.api_version, "kind": spec.kind, **obj}
        try:
            await state.rest.create(
                spec, namespace, body, track=functools.partial(_track, fields),
            )
        except errors.StatusError as error:
            if error.code != 409:  # 409: another process sharing the store created it first
                log.warning("system workloads: %s %s/%s not created: %s",
                            plural, namespace, obj["metadata"]["name"], error.message)
