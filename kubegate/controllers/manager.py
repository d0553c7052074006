"""The controller manager: starts every controller, stops them, and tells when all are idle.

It plays kube-controller-manager's part inside the server process. `settle()` is what tests and
the pytest plugin wait on instead of sleeping: it returns once the watch cache holds every write
the backend has acknowledged and no controller has work queued, in flight, or due soon.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kubegate.controllers.informer import Controller, Informers

#: Delayed work due within this many seconds counts as pending for `settle()` (a namespace's
#: clean-up delay does; a pod's 30 s grace period does not).
SETTLE_HORIZON = 2.0


def enabled(name: str, selection: tuple[str, ...]) -> bool:
    """kube-controller-manager's `--controllers`: `*` all, `foo` enables, `-foo` disables."""
    if f"-{name}" in selection:
        return False
    return name in selection or "*" in selection


class ControllerManager:
    def __init__(
        self, informers: Informers, *, fresh: Callable[[], Awaitable[object]], selection: tuple[str, ...] = ("*",),
    ) -> None:
        self.informers = informers
        self._fresh = fresh
        self._selection = selection
        self.controllers: list[Controller] = []
        self._changed = asyncio.Event()
        self.running = False
        self.leading = False

    def add(self, controller: Controller) -> Controller:
        """Run `controller` with the others, unless `--controllers` leaves it out."""
        if not enabled(controller.name, self._selection):
            return controller  # never started: its event handlers stay inert
        controller.queue._on_change = self._changed.set
        self.controllers.append(controller)
        if self.running and (self.leading or not controller.leader_elected):
            controller.start()
        return controller

    def start(self) -> None:
        """Start the controllers every apiserver runs (CRD serving and naming)."""
        self.running = True
        for controller in self.controllers:
            if not controller.leader_elected:
                controller.start()

    def lead(self) -> None:
        """This process leads: start kube-controller-manager's controllers."""
        self.leading = True
        for controller in self.controllers:
            if controller.leader_elected:
                controller.start()

    async def step_down(self) -> None:
        """Leadership lost: stop kube-controller-manager's controllers (their queues start anew)."""
        self.leading = False
        for controller in self.controllers:
            if controller.leader_elected:
                await controller.stop()

    async def stop(self) -> None:
        self.running = False
        self.leading = False
        for controller in self.controllers:
            await controller.stop()

    def busy(self, *, horizon: float = SETTLE_HORIZON) -> bool:
        return any(controller.queue.busy(horizon=horizon) for controller in self.controllers)

    async def settle(self, *, timeout: float = 30.0, horizon: float = SETTLE_HORIZON) -> None:
        """Wait until the cache is current and every controller is idle (TimeoutError after `timeout`).

        The deadline is checked by hand rather than by cancelling: before Python 3.12,
        `asyncio.wait_for` can swallow the cancellation a timeout context relies on.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self._fresh()
            revision = self.informers.cache.revision
            if not self.busy(horizon=horizon):
                await asyncio.sleep(0)  # let subscribers of the last event enqueue
                await self._fresh()
                if not self.busy(horizon=horizon) and self.informers.cache.revision == revision:
                    return
            if loop.time() >= deadline:
                raise TimeoutError(f"controllers still busy after {timeout:g}s")
            self._changed.clear()
            if self.busy(horizon=horizon):
                # delayed work falls due without notifying, so look again at least every 50 ms
                changed = loop.create_task(self._changed.wait())
                await asyncio.wait({changed}, timeout=0.05)
                changed.cancel()
