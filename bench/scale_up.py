"""A 1,000-pod Deployment scale-up: how long until all are available, and what API reads feel meanwhile.

Run by hand: `.venv/bin/python bench/scale_up.py [--replicas 1000] [--nodes 10]`. It starts
`kubegate serve` (pinned to core 0 where `taskset` exists), creates a Deployment of `--replicas`
pods, and while the controllers, scheduler and kubelets work, GETs one ConfigMap in a loop from
this process. It prints the time to full availability and the GET latency during the scale-up
beside the same GET's latency on the idle server measured first (the floor), as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.admin_client import AdminClient  # noqa: E402

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
PROBE = "/api/v1/namespaces/default/configmaps/kube-root-ca.crt"


async def _latencies(client: AdminClient, stop: asyncio.Event, limit: int = 100_000) -> list[float]:
    seen: list[float] = []
    while not stop.is_set() and len(seen) < limit:
        started = time.perf_counter()
        await client.ok("GET", PROBE)
        seen.append((time.perf_counter() - started) * 1000)
    return seen


def _summary(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


async def main(replicas: int, nodes: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="kubegate-scale-"))
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    command = [*pin, sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(work / "pki"), "--secure-port", "0",
               "--nodes", str(nodes)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[3]
        async with AdminClient(url, work / "pki") as client:
            stop = asyncio.Event()
            idle_task = asyncio.create_task(_latencies(client, stop, limit=2000))
            idle = await idle_task
            deployment = {
                "metadata": {"name": "big"},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "big"}},
                         "template": {"metadata": {"labels": {"app": "big"}},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
            }
            started = time.perf_counter()
            await client.ok("POST", DEPLOYMENTS, deployment)
            busy_task = asyncio.create_task(_latencies(client, stop))
            while True:
                status = (await client.ok("GET", f"{DEPLOYMENTS}/big")).get("status") or {}
                if status.get("availableReplicas") == replicas:
                    break
                await asyncio.sleep(0.2)  # polling a deadline, as kubectl rollout status does
            elapsed = time.perf_counter() - started
            stop.set()
            busy = await busy_task
        idle_p50, idle_p99 = _summary(idle)
        busy_p50, busy_p99 = _summary(busy)
        print(f"{replicas} pods on {nodes} nodes available after {elapsed:.1f} s")
        print(f"GET p50 idle {idle_p50:.1f} ms, during scale-up {busy_p50:.1f} ms (ratio {busy_p50 / idle_p50:.1f})")
        print(f"GET p99 idle {idle_p99:.1f} ms, during scale-up {busy_p99:.1f} ms (ratio {busy_p99 / idle_p99:.1f})")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--nodes", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.replicas, args.nodes))
