"""Garbage collection tuned for a long-lived in-memory store.

Every stored object is a tree of GC-tracked containers, so a full collection walks the whole
store: with the default thresholds they came every few thousand writes and each stalled the
event loop for longer as the store grew (the write p99). After start-up the objects made so far
(modules, bootstrap policy, the filled cache) live as long as the process: `gc.freeze()` moves
them out of every later collection. A larger young threshold makes the young collections, which
each write triggers by the dozen, rarer; the stored objects themselves are freed by reference
counting, not by the collector, so deferring collections only delays freeing cyclic garbage.
"""

from __future__ import annotations

import gc

#: Seconds after the ready line at which the start-up heap is collected and frozen.
SETTLE_DELAY = 1.0
#: (young, middle, old): young collections every 50k net allocations instead of 700.
THRESHOLDS = (50_000, 20, 20)


def settle_heap() -> None:
    """Call once start-up is done: collect what it left, freeze the rest, raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
