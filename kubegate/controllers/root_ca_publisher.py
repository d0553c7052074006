"""The root CA publisher: every active namespace has ConfigMap `kube-root-ca.crt`.

Pods verify the API server with the CA bundle it holds (`data["ca.crt"]`, the cluster CA that
signed the serving certificate); the projected `kube-api-access-*` volume the ServiceAccount
admission plugin adds reads it. As kube-controller-manager's `root-ca-cert-publisher` does,
the controller creates the ConfigMap when a namespace appears (or changes while Active), and
puts it back when it is deleted or its data or description annotation is changed: the data is
reset to exactly the one key and the annotation to the real text, other metadata is kept.
"""

from __future__ import annotations

import copy
from pathlib import Path

from kubegate.config import ServerConfig
from kubegate.controllers.client import ControllerClient, guarded, namespace_active
from kubegate.pki import PkiFiles
from kubegate.registry.rest import NAMESPACES
from kubegate.storage.memory import DELETED, Event

CONFIG_MAPS = ("", "configmaps")
CONFIG_MAP_NAME = "kube-root-ca.crt"
CA_KEY = "ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)


def cluster_root_ca(config: ServerConfig, *, pki: PkiFiles | None) -> str:
    """The PEM bundle that verifies the API server: the cluster CA (empty when there is none).

    kube-controller-manager takes `--root-ca-file`, else the CA of its kubeconfig, which is the
    CA that signed the serving certificate: kubegate's PKI CA.
    """
    path: Path | None = pki.ca_cert if pki is not None else config.client_ca_file
    if path is None:
        return ""
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return ""


class RootCAPublisher:
    def __init__(self, client: ControllerClient, *, root_ca: str) -> None:
        self._client = client
        self._spec = client.spec("configmaps")
        self._root_ca = root_ca
        client.store.add_listener(self._observe)
        for namespace in list(client.store.scan(NAMESPACES)):
            self.sync(namespace.obj["metadata"]["name"])

    @guarded("root-ca-cert-publisher")
    def _observe(self, event: Event) -> None:
        if event.resource == NAMESPACES and event.type != DELETED:
            self.sync(event.key[1])
        elif event.resource == CONFIG_MAPS and event.key[1] == CONFIG_MAP_NAME:
            self.sync(event.key[0])

    def sync(self, namespace: str) -> None:
        """Create or repair the namespace's `kube-root-ca.crt`."""
        store = self._client.store
        if not namespace_active(store, namespace):
            return
        data = {CA_KEY: self._root_ca}
        current = store.get(CONFIG_MAPS, (namespace, CONFIG_MAP_NAME))
        if current is None:
            self._client.create(self._spec, namespace, {
                "metadata": {"name": CONFIG_MAP_NAME, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                "data": data,
            })
            return
        annotations = current.obj["metadata"].get("annotations") or {}
        if current.obj.get("data") == data and annotations.get(DESCRIPTION_ANNOTATION):
            return
        obj = copy.deepcopy(current.obj)
        obj["data"] = data
        obj["metadata"]["annotations"] = {**annotations, DESCRIPTION_ANNOTATION: DESCRIPTION}
        self._client.update(self._spec, current, obj)
