"""What a simulated kubelet remembers of each container between syncs, and its back-offs.

The kubelet keeps two back-offs per container, both 10 s doubling to 5 minutes: one for image
pulls (after a failed pull, `ImagePullBackOff` until it runs out) and one for restarts. A
container that exits for the first time (or after running for more than 10 minutes) is
restarted at once; after that each exit waits in `CrashLoopBackOff`, and the wait doubles with
every restart, as the kubelet's `flowcontrol.Backoff` does. Durations print as Go prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_BASE, BACKOFF_MAX = 10.0, 300.0
#: a container that ran longer than this starts its restart back-off afresh
BACKOFF_RESET_AFTER = 2 * BACKOFF_MAX


@dataclass
class ContainerRun:
    started: float = 0.0  # loop time the running instance started
    pull_image: str = ""  # the image the pull state below is about (the kubelet keys it by image)
    pull_since: float | None = None  # a pull in progress since then
    pulls_failed: int = 0
    pull_retry_at: float = 0.0  # the image back-off runs out then
    pull_error: str = ""  # what the last failed pull said
    crash_backoff: float = 0.0  # the restart back-off (0: the next exit restarts at once)
    restart_at: float = 0.0  # a container in CrashLoopBackOff starts again then
    probe_failures: int = 0  # liveness failures recorded for the running instance
    initialized: bool = False  # an init container that has run to completion

    def pulling(self, image: str) -> None:
        """Pull state is per image: another image (the spec changed) starts with no back-off."""
        if image != self.pull_image:
            self.pull_image, self.pull_since, self.pulls_failed, self.pull_retry_at = image, None, 0, 0.0

    def pull_failed(self, now: float, error: str) -> None:
        self.pulls_failed += 1
        self.pull_error = error
        self.pull_retry_at = now + min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** (self.pulls_failed - 1))

    def exited(self, now: float) -> bool:
        """The container stopped: True to restart it at once, False to wait in CrashLoopBackOff."""
        if self.started and now - self.started > BACKOFF_RESET_AFTER:
            self.crash_backoff = 0.0
        if self.crash_backoff == 0:
            self.crash_backoff = BACKOFF_BASE
            return True
        self.restart_at = now + self.crash_backoff
        return False

    def backed_off(self) -> None:
        """Restarting after a CrashLoopBackOff: the next wait is twice as long."""
        self.crash_backoff = min(BACKOFF_MAX, self.crash_backoff * 2)


def go_duration(seconds: float) -> str:
    """time.Duration.String() of a duration truncated to milliseconds: 300ms, 1.2s, 1m20s, 5m0s."""
    ms = max(0, int(seconds * 1000))
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    text = f"{whole}" + (f".{fraction:03d}".rstrip("0") if fraction else "") + "s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    return f"{minutes}m{text}" if minutes else text
