"""The sqlite backend: kube-apiserver-like persistence in one file, for `kubegate serve --data-dir`.

The memory backend forgets everything when the process ends, and etcd is a daemon to run. This
backend sits between them: the same contract as `MemoryBackend`, kept in `DIR/kubegate.db`
with the stdlib sqlite3 module, so objects, uids, resourceVersions and the revision counter
survive a restart or a `kill -9` (WAL journal, synchronous=FULL: a write is answered only after
it is durable).

Three tables: `meta` (format version, revision counter, compacted revision), `kv` (the current
value of every key with its mod and create revisions) and `events` (the recent changes, bounded
by count and bytes, from which watches resume and lists read the recent past). Every write is
one short transaction touching all three; nothing is held across the caller's `try_update`.
Watches are in-process: one process owns the data directory (an exclusive lock on `DIR/lock`)
and pushes each committed change to its open watches.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubegate.storage import codec
from kubegate.storage.errors import (
    FutureRevision,
    KeyExists,
    KeyNotFound,
    TooOldRevision,
    Unavailable,
)
from kubegate.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    KeyEvent,
    Preconditions,
    Stored,
    TryUpdate,
)
from kubegate.storage.memory import DEFAULT_HISTORY, DEFAULT_HISTORY_BYTES, QueueWatch

#: The on-disk layout this code reads and writes; a newer one is refused, never guessed at.
FORMAT = 1
DATABASE = "kubegate.db"
LOCK = "lock"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    ("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL,"
     " mod_revision INTEGER NOT NULL, create_revision INTEGER NOT NULL) WITHOUT ROWID"),
    ("CREATE TABLE IF NOT EXISTS events (revision INTEGER PRIMARY KEY, type TEXT NOT NULL,"
     " key TEXT NOT NULL, value BLOB NOT NULL, prev_value BLOB, prev_revision INTEGER)"),
)
EVENT_COLUMNS = "revision, type, key, value, prev_value, prev_revision"

#: Aliases for annotations inside the class, where `list` names the method.
Rows = list[Any]
Events = list[KeyEvent]


class DataDirError(Exception):
    """The data directory cannot be used; the message is one line naming the path, for the CLI."""


class _Lost(Exception):
    """A compare-and-swap found the row changed: roll back and let the caller retry."""


@dataclass(frozen=True, slots=True)
class _Change:
    """One write as the events table records it (values without resourceVersion)."""

    revision: int
    type: str
    key: str
    value: bytes
    prev_value: bytes | None = None
    prev_revision: int | None = None

    @property
    def size(self) -> int:
        return len(self.value) + len(self.prev_value or b"")


class SqliteBackend:
    name = "sqlite"
    persistent = True

    def __init__(self, db: sqlite3.Connection, lock_fd: int, *, history: int, history_bytes: int) -> None:
        self._db = db
        self._lock_fd: int | None = lock_fd
        self._history = max(1, history)
        self._history_bytes = history_bytes
        self._revision = _meta(db, "revision")
        self._compacted = _meta(db, "compacted")
        count, size = db.execute(
            "SELECT count(*), ifnull(sum(length(value) + ifnull(length(prev_value), 0)), 0) FROM events"
        ).fetchone()
        self._log_count: int = count
        self._log_bytes: int = size
        self._watches: set[QueueWatch] = set()

    @classmethod
    async def open(
        cls, directory: Path, *, history: int = DEFAULT_HISTORY, history_bytes: int = DEFAULT_HISTORY_BYTES,
    ) -> SqliteBackend:
        """Open (creating if needed) the data directory; raises `DataDirError` when it is unusable."""
        directory = Path(directory)
        _make_directory(directory)
        lock_fd = _lock(directory)
        try:
            db = _connect(directory)
            try:
                return cls(db, lock_fd, history=history, history_bytes=history_bytes)
            except sqlite3.Error as exc:
                db.close()
                raise _unusable(directory / DATABASE, exc) from None
        except BaseException:
            os.close(lock_fd)
            raise

    # reads ---------------------------------------------------------------------------------

    async def get(self, key: str) -> Stored | None:
        return self._get(key)

    async def list(self, prefix: str, *, revision: int = 0) -> tuple[list[tuple[str, Stored]], int]:
        if revision > self._revision:
            raise FutureRevision(f"required revision {revision} is a future revision")
        where, args = _prefix_clause(prefix)
        rows = self._query(f"SELECT key, value, mod_revision FROM kv WHERE {where} ORDER BY key", args)
        current = {key: codec.decode_value(value, mod) for key, value, mod in rows}
        if revision and revision < self._revision:
            for event in reversed(self._since(revision, prefix)):
                if event.type == ADDED or event.previous is None:
                    current.pop(event.key, None)
                else:
                    current[event.key] = event.previous
        return sorted(current.items()), revision or self._revision

    async def current_revision(self) -> int:
        return self._revision

    async def compacted_revision(self) -> int:
        return self._compacted

    def _get(self, key: str) -> Stored | None:
        rows = self._query("SELECT value, mod_revision FROM kv WHERE key = ?", (key,))
        return codec.decode_value(rows[0][0], rows[0][1]) if rows else None

    def _since(self, revision: int, prefix: str) -> Events:
        """The logged events after `revision` under `prefix`, oldest first."""
        if revision < self._compacted:
            raise TooOldRevision(revision, self._compacted)
        where, args = _prefix_clause(prefix)
        rows = self._query(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE revision > ? AND {where} ORDER BY revision",
            (revision, *args),
        )
        return [_event(_Change(*row)) for row in rows]

    def _query(self, sql: str, args: tuple[Any, ...]) -> Rows:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise Unavailable(f"sqlite storage failed: {exc}") from None

    # writes --------------------------------------------------------------------------------

    async def create(self, key: str, obj: dict[str, Any]) -> Stored:
        return self._create(key, obj)

    async def guaranteed_update(
        self, key: str, try_update: TryUpdate, *, preconditions: Preconditions | None = None,
        ignore_not_found: bool = False,
    ) -> Stored:
        while True:
            current = self._get(key)
            if current is None and not ignore_not_found:
                raise KeyNotFound(f"{key} not found", key=key)
            if current is not None and preconditions is not None:
                preconditions.check(key, current)
            new = await try_update(current)  # no transaction is open while the caller computes
            if current is None:
                try:
                    return self._create(key, new)
                except KeyExists:
                    continue  # another writer created it meanwhile: compute again from theirs
            stored = self._replace(key, current, new)
            if stored is not None:
                return stored

    async def delete(self, key: str, *, preconditions: Preconditions | None = None) -> Stored:
        current = self._get(key)
        if current is None:
            raise KeyNotFound(f"{key} not found", key=key)
        if preconditions is not None:
            preconditions.check(key, current)
        value = codec.encode_value(current.obj)
        final = codec.stamp(current.obj, self._revision + 1)
        change = _Change(final.revision, DELETED, key, value, value, current.revision)
        if not self._commit(change, "DELETE FROM kv WHERE key = ? AND mod_revision = ?", (key, current.revision)):
            raise KeyNotFound(f"{key} not found", key=key)  # unreachable: nothing ran since the read
        self._publish(KeyEvent(DELETED, key, final, current))
        return final

    def _create(self, key: str, obj: dict[str, Any]) -> Stored:
        value = codec.encode_value(obj)
        stored = codec.stamp(obj, self._revision + 1)
        sql = ("INSERT INTO kv (key, value, mod_revision, create_revision) VALUES (?, ?, ?, ?)"
               " ON CONFLICT (key) DO NOTHING")
        if not self._commit(_Change(stored.revision, ADDED, key, value), sql,
                            (key, value, stored.revision, stored.revision)):
            raise KeyExists(f"{key} already exists", key=key)
        self._publish(KeyEvent(ADDED, key, stored))
        return stored

    def _replace(self, key: str, current: Stored, new: dict[str, Any]) -> Stored | None:
        """Write `new` over `current` if the key still holds it; None when another write came first."""
        if codec.same_content(current, new):
            latest = self._query("SELECT mod_revision FROM kv WHERE key = ?", (key,))
            unchanged = bool(latest) and latest[0][0] == current.revision
            return current if unchanged else None  # a no-op write keeps the resourceVersion
        value = codec.encode_value(new)
        stored = codec.stamp(new, self._revision + 1)
        change = _Change(stored.revision, MODIFIED, key, value, codec.encode_value(current.obj), current.revision)
        sql = "UPDATE kv SET value = ?, mod_revision = ? WHERE key = ? AND mod_revision = ?"
        if not self._commit(change, sql, (value, stored.revision, key, current.revision)):
            return None
        self._publish(KeyEvent(MODIFIED, key, stored, current))
        return stored

    def _commit(self, change: _Change, sql: str, args: tuple[Any, ...]) -> bool:
        """Apply `sql` to kv and log `change`, in one transaction; False if `sql` matched no row."""
        log_count, log_bytes = self._log_count + 1, self._log_bytes + change.size
        compacted = self._compacted
        try:
            with self._transaction() as db:
                if db.execute(sql, args).rowcount != 1:
                    raise _Lost
                db.execute(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                           (change.revision, change.type, change.key, change.value,
                            change.prev_value, change.prev_revision))
                db.execute("UPDATE meta SET value = ? WHERE name = 'revision'", (change.revision,))
                compacted, log_count, log_bytes = self._trim(db, log_count, log_bytes)
        except _Lost:
            return False
        self._revision = change.revision
        self._compacted, self._log_count, self._log_bytes = compacted, log_count, log_bytes
        return True

    def _trim(self, db: sqlite3.Connection, count: int, size: int) -> tuple[int, int, int]:
        """Drop the oldest events over the limits (always keeping one), as `History` does in memory."""
        compacted = self._compacted
        if count <= self._history and size <= self._history_bytes:
            return compacted, count, size
        oldest = db.execute(
            "SELECT revision, length(value) + ifnull(length(prev_value), 0) FROM events ORDER BY revision"
        )
        for revision, length in oldest:
            if not (count > self._history or (size > self._history_bytes and count > 1)):
                break
            compacted, count, size = revision, count - 1, size - length
        oldest.close()
        db.execute("DELETE FROM events WHERE revision <= ?", (compacted,))
        db.execute("UPDATE meta SET value = ? WHERE name = 'compacted'", (compacted,))
        return compacted, count, size

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; sqlite failures become `Unavailable`."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise Unavailable(f"sqlite storage failed: {exc}") from None

    # watches -------------------------------------------------------------------------------

    def _publish(self, event: KeyEvent) -> None:
        for watch in tuple(self._watches):
            watch.push(event)

    async def watch(self, prefix: str, *, since: int) -> QueueWatch:
        backlog = self._since(since, prefix) if since < self._revision else []
        watch = QueueWatch(prefix, self._watches.discard)
        for event in backlog:  # no await from the read to the registration: no gap, no duplicate
            watch.push(event)
        self._watches.add(watch)
        return watch

    async def close(self) -> None:
        for watch in tuple(self._watches):
            watch.stop()
        self._db.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None


# opening ---------------------------------------------------------------------------------------


def _make_directory(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"data directory {directory} cannot be created: {_reason(exc)}") from None
    if not directory.is_dir():
        raise DataDirError(f"data directory {directory} is not a directory")


def _lock(directory: Path) -> int:
    """An exclusive, non-blocking flock on DIR/lock, held until `close()` (or the process ends)."""
    path = directory / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise DataDirError(f"data directory {directory} is not writable: {_reason(exc)}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if isinstance(exc, BlockingIOError):
            raise DataDirError(f"data directory {directory} is in use by another kubegate process") from None
        raise DataDirError(f"data directory {directory} cannot be locked: {_reason(exc)}") from None
    return fd


def _connect(directory: Path) -> sqlite3.Connection:
    """The connection, with WAL and synchronous=FULL, on a database of a format this code reads."""
    path = directory / DATABASE
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from None
    try:
        _configure(db, path)
        _check_format(db, directory)
        _create_schema(db)
    except BaseException as exc:
        db.close()
        if isinstance(exc, sqlite3.Error):
            raise _unusable(path, exc) from None
        raise
    return db


def _configure(db: sqlite3.Connection, path: Path) -> None:
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise DataDirError(f"{path}: sqlite refused the WAL journal mode (got {mode})")
    db.execute("PRAGMA synchronous = FULL")


def _check_format(db: sqlite3.Connection, directory: Path) -> None:
    """Refuse a database written by a newer kubegate (or one that is not kubegate's at all)."""
    has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if has_meta is None:
        return
    row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
    if row is None or not isinstance(row[0], int) or row[0] < 1:
        raise DataDirError(f"data directory {directory} holds a database without a kubegate format version")
    if row[0] > FORMAT:
        raise DataDirError(f"data directory {directory} was written by a newer kubegate "
                           f"(format {row[0]}; this one reads {FORMAT})")


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA:
            db.execute(statement)
        db.executemany("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                       [("format", FORMAT), ("revision", 0), ("compacted", 0)])
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _meta(db: sqlite3.Connection, name: str) -> int:
    row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row is not None else 0


def _unusable(path: Path, exc: BaseException) -> DataDirError:
    return DataDirError(f"{path} is not a usable kubegate database: {_reason(exc)}")


def _reason(exc: BaseException) -> str:
    """An exception as one short line (no errno prefix, no path repeated, no newline)."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(text.split()) or type(exc).__name__


# helpers ---------------------------------------------------------------------------------------


def _prefix_clause(prefix: str) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause matching keys that start with `prefix`, usable with the key index."""
    if not prefix:
        return "1", ()
    end = _prefix_end(prefix)
    if end is None:
        return "key >= ?", (prefix,)
    return "key >= ? AND key < ?", (prefix, end)


def _prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix` (None: no bound)."""
    chars = list(prefix)
    while chars and ord(chars[-1]) == 0x10FFFF:
        chars.pop()
    if not chars:
        return None
    following = ord(chars[-1]) + 1
    chars[-1] = chr(0xE000 if 0xD800 <= following <= 0xDFFF else following)
    return "".join(chars)


def _event(change: _Change) -> KeyEvent:
    """A logged change as a watch delivers it."""
    previous = None
    if change.prev_value is not None and change.prev_revision is not None:
        previous = codec.decode_value(change.prev_value, change.prev_revision)
    return KeyEvent(change.type, change.key, codec.decode_value(change.value, change.revision), previous)
