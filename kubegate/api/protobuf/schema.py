"""Wire layouts of the Kubernetes types whose protobuf request bodies kubegate reads, as data.

kubectl 1.32's typed commands (`create namespace|role|secret|deployment|token ...`, `auth can-i`,
`auth whoami`, `certificate approve`) send `application/vnd.kubernetes.protobuf` bodies, and
kubelets, schedulers and controllers built on client-go do the same. Each message type is a row
here: field number -> `Field(json_name, type, flags)`, with

* `json_name` the Go struct's JSON tag, which is what a JSON client would have sent: the wire name
  differs in places (`uID` for `BoundObjectReference.uid`), but only numbers travel on the wire;
* `type` a scalar (`string`, `int32`, `int64`, `bool`, `bytes`, `double`, `float`) or the full
  name of another message in `MESSAGES`;
* `flags` from the Go field: `OMITEMPTY` (its JSON tag says `omitempty`), `POINTER` (set only when
  the client set it, so an explicit zero such as `replicas: 0` is kept), `REPEATED`, `MAP` (a
  `map<string, type>`) and `INLINE` (an embedded struct whose fields belong to the parent, as
  `Volume`'s `VolumeSource`).

The rows were read off `generated.proto` and the Go struct tags of k8s.io/api and
k8s.io/apimachinery at v0.32.9: facts of the wire format, not code. Fields and messages left out
(the in-tree volume plugins nobody creates any more: rbd, iscsi, cinder, ...) are skipped on
decoding as protobuf skips unknown fields. `KINDS` lists the messages that may open a body.
"""

from __future__ import annotations

from typing import NamedTuple

STRING, INT32, INT64, BOOL, BYTES, DOUBLE, FLOAT = (
    "string", "int32", "int64", "bool", "bytes", "double", "float"
)  # fmt: skip
SCALARS = frozenset({STRING, INT32, INT64, BOOL, BYTES, DOUBLE, FLOAT})

REPEATED, MAP, OMITEMPTY, POINTER, INLINE = 1, 2, 4, 8, 16


class Field(NamedTuple):
    json_name: str
    type: str
    flags: int = 0


META = "k8s.io.apimachinery.pkg.apis.meta.v1."
CORE = "k8s.io.api.core.v1."
OBJECT_META = META + "ObjectMeta"
LABEL_SELECTOR = META + "LabelSelector"
CONDITION = META + "Condition"
# Messages with a JSON form of their own (see decode.py): a time string, a quantity string, ...
TIME = META + "Time"
MICRO_TIME = META + "MicroTime"
DURATION = META + "Duration"
FIELDS_V1 = META + "FieldsV1"
QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension"
UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"  # the envelope of every body
EXTRA_VALUES = frozenset(
    f"k8s.io.api.{group}.v1.ExtraValue"
    for group in ("authentication", "authorization", "certificates")
)

#: Every message type, by full protobuf name.
MESSAGES: dict[str, dict[int, Field]] = {}

# Short spellings for the table below.
S, I32, I64, B, BY, D = STRING, INT32, INT64, BOOL, BYTES, DOUBLE
O, P, R, M, I = OMITEMPTY, POINTER, REPEATED, MAP, INLINE


def _package(package: str, messages: dict[str, dict[int, tuple[str, str, int]]]) -> None:
    """Add one protobuf package's messages; a bare type name means a message of this package."""
    for name, fields in messages.items():
        MESSAGES[f"{package}.{name}"] = {
            number: Field(json, typ if typ in SCALARS or "." in typ else f"{package}.{typ}", flags)
            for number, (json, typ, flags) in fields.items()
        }

