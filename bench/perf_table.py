"""Issue 15's table, measured side by side with its floors in one run, printed as ratios.

Run by hand: `.venv/bin/python bench/perf_table.py [--pods 10000] [--rows list,table,paging,get,post,patch]`.
It starts `kubegate serve` (pinned to core 0) and a bare aiohttp + uvloop TLS server on the same
core serving the very bytes kubegate answered (bench/bare_server.py), fills kubegate with Pods
from this process (pinned to core 1), then measures each row against its floor:

* list   : LIST of every Pod as JSON, kubegate vs the bare server answering the same bytes;
* table  : the same LIST as a Table (what kubectl asks for) vs that JSON floor;
* paging : reading every Pod by pages of 500 (kubectl's default) vs one full LIST on kubegate;
* get    : keep-alive mTLS GET of one Pod with wrk (through ../shared/tools/clientcert_shim.c),
           kubegate vs the bare server;
* rbac   : the same GET by a user a RoleBinding allows to read Pods, vs the admin (system:masters);
* post   : ConfigMap creates (generateName) with wrk, vs GET on the same server;
* patch  : strategic-merge PATCHes of a Deployment's annotation with wrk, vs GET on the same server;
* start  : exec to the ready line (PKI present) vs the bare server's.

The machine is shared: only the ratios mean anything, and the rows alternate the two sides to
spread noise over both. No controllers run (`--controllers none`), so nothing else writes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import orjson
from wrkload import PATCH_LUA, POST_LUA, wait_ready, wrk

from kubegate import pki as kubegate_pki

ROOT = Path(__file__).resolve().parents[1]
SHIM_SRC = Path(os.environ.get("SHIM_SRC", ROOT.parent.parent / "shared" / "tools" / "clientcert_shim.c"))
NAMESPACE = "bench"
PODS = f"/api/v1/namespaces/{NAMESPACE}/pods"
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
CONTINUE = re.compile(rb'"continue":"([^"]*)"')
ROWS = ("list", "table", "paging", "get", "rbac", "post", "patch", "start")


def pod(index: int) -> dict[str, object]:
    """A Pod of about 2 KB once stored, like a Deployment's."""
    name = f"web-{index:05d}"
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "labels": {"app": "web", "tier": "frontend", "shard": str(index % 16)},
            "annotations": {"example.com/owner": "team-web", "example.com/build": f"build-{index}"},
        },
        "spec": {
            "containers": [{
                "name": "main", "image": "registry.example.com/web/frontend:1.27.3",
                "args": ["--port=8080", "--log-level=info"],
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "MODE", "value": "production"}, {"name": "SHARD", "value": str(index % 16)}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
                "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}],
            }],
            "volumes": [{"name": "config", "configMap": {"name": "web-config"}}],
        },
    }  # fmt: skip


class Client:
    def __init__(self, url: str, pki: Path) -> None:
        self.url = url
        context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=64))

    async def read(self, path: str, *, accept: str = "application/json") -> bytes:
        async with self.session.get(self.url + path, headers={"Accept": accept}) as response:
            body = await response.read()
            assert response.status == 200, (response.status, body[:300])
            return body

    async def send(self, method: str, path: str, body: object, content_type: str = "application/json") -> bytes:
        headers = {"Content-Type": content_type}
        async with self.session.request(method, self.url + path, data=orjson.dumps(body), headers=headers) as response:
            answer = await response.read()
            assert response.status in (200, 201), (response.status, answer[:300])
            return answer


async def timed(action: Callable[[], Awaitable[object]], repeats: int) -> float:
    """The median wall time of `action` in ms, after one warm-up."""
    await action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def alternate(
    ours: Callable[[], Awaitable[object]], floor: Callable[[], Awaitable[object]], repeats: int
) -> tuple[float, float]:
    """Medians of both sides, measured in alternating rounds so noise falls on both."""
    a, b = [], []
    for _ in range(3):
        a.append(await timed(ours, repeats))
        b.append(await timed(floor, repeats))
    return statistics.median(a), statistics.median(b)




READER = "pod-reader"


