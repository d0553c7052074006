"""Built-in `ResourceSpec` rows by resource, for tests that name resources as (group, plural)."""

from __future__ import annotations

from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.spec import ResourceSpec


def builtin_spec(group: str, plural: str, version: str = "") -> ResourceSpec:
    """The row serving `plural` in `group`: its preferred version's unless `version` is given."""
    for spec in BUILTIN_RESOURCES:
        if spec.resource_key == (group, plural) and version in ("", spec.version):
            return spec
    raise KeyError(f"no built-in resource {plural}.{group} {version}".rstrip())
