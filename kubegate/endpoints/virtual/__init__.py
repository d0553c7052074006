"""Create-only resources that are computed, never stored (reviews, token requests).

Each module offers one handler; `install` registers them on the server by
(group, resource, subresource), where the create handler looks first.
"""

from __future__ import annotations

from kubegate.endpoints.virtual.selfsubjectreview import create_self_subject_review
from kubegate.server.state import APIServer


def install(state: APIServer) -> None:
    state.virtual_creates[("authentication.k8s.io", "selfsubjectreviews", "")] = create_self_subject_review
