"""The kubelet's last word on a deleted pod: remove it once its grace period has run out.

A pod bound to a node is deleted gracefully: the API server only sets its deletionTimestamp
(now + the grace period) and deletionGracePeriodSeconds. On a real cluster the kubelet then
stops the containers and, when they are gone, deletes the pod with gracePeriodSeconds=0 (and
its uid as a precondition), which removes it unless finalizers hold it. kubegate runs no
kubelets, so this controller takes that last step when the grace period expires, as if every
container stopped exactly on time. A second delete with a shorter grace period moves the moment
earlier; `--grace-period=0 --force` needs nobody, the API server removes the pod at once.

Timers come from the event loop (`call_later`); both the scheduling function and the clock can
be injected, so tests can drive the expiry without waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.storage.memory import DELETED, Event

log = logging.getLogger("kubegate.controllers.pod_termination")

PODS = ("", "pods")


class Cancellable(Protocol):
    def cancel(self) -> None: ...


#: (delay in seconds, callback) -> a handle that can be cancelled, like loop.call_later.
CallLater = Callable[[float, Callable[[], None]], Cancellable]


@dataclass
class _Timer:
    started: float
    deadline: float
    handle: Cancellable


class PodTerminationController:
    def __init__(
        self,
        rest: GenericStore,
        catalog: Catalog,
        *,
        call_later: CallLater | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        spec = catalog.lookup("", "v1", "pods")
        if spec is None:
            raise LookupError("pods are not served")
        self._spec = spec
        self._rest = rest
        self._call_later = call_later or _loop_call_later
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._timers: dict[str, _Timer] = {}  # pod uid -> its pending removal
        for stored in list(rest.store.scan(PODS)):
            self._track(stored.obj)
        rest.store.add_listener(self._observe)

    @property
    def pending(self) -> int:
        """How many pods wait for their grace period to end."""
        return len(self._timers)

    def _observe(self, event: Event) -> None:
        if event.resource != PODS:
            return
        try:
            if event.type == DELETED:
                timer = self._timers.pop(str(event.stored.obj["metadata"].get("uid")), None)
                if timer is not None:
                    timer.handle.cancel()
            else:
                self._track(event.stored.obj)
        except Exception:  # a listener must never fail the write that triggered it
            log.exception("pod termination: observing %s %s failed", event.type, event.key)

    def _track(self, pod: dict[str, object]) -> None:
        metadata = pod.get("metadata")
        if not isinstance(metadata, dict) or not metadata.get("deletionTimestamp"):
            return
        grace = metadata.get("deletionGracePeriodSeconds")
        if not isinstance(grace, int) or grace <= 0:
            return  # grace 0: the API server itself removes it (or its finalizers hold it)
        uid = str(metadata.get("uid"))
        now = self._clock()
        timer = self._timers.get(uid)
        # The deadline counts from when the deletion began, as deletionTimestamp does: a shorter
        # grace period given later moves it back (never into the past), a longer one is ignored.
        started = timer.started if timer is not None else now
        deadline = max(started + grace, now)
        if timer is not None:
            if deadline >= timer.deadline:
                return
            timer.handle.cancel()
        namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
        handle = self._call_later(deadline - now, lambda: self._expire(uid, namespace, name))
        self._timers[uid] = _Timer(started, deadline, handle)

    def _expire(self, uid: str, namespace: str, name: str) -> None:
        self._timers.pop(uid, None)
        try:
            self._rest.delete(self._spec, namespace, name, DeleteOptions(grace_period_seconds=0, precondition_uid=uid))
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone already, or another pod took the name
                log.warning("pod termination: deleting %s/%s failed: %s", namespace, name, error)
        except Exception:
            log.exception("pod termination: deleting %s/%s failed", namespace, name)


def _loop_call_later(delay: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(delay, callback)
