"""The etcd3 backend itself: reads, transactional writes, watches and the compactor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import grpc
from aetcd import ClientError, RevisionCompactedError, Watcher, rpc
from aetcd.utils import prefix_range_end

from kubegate.storage import codec
from kubegate.storage.errors import (
    KeyExists,
    KeyNotFound,
    StorageError,
    TooOldRevision,
    Unavailable,
)
from kubegate.storage.etcd3.connection import (
    Endpoint,
    EtcdUnavailable,
    describe,
    error_details,
    grpc_target,
    open_channel,
    unreachable_reason,
)
from kubegate.storage.etcd3.messages import (
    as_int,
    compare,
    decode,
    get_op,
    is_compacted,
    plain_error,
    put_op,
    range_kv,
)
from kubegate.storage.etcd3.watch import EtcdWatch
from kubegate.storage.interface import (
    Preconditions,
    Stored,
    TryUpdate,
)

log = logging.getLogger(__name__)

#: kube-apiserver's compaction marker: its version orders the compactors, its value is the
#: revision compacted last.
COMPACT_REV_KEY = b"compact_rev_key"
#: How long one KV call may take before it counts as etcd being unavailable.
REQUEST_TIMEOUT = 30.0
#: Keys fetched per range call when listing (every page is read at the same revision).
LIST_PAGE = 1000


class Etcd3Backend:
    """The storage interface over one etcd cluster, under one key prefix (see the module docstring)."""

    name = "etcd3"
    persistent = True

    def __init__(self, channel: Any, *, prefix: str, compaction_interval: float) -> None:
        self._channel = channel
        self._kv = rpc.KVStub(channel)
        self._watcher = Watcher(rpc.WatchStub(channel), timeout=REQUEST_TIMEOUT)
        self._root = (prefix.rstrip("/") + "/").encode()
        self._compacted = 0
        self._watches: set[EtcdWatch] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._compactor: asyncio.Task[None] | None = None
        if compaction_interval > 0:
            compactor = self._compact_forever(compaction_interval)
            self._compactor = asyncio.get_running_loop().create_task(compactor)

    @classmethod
    async def connect(
        cls, servers: list[str], *, prefix: str = "/registry", ca_file: str | Path | None = None,
        cert_file: str | Path | None = None, key_file: str | Path | None = None,
        compaction_interval: float = 300.0, dial_timeout: float = 5.0,
    ) -> Etcd3Backend:
        """Dial the servers and make sure etcd answers a quorum read within `dial_timeout`."""
        if not servers:
            raise EtcdUnavailable("no etcd servers given")
        endpoints = [Endpoint.parse(server) for server in servers]
        channel = open_channel(await grpc_target(endpoints), endpoints, ca_file=ca_file,
                               cert_file=cert_file, key_file=key_file)
        try:
            await cls._await_answer(channel, dial_timeout)
        except EtcdUnavailable as error:
            await channel.close()
            raise EtcdUnavailable(f"cannot reach etcd at {','.join(servers)}: {error}") from None
        return cls(channel, prefix=prefix, compaction_interval=compaction_interval)

    @staticmethod
    async def _await_answer(channel: Any, dial_timeout: float) -> None:
        """Retry a quorum read until it succeeds or `dial_timeout` passes (etcd may be starting)."""
        kv = rpc.KVStub(channel)
        deadline = time.monotonic() + dial_timeout
        reason = f"no answer within {dial_timeout:g}s"
        while (left := deadline - time.monotonic()) > 0:
            try:
                await kv.Range(rpc.RangeRequest(key=COMPACT_REV_KEY, keys_only=True), timeout=left)
                return
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    break
                reason = unreachable_reason(error_details(error))
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    break  # an answer, but a refusal (TLS, auth): retrying will not change it
            await asyncio.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        raise EtcdUnavailable(reason)

    def _key(self, key: str) -> bytes:
        return self._root + key.encode()

    # calls -----------------------------------------------------------------------------------

    async def _range(self, request: Any) -> Any:
        try:
            return await self._kv.Range(request, timeout=REQUEST_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            raise await self._error(error, int(request.revision)) from None

    async def _txn(self, key: str, compares: list[Any], success: list[Any], failure: list[Any]) -> Any:
        try:
            request = rpc.TxnRequest(compare=compares, success=success, failure=failure)
            return await self._kv.Txn(request, timeout=REQUEST_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            raise plain_error(error, key) from None

    async def _error(self, error: grpc.aio.AioRpcError, revision: int) -> StorageError:
        if is_compacted(error):
            return TooOldRevision(revision, await self.compacted_revision())
        return plain_error(error)

    async def _get_kv(self, key: str) -> Any:
        response = await self._range(rpc.RangeRequest(key=self._key(key)))
        return response.kvs[0] if response.kvs else None

    # reads -----------------------------------------------------------------------------------

    async def get(self, key: str) -> Stored | None:
        kv = await self._get_kv(key)
        return decode(kv) if kv is not None else None

    async def list(self, prefix: str, *, revision: int = 0) -> tuple[list[tuple[str, Stored]], int]:
        start = self._key(prefix)
        end = prefix_range_end(start)
        items: list[tuple[str, Stored]] = []
        while True:
            request = rpc.RangeRequest(key=start, range_end=end, revision=revision, limit=LIST_PAGE)
            response = await self._range(request)
            revision = revision or int(response.header.revision)  # later pages: the same revision
            items.extend((bytes(kv.key)[len(self._root):].decode(), decode(kv)) for kv in response.kvs)
            if not response.more or not response.kvs:
                return items, revision
            start = bytes(response.kvs[-1].key) + b"\0"

    async def current_revision(self) -> int:
        response = await self._range(rpc.RangeRequest(key=COMPACT_REV_KEY, keys_only=True))
        return int(response.header.revision)

    async def compacted_revision(self) -> int:
        """The newest compaction: what kubegate compacted or the marker says, checked against etcd.

        A compaction made by other means (`etcdctl compact`, etcd's auto-compaction) leaves the
        marker behind; reads at revisions below it fail, so a binary search finds it.
        """
        known = max(self._compacted, await self._marker_value())
        if not await self._readable_at(max(known, 1)):
            known = await self._search_compacted(known + 1, await self.current_revision())
        self._compacted = max(self._compacted, known)
        return self._compacted

    async def _marker_value(self) -> int:
        response = await self._range(rpc.RangeRequest(key=COMPACT_REV_KEY))
        return as_int(response.kvs[0].value) if response.kvs else 0

    async def _readable_at(self, revision: int) -> bool:
        try:
            request = rpc.RangeRequest(key=COMPACT_REV_KEY, keys_only=True, revision=revision)
            await self._kv.Range(request, timeout=REQUEST_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            if is_compacted(error):
                return False
            if error.code() == grpc.StatusCode.OUT_OF_RANGE:
                return True  # a future revision: nothing compacted there
            raise plain_error(error) from None
        return True

    async def _search_compacted(self, low: int, high: int) -> int:
        """The oldest readable revision in [low, high], knowing that `high` is readable."""
        while low < high:
            middle = (low + high) // 2
            if await self._readable_at(middle):
                high = middle
            else:
                low = middle + 1
        return low

    # writes ----------------------------------------------------------------------------------

    async def create(self, key: str, obj: dict[str, Any]) -> Stored:
        full = self._key(key)
        put = put_op(full, codec.encode_value(obj))
        txn = await self._txn(key, [compare(full, "create_revision", 0)], [put], [])
        if not txn.succeeded:
            raise KeyExists(f"{key} already exists", key=key)
        return codec.stamp(obj, int(txn.header.revision))

    async def guaranteed_update(
        self, key: str, try_update: TryUpdate, *, preconditions: Preconditions | None = None,
        ignore_not_found: bool = False,
    ) -> Stored:
        full = self._key(key)
        kv = await self._get_kv(key)
        while True:
            current = decode(kv) if kv is not None else None
            if current is None and not ignore_not_found:
                raise KeyNotFound(f"{key} not found", key=key)
            if current is not None and preconditions is not None:
                preconditions.check(key, current)
            new = await try_update(current)
            if current is not None and codec.same_content(current, new):
                return current  # a no-op write keeps the resourceVersion, as etcd3 storage does
            seen = current.revision if current is not None else 0  # 0 when absent: a create
            txn = await self._txn(key, [compare(full, "mod_revision", seen)],
                                  [put_op(full, codec.encode_value(new))], [get_op(full)])
            if txn.succeeded:
                return codec.stamp(new, int(txn.header.revision))
            kv = range_kv(txn)  # another writer came first: compute again from what it wrote

    async def delete(self, key: str, *, preconditions: Preconditions | None = None) -> Stored:
        full = self._key(key)
        kv = await self._get_kv(key)
        while True:
            if kv is None:
                raise KeyNotFound(f"{key} not found", key=key)
            current = decode(kv)
            if preconditions is not None:
                preconditions.check(key, current)
            delete = rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=full))
            same = compare(full, "mod_revision", current.revision)
            txn = await self._txn(key, [same], [delete], [get_op(full)])
            if txn.succeeded:
                return codec.stamp(current.obj, int(txn.header.revision))
            kv = range_kv(txn)  # changed in between: check the preconditions on what is there now

    # watches ---------------------------------------------------------------------------------

    async def watch(self, prefix: str, *, since: int) -> EtcdWatch:
        if not await self._readable_at(max(since, 1)):
            raise TooOldRevision(since, await self.compacted_revision())
        start = self._key(prefix)
        watch = EtcdWatch(self._root, since, self._stop_watch)
        try:
            created = await self._watcher.add_callback(
                start, watch.feed, range_end=prefix_range_end(start), start_revision=since + 1,
                prev_kv=True,
            )
        except RevisionCompactedError as error:
            raise TooOldRevision(since, int(error.compacted_revision)) from None
        except (ClientError, grpc.aio.AioRpcError) as error:  # aetcd passes gRPC's errors on as is
            raise Unavailable(f"etcd watch failed: {describe(error)}") from None
        watch.watch_id = created.watch_id
        self._watches.add(watch)
        return watch

    def _stop_watch(self, watch: EtcdWatch) -> None:
        self._watches.discard(watch)
        if watch.watch_id is not None:
            self._spawn(self._watcher.cancel(watch.watch_id))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coroutine)
        except RuntimeError:  # stopped after its event loop ended: nothing left to cancel
            coroutine.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # compaction ------------------------------------------------------------------------------

    async def compact(self, revision: int) -> None:
        """Compact etcd's history up to `revision` and record it in the marker."""
        await self._compact(revision)
        await self._record_compaction(revision)

    async def _compact(self, revision: int) -> None:
        try:
            await self._kv.Compact(rpc.CompactionRequest(revision=revision), timeout=REQUEST_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            if not is_compacted(error):  # compacted already past it: nothing to do
                raise plain_error(error) from None
        self._compacted = max(self._compacted, revision)

    async def _record_compaction(self, revision: int) -> None:
        """Raise the marker's value to `revision` (its version moves on, as after any compaction)."""
        while True:
            response = await self._range(rpc.RangeRequest(key=COMPACT_REV_KEY))
            kv = response.kvs[0] if response.kvs else None
            if kv is not None and as_int(kv.value) >= revision:
                return
            version = int(kv.version) if kv is not None else 0
            put = put_op(COMPACT_REV_KEY, str(revision).encode())
            txn = await self._txn("", [compare(COMPACT_REV_KEY, "version", version)], [put], [])
            if txn.succeeded:
                return

    async def _compact_forever(self, interval: float) -> None:
        """kube-apiserver's compactor: each tick, compact to the revision seen at the tick before."""
        version = revision = 0
        while True:
            await asyncio.sleep(interval)
            try:
                version, revision = await self._compact_tick(version, revision)
            except StorageError as error:
                log.warning("etcd compaction failed: %s", error)

    async def _compact_tick(self, version: int, revision: int) -> tuple[int, int]:
        """One turn: if the marker's version is still `version`, this process compacts to `revision`.

        Returns the marker version and etcd revision to use next time. The first turn (revision
        0) only claims the marker; losing the race means another process compacted this turn.
        """
        turn = compare(COMPACT_REV_KEY, "version", version)
        put = put_op(COMPACT_REV_KEY, str(revision).encode())
        txn = await self._txn("", [turn], [put], [get_op(COMPACT_REV_KEY)])
        seen = int(txn.header.revision)
        if not txn.succeeded:
            kv = range_kv(txn)
            return (int(kv.version) if kv is not None else 0), seen
        if revision:
            await self._compact(revision)
            log.info("etcd: compacted to revision %d", revision)
        return version + 1, seen

    # life ------------------------------------------------------------------------------------

    async def close(self) -> None:
        if self._compactor is not None:
            self._compactor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._compactor
            self._compactor = None
        for watch in tuple(self._watches):
            watch.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._watcher.shutdown()
        await self._channel.close()