async def reader(client: Client, pki: Path) -> None:
    """A user outside system:masters (pki/pod-reader.crt) whom a RoleBinding lets read Pods."""
    ca_cert, ca_key = kubegate_pki.load_ca(pki)
    cert, key = kubegate_pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user=READER, groups=("readers",))
    (pki / f"{READER}.crt").write_bytes(cert)
    (pki / f"{READER}.key").write_bytes(key)
    rbac = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NAMESPACE}"
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}
    await client.send("POST", f"{rbac}/roles", {"metadata": {"name": READER}, "rules": [rule]})
    subject = {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": READER}
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": READER}
    await client.send("POST", f"{rbac}/rolebindings", {"metadata": {"name": READER}, "roleRef": role_ref, "subjects": [subject]})


def deployment() -> dict[str, object]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod(0)["spec"]},
        },
    }  # fmt: skip


async def fill(client: Client, count: int) -> None:
    await client.send("POST", "/api/v1/namespaces", {"metadata": {"name": NAMESPACE}})
    # no controllers run: the ServiceAccount admission needs the namespace's default account
    await client.send("POST", f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts", {"metadata": {"name": "default"}})
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            await client.send("POST", PODS, pod(index))

    await asyncio.gather(*(worker() for _ in range(16)))


def start_seconds(command: list[str], marker: str, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_ready(process, marker)
            times.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait()
    return statistics.median(times)


async def run(args: argparse.Namespace) -> None:
    rows = set(args.rows.split(","))
    work = Path(tempfile.mkdtemp(prefix="kubegate-perf-"))
    pki = work / "pki"
    py = sys.executable
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    if pin:
        os.sched_setaffinity(0, {1})
    serve = [*pin, py, "-m", "kubegate", "serve", "--pki-dir", str(pki), "--secure-port", str(args.port),
             "--nodes", "0", "--system-workloads", "false", "--controllers", "none"]
    processes: list[subprocess.Popen[str]] = []
    table: list[tuple[str, str, str, float]] = []

    def row(name: str, ours: str, floor: str, ratio: float) -> None:
        table.append((name, ours, floor, ratio))
        print(f"  {name}: {ours} | {floor} | {ratio:.2f}", file=sys.stderr, flush=True)

    try:
        server = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)  # noqa: ASYNC220 (nothing else runs meanwhile)
        processes.append(server)
        wait_ready(server)
        ours_url = f"https://127.0.0.1:{args.port}"
        client = Client(ours_url, pki)
        started = time.perf_counter()
        await fill(client, args.pods)
        print(f"filled {args.pods} pods in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        pods_json = await client.read(PODS)
        one_pod = await client.read(f"{PODS}/web-00000")
        (work / "list.json").write_bytes(pods_json)
        (work / "pod.json").write_bytes(one_pod)
        print(f"LIST: {len(pods_json) / 1e6:.1f} MB, one Pod: {len(one_pod)} bytes", file=sys.stderr)
        bare_port = args.port + 1
        bare = subprocess.Popen(  # noqa: ASYNC220
            [*pin, py, str(ROOT / "bench" / "bare_server.py"), "--pki-dir", str(pki), "--port", str(bare_port),
             "--body", str(work / "pod.json"), "--route", f"{PODS}={work / 'list.json'}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        )  # fmt: skip
        processes.append(bare)
        wait_ready(bare)
        floor = Client(f"https://127.0.0.1:{bare_port}", pki)

        if "list" in rows or "table" in rows:
            ours_ms, floor_ms = await alternate(lambda: client.read(PODS), lambda: floor.read(PODS), args.repeats)
            row(f"LIST {args.pods} Pods, JSON", f"{ours_ms:.0f} ms", f"bare, same bytes: {floor_ms:.0f} ms", ours_ms / floor_ms)
        if "table" in rows:
            table_ms, floor_ms = await alternate(
                lambda: client.read(PODS, accept=TABLE_ACCEPT), lambda: floor.read(PODS), max(1, args.repeats // 2)
            )
            row(f"LIST {args.pods} Pods as Table", f"{table_ms:.0f} ms", f"JSON floor: {floor_ms:.0f} ms", table_ms / floor_ms)
        if "paging" in rows:

            async def paged() -> None:
                token = ""
                while True:
                    suffix = f"&continue={token}" if token else ""
                    page = await client.read(f"{PODS}?limit=500{suffix}")
                    found = CONTINUE.search(page, 0, 1000)  # in the list's metadata, before the items
                    token = found.group(1).decode() if found else ""
                    if not token:
                        return

            paged_ms, full_ms = await alternate(paged, lambda: client.read(PODS), max(1, args.repeats // 2))
            row(f"paging {args.pods} Pods by 500", f"{paged_ms:.0f} ms", f"one full LIST: {full_ms:.0f} ms", paged_ms / full_ms)

        shim = work / "shim.so"
        have_wrk = bool(shutil.which("wrk")) and SHIM_SRC.exists()
        if have_wrk:
            subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(SHIM_SRC), "-ldl", "-lssl"], check=True)  # noqa: ASYNC221
        elif rows & {"get", "rbac", "post", "patch"}:
            print("wrk or the client-cert shim is missing: get/post/patch rows skipped", file=sys.stderr)
        get_path = f"{PODS}/web-00000"
        seconds = args.seconds
        if have_wrk and rows & {"get", "rbac", "post", "patch"}:
            k1, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64)
            b1, _ = wrk(floor.url + get_path, pki, shim, seconds, connections=64)
            k2, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64)
            b2, _ = wrk(floor.url + get_path, pki, shim, seconds, connections=64)
            get_rate = (k1 + k2) / 2
            if "get" in rows:
                bare_rate = (b1 + b2) / 2
                row("keep-alive mTLS GET of one Pod", f"{get_rate:,.0f}/s", f"bare: {bare_rate:,.0f}/s", get_rate / bare_rate)
            if "rbac" in rows:
                await reader(client, pki)
                r1, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64, user=READER)
                a1, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64)
                r2, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64, user=READER)
                a2, _ = wrk(ours_url + get_path, pki, shim, seconds, connections=64)
                rbac_rate, admin_rate = (r1 + r2) / 2, (a1 + a2) / 2
                row("the same GET, user allowed by RBAC", f"{rbac_rate:,.0f}/s", f"admin: {admin_rate:,.0f}/s", rbac_rate / admin_rate)
            if "post" in rows:
                script = work / "post.lua"
                script.write_text(POST_LUA)
                await client.send("POST", "/api/v1/namespaces", {"metadata": {"name": "writes"}})
                rate, p99 = wrk(f"{ours_url}/api/v1/namespaces/writes/configmaps", pki, shim, seconds, script=script)
                row("POST creates (ConfigMaps)", f"{rate:,.0f}/s p99 {p99:.1f} ms", f"GET: {get_rate:,.0f}/s", rate / get_rate)
            if "patch" in rows:
                script = work / "patch.lua"
                script.write_text(PATCH_LUA)
                await client.send("POST", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment())
                url = f"{ours_url}/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web"
                rate, p99 = wrk(url, pki, shim, seconds, script=script, connections=16)
                row("PATCH (strategic merge, Deployment)", f"{rate:,.0f}/s p99 {p99:.1f} ms", f"GET: {get_rate:,.0f}/s", rate / get_rate)
        await client.session.close()
        await floor.session.close()
        if "start" in rows:
            probe_port = args.port + 2
            # pip compiles an installed kubegate's bytecode, as it did aiohttp's for the bare server;
            # a checkout run under PYTHONDONTWRITEBYTECODE=1 would instead compile its ~420 modules
            # from source on every start (about half of it), so compile them as an install does
            subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "kubegate")], check=True)  # noqa: ASYNC221
            ours_s = start_seconds(
                [*pin, py, "-m", "kubegate", "serve", "--pki-dir", str(pki), "--secure-port", str(probe_port),
                 "--nodes", "0", "--system-workloads", "false"], "serving on",
            )  # fmt: skip
            bare_s = start_seconds(
                [*pin, py, str(ROOT / "bench" / "bare_server.py"), "--pki-dir", str(pki), "--port", str(probe_port)], "serving on"
            )
            row("exec to the ready line", f"{ours_s * 1000:.0f} ms", f"bare: {bare_s * 1000:.0f} ms", ours_s / bare_s)
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("\n| measure | kubegate | floor | ratio |\n|---|---|---|---|")
    for name, ours, floor_text, ratio in table:
        print(f"| {name} | {ours} | {floor_text} | {ratio:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per round of a LIST row")
    parser.add_argument("--seconds", type=float, default=5, help="duration of each wrk run")
    parser.add_argument("--port", type=int, default=16601)
    asyncio.run(run(parser.parse_args()))
