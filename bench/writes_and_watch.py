"""Issue 15's write and watch rows, measured side by side with their floors in one run.

Run by hand: `.venv/bin/python bench/writes_and_watch.py [--watchers 1000] [--rows post,patch,watch]`.
It starts `kubegate serve` pinned to core 0 (no controllers, so nothing else writes) and measures
from this process, pinned to core 1:

* post  : ConfigMap creates (generateName) with wrk, against keep-alive GET on the same server;
* patch : strategic-merge PATCHes of a Deployment's annotation with wrk, against the same GET;
* watch : one event (a merge PATCH of a ConfigMap) reaching N mTLS watch streams, p99 from the
          moment the PATCH is sent to each stream's line, against a bare aiohttp + uvloop TLS
          server on core 0 that streams the very same event bytes to N connections (this file,
          `--floor`), fired by one POST.

The machine is shared: only the ratios mean anything. The watch rounds alternate the two sides so
that noise falls on both. N=1000 needs about 2,100 file descriptors here (raised to the hard limit
when possible; with fewer, pass `--watchers 500`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
from wrkload import PATCH_LUA, POST_LUA, wait_ready, wrk

ROOT = Path(__file__).resolve().parents[1]
SHIM_SRC = ROOT.parent.parent / "shared" / "tools" / "clientcert_shim.c"
NAMESPACE = "bench"
ROWS = ("post", "patch", "watch")



def deployment() -> dict[str, object]:
    container = {
        "name": "main", "image": "registry.example.com/web/frontend:1.27.3",
        "args": ["--port=8080", "--log-level=info"],
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "MODE", "value": "production"}, {"name": "SHARD", "value": "1"}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}],
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container], "volumes": [{"name": "config", "configMap": {"name": "web-config"}}]},
            },
        },
    }  # fmt: skip


def client_context(pki: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    return context


class Stream:
    """One raw HTTP/1.1 connection over mutual TLS: small requests, or one long watch."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, context: ssl.SSLContext) -> Stream:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, limit=1 << 24)
        return cls(reader, writer)

    def send(self, method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> None:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)

    async def headers(self) -> dict[str, str]:
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        headers[":status"] = str(status)
        return headers

    async def request(self, method: str, path: str, body: object = None, content_type: str = "application/json") -> bytes:
        self.send(method, path, orjson.dumps(body) if body is not None else b"", content_type)
        headers = await self.headers()
        if headers.get("transfer-encoding") == "chunked":
            answer = b""
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2], 16):
                answer += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            answer = await self.reader.readexactly(int(headers.get("content-length", "0")))
        assert headers[":status"] in ("200", "201"), (headers[":status"], answer[:300])
        return answer

    async def line(self) -> bytes:
        """The next event of a chunked watch stream (one chunk holding one line)."""
        size = int((await self.reader.readuntil(b"\r\n"))[:-2], 16)
        return (await self.reader.readexactly(size + 2))[:-2]

    def close(self) -> None:
        self.writer.close()


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def fan_out_round(streams: list[Stream], fire: Callable[[], Awaitable[object]]) -> tuple[list[float], bytes]:
    """Latencies in ms from firing to each stream's next line, and that line."""
    arrived: list[float] = []
    lines: list[bytes] = []

    async def receive(stream: Stream) -> None:
        lines.append(await stream.line())
        arrived.append(time.perf_counter())

    receivers = [asyncio.ensure_future(receive(stream)) for stream in streams]
    await asyncio.sleep(0.05)  # every receiver is waiting
    started = time.perf_counter()
    await fire()
    await asyncio.wait_for(asyncio.gather(*receivers), 60)
    return [(at - started) * 1000 for at in arrived], lines[0]


async def open_watchers(count: int, port: int, context: ssl.SSLContext, path: str) -> list[Stream]:
    streams: list[Stream] = []
    for start in range(0, count, 50):
        batch = await asyncio.gather(*(Stream.open(port, context) for _ in range(min(50, count - start))))
        for stream in batch:
            stream.send("GET", path)
        for stream in batch:
            headers = await stream.headers()
            assert headers[":status"] == "200", headers
        streams.extend(batch)
    return streams


