"""A simulated kubelet: runs the pods bound to one node through their lifecycle.

One controller per node, keyed by pod (namespace, name), fed by pods whose `spec.nodeName` is
its node. Each reconcile is one "sync" of the pod, as the kubelet's SyncPod: it does what is
due (accept the pod, run its init containers, pull images and start containers, probe them,
let finishing containers exit, restart crashed ones after their back-off), writes the status
through `pods/status` if it changed, records the kubelet's events, and asks to be called again
when the next thing falls due. A pod being deleted has its containers stopped at once (Killing
events, terminated states) and is then deleted with grace period 0 and its uid as
precondition, as the kubelet's status manager does; this replaces the PodTerminationController's
timer for pods on simulated nodes.

While the node's kubelet is stopped (`kubegate.io/kubelet: stopped` on the Node) nothing
happens to its pods; started again, it takes them all up. In-memory state is only timing,
back-offs and the pod IPs handed out; after a restart they are rebuilt from the stored pods,
whose stage the status tells.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.nodes import image_pulls, probes, stages
from kubegate.controllers.nodes.addresses import PodAddresses
from kubegate.controllers.nodes.identity import NodeIdentity
from kubegate.controllers.nodes.images import NodeImages
from kubegate.controllers.nodes.pod_status import containers, running, terminated, waiting
from kubegate.controllers.nodes.registration import stopped
from kubegate.controllers.nodes.runtime import BACKOFF_BASE, ContainerRun, go_duration
from kubegate.controllers.pod_termination import final_delete
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import DELETED, Event, ObjectKey
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.kubelet")

PODS = ("", "pods")
NODES = ("", "nodes")
FINISHING = ("Never", "OnFailure")
#: what a container killed for failing its liveness probe exits with (SIGKILL)
KILLED_EXIT_CODE = 137
Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Timing:
    start_delay: float
    run_time: float


@dataclass
class _Run:
    uid: str
    due: float  # loop time the pod's next stage may begin (accepted -> initialized -> containers)
    containers: dict[str, ContainerRun] = field(default_factory=dict)

    def of(self, name: str) -> ContainerRun:
        return self.containers.setdefault(name, ContainerRun())


@dataclass
class _Sync:
    """What one sync of the regular containers found: their statuses and when to look again."""

    now: float
    stamp: str
    pod_ip: str
    wake: list[float] = field(default_factory=list)

    def at(self, moment: float) -> None:
        self.wake.append(max(moment, self.now))


def node_of(pod: dict[str, Any]) -> str:
    spec = pod.get("spec")
    return str(spec.get("nodeName") or "") if isinstance(spec, dict) else ""


def _path(container: dict[str, Any], field_name: str = "containers") -> str:
    return f"spec.{field_name}{{{container['name']}}}"


class Kubelet(Controller):
    """Keys are (namespace, name) of pods bound to this kubelet's node."""

    def __init__(
        self, informers: Informers, rest: GenericStore, catalog: Catalog, *,
        node: NodeIdentity, timing: Timing, images: NodeImages | None = None, track: Track | None = None,
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
        self._images = images if images is not None else NodeImages()
        self._track = track
        self._recorder = EventRecorder(rest, catalog, component="kubelet", host=node.name)
        self._runs: dict[ObjectKey, _Run] = {}
        self.addresses = PodAddresses(node.pod_cidr)
        self.watch(PODS, self._pod_changed)
        self.watch(NODES, self._node_changed)

    def _pod_changed(self, event: Event) -> Iterable[Hashable]:
        """Pods of this node, unless only their status changed (the kubelet's own writes, or a
        controller's condition): as the kubelet's pod config, a status alone starts no sync."""
        mine = node_of(event.stored.obj) == self.node.name
        if not mine and event.previous is not None:
            mine = node_of(event.previous.obj) == self.node.name
        if mine and event.type != DELETED and event.previous is not None \
                and _same_but_status(event.previous.obj, event.stored.obj):
            return ()
        return (event.key,) if mine else ()

    def _node_changed(self, event: Event) -> Iterable[Hashable]:
        """Started again after a stop: every pod of the node is synced."""
        if event.key[1] != self.node.name or event.previous is None:
            return ()
        if not stopped(event.previous.obj) or stopped(event.stored.obj):
            return ()
        return [_key(s.obj) for s in self.informers.list(PODS) if node_of(s.obj) == self.node.name]

    def initial_keys(self) -> Iterable[Hashable]:
        keys = []
        self.addresses = PodAddresses(self.node.pod_cidr)
        for stored in self.informers.list(PODS):
            pod = stored.obj
            if node_of(pod) != self.node.name:
                continue
            key = _key(pod)
            keys.append(key)
            ip = (pod.get("status") or {}).get("podIP")
            if ip and not _host_network(pod) and stages.stage_of(pod) != "done":
                self.addresses.claim(key, str(ip))
        return keys

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _stopped(self) -> bool:
        node = self.cache.get(NODES, ("", self.node.name))
        return node is not None and stopped(node.obj)

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(PODS, key)
        if stored is None or node_of(stored.obj) != self.node.name:
            self._forget(key)
            return
        if self._stopped():
            return  # a stopped kubelet neither runs nor reports anything
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
        if wait > 0:
            self.queue.add_after(key, wait)
            return
        if stage == "initializing":
            await self._initialize(key, pod, run)
        else:
            await self._sync(key, pod, run)

    def _pod_ip(self, key: ObjectKey, pod: dict[str, Any]) -> str:
        if _host_network(pod):
            return self.node.internal_ip
        return self.addresses.allocate(key)

    # images ------------------------------------------------------------------------------------

    async def _image(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun, *,
                     now: float, path: str) -> image_pulls.Outcome:
        """Ensure the container's image, recording the image manager's events (and the
        `Error: <reason>` event kuberuntime adds when the container cannot be created)."""
        outcome = image_pulls.ensure_image(pod, container, cr, self._images, now=now, pull_time=self._timing.start_delay)
        for kind, reason, message in outcome.events:
            await self._recorder.event(pod, kind, reason, message, field_path=path)
        if outcome.kind == image_pulls.FAILED:
            await self._recorder.event(pod, WARNING, "Failed", f"Error: {outcome.reason}", field_path=path)
            if outcome.reason == "ErrImagePull":
                outcome.at = now + self._timing.start_delay  # the next sync shows the back-off
            elif not outcome.at:
                outcome.at = now + BACKOFF_BASE
        return outcome

    async def _created_and_started(self, pod: dict[str, Any], container: dict[str, Any], path: str) -> None:
        name = container["name"]
        await self._recorder.event(pod, NORMAL, "Created", f"Created container: {name}", field_path=path)
        await self._recorder.event(pod, NORMAL, "Started", f"Started container {name}", field_path=path)

    # init containers ---------------------------------------------------------------------------

    async def _initialize(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        """Init containers run (and complete) one after the other, each after its image."""
        now, stamp = self._now(), meta.format_time(meta.now())
        ip = self._pod_ip(key, pod)
        current = stages.statuses_by_name(pod, "initContainerStatuses")
        done = {name for name, s in current.items() if (s.get("state") or {}).get("terminated", {}).get("exitCode") == 0}
        for container in containers(pod, "initContainers"):
            cr = run.of(container["name"])
            if container["name"] in done or cr.initialized:
                done.add(container["name"])
                continue
            path = _path(container, "initContainers")
            outcome = await self._image(pod, container, cr, now=now, path=path)
            if outcome.kind == image_pulls.WAIT:
                self.queue.add_after(key, outcome.at - now)
                return
            if outcome.kind == image_pulls.FAILED:
                failing = (container["name"], outcome.reason, outcome.message)
                await self._write(key, run.uid, partial(stages.initializing, pod_ip=ip, now=stamp, done=set(done),
                                                        failing=failing))
                self.queue.add_after(key, outcome.at - now)
                return
            await self._created_and_started(pod, container, path)
            cr.initialized = True
            done.add(container["name"])
        await self._write(key, run.uid, lambda live: stages.initializing(live, pod_ip=ip, now=stamp, done=done))
        run.due = now + self._timing.start_delay
        self.queue.add_after(key, self._timing.start_delay)

    # regular containers -------------------------------------------------------------------------

    async def _sync(self, key: ObjectKey, pod: dict[str, Any], run: _Run) -> None:
        sync = _Sync(now=self._now(), stamp=meta.format_time(meta.now()), pod_ip=self._pod_ip(key, pod))
        current = stages.statuses_by_name(pod)
        mains = []
        for container in containers(pod):
            old = current.get(container["name"]) or waiting(container, "ContainerCreating")
            mains.append(await self._container(pod, container, run.of(container["name"]), old, sync))
        fresh = stages.with_containers(pod, mains, pod_ip=sync.pod_ip, now=sync.stamp)
        if _differs(pod.get("status") or {}, fresh):
            await self._write(key, run.uid, lambda live: stages.with_containers(live, mains, pod_ip=sync.pod_ip,
                                                                                  now=sync.stamp))
        if fresh.get("phase") in stages.TERMINAL:
            self.addresses.release(key)
            return
        if sync.wake:
            self.queue.add_after(key, min(sync.wake) - sync.now)

    async def _container(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun,
                         old: dict[str, Any], sync: _Sync) -> dict[str, Any]:
        """The container's status after what is due for it now."""
        state = old.get("state") or {}
        if "running" in state:
            old, killed = await self._running(pod, container, cr, old, sync)
            state = old.get("state") or {}
            if not killed:
                return old  # still running, or exited just now: the status shows it before any restart
        if "terminated" in state:  # killed just now (restarted in the same sync), or exited before
            if not stages.restarts(stages.restart_policy(pod), int(state["terminated"].get("exitCode") or 0)):
                return old
            if cr.restart_at > sync.now:
                return await self._crash_loop(pod, container, cr, old, sync)
        elif (state.get("waiting") or {}).get("reason") == "CrashLoopBackOff" and cr.restart_at > sync.now:
            sync.at(cr.restart_at)
            return old
        return await self._start(pod, container, cr, old, sync)

    async def _running(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun,
                       old: dict[str, Any], sync: _Sync) -> tuple[dict[str, Any], bool]:
        """Probes, and the end of a finishing container's run: (status, killed by its probe)."""
        if not cr.started:
            cr.started = sync.now  # carried over from before a restart: count from now
        now, path = sync.now, _path(container)
        if probes.liveness_fails(pod, container):
            moments = probes.liveness_failures(container, cr.started)
            due = [m for m in moments if m <= now]
            for _ in range(cr.probe_failures, len(due)):
                detail = probes.failure_detail(container, pod_ip=sync.pod_ip)
                await self._recorder.event(pod, WARNING, "Unhealthy", f"Liveness probe failed: {detail}", field_path=path)
            cr.probe_failures = len(due)
            if len(due) == len(moments):
                restart = stages.restart_policy(pod) != "Never"
                message = f"Container {container['name']} failed liveness probe" + (", will be restarted" if restart else "")
                await self._recorder.event(pod, NORMAL, "Killing", message, field_path=path)
                return self._exit(pod, container, cr, old, sync, code=KILLED_EXIT_CODE), True
            sync.at(moments[len(due)])
        if stages.restart_policy(pod) in FINISHING:
            ends = cr.started + self._timing.run_time
            if now >= ends:  # the exit shows (STATUS Error) until the next sync restarts it or backs off
                sync.at(now + self._timing.start_delay)
                return self._exit(pod, container, cr, old, sync, code=stages.exit_code(pod)), False
            sync.at(ends)
        started_at, ready_at = probes.started_at(container, cr.started), probes.ready_at(container, cr.started)
        for moment in (started_at, ready_at):
            if moment > now:
                sync.at(moment)
        return {**old, "started": now >= started_at, "ready": now >= ready_at}, False

    def _exit(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun, old: dict[str, Any],
              sync: _Sync, *, code: int) -> dict[str, Any]:
        """The running instance stops with `code`; a container that restarts gets its restart time."""
        began = ((old.get("state") or {}).get("running") or {}).get("startedAt") or sync.stamp
        result = terminated(container, pod_uid=str(pod["metadata"].get("uid", "")), started_at=began,
                            finished_at=sync.stamp, exit_code=code, restarts=int(old.get("restartCount") or 0),
                            last_state=old.get("lastState") or {})
        cr.probe_failures = 0
        cr.restart_at = 0.0
        if stages.restarts(stages.restart_policy(pod), code):
            cr.restart_at = sync.now if cr.exited(sync.now) else cr.restart_at
        return result

    async def _crash_loop(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun,
                          old: dict[str, Any], sync: _Sync) -> dict[str, Any]:
        metadata = pod["metadata"]
        who = f"{metadata.get('name')}_{metadata.get('namespace')}({metadata.get('uid')})"
        name = container["name"]
        await self._recorder.event(pod, WARNING, "BackOff", f"Back-off restarting failed container {name} in pod {who}",
                                   field_path=_path(container))
        message = f"back-off {go_duration(cr.crash_backoff)} restarting failed container={name} pod={who}"
        sync.at(cr.restart_at)
        return waiting(container, "CrashLoopBackOff", message=message, restarts=int(old.get("restartCount") or 0),
                       last_state=old.get("state"))

    async def _start(self, pod: dict[str, Any], container: dict[str, Any], cr: ContainerRun,
                     old: dict[str, Any], sync: _Sync) -> dict[str, Any]:
        """Pull if need be, then create and start a new instance of the container."""
        state = old.get("state") or {}
        last = state if "terminated" in state else (old.get("lastState") or {})
        restarts = int(old.get("restartCount") or 0)
        path = _path(container)
        outcome = await self._image(pod, container, cr, now=sync.now, path=path)
        if outcome.kind == image_pulls.WAIT:
            sync.at(outcome.at)
            return old
        if outcome.kind == image_pulls.FAILED:
            sync.at(outcome.at)
            return waiting(container, outcome.reason, message=outcome.message, restarts=restarts, last_state=last)
        if (state.get("waiting") or {}).get("reason") == "CrashLoopBackOff":
            cr.backed_off()
        await self._created_and_started(pod, container, path)
        cr.started, cr.probe_failures, cr.restart_at = sync.now, 0, 0.0
        if "terminated" in last:
            restarts += 1
        status = running(container, pod_uid=str(pod["metadata"].get("uid", "")), started_at=sync.stamp,
                         ready=False, started=False, restarts=restarts, last_state=last)
        status, _ = await self._running(pod, container, cr, status, sync)
        return status

    # deletion and writes -----------------------------------------------------------------------

    async def _stop(self, key: ObjectKey, pod: dict[str, Any]) -> None:
        """Kill what runs, show it stopped, then remove the pod (grace 0, this uid only)."""
        uid = str(pod["metadata"].get("uid", ""))
        current = stages.statuses_by_name(pod)
        live = [c for c in containers(pod) if "running" in ((current.get(c["name"]) or {}).get("state") or {})]
        for container in live:
            await self._recorder.event(pod, NORMAL, "Killing", f"Stopping container {container['name']}",
                                       field_path=_path(container))
        if live or (pod.get("status") or {}).get("phase") not in stages.TERMINAL:
            now = meta.format_time(meta.now())
            await self._write(key, uid, lambda live_pod: stages.stopped(live_pod, now=now))
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


def _key(pod: dict[str, Any]) -> ObjectKey:
    return (str(pod["metadata"].get("namespace", "")), str(pod["metadata"]["name"]))


def _same_but_status(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def essence(pod: dict[str, Any]) -> tuple[Any, Any]:
        metadata = {k: v for k, v in (pod.get("metadata") or {}).items() if k not in ("resourceVersion", "managedFields")}
        return metadata, pod.get("spec")
    return essence(old) == essence(new)


def _host_network(pod: dict[str, Any]) -> bool:
    return bool((pod.get("spec") or {}).get("hostNetwork"))


def _differs(current: dict[str, Any], fresh: dict[str, Any]) -> bool:
    """Whether a sync changed what the kubelet reports: the phase, a container, or a condition's
    status (someone else's Ready False, say, is put right as the kubelet's status manager does)."""
    def shown(status: dict[str, Any]) -> tuple[Any, ...]:
        conditions = sorted((str(c.get("type")), str(c.get("status"))) for c in status.get("conditions") or []
                            if isinstance(c, dict))
        return status.get("phase"), status.get("containerStatuses"), conditions, status.get("podIP")
    return shown(current) != shown(fresh)
