"""The rules in force on one server: tried in order, counted, drawn from seeded generators."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubegate.api.faults.parse import load_file, parse_rule
from kubegate.api.faults.rules import FaultRule
from kubegate.api.requestinfo import RequestInfo


class Fault:
    """A rule in force: how often it fired, how often it may still fire, its own random draws."""

    def __init__(self, rule: FaultRule, rng: random.Random) -> None:
        self.rule = rule
        self.fired = 0
        self._rng = rng

    @property
    def armed(self) -> bool:
        return self.rule.times is None or self.fired < self.rule.times

    def draw(self) -> bool:
        return self.rule.probability >= 1.0 or self._rng.random() < self.rule.probability

    def __repr__(self) -> str:
        return f"<Fault {self.rule.describe()} fired={self.fired}>"


class FaultSet:
    """The rules of one server, in order; safe to change from another thread while it serves."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._seed = seed

    def add(self, rule: FaultRule | Mapping[str, Any] | None = None, /, **fields: Any) -> Fault:
        """Add a rule (a FaultRule, or a mapping / keywords with the file's keys) after the others."""
        if not isinstance(rule, FaultRule):
            rule = parse_rule({**(rule or {}), **fields}, where="fault rule")
        with self._lock:
            fault = Fault(rule, self._rng(len(self._faults)))
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def seed(self, value: int | None) -> None:
        """Restart every rule's draws from `value` (None: unpredictable), e.g. before each test."""
        with self._lock:
            self._seed = value
            for index, fault in enumerate(self._faults):
                fault._rng = self._rng(index)

    def load(self, path: Path) -> None:
        """Add the rules of a faults file, taking its `seed` if it has one."""
        seed, rules = load_file(path)
        if seed is not None:
            self.seed(seed)
        for rule in rules:
            self.add(rule)

    @property
    def faults(self) -> tuple[Fault, ...]:
        with self._lock:
            return tuple(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def take(self, info: RequestInfo, user: str) -> FaultRule | None:
        """The rule that fires for this request, counted as fired; None when no rule does."""
        with self._lock:
            for fault in self._faults:
                if fault.armed and fault.rule.applies_to(info, user) and fault.draw():
                    fault.fired += 1
                    return fault.rule
        return None

    def _rng(self, index: int) -> random.Random:
        return random.Random(f"{self._seed}:{index}") if self._seed is not None else random.Random()
