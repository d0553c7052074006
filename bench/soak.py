"""Soak: minutes of mixed traffic against a real `kubegate serve`; memory, latency and errors must stay flat.

Run by hand: `.venv/bin/python bench/soak.py [--minutes 10] [--workers 8] [--watchers 4] [--seed 14]`.
It starts `kubegate serve` on a free port (memory store, its own PKI in a temporary directory),
then `--workers` clients each draw operations from their own seeded random sequence: create,
replace, merge-patch, delete, get and list (with and without `limit`) of ConfigMaps drawn from a
small name pool, with values of a few bytes to 64 KB; `--watchers` clients keep watches open
(each ends at a random `timeoutSeconds` and is reopened from its last resourceVersion, or from a
fresh list after a 410). Every 10 s it samples the server's RSS. At the end it prints the RSS
series, request counts by status, latency percentiles, watch events seen, and the number of 5xx
answers, `Traceback`s and ERROR lines in the server's log; the exit status is 1 if any of those
three is not zero.

The random sequences depend only on `--seed`; how they interleave depends on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import ssl
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

NAMESPACE = "default"
CONFIGMAPS = f"/api/v1/namespaces/{NAMESPACE}/configmaps"
POOL = 64
SAMPLE_EVERY = 10.0


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.watch_events = 0
        self.watch_restarts = 0
        self.rss: list[tuple[float, float]] = []
        self.client_errors: collections.Counter[str] = collections.Counter()

    def record(self, op: str, status: int, seconds: float) -> None:
        self.statuses[(op, status)] += 1
        self.latencies.append(seconds)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def value(rng: random.Random) -> str:
    size = rng.choice((8, 64, 512, 4096, 65536))
    return "".join(rng.choices(string.ascii_letters, k=size))


def configmap(name: str, rng: random.Random) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"soak": "yes", "shard": str(rng.randrange(4))}},
        "data": {f"k{index}": value(rng) for index in range(rng.randrange(1, 4))},
    }


async def worker(session: aiohttp.ClientSession, url: str, rng: random.Random, stats: Stats, deadline: float) -> None:
    while time.monotonic() < deadline:
        name = f"cm-{rng.randrange(POOL)}"
        op = rng.choices(
            ("create", "replace", "patch", "delete", "get", "list", "list-limit"), weights=(3, 3, 2, 2, 4, 2, 2)
        )[0]
        started = time.perf_counter()
        try:
            if op == "create":
                response = await session.post(url + CONFIGMAPS, json=configmap(name, rng))
            elif op == "replace":
                response = await session.put(f"{url}{CONFIGMAPS}/{name}", json=configmap(name, rng))
            elif op == "patch":
                response = await session.patch(
                    f"{url}{CONFIGMAPS}/{name}", data=json.dumps({"data": {"patched": value(rng)}}),
                    headers={"Content-Type": "application/merge-patch+json"},
                )
            elif op == "delete":
                response = await session.delete(f"{url}{CONFIGMAPS}/{name}")
            elif op == "get":
                response = await session.get(f"{url}{CONFIGMAPS}/{name}")
            elif op == "list":
                response = await session.get(f"{url}{CONFIGMAPS}?labelSelector=soak%3Dyes")
            else:
                response = await session.get(f"{url}{CONFIGMAPS}?limit={rng.randrange(1, 20)}")
            async with response:
                await response.read()
            stats.record(op, response.status, time.perf_counter() - started)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            stats.client_errors[type(exc).__name__] += 1


async def watcher(session: aiohttp.ClientSession, url: str, rng: random.Random, stats: Stats, deadline: float) -> None:
    resource_version = ""
    while time.monotonic() < deadline:
        if not resource_version:
            async with session.get(url + CONFIGMAPS) as listed:
                resource_version = (await listed.json())["metadata"]["resourceVersion"]
        timeout = rng.randrange(5, 30)
        try:
            async with session.get(
                f"{url}{CONFIGMAPS}?watch=1&allowWatchBookmarks=true&resourceVersion={resource_version}"
                f"&timeoutSeconds={timeout}",
                timeout=aiohttp.ClientTimeout(total=None, sock_read=timeout + 10),
            ) as response:
                stats.statuses[("watch", response.status)] += 1
                async for line in response.content:
                    event = json.loads(line)
                    if event["type"] == "ERROR":
                        resource_version = ""  # 410: start again from a list
                        break
                    resource_version = event["object"]["metadata"]["resourceVersion"]
                    stats.watch_events += 1
                    if time.monotonic() >= deadline:
                        return
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            stats.client_errors["watch " + type(exc).__name__] += 1
        stats.watch_restarts += 1


async def sampler(pid: int, stats: Stats, started: float, deadline: float) -> None:
    while True:
        stats.rss.append((time.monotonic() - started, rss_mb(pid)))
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.monotonic())))


async def drive(url: str, pki_dir: Path, pid: int, args: argparse.Namespace) -> Stats:
    context = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
    context.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))
    stats = Stats()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    connector = aiohttp.TCPConnector(ssl=context, limit=args.workers + args.watchers + 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [worker(session, url, random.Random(args.seed * 1000 + index), stats, deadline) for index in range(args.workers)]
        tasks += [watcher(session, url, random.Random(args.seed * 2000 + index), stats, deadline) for index in range(args.watchers)]
        await asyncio.gather(sampler(pid, stats, started, deadline), *tasks)
    return stats


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report(stats: Stats, log: str, minutes: float) -> int:
    print(f"soak: {minutes:g} min, {len(stats.latencies)} requests ({len(stats.latencies) / (minutes * 60):.0f}/s), "
          f"{stats.watch_events} watch events over {stats.watch_restarts} watch restarts")
    print("RSS (s, MB): " + ", ".join(f"{at:.0f}:{mb:.0f}" for at, mb in stats.rss))
    first, last = stats.rss[0][1], stats.rss[-1][1]
    middle = stats.rss[len(stats.rss) // 2][1]
    print(f"RSS first {first:.0f} MB, middle {middle:.0f} MB, last {last:.0f} MB (second half {last - middle:+.0f} MB)")
    print("latency ms: p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  max {:.1f}".format(
        *(1000 * percentile(stats.latencies, q) for q in (0.5, 0.9, 0.99, 1.0))))
    by_status = collections.Counter[int]()
    for (_, status), count in stats.statuses.items():
        by_status[status] += count
    print("statuses: " + ", ".join(f"{status}: {count}" for status, count in sorted(by_status.items())))
    five_xx = sum(count for status, count in by_status.items() if status >= 500)
    tracebacks = log.count("Traceback")
    error_lines = sum(1 for line in log.splitlines() if " ERROR " in line)
    print(f"5xx: {five_xx}  tracebacks: {tracebacks}  ERROR lines: {error_lines}  client errors: {dict(stats.client_errors)}")
    return 1 if five_xx or tracebacks or error_lines else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--watchers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubegate-soak-") as scratch:
        pki_dir, log_path = Path(scratch) / "pki", Path(scratch) / "server.log"
        with open(log_path, "w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(pki_dir), "--secure-port", "0",
                 "--nodes", "0", "--system-workloads", "false"],
                stdout=subprocess.PIPE, stderr=log_file, text=True,
                cwd=Path(__file__).resolve().parents[1],
            )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith("kubegate: serving on "):
                print(f"kubegate did not start: {line!r}\n{log_path.read_text()}", file=sys.stderr)
                return 2
            stats = asyncio.run(drive(line.split()[3], pki_dir, process.pid, args))
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()
        return report(stats, log_path.read_text(), args.minutes)


if __name__ == "__main__":
    sys.exit(main())
