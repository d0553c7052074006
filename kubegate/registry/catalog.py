"""The table of served resources and the lookups every layer needs from it.

Built once from the built-in rows (and later extended with custom resources), it answers:
which resource does this URL name, which spec serves this kind, which versions does a group
serve and which one is preferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kubegate.registry.spec import ResourceSpec, VersionKey


@dataclass(frozen=True, slots=True)
class GroupInfo:
    name: str
    versions: tuple[str, ...]
    preferred: str


@dataclass(slots=True)
class Catalog:
    _specs: list[ResourceSpec] = field(default_factory=list)
    _by_url: dict[VersionKey, ResourceSpec] = field(default_factory=dict)
    _by_kind: dict[tuple[str, str, str], ResourceSpec] = field(default_factory=dict)
    _groups: dict[str, list[str]] = field(default_factory=dict)
    _preferred: dict[str, str] = field(default_factory=dict)
    #: bumped on every change, so caches of documents built from the catalog know to rebuild
    generation: int = 0

    @classmethod
    def build(cls, specs: Iterable[ResourceSpec], *, preferred: dict[str, str]) -> Catalog:
        catalog = cls()
        for spec in specs:
            catalog.add(spec)
        catalog._preferred.update(preferred)
        return catalog

    def add(self, spec: ResourceSpec) -> None:
        self.generation += 1
        key = spec.version_key
        if key in self._by_url:
            self._specs.remove(self._by_url[key])
        self._specs.append(spec)
        self._by_url[key] = spec
        self._by_kind[(spec.group, spec.version, spec.kind)] = spec
        versions = self._groups.setdefault(spec.group, [])
        if spec.version not in versions:
            versions.append(spec.version)

    def remove_group_version(self, group: str, version: str) -> None:
        self.generation += 1
        doomed = [s for s in self._specs if s.group == group and s.version == version]
        for spec in doomed:
            self._specs.remove(spec)
            self._by_url.pop(spec.version_key, None)
            self._by_kind.pop((spec.group, spec.version, spec.kind), None)
        versions = self._groups.get(group, [])
        if version in versions:
            versions.remove(version)
        if not versions:
            self._groups.pop(group, None)
            self._preferred.pop(group, None)

    def __iter__(self) -> Iterator[ResourceSpec]:
        return iter(self._specs)

    def lookup(self, group: str, version: str, plural: str) -> ResourceSpec | None:
        return self._by_url.get((group, version, plural))

    def by_kind(self, group: str, version: str, kind: str) -> ResourceSpec | None:
        return self._by_kind.get((group, version, kind))

    def has_group_version(self, group: str, version: str) -> bool:
        return version in self._groups.get(group, ())

    def resources_of(self, group: str, version: str) -> list[ResourceSpec]:
        return [s for s in self._specs if s.group == group and s.version == version]

    def groups(self) -> list[GroupInfo]:
        """Every group with its versions, preferred first, in serving order (core first)."""
        infos = []
        for name, versions in self._groups.items():
            preferred = self._preferred.get(name, versions[0])
            ordered = (preferred, *[v for v in versions if v != preferred])
            infos.append(GroupInfo(name, ordered, preferred))
        return infos

    def preferred_version(self, group: str) -> str | None:
        versions = self._groups.get(group)
        if not versions:
            return None
        return self._preferred.get(group, versions[0])
