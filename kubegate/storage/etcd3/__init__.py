"""The etcd3 backend: kubegate's objects in a real etcd, laid out as kube-apiserver lays them out.

`kubegate serve --etcd-servers URL` keeps its state here instead of in memory, so several
kubegate processes can share one cluster and `etcdctl get /registry/namespaces/NAME` shows what
a client wrote. It keeps the storage contract (`kubegate.storage.interface`) the way k8s.io's
etcd3 store does:

* keys live at `PREFIX/KEY` (`--etcd-prefix`, default `/registry`); values are JSON without a
  resourceVersion, and an object's resourceVersion is its key's mod_revision;
* create is a transaction on `create_revision == 0`; `guaranteed_update` and `delete` are
  transactions on the mod_revision that was read, and re-read and retry when it moved;
* watches are etcd watches from `since + 1` with `prev_kv`, so MODIFIED and DELETED events carry
  the previous object;
* history is compacted every `--etcd-compaction-interval` by kube-apiserver's protocol: the
  processes sharing a cluster take turns through the version of the `compact_rev_key` key, whose
  value is the revision compacted last. That key sits at the root of the keyspace, outside
  every prefix, as kube-apiserver keeps it: compaction is cluster-wide.

The client is `aetcd`: its generated gRPC stubs for KV calls (its `Client` can neither dial TLS
nor read at a revision, and its `transaction()` drops the header revision a write needs) and its
`Watcher`, which multiplexes every watch on one gRPC stream.
"""

from kubegate.storage.etcd3.backend import Etcd3Backend
from kubegate.storage.etcd3.connection import EtcdUnavailable

__all__ = ["Etcd3Backend", "EtcdUnavailable"]