_package(
    "k8s.io.api.core.v1",
    {
        "Namespace": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "NamespaceSpec", O),
            3: ("status", "NamespaceStatus", O),
        },
        "ServiceAccount": {
            1: ("metadata", OBJECT_META, O), 2: ("secrets", "ObjectReference", O | R),
            3: ("imagePullSecrets", "LocalObjectReference", O | R),
            4: ("automountServiceAccountToken", B, O | P),
        },
        "ConfigMap": {
            1: ("metadata", OBJECT_META, O), 2: ("data", S, O | M), 3: ("binaryData", BY, O | M),
            4: ("immutable", B, O | P),
        },
        "Secret": {
            1: ("metadata", OBJECT_META, O), 2: ("data", BY, O | M), 3: ("type", S, O),
            4: ("stringData", S, O | M), 5: ("immutable", B, O | P),
        },
        "Service": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "ServiceSpec", O),
            3: ("status", "ServiceStatus", O),
        },
        "ResourceQuota": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "ResourceQuotaSpec", O),
            3: ("status", "ResourceQuotaStatus", O),
        },
        "Pod": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "PodSpec", O),
            3: ("status", "PodStatus", O),
        },
        "Node": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "NodeSpec", O),
            3: ("status", "NodeStatus", O),
        },
        "Endpoints": {1: ("metadata", OBJECT_META, O), 2: ("subsets", "EndpointSubset", O | R)},
        "Event": {
            1: ("metadata", OBJECT_META, 0), 2: ("involvedObject", "ObjectReference", 0),
            3: ("reason", S, O), 4: ("message", S, O), 5: ("source", "EventSource", O),
            6: ("firstTimestamp", TIME, O), 7: ("lastTimestamp", TIME, O), 8: ("count", I32, O),
            9: ("type", S, O), 10: ("eventTime", MICRO_TIME, O),
            11: ("series", "EventSeries", O | P), 12: ("action", S, O),
            13: ("related", "ObjectReference", O | P), 14: ("reportingComponent", S, 0),
            15: ("reportingInstance", S, 0),
        },
        "Binding": {1: ("metadata", OBJECT_META, O), 2: ("target", "ObjectReference", 0)},
        "NamespaceSpec": {1: ("finalizers", S, O | R)},
        "NamespaceStatus": {1: ("phase", S, O), 2: ("conditions", "NamespaceCondition", O | R)},
        "ObjectReference": {
            1: ("kind", S, O), 2: ("namespace", S, O), 3: ("name", S, O), 4: ("uid", S, O),
            5: ("apiVersion", S, O), 6: ("resourceVersion", S, O), 7: ("fieldPath", S, O),
        },
        "LocalObjectReference": {1: ("name", S, O)},
        "ServiceSpec": {
            1: ("ports", "ServicePort", O | R), 2: ("selector", S, O | M), 3: ("clusterIP", S, O),
            4: ("type", S, O), 5: ("externalIPs", S, O | R), 7: ("sessionAffinity", S, O),
            8: ("loadBalancerIP", S, O), 9: ("loadBalancerSourceRanges", S, O | R),
            10: ("externalName", S, O), 11: ("externalTrafficPolicy", S, O),
            12: ("healthCheckNodePort", I32, O), 13: ("publishNotReadyAddresses", B, O),
            14: ("sessionAffinityConfig", "SessionAffinityConfig", O | P),
            17: ("ipFamilyPolicy", S, O | P), 18: ("clusterIPs", S, O | R),
            19: ("ipFamilies", S, O | R), 20: ("allocateLoadBalancerNodePorts", B, O | P),
            21: ("loadBalancerClass", S, O | P), 22: ("internalTrafficPolicy", S, O | P),
            23: ("trafficDistribution", S, O | P),
        },
        "ServiceStatus": {
            1: ("loadBalancer", "LoadBalancerStatus", O), 2: ("conditions", CONDITION, O | R),
        },
        "ResourceQuotaSpec": {
            1: ("hard", QUANTITY, O | M), 2: ("scopes", S, O | R),
            3: ("scopeSelector", "ScopeSelector", O | P),
        },
        "ResourceQuotaStatus": {1: ("hard", QUANTITY, O | M), 2: ("used", QUANTITY, O | M)},
        "PodSpec": {
            1: ("volumes", "Volume", O | R), 2: ("containers", "Container", R),
            3: ("restartPolicy", S, O), 4: ("terminationGracePeriodSeconds", I64, O | P),
            5: ("activeDeadlineSeconds", I64, O | P), 6: ("dnsPolicy", S, O),
            7: ("nodeSelector", S, O | M), 8: ("serviceAccountName", S, O),
            9: ("serviceAccount", S, O), 10: ("nodeName", S, O), 11: ("hostNetwork", B, O),
            12: ("hostPID", B, O), 13: ("hostIPC", B, O),
            14: ("securityContext", "PodSecurityContext", O | P),
            15: ("imagePullSecrets", "LocalObjectReference", O | R), 16: ("hostname", S, O),
            17: ("subdomain", S, O), 18: ("affinity", "Affinity", O | P),
            19: ("schedulerName", S, O), 20: ("initContainers", "Container", O | R),
            21: ("automountServiceAccountToken", B, O | P),
            22: ("tolerations", "Toleration", O | R), 23: ("hostAliases", "HostAlias", O | R),
            24: ("priorityClassName", S, O), 25: ("priority", I32, O | P),
            26: ("dnsConfig", "PodDNSConfig", O | P), 27: ("shareProcessNamespace", B, O | P),
            28: ("readinessGates", "PodReadinessGate", O | R), 29: ("runtimeClassName", S, O | P),
            30: ("enableServiceLinks", B, O | P), 31: ("preemptionPolicy", S, O | P),
            32: ("overhead", QUANTITY, O | M),
            33: ("topologySpreadConstraints", "TopologySpreadConstraint", O | R),
            34: ("ephemeralContainers", "EphemeralContainer", O | R),
            35: ("setHostnameAsFQDN", B, O | P), 36: ("os", "PodOS", O | P),
            37: ("hostUsers", B, O | P), 38: ("schedulingGates", "PodSchedulingGate", O | R),
            39: ("resourceClaims", "PodResourceClaim", O | R),
            40: ("resources", "ResourceRequirements", O | P),
        },
        "PodStatus": {
            1: ("phase", S, O), 2: ("conditions", "PodCondition", O | R), 3: ("message", S, O),
            4: ("reason", S, O), 5: ("hostIP", S, O), 6: ("podIP", S, O),
            7: ("startTime", TIME, O | P), 8: ("containerStatuses", "ContainerStatus", O | R),
            9: ("qosClass", S, O), 10: ("initContainerStatuses", "ContainerStatus", O | R),
            11: ("nominatedNodeName", S, O), 12: ("podIPs", "PodIP", O | R),
            13: ("ephemeralContainerStatuses", "ContainerStatus", O | R), 14: ("resize", S, O),
            15: ("resourceClaimStatuses", "PodResourceClaimStatus", O | R),
            16: ("hostIPs", "HostIP", O | R),
        },
        "NodeSpec": {
            1: ("podCIDR", S, O), 2: ("externalID", S, O), 3: ("providerID", S, O),
            4: ("unschedulable", B, O), 5: ("taints", "Taint", O | R),
            6: ("configSource", "NodeConfigSource", O | P), 7: ("podCIDRs", S, O | R),
        },
        "NodeStatus": {
            1: ("capacity", QUANTITY, O | M), 2: ("allocatable", QUANTITY, O | M),
            3: ("phase", S, O), 4: ("conditions", "NodeCondition", O | R),
            5: ("addresses", "NodeAddress", O | R),
            6: ("daemonEndpoints", "NodeDaemonEndpoints", O), 7: ("nodeInfo", "NodeSystemInfo", O),
            8: ("images", "ContainerImage", O | R), 9: ("volumesInUse", S, O | R),
            10: ("volumesAttached", "AttachedVolume", O | R),
            11: ("config", "NodeConfigStatus", O | P),
            12: ("runtimeHandlers", "NodeRuntimeHandler", O | R),
            13: ("features", "NodeFeatures", O | P),
        },
        "EndpointSubset": {
            1: ("addresses", "EndpointAddress", O | R),
            2: ("notReadyAddresses", "EndpointAddress", O | R),
            3: ("ports", "EndpointPort", O | R),
        },
        "EventSource": {1: ("component", S, O), 2: ("host", S, O)},
        "EventSeries": {1: ("count", I32, O), 2: ("lastObservedTime", MICRO_TIME, O)},
        "NamespaceCondition": {
            1: ("type", S, 0), 2: ("status", S, 0), 4: ("lastTransitionTime", TIME, O),
            5: ("reason", S, O), 6: ("message", S, O),
        },
        "ServicePort": {
            1: ("name", S, O), 2: ("protocol", S, O), 3: ("port", I32, 0),
            4: ("targetPort", INT_OR_STRING, O), 5: ("nodePort", I32, O),
            6: ("appProtocol", S, O | P),
        },
        "SessionAffinityConfig": {1: ("clientIP", "ClientIPConfig", O | P)},
        "LoadBalancerStatus": {1: ("ingress", "LoadBalancerIngress", O | R)},
        "ScopeSelector": {1: ("matchExpressions", "ScopedResourceSelectorRequirement", O | R)},
        "Volume": {1: ("name", S, 0), 2: ("", "VolumeSource", I)},
        "Container": {
            1: ("name", S, 0), 2: ("image", S, O), 3: ("command", S, O | R), 4: ("args", S, O | R),
            5: ("workingDir", S, O), 6: ("ports", "ContainerPort", O | R),
            7: ("env", "EnvVar", O | R), 8: ("resources", "ResourceRequirements", O),
            9: ("volumeMounts", "VolumeMount", O | R), 10: ("livenessProbe", "Probe", O | P),
            11: ("readinessProbe", "Probe", O | P), 12: ("lifecycle", "Lifecycle", O | P),
            13: ("terminationMessagePath", S, O), 14: ("imagePullPolicy", S, O),
            15: ("securityContext", "SecurityContext", O | P), 16: ("stdin", B, O),
            17: ("stdinOnce", B, O), 18: ("tty", B, O), 19: ("envFrom", "EnvFromSource", O | R),
            20: ("terminationMessagePolicy", S, O), 21: ("volumeDevices", "VolumeDevice", O | R),
            22: ("startupProbe", "Probe", O | P),
            23: ("resizePolicy", "ContainerResizePolicy", O | R), 24: ("restartPolicy", S, O | P),
        },
        "EphemeralContainer": {
            1: ("", "EphemeralContainerCommon", I), 2: ("targetContainerName", S, O),
        },
        "PodSecurityContext": {
            1: ("seLinuxOptions", "SELinuxOptions", O | P), 2: ("runAsUser", I64, O | P),
            3: ("runAsNonRoot", B, O | P), 4: ("supplementalGroups", I64, O | R),
            5: ("fsGroup", I64, O | P), 6: ("runAsGroup", I64, O | P),
            7: ("sysctls", "Sysctl", O | R),
            8: ("windowsOptions", "WindowsSecurityContextOptions", O | P),
            9: ("fsGroupChangePolicy", S, O | P), 10: ("seccompProfile", "SeccompProfile", O | P),
            11: ("appArmorProfile", "AppArmorProfile", O | P),
            12: ("supplementalGroupsPolicy", S, O | P), 13: ("seLinuxChangePolicy", S, O | P),
        },
        "Affinity": {
            1: ("nodeAffinity", "NodeAffinity", O | P), 2: ("podAffinity", "PodAffinity", O | P),
            3: ("podAntiAffinity", "PodAntiAffinity", O | P),
        },
        "Toleration": {
            1: ("key", S, O), 2: ("operator", S, O), 3: ("value", S, O), 4: ("effect", S, O),
            5: ("tolerationSeconds", I64, O | P),
        },
        "HostAlias": {1: ("ip", S, 0), 2: ("hostnames", S, O | R)},
        "PodDNSConfig": {
            1: ("nameservers", S, O | R), 2: ("searches", S, O | R),
            3: ("options", "PodDNSConfigOption", O | R),
        },
        "PodReadinessGate": {1: ("conditionType", S, 0)},
        "TopologySpreadConstraint": {
            1: ("maxSkew", I32, 0), 2: ("topologyKey", S, 0), 3: ("whenUnsatisfiable", S, 0),
            4: ("labelSelector", LABEL_SELECTOR, O | P), 5: ("minDomains", I32, O | P),
            6: ("nodeAffinityPolicy", S, O | P), 7: ("nodeTaintsPolicy", S, O | P),
            8: ("matchLabelKeys", S, O | R),
        },
        "PodOS": {1: ("name", S, 0)},
        "PodSchedulingGate": {1: ("name", S, 0)},
        "PodResourceClaim": {
            1: ("name", S, 0), 3: ("resourceClaimName", S, O | P),
            4: ("resourceClaimTemplateName", S, O | P),
        },
        "ResourceRequirements": {
            1: ("limits", QUANTITY, O | M), 2: ("requests", QUANTITY, O | M),
            3: ("claims", "ResourceClaim", O | R),
        },
        "PodCondition": {
            1: ("type", S, 0), 2: ("status", S, 0), 3: ("lastProbeTime", TIME, O),
            4: ("lastTransitionTime", TIME, O), 5: ("reason", S, O), 6: ("message", S, O),
        },
        "HostIP": {1: ("ip", S, 0)},
        "PodIP": {1: ("ip", S, 0)},
        "ContainerStatus": {
            1: ("name", S, 0), 2: ("state", "ContainerState", O),
            3: ("lastState", "ContainerState", O), 4: ("ready", B, 0), 5: ("restartCount", I32, 0),
            6: ("image", S, 0), 7: ("imageID", S, 0), 8: ("containerID", S, O),
            9: ("started", B, O | P), 10: ("allocatedResources", QUANTITY, O | M),
            11: ("resources", "ResourceRequirements", O | P),
            12: ("volumeMounts", "VolumeMountStatus", O | R), 13: ("user", "ContainerUser", O | P),
            14: ("allocatedResourcesStatus", "ResourceStatus", O | R),
        },
        "PodResourceClaimStatus": {1: ("name", S, 0), 2: ("resourceClaimName", S, O | P)},
        "Taint": {
            1: ("key", S, 0), 2: ("value", S, O), 3: ("effect", S, 0),
            4: ("timeAdded", TIME, O | P),
        },
        "NodeConfigSource": {2: ("configMap", "ConfigMapNodeConfigSource", O | P)},
        "NodeCondition": {
            1: ("type", S, 0), 2: ("status", S, 0), 3: ("lastHeartbeatTime", TIME, O),
            4: ("lastTransitionTime", TIME, O), 5: ("reason", S, O), 6: ("message", S, O),
        },
        "NodeAddress": {1: ("type", S, 0), 2: ("address", S, 0)},
        "NodeDaemonEndpoints": {1: ("kubeletEndpoint", "DaemonEndpoint", O)},
        "NodeSystemInfo": {
            1: ("machineID", S, 0), 2: ("systemUUID", S, 0), 3: ("bootID", S, 0),
            4: ("kernelVersion", S, 0), 5: ("osImage", S, 0), 6: ("containerRuntimeVersion", S, 0),
            7: ("kubeletVersion", S, 0), 8: ("kubeProxyVersion", S, 0),
            9: ("operatingSystem", S, 0), 10: ("architecture", S, 0),
        },
        "ContainerImage": {1: ("names", S, R), 2: ("sizeBytes", I64, O)},
        "AttachedVolume": {1: ("name", S, 0), 2: ("devicePath", S, 0)},
        "NodeConfigStatus": {
            1: ("assigned", "NodeConfigSource", O | P), 2: ("active", "NodeConfigSource", O | P),
            3: ("lastKnownGood", "NodeConfigSource", O | P), 4: ("error", S, O),
        },
        "NodeRuntimeHandler": {
            1: ("name", S, 0), 2: ("features", "NodeRuntimeHandlerFeatures", O | P),
        },
        "NodeFeatures": {1: ("supplementalGroupsPolicy", B, O | P)},
        "EndpointAddress": {
            1: ("ip", S, 0), 2: ("targetRef", "ObjectReference", O | P), 3: ("hostname", S, O),
            4: ("nodeName", S, O | P),
        },
        "EndpointPort": {
            1: ("name", S, O), 2: ("port", I32, 0), 3: ("protocol", S, O),
            4: ("appProtocol", S, O | P),
        },
        "PodTemplateSpec": {1: ("metadata", OBJECT_META, O), 2: ("spec", "PodSpec", O)},
        "ClientIPConfig": {1: ("timeoutSeconds", I32, O | P)},
        "LoadBalancerIngress": {
            1: ("ip", S, O), 2: ("hostname", S, O), 3: ("ipMode", S, O | P),
            4: ("ports", "PortStatus", O | R),
        },
        "ScopedResourceSelectorRequirement": {
            1: ("scopeName", S, 0), 2: ("operator", S, 0), 3: ("values", S, O | R),
        },
        "VolumeSource": {
            1: ("hostPath", "HostPathVolumeSource", O | P),
            2: ("emptyDir", "EmptyDirVolumeSource", O | P),
            6: ("secret", "SecretVolumeSource", O | P), 7: ("nfs", "NFSVolumeSource", O | P),
            10: ("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource", O | P),
            16: ("downwardAPI", "DownwardAPIVolumeSource", O | P),
            19: ("configMap", "ConfigMapVolumeSource", O | P),
            26: ("projected", "ProjectedVolumeSource", O | P),
            28: ("csi", "CSIVolumeSource", O | P),
            29: ("ephemeral", "EphemeralVolumeSource", O | P),
            30: ("image", "ImageVolumeSource", O | P),
        },
        "ContainerPort": {
            1: ("name", S, O), 2: ("hostPort", I32, O), 3: ("containerPort", I32, 0),
            4: ("protocol", S, O), 5: ("hostIP", S, O),
        },
        "EnvFromSource": {
            1: ("prefix", S, O), 2: ("configMapRef", "ConfigMapEnvSource", O | P),
            3: ("secretRef", "SecretEnvSource", O | P),
        },
        "EnvVar": {1: ("name", S, 0), 2: ("value", S, O), 3: ("valueFrom", "EnvVarSource", O | P)},
        "ContainerResizePolicy": {1: ("resourceName", S, 0), 2: ("restartPolicy", S, 0)},
        "VolumeMount": {
            1: ("name", S, 0), 2: ("readOnly", B, O), 3: ("mountPath", S, 0), 4: ("subPath", S, O),
            5: ("mountPropagation", S, O | P), 6: ("subPathExpr", S, O),
            7: ("recursiveReadOnly", S, O | P),
        },
        "VolumeDevice": {1: ("name", S, 0), 2: ("devicePath", S, 0)},
        "Probe": {
            1: ("", "ProbeHandler", I), 2: ("initialDelaySeconds", I32, O),
            3: ("timeoutSeconds", I32, O), 4: ("periodSeconds", I32, O),
            5: ("successThreshold", I32, O), 6: ("failureThreshold", I32, O),
            7: ("terminationGracePeriodSeconds", I64, O | P),
        },
        "Lifecycle": {
            1: ("postStart", "LifecycleHandler", O | P), 2: ("preStop", "LifecycleHandler", O | P),
        },
        "SecurityContext": {
            1: ("capabilities", "Capabilities", O | P), 2: ("privileged", B, O | P),
            3: ("seLinuxOptions", "SELinuxOptions", O | P), 4: ("runAsUser", I64, O | P),
            5: ("runAsNonRoot", B, O | P), 6: ("readOnlyRootFilesystem", B, O | P),
            7: ("allowPrivilegeEscalation", B, O | P), 8: ("runAsGroup", I64, O | P),
            9: ("procMount", S, O | P),
            10: ("windowsOptions", "WindowsSecurityContextOptions", O | P),
            11: ("seccompProfile", "SeccompProfile", O | P),
            12: ("appArmorProfile", "AppArmorProfile", O | P),
        },
        "EphemeralContainerCommon": {
            1: ("name", S, 0), 2: ("image", S, O), 3: ("command", S, O | R), 4: ("args", S, O | R),
            5: ("workingDir", S, O), 6: ("ports", "ContainerPort", O | R),
            7: ("env", "EnvVar", O | R), 8: ("resources", "ResourceRequirements", O),
            9: ("volumeMounts", "VolumeMount", O | R), 10: ("livenessProbe", "Probe", O | P),
            11: ("readinessProbe", "Probe", O | P), 12: ("lifecycle", "Lifecycle", O | P),
            13: ("terminationMessagePath", S, O), 14: ("imagePullPolicy", S, O),
            15: ("securityContext", "SecurityContext", O | P), 16: ("stdin", B, O),
            17: ("stdinOnce", B, O), 18: ("tty", B, O), 19: ("envFrom", "EnvFromSource", O | R),
            20: ("terminationMessagePolicy", S, O), 21: ("volumeDevices", "VolumeDevice", O | R),
            22: ("startupProbe", "Probe", O | P),
            23: ("resizePolicy", "ContainerResizePolicy", O | R), 24: ("restartPolicy", S, O | P),
        },
        "SELinuxOptions": {
            1: ("user", S, O), 2: ("role", S, O), 3: ("type", S, O), 4: ("level", S, O),
        },
        "WindowsSecurityContextOptions": {
            1: ("gmsaCredentialSpecName", S, O | P), 2: ("gmsaCredentialSpec", S, O | P),
            3: ("runAsUserName", S, O | P), 4: ("hostProcess", B, O | P),
        },
        "Sysctl": {1: ("name", S, 0), 2: ("value", S, 0)},
        "SeccompProfile": {1: ("type", S, 0), 2: ("localhostProfile", S, O | P)},
        "AppArmorProfile": {1: ("type", S, 0), 2: ("localhostProfile", S, O | P)},
        "NodeAffinity": {
            1: ("requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector", O | P),
            2: (
                "preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm", O | R
            ),
        },
        "PodAffinity": {
            1: ("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", O | R),
            2: (
                "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", O | R
            ),
        },
        "PodAntiAffinity": {
            1: ("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", O | R),
            2: (
                "preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", O | R
            ),
        },
        "PodDNSConfigOption": {1: ("name", S, O), 2: ("value", S, O | P)},
        "ResourceClaim": {1: ("name", S, 0), 2: ("request", S, O)},
        "ContainerState": {
            1: ("waiting", "ContainerStateWaiting", O | P),
            2: ("running", "ContainerStateRunning", O | P),
            3: ("terminated", "ContainerStateTerminated", O | P),
        },
        "VolumeMountStatus": {
            1: ("name", S, 0), 2: ("mountPath", S, 0), 3: ("readOnly", B, O),
            4: ("recursiveReadOnly", S, O | P),
        },
        "ContainerUser": {1: ("linux", "LinuxContainerUser", O | P)},
        "ResourceStatus": {1: ("name", S, 0), 2: ("resources", "ResourceHealth", O | R)},
        "ConfigMapNodeConfigSource": {
            1: ("namespace", S, 0), 2: ("name", S, 0), 3: ("uid", S, O),
            4: ("resourceVersion", S, O), 5: ("kubeletConfigKey", S, 0),
        },
        "DaemonEndpoint": {1: ("Port", I32, 0)},
        "NodeRuntimeHandlerFeatures": {
            1: ("recursiveReadOnlyMounts", B, O | P), 2: ("userNamespaces", B, O | P),
        },
        "TypedLocalObjectReference": {1: ("apiGroup", S, P), 2: ("kind", S, 0), 3: ("name", S, 0)},
        "PortStatus": {1: ("port", I32, 0), 2: ("protocol", S, 0), 3: ("error", S, O | P)},
        "HostPathVolumeSource": {1: ("path", S, 0), 2: ("type", S, O | P)},
        "EmptyDirVolumeSource": {1: ("medium", S, O), 2: ("sizeLimit", QUANTITY, O | P)},
        "SecretVolumeSource": {
            1: ("secretName", S, O), 2: ("items", "KeyToPath", O | R),
            3: ("defaultMode", I32, O | P), 4: ("optional", B, O | P),
        },
        "NFSVolumeSource": {1: ("server", S, 0), 2: ("path", S, 0), 3: ("readOnly", B, O)},
        "PersistentVolumeClaimVolumeSource": {1: ("claimName", S, 0), 2: ("readOnly", B, O)},
        "DownwardAPIVolumeSource": {
            1: ("items", "DownwardAPIVolumeFile", O | R), 2: ("defaultMode", I32, O | P),
        },
        "ConfigMapVolumeSource": {
            1: ("", "LocalObjectReference", I), 2: ("items", "KeyToPath", O | R),
            3: ("defaultMode", I32, O | P), 4: ("optional", B, O | P),
        },
        "ProjectedVolumeSource": {
            1: ("sources", "VolumeProjection", R), 2: ("defaultMode", I32, O | P),
        },
        "CSIVolumeSource": {
            1: ("driver", S, 0), 2: ("readOnly", B, O | P), 3: ("fsType", S, O | P),
            4: ("volumeAttributes", S, O | M),
            5: ("nodePublishSecretRef", "LocalObjectReference", O | P),
        },
        "EphemeralVolumeSource": {
            1: ("volumeClaimTemplate", "PersistentVolumeClaimTemplate", O | P),
        },
        "ImageVolumeSource": {1: ("reference", S, O), 2: ("pullPolicy", S, O)},
        "ConfigMapEnvSource": {1: ("", "LocalObjectReference", I), 2: ("optional", B, O | P)},
        "SecretEnvSource": {1: ("", "LocalObjectReference", I), 2: ("optional", B, O | P)},
        "EnvVarSource": {
            1: ("fieldRef", "ObjectFieldSelector", O | P),
            2: ("resourceFieldRef", "ResourceFieldSelector", O | P),
            3: ("configMapKeyRef", "ConfigMapKeySelector", O | P),
            4: ("secretKeyRef", "SecretKeySelector", O | P),
        },
        "ProbeHandler": {
            1: ("exec", "ExecAction", O | P), 2: ("httpGet", "HTTPGetAction", O | P),
            3: ("tcpSocket", "TCPSocketAction", O | P), 4: ("grpc", "GRPCAction", O | P),
        },
        "LifecycleHandler": {
            1: ("exec", "ExecAction", O | P), 2: ("httpGet", "HTTPGetAction", O | P),
            3: ("tcpSocket", "TCPSocketAction", O | P), 4: ("sleep", "SleepAction", O | P),
        },
        "Capabilities": {1: ("add", S, O | R), 2: ("drop", S, O | R)},
        "NodeSelector": {1: ("nodeSelectorTerms", "NodeSelectorTerm", R)},
        "PreferredSchedulingTerm": {
            1: ("weight", I32, 0), 2: ("preference", "NodeSelectorTerm", 0),
        },
        "PodAffinityTerm": {
            1: ("labelSelector", LABEL_SELECTOR, O | P), 2: ("namespaces", S, O | R),
            3: ("topologyKey", S, 0), 4: ("namespaceSelector", LABEL_SELECTOR, O | P),
            5: ("matchLabelKeys", S, O | R), 6: ("mismatchLabelKeys", S, O | R),
        },
        "WeightedPodAffinityTerm": {
            1: ("weight", I32, 0), 2: ("podAffinityTerm", "PodAffinityTerm", 0),
        },
        "ContainerStateWaiting": {1: ("reason", S, O), 2: ("message", S, O)},
        "ContainerStateRunning": {1: ("startedAt", TIME, O)},
        "ContainerStateTerminated": {
            1: ("exitCode", I32, 0), 2: ("signal", I32, O), 3: ("reason", S, O),
            4: ("message", S, O), 5: ("startedAt", TIME, O), 6: ("finishedAt", TIME, O),
            7: ("containerID", S, O),
        },
        "LinuxContainerUser": {
            1: ("uid", I64, 0), 2: ("gid", I64, 0), 3: ("supplementalGroups", I64, O | R),
        },
        "ResourceHealth": {1: ("resourceID", S, 0), 2: ("health", S, O)},
        "KeyToPath": {1: ("key", S, 0), 2: ("path", S, 0), 3: ("mode", I32, O | P)},
        "DownwardAPIVolumeFile": {
            1: ("path", S, 0), 2: ("fieldRef", "ObjectFieldSelector", O | P),
            3: ("resourceFieldRef", "ResourceFieldSelector", O | P), 4: ("mode", I32, O | P),
        },
        "VolumeProjection": {
            1: ("secret", "SecretProjection", O | P),
            2: ("downwardAPI", "DownwardAPIProjection", O | P),
            3: ("configMap", "ConfigMapProjection", O | P),
            4: ("serviceAccountToken", "ServiceAccountTokenProjection", O | P),
            5: ("clusterTrustBundle", "ClusterTrustBundleProjection", O | P),
        },
        "PersistentVolumeClaimTemplate": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "PersistentVolumeClaimSpec", 0),
        },
        "ObjectFieldSelector": {1: ("apiVersion", S, O), 2: ("fieldPath", S, 0)},
        "ResourceFieldSelector": {
            1: ("containerName", S, O), 2: ("resource", S, 0), 3: ("divisor", QUANTITY, O),
        },
        "ConfigMapKeySelector": {
            1: ("", "LocalObjectReference", I), 2: ("key", S, 0), 3: ("optional", B, O | P),
        },
        "SecretKeySelector": {
            1: ("", "LocalObjectReference", I), 2: ("key", S, 0), 3: ("optional", B, O | P),
        },
        "ExecAction": {1: ("command", S, O | R)},
        "HTTPGetAction": {
            1: ("path", S, O), 2: ("port", INT_OR_STRING, 0), 3: ("host", S, O),
            4: ("scheme", S, O), 5: ("httpHeaders", "HTTPHeader", O | R),
        },
        "TCPSocketAction": {1: ("port", INT_OR_STRING, 0), 2: ("host", S, O)},
        "GRPCAction": {1: ("port", I32, 0), 2: ("service", S, P)},
        "SleepAction": {1: ("seconds", I64, 0)},
        "NodeSelectorTerm": {
            1: ("matchExpressions", "NodeSelectorRequirement", O | R),
            2: ("matchFields", "NodeSelectorRequirement", O | R),
        },
        "SecretProjection": {
            1: ("", "LocalObjectReference", I), 2: ("items", "KeyToPath", O | R),
            4: ("optional", B, O | P),
        },
        "DownwardAPIProjection": {1: ("items", "DownwardAPIVolumeFile", O | R)},
        "ConfigMapProjection": {
            1: ("", "LocalObjectReference", I), 2: ("items", "KeyToPath", O | R),
            4: ("optional", B, O | P),
        },
        "ServiceAccountTokenProjection": {
            1: ("audience", S, O), 2: ("expirationSeconds", I64, O | P), 3: ("path", S, 0),
        },
        "ClusterTrustBundleProjection": {
            1: ("name", S, O | P), 2: ("signerName", S, O | P),
            3: ("labelSelector", LABEL_SELECTOR, O | P), 4: ("path", S, 0),
            5: ("optional", B, O | P),
        },
        "PersistentVolumeClaimSpec": {
            1: ("accessModes", S, O | R), 2: ("resources", "VolumeResourceRequirements", O),
            3: ("volumeName", S, O), 4: ("selector", LABEL_SELECTOR, O | P),
            5: ("storageClassName", S, O | P), 6: ("volumeMode", S, O | P),
            7: ("dataSource", "TypedLocalObjectReference", O | P),
            8: ("dataSourceRef", "TypedObjectReference", O | P),
            9: ("volumeAttributesClassName", S, O | P),
        },
        "HTTPHeader": {1: ("name", S, 0), 2: ("value", S, 0)},
        "NodeSelectorRequirement": {
            1: ("key", S, 0), 2: ("operator", S, 0), 3: ("values", S, O | R),
        },
        "VolumeResourceRequirements": {
            1: ("limits", QUANTITY, O | M), 2: ("requests", QUANTITY, O | M),
        },
        "TypedObjectReference": {
            1: ("apiGroup", S, P), 2: ("kind", S, 0), 3: ("name", S, 0),
            4: ("namespace", S, O | P),
        },
    },
)

