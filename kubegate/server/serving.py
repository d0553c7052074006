"""Secure serving: the listening socket and each HTTP/1.1 connection, as Go's http.Server runs them.

kube-apiserver serves with Go's `http.Server` (MaxHeaderBytes 1 MiB, ReadHeaderTimeout 32 s,
IdleTimeout 90 s) on a listener whose backlog is the system's maximum. aiohttp's defaults differ
in ways a hostile or broken client notices, so this module puts Go's behaviour around aiohttp:

- A request the HTTP parser refuses (a control byte in a header, `Name :`, CL+TE, obs-fold, a
  header over 1 MiB...) gets Go's short plain-text answer, `400 Bad Request` or
  `431 Request Header Fields Too Large`, and the connection closes. Nothing of the request is
  echoed or logged: aiohttp's own answer quotes the offending line (a bearer token, say) in the
  body and logs it with a traceback.
- The TLS handshake, and then the request headers, must arrive within the header timeout; an idle
  keep-alive connection closes after the idle timeout. aiohttp alone keeps a silent or trickling
  connection for an hour.
- No `Server` header: the real server sends none.
- Header values are Go strings (bytes) where aiohttp decodes them with surrogate escapes; a byte
  that is not UTF-8 becomes U+FFFD here, once, as Go's JSON encoder would render it later, so no
  later stage meets a string it cannot encode.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_request import BaseRequest
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api import errors
from kubegate.api.gofmt import klog_pairs

log = logging.getLogger("kubegate.serving")

#: Go's http.Server limit on the request line and headers together (kube-apiserver: 1 MiB).
MAX_HEADER_BYTES = 1 << 20
#: kube-apiserver's ReadHeaderTimeout; also bounds the TLS handshake, as Go's does.
HEADER_TIMEOUT = 32.0
#: kube-apiserver's IdleTimeout for keep-alive connections between requests.
IDLE_TIMEOUT = 90.0
#: How long a closing TLS connection waits for the client's close_notify.
SSL_SHUTDOWN_TIMEOUT = 5.0
#: aiohttp refuses more header lines than this; Go only bounds their bytes.
MAX_HEADERS = 10_000
_SOMAXCONN = "/proc/sys/net/core/somaxconn"
_MIN_BACKLOG = 1024


def listen_backlog() -> int:
    """The listen backlog: the system's maximum, as Go's listener asks for, and at least 1024."""
    try:
        with open(_SOMAXCONN) as file:
            return max(_MIN_BACKLOG, int(file.read().strip()))
    except (OSError, ValueError):
        return max(_MIN_BACKLOG, socket.SOMAXCONN)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(listen_backlog())
    sock.setblocking(False)
    return sock


def _refusal(exc: BaseException | None) -> HTTPStatus:
    """Go answers 431 when the request line and headers outgrow the limit, else 400."""
    if isinstance(exc, LineTooLong) or (
        isinstance(exc, HttpProcessingError) and "Too many headers" in str(exc.message)
    ):
        return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
    return HTTPStatus.BAD_REQUEST


class _BareResponse(web.Response):
    """A response without aiohttp's `Server` header (for answers no application hook sees)."""

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self.headers.popall(hdrs.SERVER, None)


