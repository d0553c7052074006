"""When a simulated container's probes pass or fail, as times after the container started.

Probes succeed unless told otherwise: a startupProbe passes `initialDelaySeconds` after the
start (until then the container is not `started`, and not ready), a readinessProbe makes the
container ready `initialDelaySeconds` after the start, once started. A container named in the
pod annotation `kubegate.io/liveness-fails` (comma-separated names, or `*` for all) fails its
livenessProbe from the first run, `initialDelaySeconds + periodSeconds` after it started (and
its startup probe passed), then every `periodSeconds`; at `failureThreshold` failures the
kubelet kills it. The probes' defaults are the API's: period 10 s, failure threshold 3.
"""

from __future__ import annotations

from typing import Any

LIVENESS_FAILS_ANNOTATION = "kubegate.io/liveness-fails"
DEFAULT_PERIOD, DEFAULT_FAILURE_THRESHOLD = 10, 3


def _probe(container: dict[str, Any], kind: str) -> dict[str, Any] | None:
    probe = container.get(kind)
    return probe if isinstance(probe, dict) else None


def _number(probe: dict[str, Any] | None, field: str, default: int) -> float:
    value = (probe or {}).get(field)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else default


def started_at(container: dict[str, Any], start: float) -> float:
    """When the container counts as `started` (its startupProbe passed)."""
    return start + _number(_probe(container, "startupProbe"), "initialDelaySeconds", 0)


def ready_at(container: dict[str, Any], start: float) -> float:
    """When the container turns ready: started, and its readinessProbe's delay over."""
    readiness = start + _number(_probe(container, "readinessProbe"), "initialDelaySeconds", 0)
    return max(started_at(container, start), readiness)


def liveness_fails(pod: dict[str, Any], container: dict[str, Any]) -> bool:
    if _probe(container, "livenessProbe") is None:
        return False
    raw = ((pod.get("metadata") or {}).get("annotations") or {}).get(LIVENESS_FAILS_ANNOTATION)
    names = {name.strip() for name in str(raw or "").split(",")}
    return "*" in names or container["name"] in names


def liveness_failures(container: dict[str, Any], start: float) -> list[float]:
    """The moments a failing liveness probe fails, up to the one that gets the container killed."""
    probe = _probe(container, "livenessProbe")
    period = max(1.0, _number(probe, "periodSeconds", DEFAULT_PERIOD))
    threshold = max(1, int(_number(probe, "failureThreshold", DEFAULT_FAILURE_THRESHOLD)))
    first = max(started_at(container, start), start + _number(probe, "initialDelaySeconds", 0))
    return [first + period * (i + 1) for i in range(threshold)]


def failure_detail(container: dict[str, Any], *, pod_ip: str) -> str:
    """What a failed liveness probe reports, after `Liveness probe failed: ` (by handler)."""
    probe = _probe(container, "livenessProbe") or {}
    if isinstance(probe.get("httpGet"), dict):
        return "HTTP probe failed with statuscode: 500"
    if isinstance(probe.get("tcpSocket"), dict):
        return f"dial tcp {pod_ip}:{_port(container, probe['tcpSocket'].get('port'))}: connect: connection refused"
    if isinstance(probe.get("grpc"), dict):
        return 'service unhealthy (responded with "NOT_SERVING")'
    return ""  # an exec probe whose command printed nothing


def _port(container: dict[str, Any], port: Any) -> str:
    """A named port resolves through the container's ports."""
    if isinstance(port, str) and not port.isdigit():
        for entry in container.get("ports") or []:
            if isinstance(entry, dict) and entry.get("name") == port:
                return str(entry.get("containerPort", port))
    return str(port)
