"""A log file that rotates by size and prunes old copies, as the real server's lumberjack writer.

`--audit-log-maxsize` (MiB) bounds the file: a write that would pass it first renames the file to
`NAME-<UTC time>.EXT` (`audit-2024-05-01T10-00-00.000.log`) and starts a new one with the same
mode. Afterwards backups beyond `--audit-log-maxbackup` (newest kept; 0 keeps all) and older than
`--audit-log-maxage` days (by the time in their name; 0 keeps all) are removed. With maxsize 0
the file grows without rotation. The file is created 0600 in a directory made 0700.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

MEGABYTE = 1024 * 1024
_BACKUP_TIME = "%Y-%m-%dT%H-%M-%S"


class WriteTooLarge(OSError):
    """One event is larger than the whole file may be."""


@dataclass
class RotatingFile:
    path: Path
    max_size_mb: int = 100
    max_backups: int = 100
    max_age_days: int = 366
    _file: IO[bytes] | None = field(default=None, init=False)
    _size: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        self._file = os.fdopen(fd, "ab", buffering=0)
        self._size = self.path.stat().st_size

    @property
    def max_bytes(self) -> int:
        return self.max_size_mb * MEGABYTE

    def write(self, data: bytes) -> None:
        if self.max_size_mb:
            if len(data) > self.max_bytes:
                raise WriteTooLarge(f"write length {len(data)} exceeds maximum file size {self.max_bytes}")
            if self._size + len(data) > self.max_bytes:
                self.rotate()
        assert self._file is not None
        self._file.write(data)
        self._size += len(data)

    def rotate(self, *, now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0o600
        self.close()
        if self.path.exists():
            self.path.rename(self._backup_name(moment))
        fd = os.open(self.path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY | os.O_APPEND, mode)
        self._file = os.fdopen(fd, "ab", buffering=0)
        self._size = 0
        self.prune(now=moment)

    def _backup_name(self, moment: datetime) -> Path:
        stamp = moment.strftime(_BACKUP_TIME) + f".{moment.microsecond // 1000:03d}"
        return self.path.with_name(f"{self.path.stem}-{stamp}{self.path.suffix}")

    def backups(self) -> list[tuple[datetime, Path]]:
        """The rotated copies of this file, newest first."""
        pattern = re.compile(
            re.escape(self.path.stem) + r"-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)\.(\d{3})" + re.escape(self.path.suffix) + "$"
        )
        found = []
        for candidate in self.path.parent.iterdir():
            match = pattern.match(candidate.name)
            if match is None:
                continue
            moment = datetime.strptime(match.group(1), _BACKUP_TIME).replace(
                tzinfo=UTC, microsecond=int(match.group(2)) * 1000
            )
            found.append((moment, candidate))
        return sorted(found, reverse=True)

    def prune(self, *, now: datetime | None = None) -> None:
        backups = self.backups()
        doomed = backups[self.max_backups:] if self.max_backups else []
        if self.max_age_days:
            cutoff = (now or datetime.now(UTC)) - timedelta(days=self.max_age_days)
            doomed += [entry for entry in backups if entry[0] < cutoff and entry not in doomed]
        for _, path in doomed:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