_package(
    "k8s.io.api.apps.v1",
    {
        "Deployment": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "DeploymentSpec", O),
            3: ("status", "DeploymentStatus", O),
        },
        "DeploymentSpec": {
            1: ("replicas", I32, O | P), 2: ("selector", LABEL_SELECTOR, P),
            3: ("template", CORE + "PodTemplateSpec", 0), 4: ("strategy", "DeploymentStrategy", O),
            5: ("minReadySeconds", I32, O), 6: ("revisionHistoryLimit", I32, O | P),
            7: ("paused", B, O), 9: ("progressDeadlineSeconds", I32, O | P),
        },
        "DeploymentStatus": {
            1: ("observedGeneration", I64, O), 2: ("replicas", I32, O),
            3: ("updatedReplicas", I32, O), 4: ("availableReplicas", I32, O),
            5: ("unavailableReplicas", I32, O), 6: ("conditions", "DeploymentCondition", O | R),
            7: ("readyReplicas", I32, O), 8: ("collisionCount", I32, O | P),
        },
        "DeploymentStrategy": {
            1: ("type", S, O), 2: ("rollingUpdate", "RollingUpdateDeployment", O | P),
        },
        "DeploymentCondition": {
            1: ("type", S, 0), 2: ("status", S, 0), 4: ("reason", S, O), 5: ("message", S, O),
            6: ("lastUpdateTime", TIME, O), 7: ("lastTransitionTime", TIME, O),
        },
        "RollingUpdateDeployment": {
            1: ("maxUnavailable", INT_OR_STRING, O | P), 2: ("maxSurge", INT_OR_STRING, O | P),
        },
    },
)

