"""Values read when `/metrics` is scraped rather than counted as requests go by.

`apiserver_storage_objects{resource}` counts what the store holds per resource (`pods`,
`deployments.apps`), every stored resource listed, 0 included; the real server polls etcd once a
minute, kubegate reads its watch cache at each scrape. `kubernetes_build_info` repeats what
`/version` says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kubegate.endpoints.metrics.registry import ALPHA, STABLE

#: (group, resource) of each stored resource, and a function counting its objects
Counter = Callable[[tuple[str, str]], int]


class StorageObjects(Collector):
    def __init__(self, resources: Callable[[], Iterable[tuple[str, str]]], count: Counter) -> None:
        self._resources = resources
        self._count = count

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "apiserver_storage_objects",
            f"[{STABLE}] Objects in storage at the time of the scrape, by resource.",
            labels=("resource",),
        )
        for group, plural in sorted(set(self._resources())):
            family.add_metric((f"{plural}.{group}" if group else plural,), self._count((group, plural)))
        yield family


class BuildInfo(Collector):
    def __init__(self, version: Mapping[str, str]) -> None:
        self._version = version

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = {
            "build_date": "buildDate", "compiler": "compiler", "git_commit": "gitCommit",
            "git_tree_state": "gitTreeState", "git_version": "gitVersion", "go_version": "goVersion",
            "major": "major", "minor": "minor", "platform": "platform",
        }
        family = GaugeMetricFamily(
            "kubernetes_build_info",
            f"[{ALPHA}] Always 1; the labels say which Kubernetes version this server reports, as /version does.",
            labels=tuple(labels),
        )
        family.add_metric(tuple(str(self._version.get(key, "")) for key in labels.values()), 1)
        yield family
