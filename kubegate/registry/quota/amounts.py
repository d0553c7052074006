"""Quota amounts: quantities added and compared as Decimals, printed as Kubernetes prints them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kubegate.registry.validation import quantity

Amounts = dict[str, Decimal]


def parse(value: Any) -> Decimal:
    parsed = quantity.parse(value)
    return parsed[0] if parsed is not None else Decimal(0)


def parse_list(values: Any) -> Amounts:
    """A ResourceList as Decimals; entries that are not quantities count as zero."""
    if not isinstance(values, Mapping):
        return {}
    return {str(name): parse(value) for name, value in values.items()}


def text(amount: Decimal, like: Any = None) -> str:
    """The amount as a quantity string, in binary units when `like` (a quantity it replaces) uses them."""
    parsed = quantity.parse(like) if like is not None else None
    if parsed is not None and parsed[1] == quantity.BINARY_SI and amount == amount.to_integral_value() and amount:
        return quantity.canonical(f"{int(amount) // 1024}Ki") if int(amount) % 1024 == 0 else str(int(amount))
    if amount == amount.to_integral_value():
        return str(int(amount))
    return quantity.canonical(str(amount))


def add(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> Amounts:
    return {name: a.get(name, Decimal(0)) + b.get(name, Decimal(0)) for name in {*a, *b}}


def subtract(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> Amounts:
    return {name: a.get(name, Decimal(0)) - b.get(name, Decimal(0)) for name in {*a, *b}}


def pretty(amounts: Mapping[str, Any]) -> str:
    """`name=value,...` sorted by name, as the quota messages list resources."""
    return ",".join(f"{name}={value}" for name, value in sorted(amounts.items()))
