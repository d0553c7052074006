"""A simulated kubelet: runs the pods bound to one node through their lifecycle.

One controller per node, keyed by pod (namespace, name), fed by pods whose `spec.nodeName` is
its node. Each reconcile moves a pod one stage on (see `stages`) once that stage is due, writes
the status through `pods/status`, records the kubelet's events, and asks to be called again
when the next stage falls due. A pod being deleted has its containers stopped at once (Killing
events, terminated states) and is then deleted with grace period 0 and its uid as precondition,
as the kubelet's status manager does; this replaces the PodTerminationController's timer for
pods on simulated nodes.

In-memory state is only timing (when the next stage is due) and the pod IPs handed out; after
a restart both are rebuilt from the stored pods, whose stage the status tells.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import stages
from kubegate.controllers.nodes.addresses import PodAddresses
from kubegate.controllers.nodes.identity import NodeIdentity
from kubegate.controllers.nodes.pod_status import containers
from kubegate.controllers.pod_termination import final_delete
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import Event, ObjectKey
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.kubelet")

PODS = ("", "pods")
FINISHING = ("Never", "OnFailure")
Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Timing:
    start_delay: float
    run_time: float


@dataclass
class _Run:
    uid: str
    due: float  # loop time the next stage may begin
    started: float = 0.0  # loop time the containers (last) started


def node_of(pod: dict[str, Any]) -> str:
    spec = pod.get("spec")
    return str(spec.get("nodeName") or "") if isinstance(spec, dict) else ""


class Kubelet(Controller):
    """Keys are (namespace, name) of pods bound to this kubelet's node."""

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *,
        node: NodeIdentity, timing: Timing, track: Track | None = None,
    ) -> None:
        super().__init__(informers)
        self.name = f"kubelet-{node.name}"
        spec = catalog.lookup("", "v1", "pods")
        if spec is None:
            raise LookupError("pods are not served")
        self._spec: ResourceSpec = spec
        self._rest = rest
        self.node = node
        self._timing = timing
        self._track = track
        self._recorder = EventRecorder(rest, catalog, component="kubelet", host=node.name)
        self._runs: dict[ObjectKey, _Run] = {}
        self.addresses = PodAddresses(node.pod_cidr)
        self.watch(PODS, self._pod_changed)

    def _pod_changed(self, event: Event) -> Iterable[ObjectKey]:
        mine = node_of(event.stored.obj) == self.node.name
        if not mine and event.previous is not None:
            mine = node_of(event.previous.obj) == self.node.name
        return (event.key,) if mine else ()

    def initial_keys(self) -> Iterable[ObjectKey]:
        keys = []
        self.addresses = PodAddresses(self.node.pod_cidr)
        for stored in self.informers.list(PODS):
            pod = stored.obj
            if node_of(pod) != self.node.name:
                continue
            key = (str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"]))
            keys.append(key)
            ip = (pod.get("status") or {}).get("podIP")
            if ip and not _host_network(pod) and stages.stage_of(pod) != "done":
                self.addresses.claim(key, str(ip))
        return keys

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(PODS, key)
        if stored is None or node_of(stored.obj) != self.node.name:
            self._forget(key)
            return
        pod = stored.obj
        uid = str(pod["metadata"].get("uid", ""))
        run = self._runs.get(key)
        if run is None or run.uid != uid:
            if run is not None:
                self.addresses.release(key)  # the name now belongs to another pod
            fresh = not (pod.get("status") or {}).get("startTime")
            run = self._runs[key] = _Run(uid, due=self._now() + (self._timing.start_delay if fresh else 0.0))
        if pod["metadata"].get("deletionTimestamp"):
            await self._stop(key, pod)
            return
        stage = stages.stage_of(pod)
        if stage == "done":
            self.addresses.release(key)
            return
        if stage == "new":
            now = meta.format_time(meta.now())
            await self._write(key, uid, lambda live: stages.accepted(live, host_ip=self.node.internal_ip, now=now))
            run.due = self._now() + self._timing.start_delay
            self.queue.add_after(key, self._timing.start_delay)
            return
        wait = run.due - self._now()
        if stage in ("initializing", "starting") and wait > 0:
            self.queue.add_after(key, wait)
            return
        if stage == "initializing":
            await self._initialize(key, pod, run)
        elif stage == "starting":
            await self._start(key, pod, run)
        else:
            await self._follow(key, pod, run)

    def _pod_ip(self, key: ObjectKey, pod: dict[str, Any]) -> str:
        if _host_network(pod):
            return self.node.internal_ip
        return self.addresses.allocate(key)

    async def _initialize(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        for container in containers(pod, "initContainers"):
            await self._container_events(pod, container, "initContainers")
        ip = self._pod_ip(key, pod)
        now = meta.format_time(meta.now())
        await self._write(key, run.uid, lambda live: stages.initialized(live, pod_ip=ip, now=now))
        run.due = self._now() + self._timing.start_delay
        self.queue.add_after(key, self._timing.start_delay)

    async def _start(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        running = stages.statuses_by_name(pod)
        for container in containers(pod):
            if "running" not in ((running.get(container["name"]) or {}).get("state") or {}):
                await self._container_events(pod, container, "containers")
        ip = self._pod_ip(key, pod)
        run.started = self._now()
        ready = self._ready(pod, run)
        now = meta.format_time(meta.now())
        await self._write(key, run.uid, lambda live: stages.started(live, pod_ip=ip, now=now, ready=ready))
        self._schedule_next(key, pod, run)

    async def _follow(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        """Running: readiness after the probes' initial delays; finishing pods exit after the run time."""
        if not run.started:
            run.started = self._now()  # carried over from before a restart: count from now
        now = meta.format_time(meta.now())
        policy = stages.restart_policy(pod)
        if policy in FINISHING and self._now() >= run.started + self._timing.run_time:
            code = stages.exit_code(pod)
            restart = code != 0 and policy == "OnFailure"
            await self._write(key, run.uid, lambda live: stages.finished(live, now=now, code=code, restart=restart))
            if restart:
                restarts = 1 + max((int(s.get("restartCount") or 0) for s in stages.statuses_by_name(pod).values()),
                                   default=0)
                await self._backoff_events(pod)
                run.due = self._now() + stages.backoff(restarts)
                self.queue.add_after(key, stages.backoff(restarts))
            else:
                self.addresses.release(key)
            return
        ready = self._ready(pod, run)
        shown = {name for name, s in stages.statuses_by_name(pod).items() if s.get("ready")}
        if ready != shown:
            await self._write(key, run.uid, lambda live: stages.readiness(live, ready=ready, now=now))
        self._schedule_next(key, pod, run)

    def _ready(self, pod: dict[str, Any], run: _Run) -> set[str]:
        now = self._now()
        return {c["name"] for c in containers(pod) if now >= run.started + _initial_delay(c)}

    def _schedule_next(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        moments = [run.started + _initial_delay(c) for c in containers(pod)]
        if stages.restart_policy(pod) in FINISHING:
            moments.append(run.started + self._timing.run_time)
        upcoming = [m for m in moments if m > self._now()]
        if upcoming:
            self.queue.add_after(key, min(upcoming) - self._now())

    async def _container_events(self, pod: dict[str, Any], container: dict[str, Any], field: str) -> None:
        name, path = container["name"], f"spec.{field}{{{container['name']}}}"
        image = container.get("image") or ""
        await self._recorder.event(pod, NORMAL, "Pulled", f'Container image "{image}" already present on machine',
                                   field_path=path)
        await self._recorder.event(pod, NORMAL, "Created", f"Created container: {name}", field_path=path)
        await self._recorder.event(pod, NORMAL, "Started", f"Started container {name}", field_path=path)

    async def _backoff_events(self, pod: dict[str, Any]) -> None:
        metadata = pod["metadata"]
        for container in containers(pod):
            await self._recorder.event(
                pod, WARNING, "BackOff",
                f"Back-off restarting failed container {container['name']} in pod "
                f"{metadata.get('name')}_{metadata.get('namespace')}({metadata.get('uid')})",
                field_path=f"spec.containers{{{container['name']}}}",
            )

    async def _stop(self, key: ObjectKey, pod: dict[str, Any]) -> None:
        """Kill what runs, show it stopped, then remove the pod (grace 0, this uid only)."""
        uid = str(pod["metadata"].get("uid", ""))
        current = stages.statuses_by_name(pod)
        running = [c for c in containers(pod) if "running" in ((current.get(c["name"]) or {}).get("state") or {})]
        for container in running:
            await self._recorder.event(pod, NORMAL, "Killing", f"Stopping container {container['name']}",
                                       field_path=f"spec.containers{{{container['name']}}}")
        if running or (pod.get("status") or {}).get("phase") not in stages.TERMINAL:
            now = meta.format_time(meta.now())
            await self._write(key, uid, lambda live: stages.stopped(live, now=now))
        self.addresses.release(key)
        await final_delete(self._rest, self._spec, key, uid)

    async def _write(self, key: ObjectKey, uid: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        namespace, name = key

        async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or live["metadata"].get("uid") != uid or node_of(live) != self.node.name:
                raise errors.conflict("pods", name, "the pod changed under the kubelet")
            return {**live, "status": build(live)}

        try:
            await self._rest.update(self._spec, namespace, name, updated, subresource="status", track=self._track)
        except errors.StatusError as error:
            if error.code not in (404, 409, 422):  # gone, replaced, or refused: the next event tells
                raise
            log.debug("%s: status of %s/%s not written: %s", self.name, namespace, name, error.message)

    def _forget(self, key: ObjectKey) -> None:
        self._runs.pop(key, None)
        self.addresses.release(key)


def _host_network(pod: dict[str, Any]) -> bool:
    return bool((pod.get("spec") or {}).get("hostNetwork"))


def _initial_delay(container: dict[str, Any]) -> float:
    probe = container.get("readinessProbe")
    if not isinstance(probe, dict):
        return 0.0
    delay = probe.get("initialDelaySeconds") or 0
    return float(delay) if isinstance(delay, int | float) else 0.0
