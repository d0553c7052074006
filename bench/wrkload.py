"""What the benchmarks share: waiting for a server's ready line, and wrk over mutual TLS.

wrk runs pinned to core 1 with the client-certificate shim (see ../shared/tools/README.md)
preloaded; the Lua scripts make it POST ConfigMaps or PATCH one Deployment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def wait_ready(process: subprocess.Popen[str], marker: str = "serving on") -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if marker in line:
            return line
    raise SystemExit(f"server exited before its ready line (rc {process.wait()})")


def wrk(
    url: str, pki: Path, shim: Path, seconds: float, *, script: Path | None = None, connections: int = 32, user: str = "admin"
) -> tuple[float, float]:
    """Requests per second and p99 in ms of wrk on core 1, as `user` (`pki/<user>.crt` and `.key`)."""
    env = dict(os.environ, CLIENT_CERT=str(pki / f"{user}.crt"), CLIENT_KEY=str(pki / f"{user}.key"), LD_PRELOAD=str(shim))
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], env=env, capture_output=True, text=True, check=True).stdout
    rate = p99 = 0.0
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec"):
            rate = float(parts[1])
        elif parts and parts[0] == "99%":
            p99 = _ms(parts[1])
        elif "Non-2xx" in line:
            print(f"  wrk: {line.strip()}", file=sys.stderr)
    return rate, p99


def _ms(value: str) -> float:
    """wrk's latency text (`870.00us`, `1.25ms`, `2.01s`) in ms."""
    for suffix, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * scale
    return float(value)


POST_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"bench-"},"data":{"key":"value"}}'
"""
PATCH_LUA = """counter = 0
request = function()
  counter = counter + 1
  local body = '{"metadata":{"annotations":{"bench/counter":"' .. counter .. '"}}}'
  return wrk.format("PATCH", nil, {["Content-Type"] = "application/strategic-merge-patch+json"}, body)
end
"""
