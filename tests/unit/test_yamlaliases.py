"""The alias budget YAML bodies are held to: go-yaml's, so that a tiny body cannot expand to gigabytes."""

from __future__ import annotations

import time

import pytest
import yaml

from kubegate.api import yamlaliases


def laughs(levels: int, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("nodes", "ratio"), [(1, 0.99), (400_000, 0.99), (2_200_000, 0.545), (4_000_000, 0.10), (9_000_000, 0.10)])
def test_the_allowed_ratio_falls_from_99_to_10_percent(nodes: int, ratio: float) -> None:
    assert yamlaliases.allowed_alias_ratio(nodes) == pytest.approx(ratio)


def test_a_billion_laughs_is_refused_at_once() -> None:
    value = yaml.safe_load(laughs(9))  # 9^9 leaves if expanded; shared, it is a few dozen objects
    started = time.monotonic()
    with pytest.raises(yamlaliases.ExcessiveAliasing, match="^yaml: document contains excessive aliasing$"):
        yamlaliases.check(value)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "text",
    [
        laughs(3),  # 819 nodes: under the 1,000 a document needs before the ratio counts
        "base: &base {image: nginx, ports: [80, 443]}\n" + "".join(f"c{i}: {{<<: *base, name: c{i}}}\n" for i in range(50)),
        "items:\n" + "".join(f"- {{name: x{i}, labels: {{a: b}}}}\n" for i in range(3000)),  # big, no aliases
    ],
)
def test_ordinary_documents_pass(text: str) -> None:
    yamlaliases.check(yaml.safe_load(text))
