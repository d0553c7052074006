"""A real etcd on a loopback port, for the etcd3 backend's tests (placeholder until the fixture lands)."""

from __future__ import annotations

import itertools
import os

_counter = itertools.count()


def unique() -> str:
    return f"{os.getpid()}-{next(_counter)}"
