"""`--audit-webhook-config-file`: events posted in batches to a remote service, as `EventList`s.

The file is a kubeconfig, as for the other webhooks (the cluster is the service, the user how
kubegate authenticates to it). The real server's default `batch` mode is followed: events are
buffered (at most 10,000; past that they are dropped and counted under the `buffered` plugin)
and sent at most 400 at a time, as soon as 400 are waiting or `--audit-webhook-batch-max-wait`
after the first one (30 s by default). A failed POST is tried again whatever the error, with
backoff from `--audit-webhook-initial-backoff` (x1.5, 5 tries), then counted under `webhook`
and dropped. Stopping the server sends what is left.

The POST itself is a blocking urllib call in a worker thread: it keeps this package free of the
HTTP stack, and a batch a few times a minute does not need more.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kubegate.audit.event import API_VERSION, Event
from kubegate.webhook.kubeconfig import WebhookClientConfig, load_kubeconfig

log = logging.getLogger("kubegate.audit")

BUFFER_SIZE = 10000
MAX_BATCH_SIZE = 400
DEFAULT_MAX_WAIT = 30.0
DEFAULT_INITIAL_BACKOFF = 10.0
BACKOFF_FACTOR = 1.5
TRIES = 5
TIMEOUT = 30.0
#: how long stopping the server waits for batches on their way
CLOSE_WAIT = 5.0


def _post(config: WebhookClientConfig, body: bytes) -> None:
    """One POST; any status outside 2xx is an error. Blocking: run it in a thread."""
    headers = {"Content-Type": "application/json", "Accept": "application/json", **config.headers}
    request = urllib.request.Request(config.server, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT, context=config.ssl_context) as answer:
        answer.read()


def _ignore(plugin: str, count: int) -> None:
    pass


@dataclass
class WebhookBackend:
    config: WebhookClientConfig
    max_wait: float = DEFAULT_MAX_WAIT
    initial_backoff: float = DEFAULT_INITIAL_BACKOFF
    name: str = "webhook"
    #: told about events that were lost: (plugin, how many); the auditor's observer counts them
    report_error: Callable[[str, int], None] = _ignore
    send: Callable[[WebhookClientConfig, bytes], None] = _post
    _buffer: list[dict[str, Any]] = field(default_factory=list, init=False)
    _timer: asyncio.TimerHandle | None = field(default=None, init=False)
    _sending: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    @classmethod
    def from_file(cls, path: Path, *, max_wait: float = DEFAULT_MAX_WAIT,
                  initial_backoff: float = DEFAULT_INITIAL_BACKOFF) -> WebhookBackend:
        return cls(load_kubeconfig(path), max_wait=max_wait, initial_backoff=initial_backoff)

    def process(self, event: Event) -> bool:
        if len(self._buffer) >= BUFFER_SIZE:
            self.report_error("buffered", 1)
            log.error("Error in audit plugin 'buffered' affecting 1 audit events: audit buffer queue blocked")
            return True  # the buffered backend reports the loss itself; the request goes on
        self._buffer.append(event.to_dict())  # serialized now: later stages must not change it
        loop = asyncio.get_running_loop()
        if len(self._buffer) >= MAX_BATCH_SIZE:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait, self._flush)
        return True

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._buffer:
            batch, self._buffer = self._buffer[:MAX_BATCH_SIZE], self._buffer[MAX_BATCH_SIZE:]
            task = asyncio.get_running_loop().create_task(self._deliver(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        body = orjson.dumps({"kind": "EventList", "apiVersion": API_VERSION, "metadata": {}, "items": batch})
        delay = self.initial_backoff
        for attempt in range(TRIES):
            try:
                await asyncio.to_thread(self.send, self.config, body)
                return
            except (OSError, urllib.error.URLError) as exc:  # HTTPError and timeouts are among these
                if attempt == TRIES - 1:
                    self.report_error(self.name, len(batch))
                    log.error("Error in audit plugin 'webhook' affecting %d audit events: %s", len(batch), exc)
                    return
            await asyncio.sleep(delay)
            delay *= BACKOFF_FACTOR

    async def close(self) -> None:
        """Send what is buffered; batches still failing after CLOSE_WAIT seconds are given up."""
        if self._buffer:
            self._flush()
        if not self._sending:
            return
        _, unfinished = await asyncio.wait(self._sending, timeout=CLOSE_WAIT)
        for task in unfinished:
            task.cancel()
        if unfinished:
            log.error("Error in audit plugin 'webhook': %d batches not delivered before shutdown", len(unfinished))
