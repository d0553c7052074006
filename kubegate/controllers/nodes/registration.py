"""Each simulated kubelet's node-level duties: register its Node, post status, renew its Lease.

As a kubelet does at start: create the Node if it is missing (else post fresh status), record
`Starting kubelet.` and the condition events, and then every 10 s renew the node's Lease in
`kube-node-lease` (holderIdentity = node name, 40 s duration, ownerReference to the Node). The
node status itself is written again only every 5 minutes (nodeStatusReportFrequency), since with
leases the heartbeat lives in the Lease. A Node deleted by a user is not re-created until the
server restarts, as a real kubelet re-registers only when it starts; its Lease then stops too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import node_object
from kubegate.controllers.nodes.identity import NodeIdentity
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.nodes")

NODES = ("", "nodes")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = 10.0
STATUS_REPORT_INTERVAL = 300.0
#: condition events a starting kubelet records, after `Starting`
CONDITION_EVENTS = ("NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID")

Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


def micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _required(catalog: Catalog, group: str, plural: str) -> ResourceSpec:
    spec = catalog.lookup(group, "v1", plural)
    if spec is None:
        raise LookupError(f"{group}/{plural} is not served")
    return spec


class NodeRegistration(Controller):
    """Keys are node names; one controller serves every simulated node."""

    name = "kubelet-node-status"

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *,
        nodes: Iterable[NodeIdentity], kubelet_version: str, track: Callable[[ResourceSpec, str], Track | None],
    ) -> None:
        super().__init__(informers)
        self._rest = rest
        self._catalog = catalog
        self._nodes = {identity.name: identity for identity in nodes}
        self._version = kubelet_version
        self._track = track
        self._node_spec = _required(catalog, "", "nodes")
        self._lease_spec = _required(catalog, "coordination.k8s.io", "leases")
        self._started: set[str] = set()  # nodes whose kubelet has started in this process
        self._reported: dict[str, float] = {}  # node -> loop time its status was last posted

    def initial_keys(self) -> Iterable[str]:
        self._started.clear()
        return list(self._nodes)

    async def reconcile(self, name: str) -> None:
        identity = self._nodes.get(name)
        if identity is None:
            return
        self.queue.add_after(name, RENEW_INTERVAL)
        now = meta.now()
        if name not in self._started:
            await self._register(identity)
            self._started.add(name)
        node = self._rest.find(self._node_spec, "", name)
        if node is None:
            return  # deleted by a user: this kubelet is an orphan until the server restarts
        if self._due(name):
            await self._post_status(identity)
        await self._renew_lease(identity, node.obj, now)

    def _due(self, name: str) -> bool:
        now = _loop_time()
        if now - self._reported.get(name, float("-inf")) < STATUS_REPORT_INTERVAL:
            return False
        self._reported[name] = now
        return True

    async def _register(self, identity: NodeIdentity) -> None:
        now = meta.format_time(meta.now())
        existing = self._rest.find(self._node_spec, "", identity.name)
        was_ready = existing is not None and _ready(existing.obj)
        if existing is None:
            body = node_object.new_node(identity, kubelet_version=self._version, now=now)
            try:
                await self._rest.create(self._node_spec, "", body, track=self._track(self._node_spec, ""))
            except errors.StatusError as error:
                if error.code != 409:
                    raise
        await self._post_status(identity)  # a create keeps no status: it is posted next, as the kubelet does
        self._reported[identity.name] = _loop_time()
        recorder = EventRecorder(self._rest, self._catalog, component="kubelet", host=identity.name)
        reference = {"kind": "Node", "metadata": {"name": identity.name, "uid": identity.name}}
        await recorder.event(reference, NORMAL, "Starting", "Starting kubelet.")
        for reason in CONDITION_EVENTS:
            await recorder.event(reference, NORMAL, reason, f"Node {identity.name} status is now: {reason}")
        await recorder.event(reference, NORMAL, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        if not was_ready:
            await recorder.event(reference, NORMAL, "NodeReady", f"Node {identity.name} status is now: NodeReady")
        node = self._rest.find(self._node_spec, "", identity.name)
        if existing is None and node is not None:
            controller = EventRecorder(self._rest, self._catalog, component="node-controller")
            await controller.event(
                node.obj, NORMAL, "RegisteredNode",
                f"Node {identity.name} event: Registered Node {identity.name} in Controller",
            )

    async def _post_status(self, identity: NodeIdentity) -> None:
        now = meta.format_time(meta.now())

        async def posted(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found("nodes", identity.name)
            status = node_object.node_status(identity, live.get("status"), kubelet_version=self._version, now=now)
            return {**live, "status": {**(live.get("status") or {}), **status}}

        try:
            await self._rest.update(
                self._node_spec, "", identity.name, posted, subresource="status",
                track=self._track(self._node_spec, "status"),
            )
        except errors.StatusError as error:
            if error.code != 404:
                raise

    async def _renew_lease(self, identity: NodeIdentity, node: dict[str, Any], now: datetime) -> None:
        owner = {"apiVersion": "v1", "kind": "Node", "name": identity.name, "uid": node["metadata"]["uid"]}
        spec = {
            "holderIdentity": identity.name,
            "leaseDurationSeconds": LEASE_DURATION_SECONDS,
            "renewTime": micro_time(now),
        }

        async def renewed(live: dict[str, Any] | None) -> dict[str, Any]:
            metadata = dict((live or {}).get("metadata") or {"name": identity.name, "namespace": LEASE_NAMESPACE})
            metadata["ownerReferences"] = [owner]
            return {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", **(live or {}),
                "metadata": metadata, "spec": {**((live or {}).get("spec") or {}), **spec},
            }

        try:
            await self._rest.update(
                self._lease_spec, LEASE_NAMESPACE, identity.name, renewed, track=self._track(self._lease_spec, ""),
            )
        except errors.StatusError as error:
            if error.code not in (403, 404, 409):  # kube-node-lease missing or terminating: next time
                raise


def _ready(node: dict[str, Any]) -> bool:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def _loop_time() -> float:
    return asyncio.get_running_loop().time()
