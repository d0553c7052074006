"""What the sqlite backend promises beyond the shared contract: data survive close, reopen and kill -9.

The conformance suite checks one open backend; these tests close it (or kill the process that
held it) and look again, and check the data directory's refusals: a newer format, a path that
cannot be a directory, a corrupt file and a second process.
"""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kubegate.storage import errors
from kubegate.storage.interface import ADDED, MODIFIED, Stored
from kubegate.storage.sqlite import DataDirError, SqliteBackend
from tests.support.storage_watch import next_events

ROOT = Path(__file__).resolve().parents[2]


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "data": dict(data),
    }


def set_data(**data: str) -> Any:
    async def try_update(current: Stored | None) -> dict[str, Any]:
        assert current is not None
        return {**current.obj, "data": {**current.obj["data"], **data}}

    return try_update


async def test_reopen_keeps_objects_uids_and_the_revision_counter(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backend = await SqliteBackend.open(data)
    await backend.create("configmaps/default/a", configmap("a", v="1"))
    updated = await backend.guaranteed_update("configmaps/default/a", set_data(v="2"))
    await backend.create("configmaps/default/b", configmap("b"))
    await backend.delete("configmaps/default/b")
    last = await backend.current_revision()
    await backend.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700

    backend = await SqliteBackend.open(data)
    try:
        got = await backend.get("configmaps/default/a")
        assert got is not None and got.obj == updated.obj and got.revision == updated.revision
        assert got.obj["metadata"]["uid"] == "uid-a"
        assert await backend.get("configmaps/default/b") is None
        assert await backend.current_revision() == last
        items, revision = await backend.list("configmaps/")
        assert [key for key, _ in items] == ["configmaps/default/a"] and revision == last
        created = await backend.create("configmaps/default/c", configmap("c"))
        assert created.revision > last
        again = await backend.guaranteed_update("configmaps/default/a", set_data(v="3"))
        assert again.revision > created.revision
    finally:
        await backend.close()


async def test_a_watch_resumes_across_a_reopen_while_the_history_covers_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backend = await SqliteBackend.open(data, history=5)
    first = await backend.create("configmaps/default/a", configmap("a"))
    second = await backend.create("configmaps/default/b", configmap("b"))
    third = await backend.guaranteed_update("configmaps/default/a", set_data(v="2"))
    await backend.close()

    backend = await SqliteBackend.open(data, history=5)
    try:
        watch = await backend.watch("configmaps/", since=first.revision)
        try:
            live = await backend.create("configmaps/default/c", configmap("c"))
            events = await next_events(watch, 3)
        finally:
            watch.stop()
        assert [(e.type, e.stored.revision) for e in events] == [
            (ADDED, second.revision), (MODIFIED, third.revision), (ADDED, live.revision),
        ]
        assert events[1].previous is not None and events[1].previous.revision == first.revision
        items, _ = await backend.list("configmaps/", revision=second.revision)
        assert [(key, s.obj["data"]) for key, s in items] == [
            ("configmaps/default/a", {}), ("configmaps/default/b", {}),
        ]
        for index in range(10):  # push the start out of the 5-event history
            await backend.guaranteed_update("configmaps/default/c", set_data(n=str(index)))
    finally:
        await backend.close()

    backend = await SqliteBackend.open(data, history=5)
    try:
        assert await backend.compacted_revision() > first.revision
        with pytest.raises(errors.TooOldRevision):
            await backend.watch("configmaps/", since=first.revision)
        with pytest.raises(errors.TooOldRevision):
            await backend.list("configmaps/", revision=first.revision)
    finally:
        await backend.close()


async def test_the_history_is_bounded_by_bytes_too(tmp_path: Path) -> None:
    backend = await SqliteBackend.open(tmp_path / "data", history=1000, history_bytes=2000)
    try:
        first = await backend.create("configmaps/default/a", configmap("a", blob="x" * 600))
        for index in range(5):
            await backend.guaranteed_update("configmaps/default/a", set_data(n=str(index)))
        assert await backend.compacted_revision() > first.revision
        with pytest.raises(errors.TooOldRevision):
            await backend.watch("configmaps/", since=first.revision)
        current = await backend.current_revision()
        watch = await backend.watch("configmaps/", since=current - 1)  # the newest event stays
        watch.stop()
    finally:
        await backend.close()


async def test_a_data_dir_of_a_newer_format_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await (await SqliteBackend.open(data)).close()
    with sqlite3.connect(data / "kubegate.db") as db:
        db.execute("UPDATE meta SET value = 2 WHERE name = 'format'")
    db.close()
    with pytest.raises(DataDirError) as raised:
        await SqliteBackend.open(data)
    assert str(raised.value) == f"data directory {data} was written by a newer kubegate (format 2; this one reads 1)"


async def test_a_data_dir_that_cannot_be_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory\n")
    data = tmp_path / "file" / "data"
    with pytest.raises(DataDirError) as raised:
        await SqliteBackend.open(data)
    assert str(data) in str(raised.value) and "\n" not in str(raised.value)


async def test_a_corrupt_database_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kubegate.db").write_bytes(b"this is not an sqlite database, only text pretending to be one" * 20)
    with pytest.raises(DataDirError) as raised:
        await SqliteBackend.open(data)
    assert str(data / "kubegate.db") in str(raised.value) and "\n" not in str(raised.value)


async def test_a_second_open_of_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backend = await SqliteBackend.open(data)
    try:
        with pytest.raises(DataDirError) as raised:
            await SqliteBackend.open(data)
        assert str(raised.value) == f"data directory {data} is in use by another kubegate process"
    finally:
        await backend.close()
    await (await SqliteBackend.open(data)).close()  # free again once closed


CHILD = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from kubegate.storage.sqlite import SqliteBackend

    async def main() -> None:
        backend = await SqliteBackend.open(Path(sys.argv[1]))
        print("ready", flush=True)
        for index in range(1_000_000):
            obj = {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": f"c{index}", "namespace": "default", "uid": f"uid-{index}"},
                   "data": {"index": str(index)}}
            stored = await backend.create(f"configmaps/default/c{index}", obj)
            print(index, stored.revision, flush=True)  # acknowledged: the await returned

    asyncio.run(main())
""")


async def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(data), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[bytes] = []
    try:
        ready = await asyncio.wait_for(child.stdout.readline(), 30)
        assert ready == b"ready\n", (ready, await child.stderr.read())
        while len(lines) < 200:  # well into the stream, then kill it mid-write
            line = await asyncio.wait_for(child.stdout.readline(), 30)
            assert line, await child.stderr.read()
            lines.append(line)
    finally:
        child.kill()  # SIGKILL: no cleanup, no close of the database
        rest, _ = await child.communicate()
    assert child.returncode == -9
    # every line the child printed is a write whose await had returned, whether read before the kill or after
    acknowledged = [(int(index), int(revision)) for index, revision in map(bytes.split, [*lines, *rest.splitlines()])]

    backend = await SqliteBackend.open(data)
    try:
        for index, revision in acknowledged:
            got = await backend.get(f"configmaps/default/c{index}")
            assert got is not None, f"acknowledged write c{index} at revision {revision} was lost"
            assert got.revision == revision and got.obj["metadata"]["uid"] == f"uid-{index}"
        current = await backend.current_revision()
        assert current >= acknowledged[-1][1]
        after = await backend.create("configmaps/default/after", configmap("after"))
        assert after.revision == current + 1
    finally:
        await backend.close()