_package(
    "k8s.io.api.batch.v1",
    {
        "Job": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "JobSpec", O),
            3: ("status", "JobStatus", O),
        },
        "CronJob": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "CronJobSpec", O),
            3: ("status", "CronJobStatus", O),
        },
        "JobSpec": {
            1: ("parallelism", I32, O | P), 2: ("completions", I32, O | P),
            3: ("activeDeadlineSeconds", I64, O | P), 4: ("selector", LABEL_SELECTOR, O | P),
            5: ("manualSelector", B, O | P), 6: ("template", CORE + "PodTemplateSpec", 0),
            7: ("backoffLimit", I32, O | P), 8: ("ttlSecondsAfterFinished", I32, O | P),
            9: ("completionMode", S, O | P), 10: ("suspend", B, O | P),
            11: ("podFailurePolicy", "PodFailurePolicy", O | P),
            12: ("backoffLimitPerIndex", I32, O | P), 13: ("maxFailedIndexes", I32, O | P),
            14: ("podReplacementPolicy", S, O | P), 15: ("managedBy", S, O | P),
            16: ("successPolicy", "SuccessPolicy", O | P),
        },
        "JobStatus": {
            1: ("conditions", "JobCondition", O | R), 2: ("startTime", TIME, O | P),
            3: ("completionTime", TIME, O | P), 4: ("active", I32, O), 5: ("succeeded", I32, O),
            6: ("failed", I32, O), 7: ("completedIndexes", S, O),
            8: ("uncountedTerminatedPods", "UncountedTerminatedPods", O | P),
            9: ("ready", I32, O | P), 10: ("failedIndexes", S, O | P),
            11: ("terminating", I32, O | P),
        },
        "CronJobSpec": {
            1: ("schedule", S, 0), 2: ("startingDeadlineSeconds", I64, O | P),
            3: ("concurrencyPolicy", S, O), 4: ("suspend", B, O | P),
            5: ("jobTemplate", "JobTemplateSpec", 0),
            6: ("successfulJobsHistoryLimit", I32, O | P),
            7: ("failedJobsHistoryLimit", I32, O | P), 8: ("timeZone", S, O | P),
        },
        "CronJobStatus": {
            1: ("active", CORE + "ObjectReference", O | R), 4: ("lastScheduleTime", TIME, O | P),
            5: ("lastSuccessfulTime", TIME, O | P),
        },
        "PodFailurePolicy": {1: ("rules", "PodFailurePolicyRule", R)},
        "SuccessPolicy": {1: ("rules", "SuccessPolicyRule", R)},
        "JobCondition": {
            1: ("type", S, 0), 2: ("status", S, 0), 3: ("lastProbeTime", TIME, O),
            4: ("lastTransitionTime", TIME, O), 5: ("reason", S, O), 6: ("message", S, O),
        },
        "UncountedTerminatedPods": {1: ("succeeded", S, O | R), 2: ("failed", S, O | R)},
        "JobTemplateSpec": {1: ("metadata", OBJECT_META, O), 2: ("spec", "JobSpec", O)},
        "PodFailurePolicyRule": {
            1: ("action", S, 0),
            2: ("onExitCodes", "PodFailurePolicyOnExitCodesRequirement", O | P),
            3: ("onPodConditions", "PodFailurePolicyOnPodConditionsPattern", O | R),
        },
        "SuccessPolicyRule": {1: ("succeededIndexes", S, O | P), 2: ("succeededCount", I32, O | P)},
        "PodFailurePolicyOnExitCodesRequirement": {
            1: ("containerName", S, O | P), 2: ("operator", S, 0), 3: ("values", I32, R),
        },
        "PodFailurePolicyOnPodConditionsPattern": {1: ("type", S, 0), 2: ("status", S, 0)},
    },
)

