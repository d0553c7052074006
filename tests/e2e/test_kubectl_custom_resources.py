"""Real kubectl 1.32 and a CustomResourceDefinition: the docs' CronTab from apply to delete.

One flow per test on a module's `kubegate serve`: each test applies its own CRD (the group is
per test, and a test that keeps its CRD names resources in full, since the short name `ct`
would match every test's), so discovery, OpenAPI, tables, scale, patches and deletion are seen
as kubectl sees them, with a fresh kubectl HOME and cache. Outputs are what a real 1.32 cluster
prints.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from tests.support.crds import crontab, crontab_crd
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import ServerProcess

AGE = r"\d+s"


@pytest.fixture
def kubectl(server: ServerProcess, tmp_path: Path) -> Kubectl:
    return Kubectl(kubectl_binary("1.32"), server.kubeconfig, tmp_path)


def group_crd(tmp_path: Path) -> tuple[str, Path]:
    """The CronTab CRD in a group of its own (tests share one server)."""
    group = f"g{uuid.uuid4().hex[:6]}.example.com"
    crd = crontab_crd()
    crd["metadata"]["name"] = f"crontabs.{group}"
    crd["spec"]["group"] = group
    path = tmp_path / "crd.yaml"
    path.write_text(json.dumps(crd))
    return group, path


def cron_object(tmp_path: Path, group: str, name: str, **spec: object) -> Path:
    obj = crontab(name, **spec)
    obj["apiVersion"] = f"{group}/v1"
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(obj))
    return path


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in text.strip().splitlines()]


def test_crd_apply_discovery_tables_and_explain(kubectl: Kubectl, tmp_path: Path) -> None:
    group, crd = group_crd(tmp_path)
    assert kubectl.ok("apply", "-f", str(crd)) == f"customresourcedefinition.apiextensions.k8s.io/crontabs.{group} created\n"
    listed = lines(kubectl.ok("get", "crd", f"crontabs.{group}"))
    assert listed[0] == "NAME CREATED AT"
    assert re.fullmatch(rf"crontabs\.{re.escape(group)} \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed[1])
    resources = [line for line in lines(kubectl.ok("api-resources")) if group in line]
    assert resources == [f"crontabs ct {group}/v1 true CronTab"]

    path = cron_object(tmp_path, group, "my-new-cron-object")
    assert kubectl.ok("apply", "-f", str(path)) == f"crontab.{group}/my-new-cron-object created\n"
    table = lines(kubectl.ok("get", "ct"))
    assert table[0] == "NAME SPEC REPLICAS READY AGE"
    assert re.fullmatch(rf"my-new-cron-object \* \* \* \* \*/5 1 {AGE}", table[1])
    wide = lines(kubectl.ok("get", "ct", "-o", "wide"))
    assert wide[0] == "NAME SPEC REPLICAS READY IMAGE AGE"
    assert re.fullmatch(rf"my-new-cron-object \* \* \* \* \*/5 1 my-cron-image {AGE}", wide[1])

    explained = kubectl.ok("explain", "crontab.spec")
    assert explained.startswith(f"GROUP:      {group}\nKIND:       CronTab\nVERSION:    v1\n\nFIELD: spec <Object>\n")
    assert "  cronSpec\t<string> -required-\n" in explained
    assert "  image\t<string>\n    The container image to run.\n" in explained
    kubectl.ok("delete", "-f", str(crd))  # its short name would shadow the other tests' CronTabs


def test_scale_patch_and_validation_errors(kubectl: Kubectl, tmp_path: Path) -> None:
    group, crd = group_crd(tmp_path)
    kubectl.ok("apply", "-f", str(crd))
    kubectl.ok("apply", "-f", str(cron_object(tmp_path, group, "x")))
    crontabs = f"crontabs.{group}"

    assert kubectl.ok("scale", f"{crontabs}/x", "--replicas=3") == f"crontab.{group}/x scaled\n"
    assert kubectl.ok("get", crontabs, "x", "-o", "jsonpath={.spec.replicas}") == "3"
    patched = kubectl.ok("patch", crontabs, "x", "--type=merge", "-p", '{"spec":{"image":"other"}}')
    assert patched == f"crontab.{group}/x patched\n"

    strategic = kubectl.run("patch", crontabs, "x", "-p", '{"spec":{"image":"again"}}')
    assert strategic.returncode == 1
    assert strategic.stderr == (
        f"error: application/strategic-merge-patch+json is not supported by {group}/v1, Kind=CronTab: "
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n"
    )

    bad = kubectl.run("apply", "-f", str(cron_object(tmp_path, group, "bad", replicas=20, color="pink")))
    assert bad.returncode == 1
    # properties in the order kubectl stored the schema (sorted); Go's own order is random
    assert bad.stderr == (
        'The CronTab "bad" is invalid: \n'
        '* spec.color: Unsupported value: "pink": supported values: "red", "blue"\n'
        "* spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10\n"
    )

    # client-side re-apply of a custom resource is a merge patch (no strategic merge metadata)
    path = cron_object(tmp_path, group, "x", image="applied")
    assert kubectl.ok("apply", "-f", str(path)) == f"crontab.{group}/x configured\n"
    assert kubectl.ok("get", crontabs, "x", "-o", "jsonpath={.spec.image}") == "applied"


def test_deleting_the_crd_removes_its_objects(kubectl: Kubectl, tmp_path: Path) -> None:
    group, crd = group_crd(tmp_path)
    kubectl.ok("apply", "-f", str(crd))
    kubectl.ok("apply", "-f", str(cron_object(tmp_path, group, "a")))
    kubectl.ok("apply", "-f", str(cron_object(tmp_path, group, "b")))
    assert kubectl.ok("delete", "crd", f"crontabs.{group}") == (
        f'customresourcedefinition.apiextensions.k8s.io "crontabs.{group}" deleted\n'
    )
    fresh = Kubectl(kubectl.binary, kubectl.kubeconfig, tmp_path / "fresh")
    gone = fresh.run("get", f"crontabs.{group}")
    assert gone.returncode == 1
    assert gone.stderr == 'error: the server doesn\'t have a resource type "crontabs"\n'
    assert fresh.run("get", "crd", f"crontabs.{group}").stderr == (
        f'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "crontabs.{group}" not found\n'
    )
