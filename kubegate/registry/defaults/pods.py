"""Pod spec defaults, for Pods and for the pod templates inside workloads.

SetDefaults_PodSpec and SetDefaults_Container apply wherever a PodSpec appears, so a
Deployment's template shows the same restartPolicy, dnsPolicy, terminationMessagePath and
imagePullPolicy as its pods, and template comparisons (a Deployment against its ReplicaSets)
compare like with like. What only Pods get (enableServiceLinks, requests from limits and host
ports under hostNetwork from SetDefaults_Pod; priority and preemptionPolicy from the Priority
admission plugin) is in `POD_ONLY` and `pod_defaults`. Volume sources are in `volumes`.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults import volumes
from kubegate.registry.defaults.engine import Default, apply, apply_each, dicts, present

#: SetDefaults_PodSpec
SPEC: tuple[Default, ...] = (
    Default("restartPolicy", "Always"),
    Default("dnsPolicy", "ClusterFirst"),
    Default("terminationGracePeriodSeconds", 30),
    Default("schedulerName", "default-scheduler"),
    Default("securityContext", {}),
)
#: SetDefaults_Pod and the Priority admission plugin (no PriorityClass: priority 0)
POD_ONLY: tuple[Default, ...] = (
    Default("enableServiceLinks", True),
    Default("preemptionPolicy", "PreemptLowerPriority"),
    Default("priority", 0),
)
#: SetDefaults_Container (imagePullPolicy depends on the image: see `pull_policy`)
CONTAINER: tuple[Default, ...] = (
    Default("terminationMessagePath", "/dev/termination-log"),
    Default("terminationMessagePolicy", "File"),
    Default("resources", {}),
)
#: ContainerPort's `+default="TCP"`
PORT: tuple[Default, ...] = (Default("protocol", "TCP"),)
#: SetDefaults_HTTPGetAction, for probes and lifecycle hooks alike
HANDLER: tuple[Default, ...] = (
    Default("httpGet.path", "/", when=present("httpGet")),
    Default("httpGet.scheme", "HTTP", when=present("httpGet")),
)
#: SetDefaults_Probe, its handler, and GRPCAction's `+default=""` service
PROBE: tuple[Default, ...] = (
    Default("timeoutSeconds", 1, zero=True),
    Default("periodSeconds", 10, zero=True),
    Default("successThreshold", 1, zero=True),
    Default("failureThreshold", 3, zero=True),
    *HANDLER,
    Default("grpc.service", "", when=present("grpc")),
)
#: an env var's valueFrom (SetDefaults_ObjectFieldSelector)
ENV: tuple[Default, ...] = tuple(Default(f"valueFrom.{row.path}", row.value, when=present("valueFrom.fieldRef"))
                                 for row in volumes.FIELD_REF)
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HOOKS = ("postStart", "preStop")


def pull_policy(image: str) -> str:
    """Always when the image's tag is `latest`, named or implied (no tag and no digest), else
    IfNotPresent (an image that does not parse, such as an empty one, has no tag)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ("" if digest or not name else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def container_defaults(container: dict[str, Any]) -> None:
    """SetDefaults_Container (and _EphemeralContainer) with what a container holds."""
    apply(container, CONTAINER)
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = pull_policy(str(container.get("image") or ""))
    apply_each(container.get("ports"), PORT)
    apply_each(container.get("env"), ENV)
    for probe in PROBES:
        if isinstance(container.get(probe), dict):
            apply(container[probe], PROBE)
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in HOOKS:
            if isinstance(lifecycle.get(hook), dict):
                apply(lifecycle[hook], HANDLER)


def pod_spec_defaults(spec: dict[str, Any]) -> None:
    """Default a PodSpec in place (a Pod's or a template's)."""
    apply(spec, SPEC)
    for field in CONTAINER_LISTS:
        for container in dicts(spec.get(field)):
            container_defaults(container)
    for volume in dicts(spec.get("volumes")):
        volumes.volume_defaults(volume)


def pod_defaults(spec: dict[str, Any]) -> None:
    """A Pod's spec: the PodSpec defaults and the Pod-only ones."""
    pod_spec_defaults(spec)
    apply(spec, POD_ONLY)
    for field in ("initContainers", "containers"):
        for container in dicts(spec.get(field)):
            _requests_from_limits(container)
            if spec.get("hostNetwork") is True:
                for port in dicts(container.get("ports")):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _requests_from_limits(container: dict[str, Any]) -> None:
    """A resource with a limit and no request asks for its limit (Pods only, not templates)."""
    resources = container.get("resources")
    limits = resources.get("limits") if isinstance(resources, dict) else None
    if not isinstance(limits, dict) or not limits or not isinstance(resources, dict):
        return
    requests = resources.get("requests")
    if requests is None:
        requests = resources["requests"] = {}
    if isinstance(requests, dict):
        for name, quantity in limits.items():
            requests.setdefault(name, quantity)


def template_defaults(template: Any) -> None:
    """Default the PodSpec of a PodTemplateSpec (ignored when the template is not an object)."""
    if not isinstance(template, dict):
        return
    spec = template.get("spec")
    if spec is None:
        spec = template["spec"] = {}
    if isinstance(spec, dict):
        pod_spec_defaults(spec)
