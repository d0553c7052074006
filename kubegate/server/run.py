"""Running the server: PKI on first start, the listening socket, signals, the ready line.

The socket is bound before the PKI is written so that `--secure-port 0` (a free port, for tests)
ends up in the admin kubeconfig. SIGINT and SIGTERM close watches and connections cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys

from kubegate import pki
from kubegate.api.gofmt import go_quote
from kubegate.config import ServerConfig
from kubegate.server import malloc, serving
from kubegate.server.app import build_app, build_state
from kubegate.server.tls import client_ca_files, server_context
from kubegate.storage.factory import describe, open_backend

log = logging.getLogger("kubegate")

#: How long start-up waits for the controllers to create the default objects.
READY_SETTLE_TIMEOUT = 10.0


async def serve(config: ServerConfig) -> None:
    sock = serving.listen(config.bind_address, config.secure_port)
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
    runner = serving.make_runner(
        app, access_log=log if config.v >= 2 else None,
        header_timeout=config.http_header_timeout, idle_timeout=config.http_idle_timeout,
    )
    await runner.setup()
    await serving.start_site(runner, sock, ssl_context=context)
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
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()


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