async def watch_rows(args: argparse.Namespace, pki: Path, pin: list[str], processes: list[subprocess.Popen[str]]) -> tuple[float, float]:
    context = client_context(pki)
    control = await Stream.open(args.port, context)
    created = orjson.loads(
        await control.request("POST", f"/api/v1/namespaces/{NAMESPACE}/configmaps", {"metadata": {"name": "fan"}, "data": {"n": "0"}})
    )
    revision = created["metadata"]["resourceVersion"]
    path = f"/api/v1/namespaces/{NAMESPACE}/configmaps?watch=1&resourceVersion={revision}"
    ours = await open_watchers(args.watchers, args.port, context, path)
    counter = 0

    async def patch() -> None:
        nonlocal counter
        counter += 1
        body = {"data": {"n": str(counter)}}
        await control.request("PATCH", f"/api/v1/namespaces/{NAMESPACE}/configmaps/fan", body, "application/merge-patch+json")

    _, sample = await fan_out_round(ours, patch)  # warm-up, and the bytes the floor will send
    floor_port = args.port + 1
    floor = subprocess.Popen(  # noqa: ASYNC220 (nothing else runs meanwhile)
        [*pin, sys.executable, __file__, "--floor", "--pki-dir", str(pki), "--port", str(floor_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    processes.append(floor)
    wait_ready(floor)
    floor_control = await Stream.open(floor_port, context)
    bare = await open_watchers(args.watchers, floor_port, context, "/watch")
    event = sample

    async def fire() -> None:
        floor_control.send("POST", "/fire", event)
        await floor_control.headers()  # an empty answer

    await fan_out_round(bare, fire)
    ours_p99, bare_p99 = [], []
    for _ in range(args.rounds):
        latencies, _ = await fan_out_round(ours, patch)
        ours_p99.append(p99(latencies))
        latencies, line = await fan_out_round(bare, fire)
        bare_p99.append(p99(latencies))
        assert len(line) == len(sample)
    for stream in [*ours, *bare, control, floor_control]:
        stream.close()
    return statistics.median(ours_p99), statistics.median(bare_p99)


async def run(args: argparse.Namespace) -> None:
    rows = set(args.rows.split(","))
    work = Path(tempfile.mkdtemp(prefix="kubegate-bench-"))
    pki = work / "pki"
    py = sys.executable
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    if pin:
        os.sched_setaffinity(0, {1})
    serve = [*pin, py, "-m", "kubegate", "serve", "--pki-dir", str(pki), "--secure-port", str(args.port),
             "--nodes", "0", "--system-workloads", "false", "--controllers", "none"]  # fmt: skip
    processes: list[subprocess.Popen[str]] = []
    table: list[tuple[str, str, str, float, str]] = []

    def row(name: str, ours: str, floor: str, ratio: float, target: str) -> None:
        table.append((name, ours, floor, ratio, target))
        print(f"  {name}: {ours} | {floor} | {ratio:.2f} ({target})", file=sys.stderr, flush=True)

    try:
        server = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)  # noqa: ASYNC220
        processes.append(server)
        wait_ready(server)
        url = f"https://127.0.0.1:{args.port}"
        control = await Stream.open(args.port, client_context(pki))
        await control.request("POST", "/api/v1/namespaces", {"metadata": {"name": NAMESPACE}})
        # no controllers run: the ServiceAccount admission needs the namespace's default account
        await control.request("POST", f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts", {"metadata": {"name": "default"}})
        await control.request("POST", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment())
        await control.request("POST", f"/api/v1/namespaces/{NAMESPACE}/configmaps", {"metadata": {"name": "one"}, "data": {"k": "v"}})
        control.close()

        shim = work / "shim.so"
        have_wrk = bool(shutil.which("wrk")) and SHIM_SRC.exists()
        if have_wrk and rows & {"post", "patch"}:
            subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(SHIM_SRC), "-ldl", "-lssl"], check=True)  # noqa: ASYNC221
            (work / "post.lua").write_text(POST_LUA)
            (work / "patch.lua").write_text(PATCH_LUA)
            get_url = f"{url}/api/v1/namespaces/{NAMESPACE}/configmaps/one"
            posts, patches, gets = [], [], []
            for _ in range(2):  # alternate, so noise falls on every side
                gets.append(wrk(get_url, pki, shim, args.seconds, connections=32)[0])
                if "post" in rows:
                    posts.append(wrk(f"{url}/api/v1/namespaces/{NAMESPACE}/configmaps", pki, shim, args.seconds, script=work / "post.lua"))
                if "patch" in rows:
                    deployment_url = f"{url}/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web"
                    patches.append(wrk(deployment_url, pki, shim, args.seconds, script=work / "patch.lua", connections=16))
            get_rate = statistics.mean(gets)
            for name, runs, target in (("POST creates (ConfigMaps)", posts, ">= 0.4"), ("PATCH (strategic merge, Deployment)", patches, ">= 0.25")):
                if runs:
                    rate = statistics.mean(r for r, _ in runs)
                    latency = statistics.mean(p for _, p in runs)
                    row(name, f"{rate:,.0f}/s p99 {latency:.1f} ms", f"GET: {get_rate:,.0f}/s", rate / get_rate, target)
        elif rows & {"post", "patch"}:
            print("wrk or the client-cert shim is missing: post/patch rows skipped", file=sys.stderr)

        if "watch" in rows:
            ours_ms, bare_ms = await watch_rows(args, pki, pin, processes)
            row(f"one event to {args.watchers} mTLS watchers, p99", f"{ours_ms:.1f} ms", f"bare fan-out: {bare_ms:.1f} ms", ours_ms / bare_ms, "<= 1.3")
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("\n| measure | kubegate | floor in the same run | ratio | target |\n|---|---|---|---|---|")
    for name, ours, floor_text, ratio, target in table:
        print(f"| {name} | {ours} | {floor_text} | {ratio:.2f} | {target} |")


async def floor_server(pki_dir: Path, port: int) -> None:
    """The bare fan-out: N chunked streams, each sent the bytes of one POST /fire."""
    from aiohttp import web

    from kubegate.server.tls import server_context

    loop = asyncio.get_running_loop()
    fired: asyncio.Future[bytes] = loop.create_future()

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        while True:
            await response.write(await asyncio.shield(fired))

    async def fire(request: web.Request) -> web.Response:
        nonlocal fired
        current, fired = fired, loop.create_future()
        current.set_result(await request.read())
        return web.Response(body=b"")

    app = web.Application()
    app.router.add_get("/watch", stream)
    app.router.add_post("/fire", fire)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = server_context(
        cert_file=pki_dir / "apiserver.crt", key_file=pki_dir / "apiserver.key", client_ca_files=[pki_dir / "ca.crt"]
    )
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context, backlog=4096).start()
    print(f"bare fan-out: serving on https://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15, help="events per side in the watch row")
    parser.add_argument("--seconds", type=float, default=5, help="duration of each wrk run")
    parser.add_argument("--port", type=int, default=16611)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pki-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import uvloop

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.floor:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(floor_server(args.pki_dir, args.port))
        return
    if not args.floor and max(soft, hard) < 2 * args.watchers + 100:
        print(f"ulimit -n {max(soft, hard)} is too low for {args.watchers} watchers: using 500", file=sys.stderr)
        args.watchers = 500
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
