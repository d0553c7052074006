"""Storage backends side by side: write latency per backend, and 1 vs 2 processes over one etcd.

Run by hand (no test asserts timings; these machines are shared and noisy):

    .venv/bin/python bench/storage_backends.py [--creates 2000] [--gets 5000]

It starts etcd (Debian's etcd-server) on loopback ports and `kubegate serve` processes on each
backend, drives them over keep-alive mutual TLS from this process, and prints each figure with
its ratio to the floor measured in the same run (the memory backend; one process for the etcd
scaling rows). Servers are pinned to core 0 and the load to core 1 where `taskset` exists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.etcd_server import etcd_binary, start_etcd

CONCURRENCY = 16


@contextmanager
def serve(pki_dir: Path, *flags: str, core: str = "0") -> Iterator[str]:
    pin = ["taskset", "-c", core] if shutil.which("taskset") else []
    cmd = [*pin, sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(pki_dir), "--secure-port", "0", *flags]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("kubegate: serving on "):
        process.kill()
        raise SystemExit(f"kubegate did not start: {line!r}")
    try:
        yield line.split()[3]
    finally:
        process.terminate()
        process.wait(timeout=20)


def _session(pki_dir: Path) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
    context.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=CONCURRENCY))


async def _drive(urls: list[str], pki_dir: Path, count: int, make: object) -> tuple[float, list[float]]:
    """Run `count` requests spread over `urls` with CONCURRENCY in flight; (req/s, latencies)."""
    latencies: list[float] = []
    async with _session(pki_dir) as session:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(count):
            queue.put_nowait(index)

        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                method, path, body = make(index)  # type: ignore[operator]
                started = time.perf_counter()
                async with session.request(method, urls[index % len(urls)] + path, data=body,
                                           headers={"Content-Type": "application/json"}) as response:
                    await response.read()
                    assert response.status in (200, 201), response.status
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return count / elapsed, latencies


def _create(prefix: str):  # type: ignore[no-untyped-def]
    def make(index: int) -> tuple[str, str, bytes]:
        body = {"metadata": {"name": f"{prefix}-{index}"}, "data": {"k": "v" * 100}}
        return "POST", "/api/v1/namespaces/default/configmaps", orjson.dumps(body)
    return make


def _get(index: int) -> tuple[str, str, None]:
    return "GET", "/api/v1/namespaces/default/configmaps/bench-0", None


def _p(latencies: list[float], q: float) -> float:
    return statistics.quantiles(latencies, n=100)[int(q) - 1] * 1000


async def main(creates: int, gets: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="kubegate-bench-"))
    pki_dir = work / "pki"
    binary = etcd_binary()
    if binary is None:
        raise SystemExit("etcd is not installed: apt-get install etcd-server")
    etcd = start_etcd(binary)
    rows: list[tuple[str, float, float, float]] = []
    try:
        for name, flags in (
            ("memory", ()),
            ("sqlite", ("--data-dir", str(work / "data"))),
            ("etcd3", ("--etcd-servers", etcd.url, "--etcd-prefix", "/single/registry")),
        ):
            with serve(pki_dir, *flags) as url:
                rate, lat = await _drive([url], pki_dir, creates, _create("bench"))
                rows.append((f"POST create, {name}", rate, _p(lat, 50), _p(lat, 99)))
        print("\nwrite latency by backend (ratio: throughput vs memory in this run)")
        floor = rows[0][1]
        for label, rate, p50, p99 in rows:
            print(f"  {label:28} {rate:8.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ratio {rate / floor:5.2f}")

        scaling: list[tuple[str, float]] = []
        flags = ("--etcd-servers", etcd.url, "--etcd-prefix", "/pair/registry")
        with ExitStack() as stack:
            one = stack.enter_context(serve(pki_dir, *flags, core="0"))
            await _drive([one], pki_dir, 1, _create("bench"))
            scaling.append(("GET, 1 process", (await _drive([one], pki_dir, gets, _get))[0]))
            scaling.append(("create, 1 process", (await _drive([one], pki_dir, creates, _create("one")))[0]))
            two = stack.enter_context(serve(pki_dir, *flags, core="1"))
            scaling.append(("GET, 2 processes", (await _drive([one, two], pki_dir, gets, _get))[0]))
            scaling.append(("create, 2 processes", (await _drive([one, two], pki_dir, creates, _create("two")))[0]))
        print("\n1 vs 2 kubegate processes over one etcd (ratio: 2 processes vs 1, same run)")
        for index, (label, rate) in enumerate(scaling):
            ratio = f"  ratio {rate / scaling[index - 2][1]:5.2f}" if index >= 2 else ""
            print(f"  {label:28} {rate:8.0f}/s{ratio}")
        print(f"\n({os.cpu_count()} cores; servers and load share them, so 2-process figures are bounded by the machine)")
    finally:
        etcd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--gets", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(main(args.creates, args.gets))