_package(
    "k8s.io.api.rbac.v1",
    {
        "Role": {1: ("metadata", OBJECT_META, O), 2: ("rules", "PolicyRule", R)},
        "RoleBinding": {
            1: ("metadata", OBJECT_META, O), 2: ("subjects", "Subject", O | R),
            3: ("roleRef", "RoleRef", 0),
        },
        "ClusterRole": {
            1: ("metadata", OBJECT_META, O), 2: ("rules", "PolicyRule", R),
            3: ("aggregationRule", "AggregationRule", O | P),
        },
        "ClusterRoleBinding": {
            1: ("metadata", OBJECT_META, O), 2: ("subjects", "Subject", O | R),
            3: ("roleRef", "RoleRef", 0),
        },
        "PolicyRule": {
            1: ("verbs", S, R), 2: ("apiGroups", S, O | R), 3: ("resources", S, O | R),
            4: ("resourceNames", S, O | R), 5: ("nonResourceURLs", S, O | R),
        },
        "Subject": {
            1: ("kind", S, 0), 2: ("apiGroup", S, O), 3: ("name", S, 0), 4: ("namespace", S, O),
        },
        "RoleRef": {1: ("apiGroup", S, 0), 2: ("kind", S, 0), 3: ("name", S, 0)},
        "AggregationRule": {1: ("clusterRoleSelectors", LABEL_SELECTOR, O | R)},
    },
)

