"""Image references as containerd reports them: fully qualified names and digest ids.

`nginx` runs as `docker.io/library/nginx:latest` with imageID
`docker.io/library/nginx@sha256:<64 hex>`; the digest is derived from the qualified name, so the
same image always shows the same id, as a real node that pulled it once does.
"""

from __future__ import annotations

import hashlib

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
