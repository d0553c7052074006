"""The kubelet's image manager, simulated: pull policies, pulls that take time, pulls that fail.

Per container, before it is created (K pkg/kubelet/images/image_manager.go, 1.32 texts):

* `IfNotPresent` / `Never` with the image on the node: `Pulled` "Container image "X" already
  present on machine". `Never` without it: `ErrImageNeverPull`.
* otherwise (`Always`, or not present): `Pulling` "Pulling image "X"", and one pod start delay
  later `Pulled` "Successfully pulled image "X" in 1.2s (1.2s including waiting). Image size: N
  bytes." The image is then on the node (its `status.images` lists it).
* a pull fails when the pod annotation `kubegate.io/image-pull-error` lists the image as the
  spec writes it (comma-separated, or `*` for every image): `Failed` "Failed to pull image "X":
  <containerd's not-found error>", and the container waits in `ErrImagePull`; until the image
  back-off (10 s doubling to 5 min) runs out, a sync only says `BackOff` "Back-off pulling image
  "X"" and the container waits in `ImagePullBackOff`. Removing the annotation lets the next
  pull succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubegate.controllers.events import NORMAL, WARNING
from kubegate.controllers.nodes import images
from kubegate.controllers.nodes.runtime import ContainerRun, go_duration

PULL_ERROR_ANNOTATION = "kubegate.io/image-pull-error"

READY, WAIT, FAILED = "ready", "wait", "failed"


@dataclass
class Outcome:
    kind: str  # READY, WAIT (a pull is under way until `at`) or FAILED (the container waits: reason, message)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    at: float = 0.0
    reason: str = ""
    message: str = ""


def pull_policy(container: dict[str, Any]) -> str:
    """The container's policy; the API defaults it (Always for `:latest` or no tag, else IfNotPresent)."""
    policy = container.get("imagePullPolicy")
    if policy in ("Always", "IfNotPresent", "Never"):
        return str(policy)
    image = str(container.get("image") or "")
    name = image.partition("@")[0]
    tagged = name.rfind(":") > name.rfind("/")
    return "Always" if "@" not in image and (not tagged or name.endswith(":latest")) else "IfNotPresent"


def pull_fails(pod: dict[str, Any], image: str) -> bool:
    raw = ((pod.get("metadata") or {}).get("annotations") or {}).get(PULL_ERROR_ANNOTATION)
    listed = {entry.strip() for entry in str(raw or "").split(",") if entry.strip()}
    return "*" in listed or image in listed


def not_found(image: str) -> str:
    """containerd's answer for a tag that does not exist."""
    ref = images.qualified(image)
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve reference "{ref}": {ref}: not found')


def ensure_image(
    pod: dict[str, Any], container: dict[str, Any], run: ContainerRun, held: images.NodeImages, *,
    now: float, pull_time: float,
) -> Outcome:
    """EnsureImageExists for one container at loop time `now`; updates `run` and `held`."""
    image = str(container.get("image") or "")
    policy = pull_policy(container)
    if policy != "Always" and held.present(image):
        return Outcome(READY, [(NORMAL, "Pulled", f'Container image "{image}" already present on machine')])
    if policy == "Never":
        message = f'Container image "{image}" is not present with pull policy of Never'
        return Outcome(FAILED, [(WARNING, "ErrImageNeverPull", message)], reason="ErrImageNeverPull", message=message)
    run.pulling(image)
    if run.pull_since is None:
        if run.pulls_failed and now < run.pull_retry_at:
            message = f'Back-off pulling image "{image}"'
            return Outcome(FAILED, [(NORMAL, "BackOff", message)], at=run.pull_retry_at, reason="ImagePullBackOff",
                           message=f"{message}: ErrImagePull: {run.pull_error}")
        run.pull_since = now
        return Outcome(WAIT, [(NORMAL, "Pulling", f'Pulling image "{image}"')], at=now + pull_time)
    if now < run.pull_since + pull_time:
        return Outcome(WAIT, at=run.pull_since + pull_time)
    took = go_duration(now - run.pull_since)
    run.pull_since = None
    if pull_fails(pod, image):
        error = not_found(image)
        run.pull_failed(now, error)
        return Outcome(FAILED, [(WARNING, "Failed", f'Failed to pull image "{image}": {error}')],
                       at=run.pull_retry_at, reason="ErrImagePull", message=error)
    run.pulls_failed = 0
    held.add(image)
    message = (f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
               f"Image size: {images.image_size(image)} bytes.")
    return Outcome(READY, [(NORMAL, "Pulled", message)])