_package(
    "k8s.io.api.policy.v1",
    {
        "PodDisruptionBudget": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "PodDisruptionBudgetSpec", O),
            3: ("status", "PodDisruptionBudgetStatus", O),
        },
        "Eviction": {
            1: ("metadata", OBJECT_META, O), 2: ("deleteOptions", META + "DeleteOptions", O | P),
        },
        "PodDisruptionBudgetSpec": {
            1: ("minAvailable", INT_OR_STRING, O | P), 2: ("selector", LABEL_SELECTOR, O | P),
            3: ("maxUnavailable", INT_OR_STRING, O | P),
            4: ("unhealthyPodEvictionPolicy", S, O | P),
        },
        "PodDisruptionBudgetStatus": {
            1: ("observedGeneration", I64, O), 2: ("disruptedPods", TIME, O | M),
            3: ("disruptionsAllowed", I32, 0), 4: ("currentHealthy", I32, 0),
            5: ("desiredHealthy", I32, 0), 6: ("expectedPods", I32, 0),
            7: ("conditions", CONDITION, O | R),
        },
    },
)

_package(
    "k8s.io.api.scheduling.v1",
    {
        "PriorityClass": {
            1: ("metadata", OBJECT_META, O), 2: ("value", I32, 0), 3: ("globalDefault", B, O),
            4: ("description", S, O), 5: ("preemptionPolicy", S, O | P),
        },
    },
)