async def drop_server_header(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: the real server names no software."""
    response.headers.popall(hdrs.SERVER, None)


def go_header_value(value: str) -> str:
    """A header value as a Go string renders: bytes that are not UTF-8 become U+FFFD."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _go_headers(headers: CIMultiDictProxy[str]) -> CIMultiDictProxy[str] | None:
    """The headers with undecodable bytes replaced, or None when there were none."""
    if all(value.isascii() for value in headers.values()):
        return None
    return CIMultiDictProxy(CIMultiDict((name, go_header_value(value)) for name, value in headers.items()))


class Connection(web.RequestHandler):
    """One client connection: aiohttp's handler with Go's refusals and header deadline.

    The deadline runs from the end of the TLS handshake (or from the first byte of a later
    request on a keep-alive connection) until a request's headers are complete; a connection
    that misses it is closed without an answer, as Go closes it.
    """

    def __init__(self, manager: web.Server, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._header_timeout = header_timeout
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        requests = self._request_count
        super().data_received(data)
        if self._request_count != requests:
            self._disarm_header_deadline()  # a request's headers are complete
        elif self._header_deadline is None and not self._request_in_progress and not self._messages:
            self._arm_header_deadline()  # the first bytes of the next request

    def _arm_header_deadline(self) -> None:
        if self._header_timeout > 0 and self._header_deadline is None:
            requests = self._request_count
            self._header_deadline = self._loop.call_later(self._header_timeout, self._header_timed_out, requests)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_timed_out(self, requests: int) -> None:
        self._header_deadline = None
        if self._request_count == requests and not self._request_in_progress:
            if self.transport is not None:
                self.transport.abort()  # no TLS goodbye to wait for: the client is not reading
            self.force_close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status == HTTPStatus.INTERNAL_SERVER_ERROR and request.writer.output_size == 0:
            return self._internal_error(request, exc)
        if status != HTTPStatus.BAD_REQUEST or not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        # The parser refused the request: Go's fixed answer, nothing of the request echoed or logged.
        refusal = _refusal(exc)
        response = _BareResponse(
            status=refusal.value, text=f"{refusal.value} {refusal.phrase}",
            content_type="text/plain", charset="utf-8",
        )
        response.force_close()
        return response


    def _internal_error(self, request: BaseRequest, exc: BaseException | None) -> web.StreamResponse:
        """An exception no filter caught (a bug): one log line with the traceback, and the
        generic 500 Status the errors filter gives, not aiohttp's plain text."""
        log.error('"Unhandled error" %s', klog_pairs(method=request.method, path=request.path), exc_info=exc)
        status = errors.internal("an unexpected error occurred; the server log has the details").to_status()
        response = _BareResponse(status=500, body=orjson.dumps(status), content_type="application/json")
        response.force_close()
        return response


class _Server(web.Server):
    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        app_factory = self.request_factory

        def request_factory(message: Any, *rest: Any) -> BaseRequest:
            headers = _go_headers(message.headers)
            if headers is not None:
                message = message._replace(headers=headers)
            return app_factory(message, *rest)

        self.request_factory = request_factory

    def __call__(self) -> Connection:
        return Connection(self, loop=self._loop, header_timeout=self._header_timeout, **self._kwargs)


class Runner(web.AppRunner):
    """An AppRunner whose connections are `Connection`s."""

    def __init__(self, app: web.Application, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # runs the application's start-up and freezes it
        return _Server(
            plain.request_handler, request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation, loop=plain._loop,
            header_timeout=self.header_timeout, **plain._kwargs,
        )


class _Site(web.SockSite):
    """A site on an already bound socket whose TLS handshakes have the header deadline."""

    def __init__(self, runner: Runner, sock: socket.socket, *, handshake_timeout: float, **kwargs: Any) -> None:
        super().__init__(runner, sock, **kwargs)
        self._handshake_timeout = handshake_timeout

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site; SockSite's own start is replaced
        server = self._runner.server
        assert server is not None
        extra: dict[str, Any] = {}
        if self._ssl_context is not None and self._handshake_timeout > 0:
            extra["ssl_handshake_timeout"] = self._handshake_timeout
        if self._ssl_context is not None:
            # Go gives a closing TLS connection 5 s to write its close_notify; asyncio would wait
            # 30 s for the peer's answer, keeping an idle client's socket that long
            extra["ssl_shutdown_timeout"] = min(SSL_SHUTDOWN_TIMEOUT, self._handshake_timeout or SSL_SHUTDOWN_TIMEOUT)
        self._server = await asyncio.get_running_loop().create_server(
            server, sock=self._sock, ssl=self._ssl_context, backlog=self._backlog, **extra
        )


def make_runner(
    app: web.Application, *, header_timeout: float = HEADER_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT, **options: Any,
) -> Runner:
    """The runner for `app` (`options`: AppRunner's, such as access_log and shutdown_timeout).

    handler_cancellation: a request whose client hung up is cancelled, as the real server
    cancels its context, so an abandoned watch ends at once rather than at its deadline.
    """
    options.setdefault("shutdown_timeout", 2.0)
    return Runner(
        app, handle_signals=False, max_line_size=MAX_HEADER_BYTES, max_field_size=MAX_HEADER_BYTES,
        max_headers=MAX_HEADERS, handler_cancellation=True, keepalive_timeout=idle_timeout,
        header_timeout=header_timeout, **options,
    )


async def start_site(runner: Runner, sock: socket.socket, *, ssl_context: ssl.SSLContext | None) -> None:
    """Serve the set-up `runner` on the bound `sock`; `runner.cleanup()` stops it."""
    site = _Site(
        runner, sock, ssl_context=ssl_context, backlog=listen_backlog(), handshake_timeout=runner.header_timeout,
    )
    await site.start()
