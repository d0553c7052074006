"""Fault-injection rules: which requests fail, and how (`--faults FILE`, `Server.faults`).

A CI job wants to see its client survive a flaky control plane: throttling (429 with
Retry-After), a failing store (500), an overloaded server (503, 504), slow answers, dropped
connections, watches that end or expire. A rule is data: what it matches (the request's
Kubernetes verb, resource, subresource, namespace, name, user, path), one action, and optionally
how many `times` it fires and with what `probability`, drawn from a generator seeded per rule so
that a run repeats. Rules are tried in order; the first armed one that matches and wins its draw
applies. This package only decides (rules.py the data, parse.py the reading, faultset.py the
rules in force); the fault filter (endpoints/filters/faults.py) acts.

The file form, with the same keys accepted by `FaultSet.add`:

    seed: 7
    faults:
    - match: {verb: list, resource: pods}
      respond: {code: 429, retryAfterSeconds: 1}
      times: 2
"""

from kubegate.api.faults.faultset import Fault, FaultSet
from kubegate.api.faults.parse import FaultsError, load_file, parse_rule
from kubegate.api.faults.rules import REQUEST_TIMEOUT, STATUS_CODES, FaultRule, Match, Reply

__all__ = [
    "REQUEST_TIMEOUT", "STATUS_CODES", "Fault", "FaultRule", "FaultSet", "FaultsError", "Match", "Reply",
    "load_file", "parse_rule",
]