_package(
    "k8s.io.api.networking.v1",
    {
        "Ingress": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "IngressSpec", O),
            3: ("status", "IngressStatus", O),
        },
        "IngressSpec": {
            1: ("defaultBackend", "IngressBackend", O | P), 2: ("tls", "IngressTLS", O | R),
            3: ("rules", "IngressRule", O | R), 4: ("ingressClassName", S, O | P),
        },
        "IngressStatus": {1: ("loadBalancer", "IngressLoadBalancerStatus", O)},
        "IngressBackend": {
            3: ("resource", CORE + "TypedLocalObjectReference", O | P),
            4: ("service", "IngressServiceBackend", O | P),
        },
        "IngressTLS": {1: ("hosts", S, O | R), 2: ("secretName", S, O)},
        "IngressRule": {1: ("host", S, O), 2: ("", "IngressRuleValue", I)},
        "IngressLoadBalancerStatus": {1: ("ingress", "IngressLoadBalancerIngress", O | R)},
        "IngressServiceBackend": {1: ("name", S, 0), 2: ("port", "ServiceBackendPort", O)},
        "IngressRuleValue": {1: ("http", "HTTPIngressRuleValue", O | P)},
        "IngressLoadBalancerIngress": {
            1: ("ip", S, O), 2: ("hostname", S, O), 4: ("ports", "IngressPortStatus", O | R),
        },
        "ServiceBackendPort": {1: ("name", S, O), 2: ("number", I32, O)},
        "HTTPIngressRuleValue": {1: ("paths", "HTTPIngressPath", R)},
        "IngressPortStatus": {1: ("port", I32, 0), 2: ("protocol", S, 0), 3: ("error", S, O | P)},
        "HTTPIngressPath": {
            1: ("path", S, O), 2: ("backend", "IngressBackend", 0), 3: ("pathType", S, P),
        },
    },
)

_package(
    "k8s.io.api.authentication.v1",
    {
        "TokenRequest": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "TokenRequestSpec", 0),
            3: ("status", "TokenRequestStatus", O),
        },
        "SelfSubjectReview": {
            1: ("metadata", OBJECT_META, O), 2: ("status", "SelfSubjectReviewStatus", O),
        },
        "TokenReview": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "TokenReviewSpec", 0),
            3: ("status", "TokenReviewStatus", O),
        },
        "TokenRequestSpec": {
            1: ("audiences", S, R), 3: ("boundObjectRef", "BoundObjectReference", P),
            4: ("expirationSeconds", I64, P),
        },
        "TokenRequestStatus": {1: ("token", S, 0), 2: ("expirationTimestamp", TIME, 0)},
        "SelfSubjectReviewStatus": {1: ("userInfo", "UserInfo", O)},
        "TokenReviewSpec": {1: ("token", S, O), 2: ("audiences", S, O | R)},
        "TokenReviewStatus": {
            1: ("authenticated", B, O), 2: ("user", "UserInfo", O), 3: ("error", S, O),
            4: ("audiences", S, O | R),
        },
        "BoundObjectReference": {
            1: ("kind", S, O), 2: ("apiVersion", S, O), 3: ("name", S, O), 4: ("uid", S, O),
        },
        "UserInfo": {
            1: ("username", S, O), 2: ("uid", S, O), 3: ("groups", S, O | R),
            4: ("extra", "ExtraValue", O | M),
        },
        "ExtraValue": {1: ("items", S, R)},
    },
)

_package(
    "k8s.io.api.authorization.v1",
    {
        "SelfSubjectAccessReview": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "SelfSubjectAccessReviewSpec", 0),
            3: ("status", "SubjectAccessReviewStatus", O),
        },
        "SelfSubjectRulesReview": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "SelfSubjectRulesReviewSpec", 0),
            3: ("status", "SubjectRulesReviewStatus", O),
        },
        "SubjectAccessReview": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "SubjectAccessReviewSpec", 0),
            3: ("status", "SubjectAccessReviewStatus", O),
        },
        "LocalSubjectAccessReview": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "SubjectAccessReviewSpec", 0),
            3: ("status", "SubjectAccessReviewStatus", O),
        },
        "SelfSubjectAccessReviewSpec": {
            1: ("resourceAttributes", "ResourceAttributes", O | P),
            2: ("nonResourceAttributes", "NonResourceAttributes", O | P),
        },
        "SubjectAccessReviewStatus": {
            1: ("allowed", B, 0), 2: ("reason", S, O), 3: ("evaluationError", S, O),
            4: ("denied", B, O),
        },
        "SelfSubjectRulesReviewSpec": {1: ("namespace", S, O)},
        "SubjectRulesReviewStatus": {
            1: ("resourceRules", "ResourceRule", R), 2: ("nonResourceRules", "NonResourceRule", R),
            3: ("incomplete", B, 0), 4: ("evaluationError", S, O),
        },
        "SubjectAccessReviewSpec": {
            1: ("resourceAttributes", "ResourceAttributes", O | P),
            2: ("nonResourceAttributes", "NonResourceAttributes", O | P), 3: ("user", S, O),
            4: ("groups", S, O | R), 5: ("extra", "ExtraValue", O | M), 6: ("uid", S, O),
        },
        "ResourceAttributes": {
            1: ("namespace", S, O), 2: ("verb", S, O), 3: ("group", S, O), 4: ("version", S, O),
            5: ("resource", S, O), 6: ("subresource", S, O), 7: ("name", S, O),
            8: ("fieldSelector", "FieldSelectorAttributes", O | P),
            9: ("labelSelector", "LabelSelectorAttributes", O | P),
        },
        "NonResourceAttributes": {1: ("path", S, O), 2: ("verb", S, O)},
        "ResourceRule": {
            1: ("verbs", S, R), 2: ("apiGroups", S, O | R), 3: ("resources", S, O | R),
            4: ("resourceNames", S, O | R),
        },
        "NonResourceRule": {1: ("verbs", S, R), 2: ("nonResourceURLs", S, O | R)},
        "FieldSelectorAttributes": {
            1: ("rawSelector", S, O),
            2: ("requirements", META + "FieldSelectorRequirement", O | R),
        },
        "LabelSelectorAttributes": {
            1: ("rawSelector", S, O),
            2: ("requirements", META + "LabelSelectorRequirement", O | R),
        },
        "ExtraValue": {1: ("items", S, R)},
    },
)

_package(
    "k8s.io.api.certificates.v1",
    {
        "CertificateSigningRequest": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "CertificateSigningRequestSpec", 0),
            3: ("status", "CertificateSigningRequestStatus", O),
        },
        "CertificateSigningRequestSpec": {
            1: ("request", BY, 0), 2: ("username", S, O), 3: ("uid", S, O),
            4: ("groups", S, O | R), 5: ("usages", S, O | R), 6: ("extra", "ExtraValue", O | M),
            7: ("signerName", S, 0), 8: ("expirationSeconds", I32, O | P),
        },
        "CertificateSigningRequestStatus": {
            1: ("conditions", "CertificateSigningRequestCondition", O | R),
            2: ("certificate", BY, O),
        },
        "CertificateSigningRequestCondition": {
            1: ("type", S, 0), 2: ("reason", S, O), 3: ("message", S, O),
            4: ("lastUpdateTime", TIME, O), 5: ("lastTransitionTime", TIME, O),
            6: ("status", S, 0),
        },
        "ExtraValue": {1: ("items", S, R)},
    },
)

_package(
    "k8s.io.api.coordination.v1",
    {
        "Lease": {1: ("metadata", OBJECT_META, O), 2: ("spec", "LeaseSpec", O)},
        "LeaseSpec": {
            1: ("holderIdentity", S, O | P), 2: ("leaseDurationSeconds", I32, O | P),
            3: ("acquireTime", MICRO_TIME, O | P), 4: ("renewTime", MICRO_TIME, O | P),
            5: ("leaseTransitions", I32, O | P), 6: ("strategy", S, O | P),
            7: ("preferredHolder", S, O | P),
        },
    },
)

