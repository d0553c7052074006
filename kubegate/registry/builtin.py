"""Every resource a default kube-apiserver 1.27 to 1.35 serves, as data.

Why a table: discovery, OpenAPI, requestinfo lookups, RBAC resource matching and the generic REST
store all need the same facts about a resource (kind, plural, scope, verbs, short names,
categories, subresources). Keeping them in one place, copied from what a real server
advertises, means clients such as kubectl resolve `po`, `deploy`, `kubectl get all` or
`pods/exec` against kubegate exactly as they would against a real cluster.

Scope: what some minor from 1.27 to 1.35 serves without any `--runtime-config` or feature gate
(`ALL_BUILTIN_RESOURCES`); `registry/lifecycle.py` says which minors serve which row, and
`served_resources(minor)` is one release's surface. `BUILTIN_RESOURCES` is the default 1.32's.
Betas that are off by default and every alpha (mutating admission policies, lease candidates,
resource.k8s.io v1beta1, ...) are deliberately absent.

Order is part of the data. Rows are grouped by group-version in the order the server lists them:
the legacy core group (`/api/v1`) first, then the `/apis` groups in the apiserver's group
priority order, each group's versions by priority (autoscaling/v2 before v1; flowcontrol v1,
v1beta3, v1beta2), so that the first version a release serves is the one it prefers.
Inside a group-version the rows, and each row's subresources, are sorted by name as discovery
sorts them. Verbs are sorted the same way.

A subresource whose `kind` is empty speaks its parent's kind; one with a `kind` but no
group/version speaks a kind of its parent's group-version (`PodExecOptions` is core/v1).
"""

from __future__ import annotations

from kubegate.registry import lifecycle
from kubegate.registry.spec import CREATE_ONLY, GET_PATCH_UPDATE, ResourceSpec, Subresource

#: The `/status` subresource: the parent's kind, get/patch/update.
_STATUS = Subresource("status", verbs=GET_PATCH_UPDATE)
#: The `/scale` subresource of every scalable workload speaks autoscaling/v1 Scale.
_SCALE = Subresource(
    "scale", verbs=GET_PATCH_UPDATE, kind="Scale", group="autoscaling", version="v1"
)
#: Streaming subresources (exec, attach, portforward) accept GET (websocket upgrade) and POST.
_STREAM_VERBS: tuple[str, ...] = ("create", "get")
#: Proxy subresources pass every method through, so discovery lists all the write verbs.
_PROXY_VERBS: tuple[str, ...] = ("create", "delete", "get", "patch", "update")
#: `pods/eviction` speaks policy/v1 Eviction and is create-only.
_EVICTION = Subresource(
    "eviction", verbs=CREATE_ONLY, kind="Eviction", group="policy", version="v1"
)
#: `serviceaccounts/token` speaks authentication.k8s.io/v1 TokenRequest and is create-only.
_TOKEN = Subresource(
    "token", verbs=CREATE_ONLY, kind="TokenRequest", group="authentication.k8s.io", version="v1"
)
#: Namespaces cannot be deleted as a collection (deletion goes through finalization).
_NAMESPACE_VERBS: tuple[str, ...] = ("create", "delete", "get", "list", "patch", "update", "watch")

#: The `all` category: the resources carrying it are what `kubectl get all` lists.
_ALL: tuple[str, ...] = ("all",)
#: The `api-extensions` category: objects that extend or hook into the API itself.
_API_EXTENSIONS: tuple[str, ...] = ("api-extensions",)

#: Group names in serving order: `""` (the legacy core group, served at `/api`) first, then the
#: groups in the order `/apis` lists them.
GROUP_ORDER: tuple[str, ...] = (
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "resource.k8s.io",
)

