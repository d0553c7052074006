"""Leader election over a `coordination.k8s.io/v1` Lease, as client-go's leaderelection package.

When several kubegate processes share one etcd, kube-controller-manager's controllers must run
in exactly one of them. Each process tries to hold the Lease `kube-system/kube-controller-manager`
every `retry_period`; the holder renews it, and steps down when it could not renew for
`renew_deadline`. Another process takes over once the Lease has not changed for
`lease_duration`, measured on its own clock from when it last saw the record change (so clock
skew between processes does not matter), and bumps `leaseTransitions`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.leaderelection")

NAMESPACE = "kube-system"
NAME = "kube-controller-manager"


@dataclass(frozen=True, slots=True)
class Timing:
    """kube-controller-manager's defaults: 15 s lease, 10 s renew deadline, 2 s retry period."""

    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


def new_identity() -> str:
    """`HOSTNAME_UUID`, as kube-controller-manager names its holder."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def _micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElection:
    def __init__(
        self, rest: GenericStore, spec: ResourceSpec, *, identity: str, timing: Timing,
        on_started: Callable[[], None], on_stopped: Callable[[], Awaitable[None]],
    ) -> None:
        self._rest = rest
        self._spec = spec
        self.identity = identity
        self._timing = timing
        self._on_started = on_started
        self._on_stopped = on_stopped
        self.leading = False
        self._observed: Any = None
        self._observed_at = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="leader-election")

    async def stop(self) -> None:
        """Stop campaigning; a leader gives the Lease up so another takes over at once."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        if self.leading:
            self.leading = False
            await self._on_stopped()
            await self._release()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.leading:
                if await self._try_acquire_or_renew():
                    self.leading = True
                    log.info("%s became leader (%s/%s)", self.identity, NAMESPACE, NAME)
                    self._on_started()
                    last_renewed = loop.time()
            else:
                if await self._try_acquire_or_renew():
                    last_renewed = loop.time()
                elif loop.time() - last_renewed > self._timing.renew_deadline:
                    log.warning("%s lost the lease %s/%s", self.identity, NAMESPACE, NAME)
                    self.leading = False
                    await self._on_stopped()
            await asyncio.sleep(self._timing.retry_period)

    async def _try_acquire_or_renew(self) -> bool:
        try:
            return await self._attempt()
        except errors.StatusError as error:
            if error.code not in (404, 409):
                log.warning("leader election: %s", error.message)
            return False
        except Exception as exc:  # the store is unreachable: not leading this round
            log.warning("leader election: %s", exc)
            return False

    async def _attempt(self) -> bool:
        loop = asyncio.get_running_loop()
        now = meta.now()
        current = self._rest.find(self._spec, NAMESPACE, NAME)
        if current is None:
            await self._rest.create(self._spec, NAMESPACE, {
                "metadata": {"name": NAME, "namespace": NAMESPACE}, "spec": self._record(now, transitions=0),
            })
            return True
        spec = current.obj.get("spec") or {}
        if spec != self._observed:
            self._observed, self._observed_at = spec, loop.time()
        holder = spec.get("holderIdentity") or ""
        mine = holder == self.identity
        expired = self._observed_at + float(spec.get("leaseDurationSeconds") or 0) < loop.time()
        if holder and not mine and not expired:
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if mine else 1)
        record = self._record(now, transitions=transitions)
        if mine and spec.get("acquireTime"):
            record["acquireTime"] = spec["acquireTime"]
        body = {**current.obj, "spec": record}  # carries the resourceVersion: a lost race is a 409
        stored, _ = await self._rest.update(self._spec, NAMESPACE, NAME, body)
        self._observed, self._observed_at = stored.obj.get("spec"), loop.time()
        return True

    def _record(self, now: datetime, *, transitions: int) -> dict[str, Any]:
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self._timing.lease_duration),
            "acquireTime": _micro_time(now),
            "renewTime": _micro_time(now),
            "leaseTransitions": transitions,
        }

    async def _release(self) -> None:
        """Give the Lease up (as ReleaseOnCancel): an empty holder lets the next process lead now."""
        current = self._rest.find(self._spec, NAMESPACE, NAME)
        if current is None or (current.obj.get("spec") or {}).get("holderIdentity") != self.identity:
            return
        spec = {**current.obj["spec"], "holderIdentity": None, "leaseDurationSeconds": 1}
        try:
            await self._rest.update(self._spec, NAMESPACE, NAME, {**current.obj, "spec": spec})
        except Exception as exc:
            log.warning("leader election: releasing the lease failed: %s", exc)