_package(
    "k8s.io.api.autoscaling.v1",
    {
        "Scale": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "ScaleSpec", O),
            3: ("status", "ScaleStatus", O),
        },
        "ScaleSpec": {1: ("replicas", I32, O)},
        "ScaleStatus": {1: ("replicas", I32, 0), 2: ("selector", S, O)},
        "HorizontalPodAutoscaler": {
            1: ("metadata", OBJECT_META, O), 2: ("spec", "HorizontalPodAutoscalerSpec", O),
            3: ("status", "HorizontalPodAutoscalerStatus", O),
        },
        "HorizontalPodAutoscalerSpec": {
            1: ("scaleTargetRef", "CrossVersionObjectReference", 0), 2: ("minReplicas", I32, O | P),
            3: ("maxReplicas", I32, 0), 4: ("targetCPUUtilizationPercentage", I32, O | P),
        },
        "CrossVersionObjectReference": {1: ("kind", S, 0), 2: ("name", S, 0), 3: ("apiVersion", S, O)},
        "HorizontalPodAutoscalerStatus": {
            1: ("observedGeneration", I64, O | P), 2: ("lastScaleTime", TIME, O | P),
            3: ("currentReplicas", I32, 0), 4: ("desiredReplicas", I32, 0),
            5: ("currentCPUUtilizationPercentage", I32, O | P),
        },
    },
)

_package(
    "k8s.io.apimachinery.pkg.apis.meta.v1",
    {
        "DeleteOptions": {
            1: ("gracePeriodSeconds", I64, O | P), 2: ("preconditions", "Preconditions", O | P),
            3: ("orphanDependents", B, O | P), 4: ("propagationPolicy", S, O | P),
            5: ("dryRun", S, O | R),
            6: ("ignoreStoreReadErrorWithClusterBreakingPotential", B, O | P),
        },
        "ObjectMeta": {
            1: ("name", S, O), 2: ("generateName", S, O), 3: ("namespace", S, O),
            4: ("selfLink", S, O), 5: ("uid", S, O), 6: ("resourceVersion", S, O),
            7: ("generation", I64, O), 8: ("creationTimestamp", TIME, O),
            9: ("deletionTimestamp", TIME, O | P), 10: ("deletionGracePeriodSeconds", I64, O | P),
            11: ("labels", S, O | M), 12: ("annotations", S, O | M),
            13: ("ownerReferences", "OwnerReference", O | R), 14: ("finalizers", S, O | R),
            17: ("managedFields", "ManagedFieldsEntry", O | R),
        },
        "Preconditions": {1: ("uid", S, O | P), 2: ("resourceVersion", S, O | P)},
        "OwnerReference": {
            1: ("kind", S, 0), 3: ("name", S, 0), 4: ("uid", S, 0), 5: ("apiVersion", S, 0),
            6: ("controller", B, O | P), 7: ("blockOwnerDeletion", B, O | P),
        },
        "ManagedFieldsEntry": {
            1: ("manager", S, O), 2: ("operation", S, O), 3: ("apiVersion", S, O),
            4: ("time", TIME, O | P), 6: ("fieldsType", S, O), 7: ("fieldsV1", FIELDS_V1, O | P),
            8: ("subresource", S, O),
        },
        "Condition": {
            1: ("type", S, 0), 2: ("status", S, 0), 3: ("observedGeneration", I64, O),
            4: ("lastTransitionTime", TIME, 0), 5: ("reason", S, 0), 6: ("message", S, 0),
        },
        "LabelSelector": {
            1: ("matchLabels", S, O | M),
            2: ("matchExpressions", "LabelSelectorRequirement", O | R),
        },
        "LabelSelectorRequirement": {
            1: ("key", S, 0), 2: ("operator", S, 0), 3: ("values", S, O | R),
        },
        "FieldSelectorRequirement": {
            1: ("key", S, 0), 2: ("operator", S, 0), 3: ("values", S, O | R),
        },
        "Time": {1: ("seconds", I64, 0), 2: ("nanos", I32, 0)},
        "MicroTime": {1: ("seconds", I64, 0), 2: ("nanos", I32, 0)},
        "Duration": {1: ("duration", I64, 0)},
        "FieldsV1": {1: ("Raw", BY, 0)},
    },
)

_package(
    "k8s.io.apimachinery.pkg.api.resource",
    {
        "Quantity": {1: ("string", S, 0)},
    },
)

_package(
    "k8s.io.apimachinery.pkg.util.intstr",
    {
        "IntOrString": {1: ("type", I64, 0), 2: ("intVal", I32, 0), 3: ("strVal", S, 0)},
    },
)

_package(
    "k8s.io.apimachinery.pkg.runtime",
    {
        "RawExtension": {1: ("raw", BY, 0)},
        "TypeMeta": {1: ("apiVersion", S, O), 2: ("kind", S, O)},
        "Unknown": {
            1: ("typeMeta", "TypeMeta", 0), 2: ("raw", BY, 0), 3: ("contentEncoding", S, 0),
            4: ("contentType", S, 0),
        },
    },
)


#: The protobuf package of each built-in API group (`k8s.io.api.<package>.<version>.<Kind>`).
GROUP_PACKAGES: dict[str, str] = {
    "": "core",
    "admissionregistration.k8s.io": "admissionregistration",
    "apps": "apps",
    "authentication.k8s.io": "authentication",
    "authorization.k8s.io": "authorization",
    "autoscaling": "autoscaling",
    "batch": "batch",
    "certificates.k8s.io": "certificates",
    "coordination.k8s.io": "coordination",
    "discovery.k8s.io": "discovery",
    "events.k8s.io": "events",
    "flowcontrol.apiserver.k8s.io": "flowcontrol",
    "internal.apiserver.k8s.io": "apiserverinternal",
    "networking.k8s.io": "networking",
    "node.k8s.io": "node",
    "policy": "policy",
    "rbac.authorization.k8s.io": "rbac",
    "resource.k8s.io": "resource",
    "scheduling.k8s.io": "scheduling",
    "storage.k8s.io": "storage",
    "storagemigration.k8s.io": "storagemigration",
}

#: Kinds of k8s.io/apimachinery registered in every group version (`metav1.AddToGroupVersion`):
#: a typed client's DELETE sends its `DeleteOptions` under the client's own apiVersion.
META_KINDS: dict[str, str] = {"DeleteOptions": META + "DeleteOptions"}

#: Messages that may be the object of a body: the top-level kinds above.
KINDS = frozenset(
    CORE + kind
    for kind in (
        "Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "ResourceQuota", "Pod",
        "Node", "Endpoints", "Event", "Binding",
    )
) | frozenset(
    f"k8s.io.api.{kind}"
    for kind in (
        "apps.v1.Deployment", "batch.v1.Job", "batch.v1.CronJob",
        "rbac.v1.Role", "rbac.v1.RoleBinding", "rbac.v1.ClusterRole", "rbac.v1.ClusterRoleBinding",
        "policy.v1.PodDisruptionBudget", "policy.v1.Eviction", "scheduling.v1.PriorityClass",
        "networking.v1.Ingress", "authentication.v1.TokenRequest",
        "authentication.v1.TokenReview", "authentication.v1.SelfSubjectReview",
        "authorization.v1.SubjectAccessReview", "authorization.v1.SelfSubjectAccessReview",
        "authorization.v1.LocalSubjectAccessReview", "authorization.v1.SelfSubjectRulesReview",
        "certificates.v1.CertificateSigningRequest", "coordination.v1.Lease",
        "autoscaling.v1.Scale", "autoscaling.v1.HorizontalPodAutoscaler",
    )
) | frozenset(META_KINDS.values())  # fmt: skip
