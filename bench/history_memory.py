"""RSS while one large ConfigMap is replaced again and again: the watch history must stay bounded.

Run by hand: `.venv/bin/python bench/history_memory.py [--updates 150] [--size 900000]`.
It builds a server in-process on the memory backend, replaces every value of one ~900 KB
ConfigMap `--updates` times through the generic store (the path a PATCH takes), and prints RSS
before and after, beside what pinning every revision would cost. Run it with 150 and 300 updates:
a bounded history grows the same in both.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kubegate.config import ServerConfig
from kubegate.server.app import build_state, close_state


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(updates: int, size: int, history: int) -> tuple[float, float]:
    state = await build_state(ServerConfig(watch_cache_size=history))
    await state.settle()
    spec = state.catalog.lookup("", "v1", "configmaps")
    assert spec is not None
    await state.rest.create(spec, "default", {"metadata": {"name": "big"}, "data": {"v": "0" * size}})
    gc.collect()
    before = rss_mb()
    for index in range(updates):
        value = str(index % 10) * size

        async def replace(live: dict[str, Any] | None, value: str = value) -> dict[str, Any]:
            assert live is not None
            return {**live, "data": {"v": value}}

        await state.rest.update(spec, "default", "big", replace)
    gc.collect()
    after = rss_mb()
    await close_state(state)
    return before, after


async def main(updates: int, size: int) -> None:
    before, after = await run(updates, size, history=10_000)
    print(f"{updates} replacements of a {size / 1e3:.0f} KB ConfigMap: RSS {before:.0f} -> {after:.0f} MB "
          f"(+{after - before:.0f} MB, {(after - before) / updates:.2f} MB per update)")
    print(f"unbounded, every revision pinned, would be about +{updates * size * 2 / 1e6:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=150)
    parser.add_argument("--size", type=int, default=900_000)
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.size))
