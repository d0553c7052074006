"""Opens the backend the configuration names, and says what it keeps.

The one place that knows every backend: the server asks for "the storage" and gets an
`Interface`, with a one-line description for the ready line. Failures to open (an unreachable
etcd, an unusable data directory) raise `StorageOpenError` with one line for the user.
"""

from __future__ import annotations

from kubegate.config import ServerConfig, storage_backend
from kubegate.storage.interface import Interface
from kubegate.storage.memory import MemoryBackend


class StorageOpenError(Exception):
    """The configured store cannot be used; the message is one line for the user."""


async def open_backend(config: ServerConfig) -> Interface:
    backend = storage_backend(config)
    if backend == "sqlite":
        from kubegate.storage.sqlite import DataDirError, SqliteBackend

        assert config.data_dir is not None
        try:
            opened: Interface = await SqliteBackend.open(config.data_dir, history=config.watch_cache_size)
            return opened
        except DataDirError as error:
            raise StorageOpenError(str(error)) from None
    if backend == "etcd3":
        from kubegate.storage.etcd3 import Etcd3Backend, EtcdUnavailable

        try:
            return await Etcd3Backend.connect(
                list(config.etcd_servers), prefix=config.etcd_prefix, ca_file=config.etcd_cafile,
                cert_file=config.etcd_certfile, key_file=config.etcd_keyfile,
                compaction_interval=config.etcd_compaction_interval,
            )
        except EtcdUnavailable as error:
            raise StorageOpenError(str(error)) from None
    return MemoryBackend()


def describe(backend: Interface, config: ServerConfig) -> str:
    """What the ready line says about the store."""
    if backend.name == "sqlite":
        return f"sqlite in {config.data_dir} (state survives restarts)"
    if backend.name == "etcd3":
        return f"etcd3 at {','.join(config.etcd_servers)} (state survives restarts)"
    return "memory (state is lost when the process exits)"
