"""The scheduler's filters, FitError text, resource arithmetic and scoring, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.controllers.scheduler import affinity, filters, fiterror, preemption, scoring
from kubegate.controllers.scheduler.resources import NodeInfo, NodeUsage, PodUsage, pod_requests

ALLOCATABLE = {"cpu": "2", "memory": "4Gi", "pods": "110"}


def node(name: str = "n1", *, labels: dict[str, str] | None = None, taints: list[dict[str, Any]] | None = None,
         unschedulable: bool = False, allocatable: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec,
            "status": {"allocatable": allocatable or ALLOCATABLE}}


def pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": spec.pop("containers", [{"name": "c", "image": "nginx"}]), **spec}}


def requests(cpu: str = "", memory: str = "", **more: str) -> list[dict[str, Any]]:
    wanted = {k: v for k, v in {"cpu": cpu, "memory": memory, **more}.items() if v}
    return [{"name": "c", "image": "nginx", "resources": {"requests": wanted}}]


def term(*expressions: dict[str, Any], fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"matchExpressions": list(expressions)}
    if fields:
        body["matchFields"] = fields
    return body


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


CONTROL_PLANE = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
ZONE = {"topology.kubernetes.io/zone": "a", "disk": "ssd", "cores": "8"}
BUSY = [PodUsage({"cpu": 1500, "memory": 1 << 30}, (("0.0.0.0", "TCP", 8080),))]

#: (test id, pod, node, pods already on the node, reasons expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[PodUsage], tuple[str, ...]]] = [
    ("fits", pod(), node(), [], ()),
    ("cordoned", pod(), node(unschedulable=True), [], ("node(s) were unschedulable",)),
    ("cordoned tolerated", pod(tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                             "effect": "NoSchedule"}]), node(unschedulable=True), [], ()),
    ("cordoned and tainted: first filter wins", pod(), node(unschedulable=True, taints=[CONTROL_PLANE]), [],
     ("node(s) were unschedulable",)),
    ("other node name", pod(nodeName="n2"), node(), [], ("node(s) didn't match the requested node name",)),
    ("taint", pod(), node(taints=[CONTROL_PLANE]), [],
     ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",)),
    ("taint with value", pod(), node(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]), [],
     ("node(s) had untolerated taint {dedicated: gpu}",)),
    ("PreferNoSchedule ignored", pod(), node(taints=[{"key": "x", "effect": "PreferNoSchedule"}]), [], ()),
    ("tolerated Exists", pod(tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]),
     node(taints=[CONTROL_PLANE]), [], ()),
    ("tolerated Equal", pod(tolerations=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
     node(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]), [], ()),
    ("Equal with other value", pod(tolerations=[{"key": "dedicated", "operator": "Equal", "value": "cpu"}]),
     node(taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]), [],
     ("node(s) had untolerated taint {dedicated: gpu}",)),
    ("empty key Exists tolerates all", pod(tolerations=[{"operator": "Exists"}]),
     node(taints=[CONTROL_PLANE, {"key": "a", "value": "b", "effect": "NoExecute"}]), [], ()),
    ("other effect", pod(tolerations=[{"key": "a", "operator": "Exists", "effect": "NoExecute"}]),
     node(taints=[{"key": "a", "effect": "NoSchedule"}]), [], ("node(s) had untolerated taint {a: }",)),
    ("nodeSelector matches", pod(nodeSelector={"disk": "ssd"}), node(labels=ZONE), [], ()),
    ("nodeSelector differs", pod(nodeSelector={"disk": "hdd"}), node(labels=ZONE), [],
     ("node(s) didn't match Pod's node affinity/selector",)),
    ("affinity In", pod(affinity=required(term(expr("disk", "In", "ssd", "nvme")))), node(labels=ZONE), [], ()),
    ("affinity NotIn", pod(affinity=required(term(expr("disk", "NotIn", "ssd")))), node(labels=ZONE), [],
     ("node(s) didn't match Pod's node affinity/selector",)),
    ("affinity NotIn on a missing label", pod(affinity=required(term(expr("gpu", "NotIn", "x")))),
     node(labels=ZONE), [], ()),
    ("affinity Exists", pod(affinity=required(term(expr("disk", "Exists")))), node(labels=ZONE), [], ()),
    ("affinity DoesNotExist", pod(affinity=required(term(expr("disk", "DoesNotExist")))), node(labels=ZONE), [],
     ("node(s) didn't match Pod's node affinity/selector",)),
    ("affinity Gt", pod(affinity=required(term(expr("cores", "Gt", "4")))), node(labels=ZONE), [], ()),
    ("affinity Lt", pod(affinity=required(term(expr("cores", "Lt", "4")))), node(labels=ZONE), [],
     ("node(s) didn't match Pod's node affinity/selector",)),
    ("terms are ORed", pod(affinity=required(term(expr("disk", "In", "hdd")), term(expr("disk", "In", "ssd")))),
     node(labels=ZONE), [], ()),
    ("expressions are ANDed", pod(affinity=required(term(expr("disk", "In", "ssd"), expr("cores", "Gt", "9")))),
     node(labels=ZONE), [], ("node(s) didn't match Pod's node affinity/selector",)),
    ("matchFields name", pod(affinity=required(term(fields=[expr("metadata.name", "In", "n1")]))), node(), [], ()),
    ("matchFields other name", pod(affinity=required(term(fields=[expr("metadata.name", "In", "n2")]))), node(),
     [], ("node(s) didn't match Pod's node affinity/selector",)),
    ("host port taken", pod(containers=[{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]),
     node(), BUSY, ("node(s) didn't have free ports for the requested pod ports",)),
    ("host port on another protocol", pod(containers=[{"name": "c", "ports": [
        {"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]}]), node(), BUSY, ()),
    ("cpu", pod(containers=requests(cpu="600m")), node(), BUSY, ("Insufficient cpu",)),
    ("cpu just fits", pod(containers=requests(cpu="500m")), node(), BUSY, ()),
    ("memory", pod(containers=requests(memory="3200Mi")), node(), BUSY, ("Insufficient memory",)),
    ("cpu and memory", pod(containers=requests(cpu="3", memory="5Gi")), node(), [],
     ("Insufficient cpu", "Insufficient memory")),
    ("extended resource", pod(containers=requests(**{"nvidia.com/gpu": "1"})), node(), [],
     ("Insufficient nvidia.com/gpu",)),
    ("too many pods", pod(), node(allocatable={"cpu": "2", "memory": "1Gi", "pods": "1"}), BUSY,
     ("Too many pods",)),
    ("no allocatable at all", pod(), {"metadata": {"name": "n1"}}, [], ("Too many pods",)),
]


@pytest.mark.parametrize(("pod_obj", "node_obj", "bound", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filters(pod_obj: dict[str, Any], node_obj: dict[str, Any], bound: list[PodUsage], expected: tuple[str, ...]) -> None:
    status = filters.run_filters(pod_obj, PodUsage.of(pod_obj), NodeInfo(node_obj, bound))
    assert (status.reasons if status else ()) == expected


def test_filter_order_is_the_default_profiles() -> None:
    assert [f.name for f in filters.FILTERS] == [
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit"]


@pytest.mark.parametrize(("operator", "values", "label", "expected"), [
    ("In", [], "a", False),  # In needs values
    ("Exists", ["x"], "a", False),  # Exists takes none
    ("Gt", ["x"], "5", False),  # not integers
    ("Gt", ["4"], "x", False),
    ("Bogus", ["a"], "a", False),
])
def test_unusable_requirements_match_nothing(operator: str, values: list[str], label: str, expected: bool) -> None:
    requirement = {"key": "k", "operator": operator, "values": values}
    assert affinity.term_matches({"matchExpressions": [requirement]}, {"k": label}, "n1") is expected


def test_empty_term_matches_nothing() -> None:
    assert affinity.term_matches({}, {"k": "v"}, "n1") is False


REQUESTS = [
    ("containers add up", {"containers": requests(cpu="100m") + requests(cpu="200m")}, {"cpu": 300}),
    ("limits stand in for requests", {"containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}]},
     {"cpu": 1000}),
    ("an init container larger than the rest", {"containers": requests(memory="1Gi"),
                                                "initContainers": requests(memory="2Gi")}, {"memory": 2 << 30}),
    ("sidecars add to the containers", {
        "containers": requests(cpu="1"),
        "initContainers": [{"name": "s", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}}]},
     {"cpu": 1500}),
    ("overhead", {"containers": requests(cpu="1"), "overhead": {"cpu": "250m"}}, {"cpu": 1250}),
    ("odd quantities are ignored", {"containers": [{"name": "c", "resources": {"requests": {"cpu": "lots"}}}]}, {}),
]


@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in REQUESTS], ids=[c[0] for c in REQUESTS])
def test_pod_requests(spec: dict[str, Any], expected: dict[str, int]) -> None:
    assert pod_requests({"spec": spec}) == expected


def _status(reason: str, plugin: str) -> filters.NodeStatus:
    return filters.NodeStatus((reason,), next(f for f in filters.FILTERS if f.name == plugin))


NO_VICTIMS = (preemption.NO_VICTIMS,)

#: (id, node statuses, the dry run's verdicts on the nodes it tried, message)
FIT_ERRORS = [
    ("cordoned", {"n1": _status("node(s) were unschedulable", "NodeUnschedulable")}, {},
     ("0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
     "1 Preemption is not helpful for scheduling.")),
    ("cpu", {"n1": _status("Insufficient cpu", "NodeResourcesFit")}, {"n1": NO_VICTIMS},
     ("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
     "1 No preemption victims found for incoming pod.")),
    ("mixed, sorted as strings", {
        "a": _status("node(s) were unschedulable", "NodeUnschedulable"),
        "b": _status("Insufficient cpu", "NodeResourcesFit"),
        "c": _status("node(s) were unschedulable", "NodeUnschedulable"),
    }, {"b": NO_VICTIMS}, ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable. preemption: "
       "0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for "
       "scheduling.")),
    ("evicting all would not do", {"n1": _status("Insufficient cpu", "NodeResourcesFit")}, {"n1": ("Insufficient cpu",)},
     "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu."),
]


@pytest.mark.parametrize(("statuses", "tried", "expected"), [c[1:] for c in FIT_ERRORS], ids=[c[0] for c in FIT_ERRORS])
def test_fit_error(statuses: dict[str, filters.NodeStatus], tried: dict[str, filters.Verdict], expected: str) -> None:
    assert fiterror.fit_error(statuses, preemption=fiterror.preemption_failed(len(statuses), tried)) == expected


def test_fit_error_without_nodes_or_with_victims() -> None:
    assert fiterror.fit_error({}) == "no nodes available to schedule pods"
    # a preemption that found victims adds nothing
    assert fiterror.fit_error({"n1": _status("Insufficient cpu", "NodeResourcesFit")}) == (
        "0/1 nodes are available: 1 Insufficient cpu.")


def test_fit_error_never_preempting() -> None:
    assert preemption.ineligible(pod(preemptionPolicy="Never"), []) == preemption.NOT_ELIGIBLE_NEVER
    message = fiterror.fit_error({"n1": _status("Insufficient cpu", "NodeResourcesFit")},
                                 preemption=preemption.NOT_ELIGIBLE_NEVER)
    assert message == ("0/1 nodes are available: 1 Insufficient cpu. "
                       "preemption: not eligible due to preemptionPolicy=Never.")


def test_scoring_prefers_the_least_allocated_then_the_name() -> None:
    usage = PodUsage({"cpu": 100})
    busy = NodeInfo(node("a"), [PodUsage({"cpu": 1000, "memory": 1 << 30})])
    idle_b, idle_c = NodeInfo(node("b")), NodeInfo(node("c"))
    assert scoring.pick(usage, [busy, idle_c, idle_b]).name == "b"
    assert scoring.least_allocated(usage, busy) < scoring.least_allocated(usage, idle_b)


def test_node_usage_totals_follow_pods_coming_and_going() -> None:
    usage = NodeUsage()
    usage.add("a", PodUsage({"cpu": 500}))
    usage.add("b", PodUsage({"memory": 1 << 20}))
    usage.add("a", PodUsage({"cpu": 700}))  # the same pod, changed
    info = usage.info(node())
    assert info.requested() == NodeInfo(node(), info.pods).requested() == {"cpu": 700, "memory": 1 << 20}
    usage.remove("a")
    usage.remove("missing")
    assert usage.info(node()).requested(non_zero=True) == {"cpu": 100, "memory": 1 << 20}
