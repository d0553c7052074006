"""The Prometheus text format (0.0.4) as the real apiserver writes it.

prometheus-client's own writer suffixes every counter with `_total` and adds `_created`
samples; the real server has counters without the suffix (`authentication_attempts`) and no
`_created` series, and prints numbers as Go does (`le="1"`, `le="1e+06"`). This writer reads the
same registry and keeps those details.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.utils import floatToGoString

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64), as client_golang prints values and bounds."""
    text = str(floatToGoString(value))  # type: ignore[no-untyped-call]
    return text.removesuffix(".0")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(registry: CollectorRegistry, exposed_names: Mapping[str, str]) -> bytes:
    """Families sorted by name, empty ones left out, labels sorted with `le` last (as client_golang)."""
    families = []
    for family in registry.collect():
        name, kind = family.name, family.type
        if kind == "counter":
            name = exposed_names.get(family.name, family.name + "_total")
        elif kind == "unknown":
            kind = "untyped"
        samples = [s for s in family.samples if not s.name.endswith("_created")]
        if samples:
            families.append((name, kind, family.documentation, samples))
    lines: list[str] = []
    for name, kind, documentation, samples in sorted(families, key=lambda entry: entry[0]):
        lines.append(f"# HELP {name} {_escape_help(documentation)}")
        lines.append(f"# TYPE {name} {kind}")
        for sample in samples:
            labels = sorted((k, v) for k, v in sample.labels.items() if k != "le")
            if "le" in sample.labels:
                labels.append(("le", go_float(float(sample.labels["le"]))))
            label_text = ",".join(f'{key}="{_escape_value(value)}"' for key, value in labels)
            sample_name = name if kind == "counter" else sample.name
            value = go_float(sample.value)
            lines.append(f"{sample_name}{{{label_text}}} {value}" if label_text else f"{sample_name} {value}")
    return ("\n".join(lines) + "\n").encode()
