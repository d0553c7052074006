"""Pod spec defaults, for Pods and for the pod templates inside workloads.

SetDefaults_PodSpec and SetDefaults_Container apply wherever a PodSpec appears, so a
Deployment's template shows the same restartPolicy, dnsPolicy, terminationMessagePath and
imagePullPolicy as its pods, and template comparisons (a Deployment against its ReplicaSets)
compare like with like. What only Pods get (enableServiceLinks from SetDefaults_Pod, priority
and preemptionPolicy from the Priority admission plugin) is in `POD_ONLY`.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, dicts

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
PORT: tuple[Default, ...] = (Default("protocol", "TCP"),)
#: SetDefaults_Probe, and the HTTP scheme of httpGet handlers
PROBE: tuple[Default, ...] = (
    Default("timeoutSeconds", 1),
    Default("periodSeconds", 10),
    Default("successThreshold", 1),
    Default("failureThreshold", 3),
    Default("httpGet.scheme", "HTTP", when=lambda probe: isinstance(probe.get("httpGet"), dict)),
)
#: SetDefaults_SecretVolumeSource / ConfigMapVolumeSource: mode 0644
VOLUME: tuple[Default, ...] = (
    Default("secret.defaultMode", 420, when=lambda volume: isinstance(volume.get("secret"), dict)),
    Default("configMap.defaultMode", 420, when=lambda volume: isinstance(volume.get("configMap"), dict)),
)
CONTAINER_LISTS = ("initContainers", "containers")


def pull_policy(image: str) -> str:
    """Always for `:latest` or an untagged image without a digest, else IfNotPresent."""
    tag = image.rsplit("/", 1)[-1]
    return "Always" if image.endswith(":latest") or (":" not in tag and "@" not in tag) else "IfNotPresent"


def pod_spec_defaults(spec: dict[str, Any]) -> None:
    """Default a PodSpec in place (a Pod's or a template's)."""
    apply(spec, SPEC)
    for field in CONTAINER_LISTS:
        for container in dicts(spec.get(field)):
            apply(container, CONTAINER)
            if not container.get("imagePullPolicy"):
                container["imagePullPolicy"] = pull_policy(str(container.get("image", "")))
            for port in dicts(container.get("ports")):
                apply(port, PORT)
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if isinstance(container.get(probe), dict):
                    apply(container[probe], PROBE)
    for volume in dicts(spec.get("volumes")):
        apply(volume, VOLUME)


def pod_defaults(spec: dict[str, Any]) -> None:
    """A Pod's spec: the PodSpec defaults and the Pod-only ones."""
    pod_spec_defaults(spec)
    apply(spec, POD_ONLY)


def template_defaults(template: Any) -> None:
    """Default the PodSpec of a PodTemplateSpec (ignored when the template is not an object)."""
    if not isinstance(template, dict):
        return
    spec = template.get("spec")
    if spec is None:
        spec = template["spec"] = {}
    if isinstance(spec, dict):
        pod_spec_defaults(spec)
