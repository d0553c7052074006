"""Running the server: PKI on first start, the listening socket, signals, the ready line.

The socket is bound before the PKI is written so that `--secure-port 0` (a free port, for tests)
ends up in the admin kubeconfig. SIGINT and SIGTERM close watches and connections cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys

from aiohttp import web

from kubegate import pki
from kubegate.config import ServerConfig
from kubegate.server import gc_tuning
from kubegate.server.app import MAX_HEADER_BYTES, build_app, build_state
from kubegate.server.tls import client_ca_files, server_context
from kubegate.storage.factory import describe, open_backend

log = logging.getLogger("kubegate")

#: How long start-up waits for the controllers to create the default objects.
READY_SETTLE_TIMEOUT = 10.0


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(config: ServerConfig) -> None:
    sock = _listen(config.bind_address, config.secure_port)
    port = sock.getsockname()[1]
    url = config.server_url(port)
    files = pki.ensure_pki(
        config.pki_dir, server_url=url, key_type=config.key_type, extra_sans=config.tls_san
    )
    for warning in files.warnings:
        log.warning("%s", warning)
    context = server_context(
        cert_file=config.tls_cert_file or files.serving_cert,
        key_file=config.tls_private_key_file or files.serving_key,
        client_ca_files=client_ca_files(config, cluster_ca=files.ca_cert),
    )
    backend = await open_backend(config)  # StorageOpenError: one line, from the CLI
    state = await build_state(config, pki=files, port=port, backend=backend)
    app = build_app(state)
    # handler_cancellation: a request whose client hung up is cancelled, as the real server
    # cancels its context, so an abandoned watch ends at once rather than at its deadline.
    runner = web.AppRunner(
        app, access_log=log if config.v >= 2 else None, handle_signals=False, shutdown_timeout=2.0,
        max_line_size=MAX_HEADER_BYTES, max_field_size=MAX_HEADER_BYTES, handler_cancellation=True,
    )
    await runner.setup()
    site = web.SockSite(runner, sock, ssl_context=context)
    await site.start()
    # Ready means ready to use: every namespace has its default ServiceAccount and root CA (pods,
    # CoreDNS's among them, may still be starting: horizon 0 does not wait for delayed work).
    try:
        await state.settle(timeout=READY_SETTLE_TIMEOUT, horizon=0)
    except TimeoutError:
        log.warning("controllers were still busy after %ss; serving anyway", READY_SETTLE_TIMEOUT)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(
        f"kubegate: serving on {url} (kubeconfig: {files.admin_kubeconfig.resolve()}; "
        f"store: {describe(backend, config)})",
        flush=True,
    )
    # after the ready line, so that neither it nor the first requests wait for a full collection
    loop.call_later(gc_tuning.SETTLE_DELAY, gc_tuning.settle_heap)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()


def run(config: ServerConfig) -> int:
    logging.basicConfig(
        level=logging.INFO if config.v >= 1 else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but not on every platform
        asyncio.run(serve(config))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(config))
    return 0
