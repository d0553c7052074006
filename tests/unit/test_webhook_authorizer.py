"""The webhook authorizer's pure parts: the review body, reading answers, the expiring cache."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes
from kubegate.authz.webhook import review
from kubegate.authz.webhook.authorizer import should_cache
from kubegate.authz.webhook.cache import ExpiringLRU

BOB = UserInfo("bob", uid="42", groups=("g1",), extra=MappingProxyType({"scopes": ("a", "b")}))


def test_resource_spec_in_go_field_order() -> None:
    spec = review.spec_for(Attributes(
        user=BOB, verb="watch", is_resource_request=True, namespace="ns", api_group="apps", api_version="v1",
        resource="deployments", subresource="", name="", label_selector="!canary,env in (prod,qa),rank>3",
        field_selector="metadata.namespace!=kube-system",
    ))
    assert list(spec) == ["resourceAttributes", "user", "groups", "extra", "uid"]
    assert spec["resourceAttributes"] == {
        "namespace": "ns", "verb": "watch", "group": "apps", "version": "v1", "resource": "deployments",
        "fieldSelector": {"requirements": [{"key": "metadata.namespace", "operator": "NotIn", "values": ["kube-system"]}]},
        # gt and lt have no counterpart in the API and are left out
        "labelSelector": {"requirements": [
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "env", "operator": "In", "values": ["prod", "qa"]},
        ]},
    }
    assert spec["extra"] == {"scopes": ["a", "b"]} and spec["uid"] == "42"


def test_unparsable_selectors_are_left_out() -> None:
    attributes = Attributes(user=BOB, verb="list", is_resource_request=True, resource="pods",
                            field_selector="no-operator", label_selector="a in (")
    assert review.resource_attributes(attributes) == {"verb": "list", "resource": "pods"}


def test_non_resource_body_and_versions() -> None:
    spec = review.spec_for(Attributes(user=UserInfo("system:anonymous"), verb="get", is_resource_request=False, path="/healthz"))
    assert spec == {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}, "user": "system:anonymous"}
    v1beta1 = review.request_body(review.spec_for(Attributes(user=BOB, verb="get", is_resource_request=False, path="/")), "v1beta1")
    assert v1beta1["apiVersion"] == "authorization.k8s.io/v1beta1"
    assert list(v1beta1["spec"]) == ["nonResourceAttributes", "user", "group", "extra", "uid"]
    assert list(v1beta1) == ["kind", "apiVersion", "metadata", "spec", "status"]


def test_reading_answers() -> None:
    assert review.read_status({"status": {"allowed": True, "reason": "ok"}}) == review.ReviewStatus(allowed=True, reason="ok")
    assert review.read_status({}) == review.ReviewStatus()
    with pytest.raises(review.MalformedReview, match="SubjectAccessReviewStatus.status.allowed of type bool"):
        review.read_status({"status": {"allowed": "yes"}})
    with pytest.raises(review.MalformedReview):
        review.read_status({"status": []})


def test_the_cache_expires_entries_and_evicts_the_least_recently_used() -> None:
    now = [100.0]
    cache: ExpiringLRU[str, int] = ExpiringLRU(2, clock=lambda: now[0])
    cache.add("allow", 1, 300)
    cache.add("deny", 2, 30)
    now[0] += 31
    assert cache.get("deny") is None and cache.get("allow") == 1
    cache.add("never", 3, 0)  # a TTL of zero caches nothing
    assert cache.get("never") is None
    cache.add("b", 4, 300)
    cache.add("c", 5, 300)  # full: "allow" was used least recently
    assert cache.get("allow") is None and len(cache) == 2


def test_huge_requests_are_not_cached() -> None:
    small = Attributes(user=BOB, verb="get", is_resource_request=True, resource="pods", name="x")
    huge = Attributes(user=BOB, verb="get", is_resource_request=True, resource="pods", name="x" * 10_000)
    assert should_cache(small) and not should_cache(huge)
