"""Refuse YAML whose aliases expand into far more data than was sent ("billion laughs").

A YAML loader builds an anchored node once and lets every alias share it, so a 400-byte body
can describe a tree of millions of nodes, which only blows up when that tree is walked: turned
into JSON, copied, stored. The real server decodes YAML with go-yaml, which counts, while it
decodes, how many nodes it reached through an alias and fails with `yaml: document contains
excessive aliasing` once that share is too high: above 99% in a document of up to 400,000
nodes, 10% from 4,000,000 nodes, a straight line between (once past 100 aliased and 1,000 nodes
in all). `check` applies the same budget to an already loaded value, walking it in document
order and stopping as soon as the budget is spent, so a bomb costs milliseconds, not gigabytes.
"""

from __future__ import annotations

from typing import Any

EXCESSIVE_ALIASING = "yaml: document contains excessive aliasing"

_RANGE_LOW, _RANGE_HIGH = 400_000, 4_000_000


class ExcessiveAliasing(ValueError):
    """A YAML document over the alias budget; its text is go-yaml's."""


def allowed_alias_ratio(nodes: int) -> float:
    """The share of nodes that may come from alias expansion in a document of `nodes` nodes."""
    if nodes <= _RANGE_LOW:
        return 0.99
    if nodes >= _RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * (nodes - _RANGE_LOW) / (_RANGE_HIGH - _RANGE_LOW)


def check(value: Any) -> None:
    """Raise ExcessiveAliasing if `value`, as loaded, expands aliases too much.

    A container met a second time is an alias's expansion, and so is everything under it.
    """
    seen: set[int] = set()
    nodes = aliased = 0
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, via_alias = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                via_alias = True
            seen.add(id(node))
        nodes += 1
        aliased += via_alias
        if aliased > 100 and nodes > 1000 and aliased / nodes > allowed_alias_ratio(nodes):
            raise ExcessiveAliasing(EXCESSIVE_ALIASING)
        if isinstance(node, dict):
            for key, item in reversed(node.items()):
                stack.append((item, via_alias))
                stack.append((key, via_alias))
        elif isinstance(node, list):
            stack.extend((item, via_alias) for item in reversed(node))
