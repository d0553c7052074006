"""`kubegate.Server`: a whole kubegate inside the test process, serving real TLS on a free port.

    with kubegate.Server(authorization_mode="RBAC", nodes=2) as server:   # its own thread
        subprocess.run(["kubectl", "--kubeconfig", server.kubeconfig, "get", "pods"])

    async with kubegate.Server() as server:                               # the caller's loop
        ...

`with` runs the server on a thread of its own with its own event loop, so that synchronous
clients (kubectl, the official Python client, requests) can block while it answers; `async
with` serves from the caller's loop, for asyncio clients. Options are `ServerConfig`'s (the
flags, with `_` for `-`); the defaults differ from `kubegate serve` only where a test needs
it: a free port, a fresh in-memory store, and a PKI shared by the whole process (generated on
the first start; a server starts in about a tenth of a second after that).

Methods that talk to the server come in pairs: `apply`, `token`, `settle` block (they hop onto
the server's loop), and `aapply`, `atoken`, `asettle` are awaited on the server's loop
(`async with`). `user` only issues a certificate and needs no loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
import socket
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from kubegate import pki
from kubegate.api.faults import FaultSet
from kubegate.config import ServerConfig, from_options
from kubegate.endpoints.state import APIServer
from kubegate.server import serving
from kubegate.server.app import build_app, build_state, close_state
from kubegate.server.tls import client_ca_files, server_context
from kubegate.testing import certificates
from kubegate.testing.adminclient import AdminClient
from kubegate.testing.loopthread import LoopThread, call_in
from kubegate.testing.manifests import Manifests, apply_manifests
from kubegate.testing.requestlog import LINES_KEY, RequestLines, RequestLog, logger

T = TypeVar("T")

#: How long a start waits for the default objects (ServiceAccounts, root CA ConfigMaps).
READY_SETTLE_TIMEOUT = 10.0


class Server:
    """A kubegate for one test or one session; see the module docstring."""

    def __init__(self, *, manifests: Manifests = (), **options: Any) -> None:
        """`manifests` are applied once the server runs, before the `faults` file takes effect."""
        self._own_pki = options.get("pki_dir") is not None
        self.config: ServerConfig = from_options({"secure_port": 0, **options}, source="kubegate.Server")
        self._manifests = manifests
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: LoopThread | None = None
        self._state: APIServer | None = None
        self._runner: web.AppRunner | None = None
        self._client: AdminClient | None = None
        self._files: pki.PkiFiles | None = None
        self._dir: Path | None = None
        self._lines = RequestLines()
        self.url = ""
        self.port = 0

    def __repr__(self) -> str:
        return f"<kubegate.Server {self.url or 'not running'}>"

    # --- what a test uses ----------------------------------------------------------------------

    @property
    def state(self) -> APIServer:
        """The running server's state (store, catalog, controllers), for in-process inspection."""
        if self._state is None:
            raise RuntimeError("the kubegate Server is not running (use `with` or `async with`)")
        return self._state

    @property
    def faults(self) -> FaultSet:
        """The fault rules in force: `server.faults.add(match={...}, respond={"code": 500})`, `.clear()`."""
        return self.state.faults

    @property
    def requests(self) -> list[str]:
        """The lines of the requests this server answered (the last 10,000), oldest first:
        `12:00:01.234 GET /api/v1/namespaces/default/pods 403 jane 1.2ms`."""
        return self._lines.since(0)

    @property
    def kubeconfig(self) -> Path:
        """An admin kubeconfig (kubernetes-admin, in system:masters) for this server's port."""
        return self._workdir / "admin.kubeconfig"

    @property
    def ca_file(self) -> Path:
        """The cluster CA, which signed the serving certificate and every client certificate."""
        return self._pki.ca_cert

    def user(self, name: str, groups: Sequence[str] = (), *, namespace: str | None = None) -> Path:
        """The path of a new kubeconfig whose client certificate (from the cluster CA) says
        `name` (CN) in `groups` (O); RBAC knows nothing of it until you bind it a role."""
        return certificates.write_user_kubeconfig(
            self._workdir, files=self._pki, server_url=self.url, user=name, groups=tuple(groups),
            namespace=namespace, key_type=self.config.key_type,
        )

    def apply(self, source: Manifests) -> list[dict[str, Any]]:
        """Create or update the objects in `source` (YAML text, a file or directory, objects) as
        the admin, with server-side apply; returns them as stored."""
        return self._call(self.aapply(source))

    async def aapply(self, source: Manifests) -> list[dict[str, Any]]:
        return await apply_manifests(self.state, self._admin.send, source)

    def token(
        self, serviceaccount: str, namespace: str = "default", *,
        audiences: Sequence[str] = (), expiration_seconds: int | None = None,
    ) -> str:
        """A token for the ServiceAccount from a TokenRequest (the account is created if missing)."""
        return self._call(self.atoken(
            serviceaccount, namespace, audiences=audiences, expiration_seconds=expiration_seconds,
        ))

    async def atoken(
        self, serviceaccount: str, namespace: str = "default", *,
        audiences: Sequence[str] = (), expiration_seconds: int | None = None,
    ) -> str:
        return await self._admin.token(
            serviceaccount, namespace, audiences=audiences, expiration_seconds=expiration_seconds,
        )

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every write is in the watch cache and no controller has work queued or due
        within two seconds (pods just created are then Running); TimeoutError after `timeout`."""
        self._call(self.asettle(timeout))

    async def asettle(self, timeout: float = 30.0) -> None:
        await self.state.settle(timeout=timeout)

    # --- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        if self._loop is not None:
            raise RuntimeError("this kubegate Server is already running")
        self._loop = asyncio.get_running_loop()
        try:
            await self._astart()
        except BaseException:
            self._loop = None
            raise
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            await self._astop()
        finally:
            self._loop = None

    def start(self) -> None:
        """Serve from a new thread with its own event loop (what `with` does)."""
        if self._loop is not None:
            raise RuntimeError("this kubegate Server is already running")
        thread = self._thread = LoopThread("kubegate-server")
        self._loop = thread.loop
        try:
            call_in(thread.loop, self._astart())
        except BaseException:
            self._end_thread()
            raise

    def stop(self) -> None:
        """Stop serving, close the store and end the thread."""
        if self._loop is None or self._thread is None:
            return
        try:
            call_in(self._loop, self._astop())
        finally:
            self._end_thread()

    def _flush(self) -> None:
        """Let a threaded server's loop go round, so that a request it has just answered writes
        its request line (the pytest plugin calls this before reporting a failure)."""
        if self._thread is not None:
            self._thread.flush()

    def _end_thread(self) -> None:
        if self._thread is not None:
            self._thread.stop()
        self._loop = self._thread = None

    async def _astart(self) -> None:
        config = self.config
        sock = _listen(config.bind_address, config.secure_port)
        self.port = sock.getsockname()[1]
        self.url = config.server_url(self.port)
        self._dir = Path(tempfile.mkdtemp(prefix="kubegate-"))
        try:
            files = self._files = self._make_pki()
            # the faults file takes effect after the manifests are in (see __init__)
            state = await build_state(dataclasses.replace(config, faults=None), pki=files, port=self.port)
        except BaseException:
            sock.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        try:
            await self._serve(state, sock, files)
            certificates.write_admin_kubeconfig(self._dir, files=files, server_url=self.url)
            if self._manifests:
                await self.aapply(self._manifests)
            if config.faults is not None:
                state.faults.load(config.faults)
        except BaseException:
            await self._astop()
            raise

    async def _serve(self, state: APIServer, sock: socket.socket, files: pki.PkiFiles) -> None:
        self._state = state
        try:
            try:
                await state.settle(timeout=READY_SETTLE_TIMEOUT, horizon=0)
            except TimeoutError:
                logging.getLogger("kubegate").warning("controllers were still busy after %ss", READY_SETTLE_TIMEOUT)
            app = build_app(state)
            app[LINES_KEY] = self._lines
            # handler_cancellation: a request whose client hung up is cancelled, as in `kubegate serve`
            runner = serving.make_runner(
                app, access_log=logger, access_log_class=RequestLog, shutdown_timeout=0.5,
                header_timeout=state.config.http_header_timeout, idle_timeout=state.config.http_idle_timeout,
            )
            await runner.setup()
        except BaseException:
            await close_state(state)
            sock.close()
            raise
        self._runner = runner
        context = server_context(
            cert_file=self.config.tls_cert_file or files.serving_cert,
            key_file=self.config.tls_private_key_file or files.serving_key,
            client_ca_files=client_ca_files(self.config, cluster_ca=files.ca_cert),
        )
        try:
            await serving.start_site(runner, sock, ssl_context=context)
        except BaseException:
            sock.close()
            raise

    async def _astop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()  # closes the store and stops the controllers too
            self._runner = None
        self._state = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _make_pki(self) -> pki.PkiFiles:
        config = self.config
        if self._own_pki:
            files = pki.ensure_pki(config.pki_dir, server_url=self.url, key_type=config.key_type, extra_sans=config.tls_san)
            for warning in files.warnings:
                # the directory's own admin.kubeconfig names an earlier port; ours is written apart
                if not warning.startswith(str(files.admin_kubeconfig)):
                    logging.getLogger("kubegate").warning("%s", warning)
            return files
        return certificates.shared_pki(key_type=config.key_type, extra_sans=config.tls_san)

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def _workdir(self) -> Path:
        if self._dir is None or self._state is None:
            raise RuntimeError("the kubegate Server is not running (use `with` or `async with`)")
        return self._dir

    @property
    def _pki(self) -> pki.PkiFiles:
        if self._files is None:
            raise RuntimeError("the kubegate Server is not running (use `with` or `async with`)")
        return self._files

    @property
    def _admin(self) -> AdminClient:
        if self._client is None:
            self._client = AdminClient(self.url, self._pki)
        return self._client

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop from another thread, and wait for it."""
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the kubegate Server is not running (use `with` or `async with`)")
        return call_in(self._loop, coroutine)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock
