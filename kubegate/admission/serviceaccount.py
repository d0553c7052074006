"""The ServiceAccount admission plugin: every new pod runs as an existing ServiceAccount.

On pod create, as kube-apiserver's `ServiceAccount` plugin (plugin/pkg/admission/serviceaccount):

1. `spec.serviceAccountName` defaults to `default` (the deprecated `spec.serviceAccount` is an
   alias that the v1 API keeps equal to it);
2. the account must exist, else 403 `pods "x" is forbidden: error looking up service account
   NS/NAME: serviceaccount "NAME" not found`;
3. unless the pod, or else the account, says `automountServiceAccountToken: false`, the pod gets
   the projected volume `kube-api-access-XXXXX` (a bound token, the cluster CA from ConfigMap
   `kube-root-ca.crt`, the namespace) mounted read-only at
   /var/run/secrets/kubernetes.io/serviceaccount in every init container and container that
   has nothing mounted there. There is no kubelet, so nothing is mounted; the pod records it as
   a real server's would;
4. a pod without imagePullSecrets takes its account's;
5. an account annotated `kubernetes.io/enforce-mountable-secrets: "true"` limits the Secrets the
   pod may use to those it lists.

Mirror pods (annotation `kubernetes.io/config.mirror`) are not changed, and may reference
neither accounts nor Secrets. Pods bound for a missing or terminating namespace are left to the
namespace lifecycle check, which answers them as a real server does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.api import errors, meta
from kubegate.registry.objects import ObjectCache
from kubegate.registry.rest import NAMESPACES

SERVICE_ACCOUNTS = ("", "serviceaccounts")
DEFAULT_SERVICE_ACCOUNT = "default"
VOLUME_PREFIX = "kube-api-access-"
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
ENFORCE_MOUNTABLE_SECRETS = "kubernetes.io/enforce-mountable-secrets"
#: serviceaccount.WarnOnlyBoundTokenExpirationSeconds: what kubelets ask for, a little over an hour
TOKEN_EXPIRATION_SECONDS = 3607
#: corev1.ProjectedVolumeSourceDefaultMode (0644)
DEFAULT_MODE = 420


def token_volume_source() -> dict[str, Any]:
    """The projected volume source the plugin adds, field for field (TokenVolumeSource)."""
    return {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [
                {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}},
            ]}},
        ],
        "defaultMode": DEFAULT_MODE,
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class ServiceAccountAdmission:
    def __init__(self, store: ObjectCache, *, generate_name: Callable[[str], str] = meta.generate_name) -> None:
        self._store = store
        self._generate_name = generate_name

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "pods") or attributes.subresource:
            return
        pod = attributes.obj
        if attributes.operation != CREATE or pod is None or not isinstance(pod.get("spec"), dict):
            return
        if not self._namespace_open(attributes.namespace):
            return
        metadata = _dict(pod.get("metadata"))
        annotations = _dict(metadata.get("annotations"))
        if MIRROR_ANNOTATION in annotations:
            self._validate_mirror(attributes, pod["spec"])
            return
        pod_spec: dict[str, Any] = pod["spec"]
        name = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        if not isinstance(name, str):
            return  # not a pod the decoder would accept; validation answers it
        pod_spec["serviceAccountName"] = pod_spec["serviceAccount"] = name
        stored = self._store.get(SERVICE_ACCOUNTS, (attributes.namespace, name))
        if stored is None:
            raise self._forbidden(
                attributes,
                f"error looking up service account {attributes.namespace}/{name}: "
                f'{errors.not_found("serviceaccount", name).message}',
            )
        account = stored.obj
        if _should_automount(account, pod_spec):
            self._mount_token(pod_spec)
        if not pod_spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
            pod_spec["imagePullSecrets"] = [
                {"name": ref.get("name", "")} for ref in _dicts(account.get("imagePullSecrets"))
            ]
        if (account["metadata"].get("annotations") or {}).get(ENFORCE_MOUNTABLE_SECRETS, "").lower() in ("true", "1", "t"):
            problem = _unlisted_secret(account, pod_spec)
            if problem:
                raise self._forbidden(attributes, problem)

    def _namespace_open(self, namespace: str) -> bool:
        ns = self._store.get(NAMESPACES, ("", namespace))
        return ns is not None and not ns.obj["metadata"].get("deletionTimestamp")

    @staticmethod
    def _forbidden(attributes: AdmissionAttributes, message: str) -> errors.StatusError:
        return errors.forbidden("pods", attributes.name, message)

    def _mount_token(self, pod_spec: dict[str, Any]) -> None:
        volumes = _dicts(pod_spec.get("volumes"))
        existing = next(
            (str(v.get("name")) for v in volumes if str(v.get("name", "")).startswith(VOLUME_PREFIX)), ""
        )
        volume_name = existing or self._generate_name(VOLUME_PREFIX)
        mount = {"name": volume_name, "readOnly": True, "mountPath": MOUNT_PATH}
        needs_volume = False
        for group in ("initContainers", "containers"):
            for container in _dicts(pod_spec.get(group)):
                mounts = container.get("volumeMounts")
                mounts = mounts if isinstance(mounts, list) else []
                if any(isinstance(m, dict) and m.get("mountPath") == MOUNT_PATH for m in mounts):
                    continue
                container["volumeMounts"] = [*mounts, dict(mount)]
                needs_volume = True
        if needs_volume and not existing:
            current = pod_spec.get("volumes")
            pod_spec["volumes"] = [
                *(current if isinstance(current, list) else []),
                {"name": volume_name, "projected": token_volume_source()},
            ]

    def _validate_mirror(self, attributes: AdmissionAttributes, pod_spec: dict[str, Any]) -> None:
        if pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount"):
            raise self._forbidden(attributes, "a mirror pod may not reference service accounts")
        if next(_secret_names(pod_spec), None) is not None:
            raise self._forbidden(attributes, "a mirror pod may not reference secrets")
        for volume in _dicts(pod_spec.get("volumes")):
            projected = _dict(volume.get("projected"))
            if any("serviceAccountToken" in source for source in _dicts(projected.get("sources"))):
                raise self._forbidden(attributes, "a mirror pod may not use ServiceAccountToken volume projections")


def _should_automount(account: dict[str, Any], pod_spec: dict[str, Any]) -> bool:
    """The pod's preference wins, then the account's; the default is to mount."""
    for source in (pod_spec, account):
        value = source.get("automountServiceAccountToken")
        if isinstance(value, bool):
            return value
    return True


def _secret_names(pod_spec: dict[str, Any]) -> Iterator[str]:
    """Every Secret a pod refers to (podutil.VisitPodSecretNames, the parts a pod spec can hold)."""
    for ref in _dicts(pod_spec.get("imagePullSecrets")):
        yield str(ref.get("name", ""))
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for container in _dicts(pod_spec.get(group)):
            for source in _dicts(container.get("envFrom")):
                if isinstance(source.get("secretRef"), dict):
                    yield str(source["secretRef"].get("name", ""))
            for env in _dicts(container.get("env")):
                value_from = _dict(env.get("valueFrom"))
                if isinstance(value_from.get("secretKeyRef"), dict):
                    yield str(value_from["secretKeyRef"].get("name", ""))
    for volume in _dicts(pod_spec.get("volumes")):
        if isinstance(volume.get("secret"), dict):
            yield str(volume["secret"].get("secretName", ""))
        projected = _dict(volume.get("projected"))
        for source in _dicts(projected.get("sources")):
            if isinstance(source.get("secret"), dict):
                yield str(source["secret"].get("name", ""))


def _unlisted_secret(account: dict[str, Any], pod_spec: dict[str, Any]) -> str:
    """Why the pod may not use a Secret its account does not list ("" if it uses none such)."""
    name = account["metadata"]["name"]
    mountable = {str(ref.get("name")) for ref in _dicts(account.get("secrets"))}
    for volume in _dicts(pod_spec.get("volumes")):
        secret = volume.get("secret")
        if isinstance(secret, dict) and str(secret.get("secretName", "")) not in mountable:
            return (f'volume with secret.secretName="{secret.get("secretName", "")}" is not allowed because '
                    f"service account {name} does not reference that secret")
    for group, label in (("initContainers", "init container"), ("containers", "container")):
        for container in _dicts(pod_spec.get(group)):
            for env in _dicts(container.get("env")):
                value_from = _dict(env.get("valueFrom"))
                ref = value_from.get("secretKeyRef")
                if isinstance(ref, dict) and str(ref.get("name", "")) not in mountable:
                    return (f"{label} {container.get('name', '')} with envVar {env.get('name', '')} referencing "
                            f'secret.secretName="{ref.get("name", "")}" is not allowed because service account '
                            f"{name} does not reference that secret")
    pull_secrets = {str(ref.get("name")) for ref in _dicts(account.get("imagePullSecrets"))}
    for index, ref in enumerate(_dicts(pod_spec.get("imagePullSecrets"))):
        if str(ref.get("name", "")) not in pull_secrets:
            return (f'imagePullSecrets[{index}].name="{ref.get("name", "")}" is not allowed because service '
                    f"account {name} does not reference that imagePullSecret")
    return ""
