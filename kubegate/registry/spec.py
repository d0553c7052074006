"""The shape of one row of the resource table.

A built-in or custom resource is described by data alone: which group/version/kind it is, how
it is named in URLs, whether it lives in a namespace, which verbs and subresources it serves, and
how discovery advertises it. Discovery, OpenAPI, requestinfo lookups, tables and the generic REST
store all read these rows; nothing is written per resource unless it truly behaves differently.

What a row cannot hold as data (strategies, printers, conversions, validation: code) lives in
tables keyed exactly like the row, by `ResourceSpec.resource_key` or, where the fact differs
between versions, `ResourceSpec.version_key`, and is looked up by passing the spec itself.
tests/unit/test_resource_tables.py checks that every key of every such table names a served
resource, so a typo or a stale row fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The verbs a plain read-write resource serves, in discovery's (sorted) order.
CRUD_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
#: Verbs of a status-like subresource.
GET_PATCH_UPDATE: tuple[str, ...] = ("get", "patch", "update")
#: Verbs of a create-only resource (reviews, token requests).
CREATE_ONLY: tuple[str, ...] = ("create",)

#: A resource across every version it is served in, `(group, plural)` (schema.GroupResource):
#: the key of every per-resource table whose fact does not change with the version.
ResourceKey = tuple[str, str]
#: One served version of a resource, `(group, version, plural)` (schema.GroupVersionResource):
#: the key of per-resource tables whose fact differs between versions (conversions, zero status).
VersionKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Subresource:
    """A subresource such as `status`, `scale` or `token`.

    `group`/`version`/`kind` describe the object the subresource speaks, when it is not the
    parent's own kind (scale speaks autoscaling/v1 Scale, token speaks
    authentication.k8s.io/v1 TokenRequest). Empty group and version with an empty kind mean
    "the parent's kind".
    """

    name: str
    verbs: tuple[str, ...] = GET_PATCH_UPDATE
    kind: str = ""
    group: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    """A custom resource's Table column (a CRD's additionalPrinterColumns entry)."""

    name: str
    type: str
    json_path: str
    format: str = ""
    description: str = ""
    priority: int = 0


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """One REST resource as discovery advertises it (metav1.APIResource plus its group)."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    verbs: tuple[str, ...] = CRUD_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = field(default=())
    #: served from a CustomResourceDefinition: unstructured objects, no strategic merge patch
    custom_resource: bool = False
    #: custom resources: the Table columns after Name, and the extra field selector labels
    printer_columns: tuple[PrinterColumn, ...] = ()
    selectable_fields: tuple[str, ...] = ()

    @property
    def resource_key(self) -> ResourceKey:
        """`(group, plural)`: how version-independent per-resource tables are keyed."""
        return (self.group, self.plural)

    @property
    def version_key(self) -> VersionKey:
        """`(group, version, plural)`: how per-version tables (and the catalog) are keyed."""
        return (self.group, self.version, self.plural)

    @property
    def group_version(self) -> str:
        """`v1` for the core group, `apps/v1` otherwise (the apiVersion of its objects)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_version(self) -> str:
        return self.group_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`pods` or `deployments.apps`, as error messages print it."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None
