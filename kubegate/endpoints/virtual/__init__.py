"""Create-only resources that are computed, never stored (reviews, token requests).

Each module offers one handler; `install` registers them on the server by
(group, resource, subresource), where the create handler looks first.
"""

from __future__ import annotations

from kubegate.endpoints.state import APIServer
from kubegate.endpoints.virtual import tokenrequest
from kubegate.endpoints.virtual.localsubjectaccessreview import create_local_subject_access_review
from kubegate.endpoints.virtual.scale import SCALABLE
from kubegate.endpoints.virtual.selfsubjectaccessreview import create_self_subject_access_review
from kubegate.endpoints.virtual.selfsubjectreview import create_self_subject_review
from kubegate.endpoints.virtual.selfsubjectrulesreview import create_self_subject_rules_review
from kubegate.endpoints.virtual.subjectaccessreview import create_subject_access_review
from kubegate.endpoints.virtual.tokenreview import create_token_review


def install(state: APIServer) -> None:
    state.virtual_creates[("authentication.k8s.io", "selfsubjectreviews", "")] = create_self_subject_review
    state.virtual_creates[("authentication.k8s.io", "tokenreviews", "")] = create_token_review
    authorization = "authorization.k8s.io"
    state.virtual_creates[(authorization, "selfsubjectaccessreviews", "")] = create_self_subject_access_review
    state.virtual_creates[(authorization, "subjectaccessreviews", "")] = create_subject_access_review
    state.virtual_creates[(authorization, "localsubjectaccessreviews", "")] = create_local_subject_access_review
    state.virtual_creates[(authorization, "selfsubjectrulesreviews", "")] = create_self_subject_rules_review
    tokenrequest.install(state)
    for (group, plural), storage in SCALABLE.items():
        state.virtual_subresources[(group, plural, "scale")] = storage