#: Every built-in resource of every supported minor, in serving order (see the module docstring).
#: A group's versions come in the aggregator's priority order (autoscaling/v2 before v1,
#: flowcontrol v1 before v1beta3 before v1beta2): the first one served is the preferred one.
# Hand-wrapped so that each resource reads as one compact row; the formatter would explode it.
# fmt: off
ALL_BUILTIN_RESOURCES: tuple[ResourceSpec, ...] = (
    # v1 -------------------------------------------------------------------------------------------
    ResourceSpec(group="", version="v1", kind="Binding", plural="bindings", singular="binding",
                 namespaced=True, verbs=CREATE_ONLY),
    ResourceSpec(group="", version="v1", kind="ComponentStatus", plural="componentstatuses",
                 singular="componentstatus", namespaced=False, verbs=("get", "list"),
                 short_names=("cs",)),
    ResourceSpec(group="", version="v1", kind="ConfigMap", plural="configmaps",
                 singular="configmap", namespaced=True, short_names=("cm",)),
    ResourceSpec(group="", version="v1", kind="Endpoints", plural="endpoints", singular="endpoints",
                 namespaced=True, short_names=("ep",)),
    ResourceSpec(group="", version="v1", kind="Event", plural="events", singular="event",
                 namespaced=True, short_names=("ev",)),
    ResourceSpec(group="", version="v1", kind="LimitRange", plural="limitranges",
                 singular="limitrange", namespaced=True, short_names=("limits",)),
    ResourceSpec(group="", version="v1", kind="Namespace", plural="namespaces",
                 singular="namespace", namespaced=False, verbs=_NAMESPACE_VERBS,
                 short_names=("ns",), subresources=(
                     Subresource("finalize", verbs=("update",)),
                     _STATUS,
                 )),
    ResourceSpec(group="", version="v1", kind="Node", plural="nodes", singular="node",
                 namespaced=False, short_names=("no",), subresources=(
                     Subresource("proxy", verbs=_PROXY_VERBS, kind="NodeProxyOptions"),
                     _STATUS,
                 )),
    ResourceSpec(group="", version="v1", kind="PersistentVolumeClaim",
                 plural="persistentvolumeclaims", singular="persistentvolumeclaim", namespaced=True,
                 short_names=("pvc",), subresources=(_STATUS,)),
    ResourceSpec(group="", version="v1", kind="PersistentVolume", plural="persistentvolumes",
                 singular="persistentvolume", namespaced=False, short_names=("pv",),
                 subresources=(_STATUS,)),
    ResourceSpec(group="", version="v1", kind="Pod", plural="pods", singular="pod", namespaced=True,
                 short_names=("po",), categories=_ALL, subresources=(
                     Subresource("attach", verbs=_STREAM_VERBS, kind="PodAttachOptions"),
                     Subresource("binding", verbs=CREATE_ONLY, kind="Binding"),
                     Subresource("ephemeralcontainers"),
                     _EVICTION,
                     Subresource("exec", verbs=_STREAM_VERBS, kind="PodExecOptions"),
                     Subresource("log", verbs=("get",)),
                     Subresource("portforward", verbs=_STREAM_VERBS, kind="PodPortForwardOptions"),
                     Subresource("proxy", verbs=_PROXY_VERBS, kind="PodProxyOptions"),
                     Subresource("resize"),
                     _STATUS,
                 )),
    ResourceSpec(group="", version="v1", kind="PodTemplate", plural="podtemplates",
                 singular="podtemplate", namespaced=True),
    ResourceSpec(group="", version="v1", kind="ReplicationController",
                 plural="replicationcontrollers", singular="replicationcontroller", namespaced=True,
                 short_names=("rc",), categories=_ALL, subresources=(_SCALE, _STATUS)),
    ResourceSpec(group="", version="v1", kind="ResourceQuota", plural="resourcequotas",
                 singular="resourcequota", namespaced=True, short_names=("quota",),
                 subresources=(_STATUS,)),
    ResourceSpec(group="", version="v1", kind="Secret", plural="secrets", singular="secret",
                 namespaced=True),
    ResourceSpec(group="", version="v1", kind="ServiceAccount", plural="serviceaccounts",
                 singular="serviceaccount", namespaced=True, short_names=("sa",),
                 subresources=(_TOKEN,)),
    ResourceSpec(group="", version="v1", kind="Service", plural="services", singular="service",
                 namespaced=True, short_names=("svc",), categories=_ALL, subresources=(
                     Subresource("proxy", verbs=_PROXY_VERBS, kind="ServiceProxyOptions"),
                     _STATUS,
                 )),

    # apiregistration.k8s.io/v1 --------------------------------------------------------------------
    ResourceSpec(group="apiregistration.k8s.io", version="v1", kind="APIService",
                 plural="apiservices", singular="apiservice", namespaced=False,
                 categories=_API_EXTENSIONS, subresources=(_STATUS,)),

    # apps/v1 --------------------------------------------------------------------------------------
    ResourceSpec(group="apps", version="v1", kind="ControllerRevision",
                 plural="controllerrevisions", singular="controllerrevision", namespaced=True),
    ResourceSpec(group="apps", version="v1", kind="DaemonSet", plural="daemonsets",
                 singular="daemonset", namespaced=True, short_names=("ds",), categories=_ALL,
                 subresources=(_STATUS,)),
    ResourceSpec(group="apps", version="v1", kind="Deployment", plural="deployments",
                 singular="deployment", namespaced=True, short_names=("deploy",), categories=_ALL,
                 subresources=(_SCALE, _STATUS)),
    ResourceSpec(group="apps", version="v1", kind="ReplicaSet", plural="replicasets",
                 singular="replicaset", namespaced=True, short_names=("rs",), categories=_ALL,
                 subresources=(_SCALE, _STATUS)),
    ResourceSpec(group="apps", version="v1", kind="StatefulSet", plural="statefulsets",
                 singular="statefulset", namespaced=True, short_names=("sts",), categories=_ALL,
                 subresources=(_SCALE, _STATUS)),

    # events.k8s.io/v1 -----------------------------------------------------------------------------
    ResourceSpec(group="events.k8s.io", version="v1", kind="Event", plural="events",
                 singular="event", namespaced=True, short_names=("ev",)),

    # authentication.k8s.io/v1 ---------------------------------------------------------------------
    ResourceSpec(group="authentication.k8s.io", version="v1", kind="SelfSubjectReview",
                 plural="selfsubjectreviews", singular="selfsubjectreview", namespaced=False,
                 verbs=CREATE_ONLY),
    ResourceSpec(group="authentication.k8s.io", version="v1", kind="TokenReview",
                 plural="tokenreviews", singular="tokenreview", namespaced=False,
                 verbs=CREATE_ONLY),

    # authorization.k8s.io/v1 ----------------------------------------------------------------------
    ResourceSpec(group="authorization.k8s.io", version="v1", kind="LocalSubjectAccessReview",
                 plural="localsubjectaccessreviews", singular="localsubjectaccessreview",
                 namespaced=True, verbs=CREATE_ONLY),
    ResourceSpec(group="authorization.k8s.io", version="v1", kind="SelfSubjectAccessReview",
                 plural="selfsubjectaccessreviews", singular="selfsubjectaccessreview",
                 namespaced=False, verbs=CREATE_ONLY),
    ResourceSpec(group="authorization.k8s.io", version="v1", kind="SelfSubjectRulesReview",
                 plural="selfsubjectrulesreviews", singular="selfsubjectrulesreview",
                 namespaced=False, verbs=CREATE_ONLY),
    ResourceSpec(group="authorization.k8s.io", version="v1", kind="SubjectAccessReview",
                 plural="subjectaccessreviews", singular="subjectaccessreview", namespaced=False,
                 verbs=CREATE_ONLY),

    # autoscaling/v2 -------------------------------------------------------------------------------
    ResourceSpec(group="autoscaling", version="v2", kind="HorizontalPodAutoscaler",
                 plural="horizontalpodautoscalers", singular="horizontalpodautoscaler",
                 namespaced=True, short_names=("hpa",), categories=_ALL, subresources=(_STATUS,)),

    # autoscaling/v1 -------------------------------------------------------------------------------
    ResourceSpec(group="autoscaling", version="v1", kind="HorizontalPodAutoscaler",
                 plural="horizontalpodautoscalers", singular="horizontalpodautoscaler",
                 namespaced=True, short_names=("hpa",), categories=_ALL, subresources=(_STATUS,)),

    # batch/v1 -------------------------------------------------------------------------------------
    ResourceSpec(group="batch", version="v1", kind="CronJob", plural="cronjobs", singular="cronjob",
                 namespaced=True, short_names=("cj",), categories=_ALL, subresources=(_STATUS,)),
    ResourceSpec(group="batch", version="v1", kind="Job", plural="jobs", singular="job",
                 namespaced=True, categories=_ALL, subresources=(_STATUS,)),

    # certificates.k8s.io/v1 -----------------------------------------------------------------------
    ResourceSpec(group="certificates.k8s.io", version="v1", kind="CertificateSigningRequest",
                 plural="certificatesigningrequests", singular="certificatesigningrequest",
                 namespaced=False, short_names=("csr",), subresources=(
                     Subresource("approval"),
                     _STATUS,
                 )),

    # networking.k8s.io/v1 -------------------------------------------------------------------------
    ResourceSpec(group="networking.k8s.io", version="v1", kind="IngressClass",
                 plural="ingressclasses", singular="ingressclass", namespaced=False),
    ResourceSpec(group="networking.k8s.io", version="v1", kind="Ingress", plural="ingresses",
                 singular="ingress", namespaced=True, short_names=("ing",),
                 subresources=(_STATUS,)),
    ResourceSpec(group="networking.k8s.io", version="v1", kind="IPAddress", plural="ipaddresses",
                 singular="ipaddress", namespaced=False, short_names=("ip",)),
    ResourceSpec(group="networking.k8s.io", version="v1", kind="NetworkPolicy",
                 plural="networkpolicies", singular="networkpolicy", namespaced=True,
                 short_names=("netpol",)),
    ResourceSpec(group="networking.k8s.io", version="v1", kind="ServiceCIDR", plural="servicecidrs",
                 singular="servicecidr", namespaced=False, subresources=(_STATUS,)),

    # policy/v1 ------------------------------------------------------------------------------------
    ResourceSpec(group="policy", version="v1", kind="PodDisruptionBudget",
                 plural="poddisruptionbudgets", singular="poddisruptionbudget", namespaced=True,
                 short_names=("pdb",), subresources=(_STATUS,)),

    # rbac.authorization.k8s.io/v1 -----------------------------------------------------------------
    ResourceSpec(group="rbac.authorization.k8s.io", version="v1", kind="ClusterRoleBinding",
                 plural="clusterrolebindings", singular="clusterrolebinding", namespaced=False),
    ResourceSpec(group="rbac.authorization.k8s.io", version="v1", kind="ClusterRole",
                 plural="clusterroles", singular="clusterrole", namespaced=False),
    ResourceSpec(group="rbac.authorization.k8s.io", version="v1", kind="RoleBinding",
                 plural="rolebindings", singular="rolebinding", namespaced=True),
    ResourceSpec(group="rbac.authorization.k8s.io", version="v1", kind="Role", plural="roles",
                 singular="role", namespaced=True),

    # storage.k8s.io/v1 ----------------------------------------------------------------------------
    ResourceSpec(group="storage.k8s.io", version="v1", kind="CSIDriver", plural="csidrivers",
                 singular="csidriver", namespaced=False),
    ResourceSpec(group="storage.k8s.io", version="v1", kind="CSINode", plural="csinodes",
                 singular="csinode", namespaced=False),
    ResourceSpec(group="storage.k8s.io", version="v1", kind="CSIStorageCapacity",
                 plural="csistoragecapacities", singular="csistoragecapacity", namespaced=True),
    ResourceSpec(group="storage.k8s.io", version="v1", kind="StorageClass", plural="storageclasses",
                 singular="storageclass", namespaced=False, short_names=("sc",)),
    ResourceSpec(group="storage.k8s.io", version="v1", kind="VolumeAttachment",
                 plural="volumeattachments", singular="volumeattachment", namespaced=False,
                 subresources=(_STATUS,)),
    ResourceSpec(group="storage.k8s.io", version="v1", kind="VolumeAttributesClass",
                 plural="volumeattributesclasses", singular="volumeattributesclass",
                 namespaced=False, short_names=("vac",)),

    # admissionregistration.k8s.io/v1 --------------------------------------------------------------
    ResourceSpec(group="admissionregistration.k8s.io", version="v1",
                 kind="MutatingWebhookConfiguration", plural="mutatingwebhookconfigurations",
                 singular="mutatingwebhookconfiguration", namespaced=False,
                 categories=_API_EXTENSIONS),
    ResourceSpec(group="admissionregistration.k8s.io", version="v1",
                 kind="ValidatingAdmissionPolicy", plural="validatingadmissionpolicies",
                 singular="validatingadmissionpolicy", namespaced=False, categories=_API_EXTENSIONS,
                 subresources=(_STATUS,)),
    ResourceSpec(group="admissionregistration.k8s.io", version="v1",
                 kind="ValidatingAdmissionPolicyBinding",
                 plural="validatingadmissionpolicybindings",
                 singular="validatingadmissionpolicybinding", namespaced=False,
                 categories=_API_EXTENSIONS),
    ResourceSpec(group="admissionregistration.k8s.io", version="v1",
                 kind="ValidatingWebhookConfiguration", plural="validatingwebhookconfigurations",
                 singular="validatingwebhookconfiguration", namespaced=False,
                 categories=_API_EXTENSIONS),

    # apiextensions.k8s.io/v1 ----------------------------------------------------------------------
    ResourceSpec(group="apiextensions.k8s.io", version="v1", kind="CustomResourceDefinition",
                 plural="customresourcedefinitions", singular="customresourcedefinition",
                 namespaced=False, short_names=("crd", "crds"), categories=_API_EXTENSIONS,
                 subresources=(_STATUS,)),

    # scheduling.k8s.io/v1 -------------------------------------------------------------------------
    ResourceSpec(group="scheduling.k8s.io", version="v1", kind="PriorityClass",
                 plural="priorityclasses", singular="priorityclass", namespaced=False,
                 short_names=("pc",)),

    # coordination.k8s.io/v1 -----------------------------------------------------------------------
    ResourceSpec(group="coordination.k8s.io", version="v1", kind="Lease", plural="leases",
                 singular="lease", namespaced=True),

    # node.k8s.io/v1 -------------------------------------------------------------------------------
    ResourceSpec(group="node.k8s.io", version="v1", kind="RuntimeClass", plural="runtimeclasses",
                 singular="runtimeclass", namespaced=False),

    # discovery.k8s.io/v1 --------------------------------------------------------------------------
    ResourceSpec(group="discovery.k8s.io", version="v1", kind="EndpointSlice",
                 plural="endpointslices", singular="endpointslice", namespaced=True),

    # flowcontrol.apiserver.k8s.io/v1 --------------------------------------------------------------
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1", kind="FlowSchema",
                 plural="flowschemas", singular="flowschema", namespaced=False,
                 subresources=(_STATUS,)),
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1",
                 kind="PriorityLevelConfiguration", plural="prioritylevelconfigurations",
                 singular="prioritylevelconfiguration", namespaced=False, subresources=(_STATUS,)),

    # flowcontrol.apiserver.k8s.io/v1beta3 ---------------------------------------------------------
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1beta3", kind="FlowSchema",
                 plural="flowschemas", singular="flowschema", namespaced=False,
                 subresources=(_STATUS,)),
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1beta3",
                 kind="PriorityLevelConfiguration", plural="prioritylevelconfigurations",
                 singular="prioritylevelconfiguration", namespaced=False, subresources=(_STATUS,)),

    # flowcontrol.apiserver.k8s.io/v1beta2 ---------------------------------------------------------
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1beta2", kind="FlowSchema",
                 plural="flowschemas", singular="flowschema", namespaced=False,
                 subresources=(_STATUS,)),
    ResourceSpec(group="flowcontrol.apiserver.k8s.io", version="v1beta2",
                 kind="PriorityLevelConfiguration", plural="prioritylevelconfigurations",
                 singular="prioritylevelconfiguration", namespaced=False, subresources=(_STATUS,)),

    # resource.k8s.io/v1 ---------------------------------------------------------------------------
    ResourceSpec(group="resource.k8s.io", version="v1", kind="DeviceClass", plural="deviceclasses",
                 singular="deviceclass", namespaced=False),
    ResourceSpec(group="resource.k8s.io", version="v1", kind="ResourceClaim",
                 plural="resourceclaims", singular="resourceclaim", namespaced=True,
                 subresources=(_STATUS,)),
    ResourceSpec(group="resource.k8s.io", version="v1", kind="ResourceClaimTemplate",
                 plural="resourceclaimtemplates", singular="resourceclaimtemplate",
                 namespaced=True),
    ResourceSpec(group="resource.k8s.io", version="v1", kind="ResourceSlice",
                 plural="resourceslices", singular="resourceslice", namespaced=False),
)
# fmt: on


def served_resources(minor: int) -> tuple[ResourceSpec, ...]:
    """The rows a stock kube-apiserver of 1.`minor` serves (see `registry/lifecycle.py`)."""
    return lifecycle.served_rows(ALL_BUILTIN_RESOURCES, lifecycle.supported_minor(minor))


def preferred_versions(resources: tuple[ResourceSpec, ...]) -> dict[str, str]:
    """Group -> the version discovery marks as preferred, for a release's rows."""
    return lifecycle.preferred_versions(resources)


#: What the default `--kubernetes-version` (1.32) serves.
BUILTIN_RESOURCES: tuple[ResourceSpec, ...] = served_resources(lifecycle.DEFAULT_MINOR)
#: Group -> preferred version in 1.32 (`""` is the core group); autoscaling prefers v2.
PREFERRED_VERSIONS: dict[str, str] = preferred_versions(BUILTIN_RESOURCES)
