"""Running the server: PKI on first start, the listening socket, signals, the ready line.

The socket is bound before the PKI is written so that the port actually bound (`--secure-port 0`
picks a free one) ends up in the admin kubeconfig. SIGINT and SIGTERM end open watches, close
connections and the store, and exit 0. Anything that stops the start is one `StartupError` line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import ssl
import sys
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from kubegate import pki
from kubegate.api.gofmt import go_quote
from kubegate.config import ServerConfig
from kubegate.endpoints.state import APIServer
from kubegate.registry import lifecycle
from kubegate.server import gc_tuning, malloc, serving
from kubegate.server.app import build_app, build_state, close_state
from kubegate.server.startup import StartupError, host_port, reason
from kubegate.server.tls import client_ca_files, server_context
from kubegate.storage.factory import describe, open_backend
from kubegate.storage.interface import Interface

log = logging.getLogger("kubegate")
T = TypeVar("T")

#: How long start-up waits for the controllers to create the default objects.
READY_SETTLE_TIMEOUT = 10.0


def _listen(host: str, port: int) -> socket.socket:
    try:
        return serving.listen(host, port)  # the backlog is the system's maximum, at least 1024
    except OSError as error:
        raise StartupError(f"cannot listen on {host_port(host, port)}: {reason(error)}") from None


def _version_warnings(config: ServerConfig) -> list[str]:
    minor = int(config.kubernetes_version.lstrip("v").split(".")[1])
    served = lifecycle.supported_minor(minor)
    if served == minor:
        return []
    known = f"1.{lifecycle.OLDEST_MINOR} to 1.{lifecycle.NEWEST_MINOR}"
    return [f"--kubernetes-version {config.kubernetes_version}: kubegate knows the APIs of {known}; serving 1.{served}'s"]


@dataclass
class _Started:
    """What start-up has opened so far, so that a stop at any moment closes exactly that."""

    backend: Interface | None = None
    state: APIServer | None = None
    runner: serving.Runner | None = None

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()  # ends watches (on_shutdown), closes the state (on_cleanup)
        elif self.state is not None:
            await close_state(self.state)
        elif self.backend is not None:
            await self.backend.close()


async def _build(
    config: ServerConfig, sock: socket.socket, context: ssl.SSLContext, files: pki.PkiFiles, started: _Started,
) -> APIServer:
    assert started.backend is not None
    started.state = state = await build_state(
        config, pki=files, port=sock.getsockname()[1], backend=started.backend,
    )
    app = build_app(state)
    started.runner = runner = serving.make_runner(
        app, access_log=log if config.v >= 2 else None,
        header_timeout=config.http_header_timeout, idle_timeout=config.http_idle_timeout,
    )
    await runner.setup()
    await serving.start_site(runner, sock, ssl_context=context)
    return state


async def _settle(state: APIServer) -> None:
    # Ready means ready to use: every namespace has its default ServiceAccount and root CA (pods,
    # CoreDNS's among them, may still be starting: horizon 0 does not wait for delayed work).
    try:
        await state.settle(timeout=READY_SETTLE_TIMEOUT, horizon=0)
    except TimeoutError:
        log.warning("controllers were still busy after %ss; serving anyway", READY_SETTLE_TIMEOUT)


async def _unless_stopped(step: Awaitable[T], stopping: asyncio.Future[Any]) -> tuple[bool, T | None]:
    """(True, result) of a start-up step that may wait on the outside world (an etcd to connect
    to, controllers to settle), or (False, None) if a signal came first: the step is cancelled."""
    task = asyncio.ensure_future(step)
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        return True, task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False, None


async def serve(config: ServerConfig) -> None:
    # Signals first: a Ctrl-C during start-up ends the start at the next step and closes what
    # it opened, rather than cancelling whichever step happened to be running.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    sock = _listen(config.bind_address, config.secure_port)
    url = config.server_url(sock.getsockname()[1])
    # the admin kubeconfig follows the address bound now, whatever an earlier start wrote
    # the advertised address is what kubeconfigs dial, so the serving certificate must name it
    sans = (*config.tls_san, *([config.advertise_address] if config.advertise_address else []))
    files = pki.ensure_pki(
        config.pki_dir, server_url=url, key_type=config.key_type, extra_sans=sans, rewrite_kubeconfig=True,
    )
    for warning in [*_version_warnings(config), *files.warnings]:
        log.warning("%s", warning)
    context = server_context(
        cert_file=config.tls_cert_file or files.serving_cert,
        key_file=config.tls_private_key_file or files.serving_key,
        client_ca_files=client_ca_files(config, cluster_ca=files.ca_cert),
    )
    started = _Started()
    stopping = asyncio.ensure_future(stop.wait())
    try:
        # StorageOpenError: one line, from the CLI
        _, backend = await _unless_stopped(open_backend(config), stopping)
        if backend is None:
            return
        started.backend = backend
        state = await _build(config, sock, context, files, started)  # local work: not interrupted
        settled, _ = await _unless_stopped(_settle(state), stopping)
        if not settled:
            return
        print(
            f"kubegate: serving on {url} (kubeconfig: {files.admin_kubeconfig.resolve()}; "
            f"store: {describe(backend, config)})",
            flush=True,
        )
        # after the ready line, so that neither it nor the first requests wait for a full collection
        asyncio.get_running_loop().call_later(gc_tuning.SETTLE_DELAY, gc_tuning.settle_heap)
        await stopping
    finally:
        stopping.cancel()
        log.info("shutting down")
        await started.close()
        sock.close()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OneLineFormatter(logging.Formatter):
    """Every message on one line: a control character left in one (a newline from a client,
    say) is written as its Go escape. Fields from requests are quoted where they are logged
    (`gofmt.klog_pairs`); this is the net under that. Tracebacks are left as they are."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        if _CONTROL.search(record.message):
            record.message = _CONTROL.sub(lambda m: go_quote(m.group())[1:-1], record.message)
        return super().formatMessage(record)


def configure_logging(v: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if v >= 1 else logging.WARNING, handlers=[handler])


def run(config: ServerConfig) -> int:
    configure_logging(config.v)
    malloc.fix_mmap_threshold()  # freed large objects go back to the system
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but not on every platform
        asyncio.run(serve(config))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(config))
    return 0
