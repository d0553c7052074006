"""The Pod Security Standards' checks, each a function of a pod's metadata and spec.

A check returns None when the pod passes, else its forbidden reason and detail, worded as
PodSecurity admission words them (`allowPrivilegeEscalation != false` with `container "a" must
set ...`). `CHECKS` is the table: ID, level, and the versions of the check by the minor each
starts at; a restricted check may override the baseline check it replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kubegate.admission.podsecurity.levels import BASELINE, RESTRICTED

Result = tuple[str, str] | None
CheckFn = Callable[[dict[str, Any], dict[str, Any]], Result]

DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
#: volume sources the restricted level allows; every other source is named by its field
ALLOWED_VOLUME_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
})
KNOWN_VOLUME_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
    "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
)
SYSCTLS_1_0 = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
})
SYSCTLS_1_27 = SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SYSCTLS_1_29 = SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SYSCTLS_1_32 = SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SELINUX_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_TYPES_1_31 = SELINUX_TYPES_1_0 | {"container_engine_t"}
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


# helpers ---------------------------------------------------------------------------------

def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Init containers, containers, then ephemeral containers, as the checks visit them."""
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or ():
            if isinstance(container, dict):
                yield container


def _context(obj: dict[str, Any]) -> dict[str, Any]:
    context = obj.get("securityContext")
    return context if isinstance(context, dict) else {}


def _name(container: dict[str, Any]) -> str:
    return str(container.get("name", ""))


def plural(singular: str, many: str, count: int) -> str:
    return singular if count == 1 else many


