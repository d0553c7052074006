"""Field selectors per kind: which labels the real server accepts, renames, and what values it sees."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api import errors
from kubegate.api.fields import parse_field_selector
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.listing import matcher_for
from kubegate.registry.spec import ResourceSpec

SPECS = {(s.group, s.plural): s for s in BUILTIN_RESOURCES}


def spec(group: str, plural: str) -> ResourceSpec:
    return SPECS[(group, plural)]


def matches(resource: tuple[str, str], selector: str, obj: dict[str, Any]) -> bool:
    matcher = matcher_for(spec(*resource), None, parse_field_selector(selector))
    assert matcher is not None
    return matcher(obj)


POD = {
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"nodeName": "node-1", "serviceAccountName": "robot", "containers": []},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.5"}, {"ip": "fd00::5"}], "podIP": "10.0.0.5"},
}


@pytest.mark.parametrize(
    ("resource", "selector", "obj", "expected"),
    [
        (("", "pods"), "spec.nodeName=node-1", POD, True),
        (("", "pods"), "spec.host=node-1", POD, True),  # the old name of spec.nodeName
        (("", "pods"), "spec.restartPolicy=Always", POD, True),  # defaulted on write
        (("", "pods"), "spec.schedulerName=default-scheduler", POD, True),
        (("", "pods"), "spec.serviceAccountName=robot", POD, True),
        (("", "pods"), "spec.hostNetwork=false", POD, True),
        (("", "pods"), "spec.hostNetwork=true", {**POD, "spec": {"hostNetwork": True}}, True),
        (("", "pods"), "status.phase!=Running", POD, False),
        (("", "pods"), "status.podIP=10.0.0.5", POD, True),
        (("", "pods"), "status.podIP=10.0.0.7", {"status": {"podIP": "10.0.0.7"}}, True),
        (("", "pods"), "status.podIPs=10.0.0.5", POD, False),  # accepted, but never has a value
        (("", "pods"), "status.nominatedNodeName=", POD, True),
        (("", "pods"), "metadata.namespace=default,metadata.name=web", POD, True),
        (("", "nodes"), "spec.unschedulable=false", {"metadata": {"name": "n1"}}, True),
        (("", "nodes"), "spec.unschedulable=true", {"metadata": {"name": "n1"}, "spec": {"unschedulable": True}}, True),
        (("", "namespaces"), "status.phase=Terminating", {"metadata": {"name": "x"}, "status": {"phase": "Terminating"}}, True),
        (("", "secrets"), "type=Opaque", {"metadata": {"name": "s"}}, True),
        (("", "secrets"), "type=kubernetes.io/tls", {"metadata": {"name": "s"}, "type": "kubernetes.io/tls"}, True),
        (("", "services"), "spec.type=ClusterIP", {"metadata": {"name": "s"}, "spec": {}}, True),
        (("", "services"), "spec.clusterIP!=None", {"metadata": {"name": "s"}, "spec": {"clusterIP": "None"}}, False),
        (("", "replicationcontrollers"), "status.replicas=0", {"metadata": {"name": "rc"}}, True),
        (("batch", "jobs"), "status.successful=2", {"metadata": {"name": "j"}, "status": {"succeeded": 2}}, True),
        (("certificates.k8s.io", "certificatesigningrequests"), "spec.signerName=kubernetes.io/kubelet-serving",
         {"metadata": {"name": "c"}, "spec": {"signerName": "kubernetes.io/kubelet-serving"}}, True),
        (("", "events"), "involvedObject.kind=Pod,involvedObject.name=web,reason=BackOff,type=Warning",
         {"involvedObject": {"kind": "Pod", "name": "web"}, "reason": "BackOff", "type": "Warning"}, True),
        (("", "events"), "source=kubelet", {"source": {"component": "kubelet"}}, True),
        (("", "events"), "source=ctl,reportingComponent=ctl", {"reportingComponent": "ctl"}, True),  # falls back
        (("events.k8s.io", "events"), "regarding.kind=Pod,regarding.name=web,reportingController=ctl,source=ctl",
         {"regarding": {"kind": "Pod", "name": "web"}, "reportingController": "ctl"}, True),
        (("events.k8s.io", "events"), "source=kubelet",
         {"deprecatedSource": {"component": "kubelet"}, "reportingController": "ctl"}, True),
    ],
)  # fmt: skip
def test_values(resource: tuple[str, str], selector: str, obj: dict[str, Any], expected: bool) -> None:
    assert matches(resource, selector, obj) is expected


@pytest.mark.parametrize(
    ("resource", "selector", "message"),
    [
        (("", "pods"), "spec.foo=bar", "field label not supported: spec.foo"),
        (("", "nodes"), "metadata.namespace=x", "field label not supported: metadata.namespace"),
        (("", "namespaces"), "metadata.namespace=x", "field label not supported: metadata.namespace"),
        (("", "secrets"), "data=x", "field label not supported: data"),
        (("", "services"), "spec.ports=x", "field label not supported: spec.ports"),
        (("batch", "jobs"), "status.active=1", 'field label "status.active" not supported for batchv1.Job'),
        (("certificates.k8s.io", "certificatesigningrequests"), "metadata.namespace=x",
         "field label not supported: metadata.namespace"),
        (("events.k8s.io", "events"), "involvedObject.kind=Pod", "field label not supported: involvedObject.kind"),
        (("apps", "replicasets"), "status.replicas=1",
         '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'),
        (("networking.k8s.io", "ingresses"), "foo.bar=baz",
         '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"'),
        (("", "pods"), "z=1,a=1", "field label not supported: a"),  # terms are checked in sorted order
    ],
)  # fmt: skip
def test_unsupported_labels_are_the_real_400(resource: tuple[str, str], selector: str, message: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        matcher_for(spec(*resource), None, parse_field_selector(selector))
    assert (caught.value.code, caught.value.reason, caught.value.message) == (400, "BadRequest", message)


def test_every_kind_accepts_name_and_namespace_unless_its_conversion_says_otherwise() -> None:
    narrower = {("", "nodes"), ("", "namespaces"), ("certificates.k8s.io", "certificatesigningrequests")}
    for resource, resource_spec in SPECS.items():
        matcher_for(resource_spec, None, parse_field_selector("metadata.name=x"))
        if resource not in narrower:
            matcher_for(resource_spec, None, parse_field_selector("metadata.namespace=x"))
