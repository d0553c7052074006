"""The `/version` answer. kubectl's dispatcher picks its binary from `minor`, so it is settable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_KUBERNETES_VERSION = "1.32.4"


@dataclass(frozen=True, slots=True)
class VersionInfo:
    major: str
    minor: str
    git_version: str

    @classmethod
    def parse(cls, text: str = DEFAULT_KUBERNETES_VERSION) -> VersionInfo:
        """Accepts `1.32`, `1.32.4` or `v1.32.4`."""
        parts = text.lstrip("v").split(".")
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError(f"invalid Kubernetes version {text!r}: expected MAJOR.MINOR[.PATCH]")
        patch = parts[2] if len(parts) > 2 and parts[2] else "0"
        return cls(parts[0], parts[1], f"v{parts[0]}.{parts[1]}.{patch}")

    @property
    def minor_int(self) -> int:
        return int(self.minor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "major": self.major,
            "minor": self.minor,
            "gitVersion": self.git_version,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.23.6",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
