"""Per-resource Table columns, as a real 1.32 kube-apiserver prints them for `kubectl get`.

One module per family of kinds holds its columns as data; this package merges them into
`PRINTERS`, keyed by `ResourceSpec.resource_key` (API group, plural: every served version of a
resource prints alike). A resource missing here gets the default table of a
real server (`Name`, `Created At`), see `kubegate.registry.tables`. Two behaviours are not
columns: the row conditions pods carry once finished, and the order FlowSchemas are listed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubegate.registry.printers import cluster, core, networking, storage, workloads
from kubegate.registry.printers.cells import Column
from kubegate.registry.printers.pods import POD_COLUMNS, pod_row_conditions
from kubegate.registry.spec import ResourceKey

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("", "pods"): POD_COLUMNS,
    **core.PRINTERS,
    **workloads.PRINTERS,
    **networking.PRINTERS,
    **storage.PRINTERS,
    **cluster.PRINTERS,
}

#: Row conditions (`Completed`) that kubectl may use to tell finished rows apart.
ROW_CONDITIONS: dict[ResourceKey, Callable[[dict[str, Any]], list[dict[str, str]]]] = {
    ("", "pods"): pod_row_conditions,
}

#: Lists printed in an order of their own: FlowSchemas by matching precedence, then name.
ROW_ORDER: dict[ResourceKey, Callable[[dict[str, Any]], Any]] = {
    ("flowcontrol.apiserver.k8s.io", "flowschemas"): lambda o: (
        cluster.flow_schema_precedence(o),
        str(o.get("metadata", {}).get("name", "")),
    ),
}
