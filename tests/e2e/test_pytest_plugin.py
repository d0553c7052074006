"""The pytest plugin as a fresh project meets it: only the fixtures, pytest run as a subprocess.

The project's tests drive real kubectl, as a user's would. The plugin is found through its
entry point (or `-p kubegate.testing.plugin` with autoloading off), and works whatever the
asyncio mode, and without pytest-asyncio at all.
"""

from __future__ import annotations

import pytest

from tests.support.kubectl import kubectl_binary

pytest_plugins = ["pytester"]

HELPERS = '''
import os
import subprocess

import pytest


def kubectl(kubeconfig, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    config = ["--kubeconfig", str(kubeconfig)] if kubeconfig else []
    return subprocess.run(["kubectl", *config, *args], capture_output=True, text=True, env=env, timeout=60)
'''

FRESH_PER_TEST = HELPERS + '''

def test_creates_a_namespace(kubegate):
    made = kubectl(kubegate.kubeconfig, "create", "namespace", "scratch")
    assert made.returncode == 0, made.stderr


def test_the_next_test_does_not_see_it(kubegate):
    looked = kubectl(kubegate.kubeconfig, "get", "namespace", "scratch")
    assert looked.returncode == 1
    assert looked.stderr == 'Error from server (NotFound): namespaces "scratch" not found\\n'
'''

PROJECT = FRESH_PER_TEST + '''

READ_PODS = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-reads-pods, namespace: default}
subjects:
- {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
"""


def test_jane_needs_a_rolebinding(kubegate):
    jane = kubegate.user("jane", groups=["dev"])
    denied = kubectl(jane, "get", "pods")
    assert denied.returncode == 1
    assert denied.stderr == (
        'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" '
        'in API group "" in the namespace "default"\\n'
    )
    kubegate.apply(READ_PODS)
    allowed = kubectl(jane, "get", "pods")
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.kubegate(
    kubernetes_version="1.31.5", nodes=2,
    manifests="apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: seeded}\\ndata: {from: marker}\\n",
)
def test_the_marker_sets_the_options(kubegate):
    version = kubectl(kubegate.kubeconfig, "version")
    assert "Server Version: v1.31.5" in version.stdout
    nodes = kubectl(kubegate.kubeconfig, "get", "nodes", "-o", "name")
    assert len(nodes.stdout.split()) == 2
    assert "marker" in kubectl(kubegate.kubeconfig, "get", "configmap", "seeded", "-o", "yaml").stdout


def test_faults_from_the_api(kubegate):
    kubegate.faults.add(match={"verb": "get", "resource": "configmaps", "name": "flaky"}, respond={"code": 500})
    failed = kubectl(kubegate.kubeconfig, "get", "configmap", "flaky")
    assert "Error from server (InternalError)" in failed.stderr


def test_session_server_first(kubegate_session):
    assert kubectl(kubegate_session.kubeconfig, "create", "namespace", "shared").returncode == 0


def test_session_server_second(kubegate_session):
    assert kubectl(kubegate_session.kubeconfig, "get", "namespace", "shared").returncode == 0


async def test_an_async_test_uses_it_too(kubegate):
    token = kubegate.token("ci-bot", "default")
    who = kubectl(
        None, "--server", kubegate.url, "--certificate-authority", str(kubegate.ca_file), "--token", token,
        "auth", "whoami",
    )
    assert "system:serviceaccount:default:ci-bot" in who.stdout


def test_a_failure_shows_the_requests(kubegate):
    kubectl(kubegate.user("jane"), "get", "secrets", "-n", "kube-system")
    assert False, "deliberately"
'''


@pytest.fixture(autouse=True)
def _kubectl_present() -> None:
    kubectl_binary()  # skips without kubectl


def test_a_project_using_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_project=PROJECT)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8, failed=1)
    output = result.stdout.str()
    section = output.split("kubegate requests", 1)[1].split("short test summary", 1)[0]
    assert "GET /api/v1/namespaces/kube-system/secrets?limit=500 403 jane" in section
    # the report shows the failing test's requests only, once
    assert "/api/v1/namespaces/default/pods" not in section
    assert output.count("GET /api/v1/namespaces/kube-system/secrets") == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("-o", "asyncio_mode=strict"), id="strict"),
        pytest.param(("-p", "no:asyncio", "-p", "no:aiohttp"), id="without-pytest-asyncio"),
    ],
)
def test_fixtures_work_in_any_asyncio_mode(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    pytester.makepyfile(test_fresh=FRESH_PER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=2)


def test_the_plugin_by_name_with_autoloading_off(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_fresh=FRESH_PER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "kubegate.testing.plugin")
    result.assert_outcomes(passed=2)
