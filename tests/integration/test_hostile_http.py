"""Hostile HTTP: malformed requests, forged log lines, stalled connections, too many requests.

Each malformed request is refused as Go's http.Server refuses it (a fixed `400 Bad Request` or
`431 Request Header Fields Too Large`, connection closed) with nothing of the request echoed
back and nothing logged: a bearer token in a header the parser rejects must not reach the log
at any verbosity. Slow and silent connections are closed at the header deadline, idle ones at
the idle timeout (both shortened here so that the tests take well under a second each).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess

import pytest

from kubegate.server import serving
from kubegate.server.run import OneLineFormatter
from tests.integration.conftest import StartServer
from tests.support import raw_tls
from tests.support.inprocess import Identity, InProcessServer

TOKEN = b"s3cr3t-t0ken-value"

MALFORMED: dict[str, tuple[bytes, int]] = {
    "CR inside the Authorization value": (
        b"GET /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + b"\rmore\r\n\r\n", 400),
    "trailing control byte": (b"GET /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + b"\x01\r\n\r\n", 400),
    "space before the colon": (b"GET /api HTTP/1.1\r\nHost: x\r\nAuthorization : Bearer " + TOKEN + b"\r\n\r\n", 400),
    "header over 1 MiB": (
        b"GET /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + b"A" * (1 << 20) + b"\r\n\r\n", 431),
    "Content-Length with Transfer-Encoding": (
        b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "duplicate Content-Length": (
        b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd", 400),
    "obs-fold": (b"GET /api HTTP/1.1\r\nHost: x\r\nX-A: " + TOKEN + b"\r\n continued\r\n\r\n", 400),
    "bare LF": (b"GET /api HTTP/1.1\nHost: x\nAuthorization: Bearer " + TOKEN + b"\n\n", 400),
    "NUL in a header name": (b"GET /api HTTP/1.1\r\nHost: x\r\nX\x00A: " + TOKEN + b"\r\n\r\n", 400),
    "0xFF in the path": (b"GET /api/\xff" + TOKEN + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "2 MB request line": (b"GET /" + TOKEN + b"a" * (2 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    "20k headers": (
        b"GET /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + b"\r\n"
        + b"".join(b"X-%d: y\r\n" % i for i in range(20000)) + b"\r\n", 431),
}


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # any -v: nothing may show up even at the most verbose
    return caplog


@pytest.mark.parametrize("raw, status", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_request_gets_a_quiet_fixed_refusal(
    api: InProcessServer, all_logs: pytest.LogCaptureFixture, raw: bytes, status: int
) -> None:
    answer = await raw_tls.send(api, raw)
    assert answer.closed
    assert answer.status == status
    assert answer.body == {400: b"400 Bad Request", 431: b"431 Request Header Fields Too Large"}[status]
    assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert answer.header("Server") is None
    assert TOKEN not in answer.raw
    for record in all_logs.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert record.exc_info is None, record.getMessage()
        assert TOKEN.decode() not in record.getMessage()
    # and the server goes on serving
    ok = await raw_tls.send(api, b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.status == 200


async def test_no_response_names_the_server_software(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", "/api/v1/namespaces", identity=admin)
    assert response.status == 200
    assert "Server" not in response.headers
    missing = await api.request("GET", "/api/v1/namespaces/none/configmaps/none", identity=admin)
    assert missing.status == 404 and "Server" not in missing.headers


async def test_a_newline_in_the_path_cannot_forge_a_log_line(
    api: InProcessServer, all_logs: pytest.LogCaptureFixture
) -> None:
    raw = (
        b"GET /api/v1/pods%0a2026-01-01%20INFO%20kubegate:%20forged HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer not-a-token\r\nConnection: close\r\n\r\n"
    )
    answer = await raw_tls.send(api, raw)
    assert answer.status == 401
    formatter = OneLineFormatter("%(levelname)s %(name)s: %(message)s")
    lines = [formatter.format(record) for record in all_logs.records if record.name.startswith("kubegate")]
    refused = [line for line in lines if "Unable to authenticate" in line]
    expected = (
        'INFO kubegate.authn: "Unable to authenticate the request" method="GET" '
        'path="/api/v1/pods\\n2026-01-01 INFO kubegate: forged" err="invalid bearer token"'
    )
    assert refused == [expected]
    assert all("\n" not in line for line in lines)


def test_the_log_formatter_keeps_every_message_on_one_line() -> None:
    record = logging.LogRecord("kubegate", logging.WARNING, __file__, 1, "a %s b", ("x\ny\r\x1b",), None)
    assert OneLineFormatter("%(message)s").format(record) == "a x\\ny\\r\\x1b b"


async def test_not_utf8_in_impersonate_user_is_a_status_not_a_500(api: InProcessServer) -> None:
    answer = await raw_tls.send(
        api, b"GET /api HTTP/1.1\r\nHost: x\r\nImpersonate-User: \xc3(\xff\r\nConnection: close\r\n\r\n"
    )
    assert answer.status == 403
    assert answer.header("Content-Type") == "application/json"
    assert b'users \\"\xef\xbf\xbd(\xef\xbf\xbd\\" is forbidden' in answer.body  # U+FFFD, as Go's JSON


# -- connections ---------------------------------------------------------------------------


@pytest.fixture
async def impatient(start_server: StartServer) -> InProcessServer:
    return await start_server(http_header_timeout=0.3, http_idle_timeout=0.6)


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    return (await raw_tls.read_until_closed(reader, timeout=seconds)).closed


async def test_a_tcp_connection_that_never_starts_tls_is_closed(impatient: InProcessServer) -> None:
    reader, writer = await asyncio.open_connection(*raw_tls.address(impatient))
    try:
        assert await closed_within(reader, 3.0)
    finally:
        writer.close()


async def test_a_tls_connection_that_never_sends_a_request_is_closed(impatient: InProcessServer) -> None:
    reader, writer = await raw_tls.open_tls(impatient)
    try:
        assert await closed_within(reader, 3.0)
    finally:
        writer.close()


async def test_a_client_trickling_header_lines_is_closed_at_the_header_deadline(impatient: InProcessServer) -> None:
    reader, writer = await raw_tls.open_tls(impatient)
    try:
        writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\n")
        for index in range(30):  # 3 s of one header line every 0.1 s: far past the 0.3 s deadline
            if reader.at_eof():
                break
            writer.write(b"X-Slow-%d: y\r\n" % index)
            await writer.drain()
            await asyncio.sleep(0.1)
        assert await closed_within(reader, 0.5)
    except ConnectionError:
        pass  # closed while we were writing: what we want
    finally:
        writer.close()


async def test_a_prompt_request_is_served_and_an_idle_keep_alive_connection_closed(
    impatient: InProcessServer,
) -> None:
    reader, writer = await raw_tls.open_tls(impatient)
    try:
        writer.write(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert await closed_within(reader, 3.0)  # idle timeout 0.6 s
    finally:
        writer.close()


def listen_queue(port: int) -> int:
    """`ss -ltn`'s Send-Q of the listener on `port`: for a listening socket, its backlog."""
    shown = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True)
    return int(shown.stdout.split()[2])


def test_the_listen_backlog_is_the_system_maximum() -> None:
    backlog = serving.listen_backlog()
    assert backlog >= 1024
    try:
        with open("/proc/sys/net/core/somaxconn") as file:
            assert backlog == max(1024, int(file.read()))
    except FileNotFoundError:
        pass
    if shutil.which("ss") is None:
        return
    sock = serving.listen("127.0.0.1", 0)
    try:
        assert listen_queue(sock.getsockname()[1]) >= 1024
    finally:
        sock.close()


async def test_the_served_socket_keeps_its_backlog(api: InProcessServer) -> None:
    # aiohttp's site would listen() again with 128; ours passes the system maximum on
    if shutil.which("ss") is None:
        pytest.skip("ss is not installed")
    assert listen_queue(raw_tls.address(api)[1]) >= 1024