def quoted(items: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def containers_phrase(names: list[str]) -> str:
    return f"{plural('container', 'containers', len(names))} {quoted(names)}"


def uses(users: str, count: int, thing: str, things: str, values: list[str], listed: str) -> str:
    """`container "a" uses hostPort 80` / `volumes "a", "b" use restricted volume types "nfs", "rbd"`."""
    return f"{users} {plural('uses', 'use', count)} {plural(thing, things, len(values))} {listed}"


def _setters(pod_bad: bool, bad_containers: list[str]) -> list[str]:
    return (["pod"] if pod_bad else []) + ([containers_phrase(bad_containers)] if bad_containers else [])


def _windows(spec: dict[str, Any]) -> bool:
    os_ = spec.get("os")
    return isinstance(os_, dict) and os_.get("name") == "windows"


def _user_namespaced(spec: dict[str, Any]) -> bool:
    return spec.get("hostUsers") is False


def unless(skip: Callable[[dict[str, Any]], bool], check: CheckFn) -> CheckFn:
    """The check, passing pods for which `skip(spec)` holds (Windows pods, user namespaces)."""
    def relaxed(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
        return None if skip(spec) else check(meta, spec)
    return relaxed


# baseline --------------------------------------------------------------------------------

def app_armor_profile(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    def bad(context: dict[str, Any]) -> str | None:
        profile = context.get("appArmorProfile")
        if isinstance(profile, dict) and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            return str(profile.get("type", ""))
        return None

    values: set[str] = set()
    pod_value = bad(_context(spec))
    if pod_value is not None:
        values.add(pod_value)
    bad_containers = []
    for container in containers(spec):
        value = bad(_context(container))
        if value is not None:
            bad_containers.append(_name(container))
            values.add(value)
    setters = _setters(pod_value is not None, bad_containers)
    bad_values = sorted(values)
    annotations = sorted(
        f'{key}="{value}"' for key, value in (meta.get("annotations") or {}).items()
        if key.startswith(APPARMOR_ANNOTATION_PREFIX) and value and value != "runtime/default"
        and not str(value).startswith("localhost/")
    )
    if annotations:
        bad_values += annotations
        setters.append(plural("annotation", "annotations", len(annotations)))
    if not setters:
        return None
    reason = plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad_values))
    return reason, f"{' and '.join(setters)} must not set AppArmor profile type to {quoted(bad_values)}"


def capabilities_baseline(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers, added = [], set()
    for container in containers(spec):
        extra = [str(c) for c in (_context(container).get("capabilities") or {}).get("add") or ()
                 if c not in DEFAULT_CAPABILITIES]
        if extra:
            bad_containers.append(_name(container))
            added.update(extra)
    if not bad_containers:
        return None
    return "non-default capabilities", (
        f"{containers_phrase(bad_containers)} must not include {quoted(sorted(added))} in "
        "securityContext.capabilities.add")


def host_namespaces(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    shared = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field) is True]
    return ("host namespaces", ", ".join(shared)) if shared else None


def host_path_volumes(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    names = [str(v.get("name", "")) for v in spec.get("volumes") or () if isinstance(v, dict) and "hostPath" in v]
    if not names:
        return None
    return "hostPath volumes", f"{plural('volume', 'volumes', len(names))} {quoted(names)}"


def host_ports(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers: list[str] = []
    ports: set[str] = set()
    for container in containers(spec):
        used = [p["hostPort"] for p in container.get("ports") or () if isinstance(p, dict) and p.get("hostPort")]
        if used:
            bad_containers.append(_name(container))
            ports.update(str(port) for port in used)
    if not bad_containers:
        return None
    listed = sorted(ports)
    return "hostPort", uses(containers_phrase(bad_containers), len(bad_containers), "hostPort", "hostPorts", listed,
                            ", ".join(listed))


def host_process(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    def on(context: dict[str, Any]) -> bool:
        return (context.get("windowsOptions") or {}).get("hostProcess") is True
    bad_containers = [_name(c) for c in containers(spec) if on(_context(c))]
    setters = _setters(on(_context(spec)), bad_containers)
    if not setters:
        return None
    return "hostProcess", f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"


def privileged(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers = [_name(c) for c in containers(spec) if _context(c).get("privileged") is True]
    if not bad_containers:
        return None
    return "privileged", f"{containers_phrase(bad_containers)} must not set securityContext.privileged=true"


def proc_mount(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers, types = [], set()
    for container in containers(spec):
        mount = _context(container).get("procMount")
        if mount is not None and mount != "Default":
            bad_containers.append(_name(container))
            types.add(str(mount))
    if not bad_containers:
        return None
    return "procMount", (
        f"{containers_phrase(bad_containers)} must not set securityContext.procMount to {quoted(sorted(types))}")


def se_linux_options(allowed_types: frozenset[str]) -> CheckFn:
    def check(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
        bad_types: set[str] = set()
        set_user = set_role = False

        def valid(context: dict[str, Any]) -> bool:
            nonlocal set_user, set_role
            options = context.get("seLinuxOptions")
            if not isinstance(options, dict):
                return True
            ok = True
            if options.get("type", "") not in allowed_types:
                ok = False
                bad_types.add(str(options.get("type", "")))
            if options.get("user"):
                ok, set_user = False, True
            if options.get("role"):
                ok, set_role = False, True
            return ok

        pod_bad = not valid(_context(spec))
        bad_containers = [_name(c) for c in containers(spec) if not valid(_context(c))]
        setters = _setters(pod_bad, bad_containers)
        if not setters:
            return None
        data = []
        if bad_types:
            data.append(f"{plural('type', 'types', len(bad_types))} {quoted(sorted(bad_types))}")
        if set_user:
            data.append("user may not be set")
        if set_role:
            data.append("role may not be set")
        return "seLinuxOptions", (
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}")
    return check


def _seccomp_type(context: dict[str, Any]) -> str | None:
    profile = context.get("seccompProfile")
    return str(profile.get("type", "")) if isinstance(profile, dict) else None


def _seccomp_allowed(kind: str | None) -> bool:
    return kind in ("RuntimeDefault", "Localhost")


def seccomp_baseline(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    """Pod or containers that set a seccomp profile type other than RuntimeDefault or Localhost."""
    values: set[str] = set()
    pod_type = _seccomp_type(_context(spec))
    pod_bad = pod_type is not None and not _seccomp_allowed(pod_type)
    if pod_bad:
        values.add(str(pod_type))
    bad_containers = []
    for container in containers(spec):
        kind = _seccomp_type(_context(container))
        if kind is not None and not _seccomp_allowed(kind):
            bad_containers.append(_name(container))
            values.add(kind)
    setters = _setters(pod_bad, bad_containers)
    if not setters:
        return None
    return "seccompProfile", (
        f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to {quoted(sorted(values))}")


def sysctls(allowed: frozenset[str]) -> CheckFn:
    def check(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
        names = [str(s.get("name", "")) for s in _context(spec).get("sysctls") or ()
                 if isinstance(s, dict) and s.get("name") not in allowed]
        return ("forbidden sysctls", ", ".join(names)) if names else None
    return check


def host_probes_and_lifecycle(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    def hosts(handler: Any) -> list[str]:
        if not isinstance(handler, dict):
            return []
        return [str(h["host"]) for h in (handler.get("httpGet"), handler.get("tcpSocket"))
                if isinstance(h, dict) and h.get("host")]

    bad_containers, forbidden = set(), set()
    for container in containers(spec):
        lifecycle = container.get("lifecycle")
        lifecycle = lifecycle if isinstance(lifecycle, dict) else {}
        for handler in (container.get("livenessProbe"), container.get("readinessProbe"), container.get("startupProbe"),
                        lifecycle.get("postStart"), lifecycle.get("preStop")):
            found = hosts(handler)
            if found:
                bad_containers.add(_name(container))
                forbidden.update(found)
    if not bad_containers:
        return None
    hosts_used = sorted(forbidden)
    return "probe or lifecycle host", uses(
        containers_phrase(sorted(bad_containers)), len(bad_containers), "probe or lifecycle host",
        "probe or lifecycle hosts", hosts_used, quoted(hosts_used))


# restricted ------------------------------------------------------------------------------

def allow_privilege_escalation(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers = [_name(c) for c in containers(spec) if _context(c).get("allowPrivilegeEscalation") is not False]
    if not bad_containers:
        return None
    return "allowPrivilegeEscalation != false", (
        f"{containers_phrase(bad_containers)} must set securityContext.allowPrivilegeEscalation=false")


def capabilities_restricted(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    missing_drop, adding, forbidden = [], [], set()
    for container in containers(spec):
        capabilities = _context(container).get("capabilities")
        if not isinstance(capabilities, dict):
            missing_drop.append(_name(container))
            continue
        if "ALL" not in (capabilities.get("drop") or ()):
            missing_drop.append(_name(container))
        extra = [str(c) for c in capabilities.get("add") or () if c != "NET_BIND_SERVICE"]
        if extra:
            adding.append(_name(container))
            forbidden.update(extra)
    details = []
    if missing_drop:
        details.append(f'{containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(
            f"{containers_phrase(adding)} must not include {quoted(sorted(forbidden))} in securityContext.capabilities.add")
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def restricted_volumes(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_volumes, types = [], set()
    for volume in spec.get("volumes") or ():
        if not isinstance(volume, dict) or any(source in volume for source in ALLOWED_VOLUME_SOURCES):
            continue
        bad_volumes.append(str(volume.get("name", "")))
        types.add(next((source for source in KNOWN_VOLUME_SOURCES if source in volume), "unknown"))
    if not bad_volumes:
        return None
    kinds = sorted(types)
    return "restricted volume types", uses(
        f"{plural('volume', 'volumes', len(bad_volumes))} {quoted(bad_volumes)}", len(bad_volumes),
        "restricted volume type", "restricted volume types", kinds, quoted(kinds))


def run_as_non_root(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    pod_value = _context(spec).get("runAsNonRoot")
    explicit, implicit = [], []
    for container in containers(spec):
        value = _context(container).get("runAsNonRoot")
        if value is not None:
            if value is False:
                explicit.append(_name(container))
        elif pod_value is not True:
            implicit.append(_name(container))
    setters = _setters(pod_value is False, explicit)
    if setters:
        return "runAsNonRoot != true", f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return "runAsNonRoot != true", f"pod or {containers_phrase(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def run_as_user(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    bad_containers = [_name(c) for c in containers(spec) if _context(c).get("runAsUser") == 0]
    setters = _setters(_context(spec).get("runAsUser") == 0, bad_containers)
    return ("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0") if setters else None


def seccomp_restricted(meta: dict[str, Any], spec: dict[str, Any]) -> Result:
    """The baseline rule, and every container must have an allowed type, its own or the pod's."""
    explicit = seccomp_baseline(meta, spec)
    if explicit is not None:
        return explicit
    if _seccomp_type(_context(spec)) is not None:
        return None
    implicit = [_name(c) for c in containers(spec) if _seccomp_type(_context(c)) is None]
    if not implicit:
        return None
    return "seccompProfile", (
        f'pod or {containers_phrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" '
        'or "Localhost"')


# the table -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Check:
    id: str
    level: str
    #: (first minor, check, IDs of baseline checks this one replaces at the restricted level)
    versions: tuple[tuple[int, CheckFn, tuple[str, ...]], ...]


CHECKS: tuple[Check, ...] = (
    Check("appArmorProfile", BASELINE, ((0, app_armor_profile, ()),)),
    Check("capabilities_baseline", BASELINE, ((0, capabilities_baseline, ()),)),
    Check("hostNamespaces", BASELINE, ((0, host_namespaces, ()),)),
    Check("hostPathVolumes", BASELINE, ((0, host_path_volumes, ()),)),
    Check("hostPorts", BASELINE, ((0, host_ports, ()),)),
    Check("hostProbesAndHostLifecycle", BASELINE, ((34, host_probes_and_lifecycle, ()),)),
    Check("privileged", BASELINE, ((0, privileged, ()),)),
    Check("procMount", BASELINE, ((0, proc_mount, ()), (35, unless(_user_namespaced, proc_mount), ()))),
    Check("seLinuxOptions", BASELINE, ((0, se_linux_options(SELINUX_TYPES_1_0), ()),
                                       (31, se_linux_options(SELINUX_TYPES_1_31), ()))),
    Check("seccompProfile_baseline", BASELINE, ((19, seccomp_baseline, ()),)),
    Check("sysctls", BASELINE, ((0, sysctls(SYSCTLS_1_0), ()), (27, sysctls(SYSCTLS_1_27), ()),
                                (29, sysctls(SYSCTLS_1_29), ()), (32, sysctls(SYSCTLS_1_32), ()))),
    Check("windowsHostProcess", BASELINE, ((0, host_process, ()),)),
    Check("allowPrivilegeEscalation", RESTRICTED, ((8, allow_privilege_escalation, ()),
                                                   (25, unless(_windows, allow_privilege_escalation), ()))),
    Check("capabilities_restricted", RESTRICTED, ((22, capabilities_restricted, ("capabilities_baseline",)),
                                                  (25, unless(_windows, capabilities_restricted),
                                                   ("capabilities_baseline",)))),
    Check("procMount_restricted", RESTRICTED, ((35, proc_mount, ("procMount",)),)),
    Check("restrictedVolumes", RESTRICTED, ((0, restricted_volumes, ("hostPathVolumes",)),)),
    Check("runAsNonRoot", RESTRICTED, ((0, run_as_non_root, ()), (35, unless(_user_namespaced, run_as_non_root), ()))),
    Check("runAsUser", RESTRICTED, ((23, run_as_user, ()), (35, unless(_user_namespaced, run_as_user), ()))),
    Check("seccompProfile_restricted", RESTRICTED, ((19, seccomp_restricted, ("seccompProfile_baseline",)),
                                                    (25, unless(_windows, seccomp_restricted),
                                                     ("seccompProfile_baseline",)))),
)
