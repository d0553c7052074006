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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubegate.config import ServerConfig
from kubegate.controllers.client import ControllerClient, namespace_active
from kubegate.controllers.informer import Controller, Informers
from kubegate.pki import PkiFiles
from kubegate.registry.objects import DELETED, Event
from kubegate.registry.rest import NAMESPACES

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


class RootCAPublisher(Controller):
    """Keys are namespace names."""

    name = "root-ca-cert-publisher"

    def __init__(self, informers: Informers, client: ControllerClient, *, root_ca: str) -> None:
        super().__init__(informers)
        self._client = client
        self._spec = client.spec("configmaps")
        self._root_ca = root_ca
        self.watch(NAMESPACES, self._namespace_changed)
        self.watch(CONFIG_MAPS, self._config_map_changed)

    def _namespace_changed(self, event: Event) -> Iterable[str]:
        return () if event.type == DELETED else (event.key[1],)

    def _config_map_changed(self, event: Event) -> Iterable[str]:
        return (event.key[0],) if event.key[1] == CONFIG_MAP_NAME else ()

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(NAMESPACES)]

    async def reconcile(self, namespace: str) -> None:
        """Create or repair the namespace's `kube-root-ca.crt`."""
        if not namespace_active(self.cache, namespace):
            return
        current = self.cache.get(CONFIG_MAPS, (namespace, CONFIG_MAP_NAME))
        if current is None:
            await self._client.create(self._spec, namespace, {
                "metadata": {"name": CONFIG_MAP_NAME, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                "data": {CA_KEY: self._root_ca},
            })
            return
        if self._intact(current.obj):
            return
        await self._client.change(self._spec, namespace, CONFIG_MAP_NAME, self._repaired)

    def _intact(self, obj: dict[str, Any]) -> bool:
        annotations = obj["metadata"].get("annotations") or {}
        return obj.get("data") == {CA_KEY: self._root_ca} and bool(annotations.get(DESCRIPTION_ANNOTATION))

    def _repaired(self, live: dict[str, Any]) -> dict[str, Any]:
        """The live ConfigMap with its data and description put back, other metadata kept."""
        if self._intact(live):
            return live  # repaired meanwhile: nothing to write
        obj = copy.deepcopy(live)
        obj["data"] = {CA_KEY: self._root_ca}
        annotations = live["metadata"].get("annotations") or {}
        obj["metadata"]["annotations"] = {**annotations, DESCRIPTION_ANNOTATION: DESCRIPTION}
        return obj
