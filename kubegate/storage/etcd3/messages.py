"""etcd3 request and response pieces: operations, compares, decoding, and storage errors from gRPC errors."""

from __future__ import annotations

from typing import Any

import grpc
import orjson
from aetcd import rpc

from kubegate.storage import codec
from kubegate.storage.errors import (
    FutureRevision,
    InvalidObject,
    StorageError,
    Unavailable,
)
from kubegate.storage.etcd3.connection import error_details
from kubegate.storage.interface import (
    Stored,
)

#: etcd's own wording, which kube-apiserver passes on (see kubegate.registry.storage_errors).
TIMED_OUT = "etcdserver: request timed out"


def is_compacted(error: grpc.aio.AioRpcError) -> bool:
    return bool(
        error.code() == grpc.StatusCode.OUT_OF_RANGE and "compacted" in error_details(error)
    )


def plain_error(error: grpc.aio.AioRpcError, key: str = "") -> StorageError:
    """The storage error for a failed etcd call (but compaction: it needs the compacted revision)."""
    details = error_details(error)
    if error.code() == grpc.StatusCode.OUT_OF_RANGE and "future revision" in details:
        return FutureRevision(details, key=key)
    if "request is too large" in details:
        return InvalidObject(details, key=key)
    if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return Unavailable(TIMED_OUT, key=key)
    return Unavailable(f"etcd: {details}", key=key)


# values ----------------------------------------------------------------------------------------


def decode(kv: Any, revision: int | None = None) -> Stored:
    """A key-value read from etcd, stamped with its mod_revision (or `revision`)."""
    try:
        return codec.decode_value(kv.value, int(kv.mod_revision) if revision is None else revision)
    except (orjson.JSONDecodeError, AttributeError, InvalidObject):
        key = bytes(kv.key).decode(errors="replace")
        raise Unavailable(f"the value of etcd key {key} is not a JSON object", key=key) from None


def as_int(value: bytes) -> int:
    """The marker's value (a decimal revision); 0 when it is something else."""
    try:
        return int(value)
    except ValueError:
        return 0


def put_op(key: bytes, value: bytes) -> Any:
    return rpc.RequestOp(request_put=rpc.PutRequest(key=key, value=value))


def get_op(key: bytes) -> Any:
    return rpc.RequestOp(request_range=rpc.RangeRequest(key=key))


def compare(key: bytes, target: str, value: int) -> Any:
    """`target(key) == value`, target one of mod_revision, create_revision, version."""
    targets = {
        "mod_revision": rpc.Compare.MOD,
        "create_revision": rpc.Compare.CREATE,
        "version": rpc.Compare.VERSION,
    }
    return rpc.Compare(key=key, result=rpc.Compare.EQUAL, target=targets[target], **{target: value})


def range_kv(txn: Any) -> Any:
    """The one key-value a failed transaction's get returned, or None when the key is gone."""
    kvs = txn.responses[0].response_range.kvs
    return kvs[0] if kvs else None


# watches ---------------------------------------------------------------------------------------
