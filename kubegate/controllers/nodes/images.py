"""Image references as containerd reports them: fully qualified names and digest ids.

`nginx` runs as `docker.io/library/nginx:latest` with imageID
`docker.io/library/nginx@sha256:<64 hex>`; the digest is derived from the qualified name, so the
same image always shows the same id, as a real node that pulled it once does.
"""

from __future__ import annotations

import hashlib
from typing import Any

DEFAULT_REGISTRY = "docker.io"


def _split(image: str) -> tuple[str, str, str]:
    """(repository, tag, digest) of a reference as written in a pod spec."""
    name, _, digest = image.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:], digest
    return name, "" if digest else "latest", digest


def _qualified_repository(repository: str) -> str:
    first, _, rest = repository.partition("/")
    if not rest:
        return f"{DEFAULT_REGISTRY}/library/{repository}"
    if "." in first or ":" in first or first == "localhost":
        return repository
    return f"{DEFAULT_REGISTRY}/{repository}"


def qualified(image: str) -> str:
    """`nginx` -> `docker.io/library/nginx:latest`; `quay.io/x/y:1` stays."""
    repository, tag, digest = _split(image.strip())
    result = _qualified_repository(repository)
    if tag:
        result += f":{tag}"
    if digest:
        result += f"@{digest}"
    return result


def image_id(image: str) -> str:
    """`docker.io/library/nginx@sha256:<hex>`, the digest given in the reference if there is one."""
    repository, _, digest = _split(image.strip())
    if not digest:
        digest = "sha256:" + hashlib.sha256(qualified(image).encode()).hexdigest()
    return f"{_qualified_repository(repository)}@{digest}"


def container_id(pod_uid: str, container: str, restarts: int) -> str:
    """`containerd://<64 hex>`, fixed for one run of one container of one pod."""
    return "containerd://" + hashlib.sha256(f"{pod_uid}/{container}/{restarts}".encode()).hexdigest()


def image_size(image: str) -> int:
    """A believable, fixed size in bytes for an image (between 5 and 125 MB)."""
    digest = hashlib.sha256(("size/" + qualified(image)).encode()).digest()
    return 5_000_000 + int.from_bytes(digest[:4], "big") % 120_000_000


def preloaded(kubelet_version: str) -> tuple[str, ...]:
    """What a kind node image ships with (so kube-system's pods start without a pull)."""
    return (
        "registry.k8s.io/coredns/coredns:v1.11.3",
        "registry.k8s.io/etcd:3.5.16-0",
        *(f"registry.k8s.io/{name}:{kubelet_version}" for name in
          ("kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler")),
        "registry.k8s.io/pause:3.10",
        "docker.io/kindest/kindnetd:v20241212-9f82dd49",
        "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
        "docker.io/kindest/local-path-provisioner:v20241212-8ac705d0",
    )


#: the node status lists at most this many images, the largest first (nodeStatusMaxImages)
MAX_LISTED = 50


class NodeImages:
    """The images one node holds, as its container runtime's image store: the preloaded ones,
    then whatever its pods pulled. `listing` is the node's `status.images`."""

    def __init__(self, initial: tuple[str, ...] = ()) -> None:
        self._held: set[str] = {qualified(image) for image in initial}

    def present(self, image: str) -> bool:
        return qualified(image) in self._held

    def add(self, image: str) -> None:
        self._held.add(qualified(image))

    def restore(self, listing: object) -> None:
        """Take back what a node's stored `status.images` shows (after a restart)."""
        for entry in listing if isinstance(listing, list) else []:
            names = entry.get("names") if isinstance(entry, dict) else None
            for name in names if isinstance(names, list) else []:
                if isinstance(name, str) and "@sha256:" not in name:
                    self._held.add(name)

    def listing(self) -> list[dict[str, Any]]:
        sized = sorted(((image_size(name), name) for name in self._held), key=lambda pair: (-pair[0], pair[1]))
        return [
            {"names": [image_id(name), name] if "@" not in name else [name], "sizeBytes": size}
            for size, name in sized[:MAX_LISTED]
        ]
