"""`--authorization-config` files: decoding, defaults and the real validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubegate.authz.configuration import (
    AuthorizationConfigurationError,
    AuthorizerEntry,
    go_duration,
    load_authorization_configuration,
    parse_authorization_configuration,
)
from kubegate.authz.webhook.authorizer import WebhookSettings

HEAD = "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n"


def webhook_yaml(kubeconfig: Path, **overrides: str) -> str:
    fields = {
        "timeout": "3s", "subjectAccessReviewVersion": "v1", "matchConditionSubjectAccessReviewVersion": "v1",
        "failurePolicy": "Deny", "connectionInfo": f"{{type: KubeConfigFile, kubeConfigFile: {kubeconfig}}}",
        **overrides,
    }
    body = "".join(f"    {key}: {value}\n" for key, value in fields.items() if value != "-")
    return f"- type: Webhook\n  name: policy\n  webhook:\n{body}"


def test_a_full_configuration(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "hook.kubeconfig"
    kubeconfig.write_text("{}")
    text = HEAD + "authorizers:\n- type: Node\n  name: node\n" + webhook_yaml(kubeconfig) + "- {type: RBAC, name: rbac}\n"
    assert parse_authorization_configuration(text) == (
        AuthorizerEntry("Node", "node"),
        AuthorizerEntry("Webhook", "policy", WebhookSettings(
            kubeconfig=kubeconfig, name="policy", version="v1", authorized_ttl=300.0, unauthorized_ttl=30.0,
            timeout=3.0, failure_policy="Deny",
        )),
        AuthorizerEntry("RBAC", "rbac"),
    )


@pytest.mark.parametrize("api_version", ["apiserver.config.k8s.io/v1beta1", "apiserver.config.k8s.io/v1alpha1"])
def test_older_versions_are_read(api_version: str) -> None:
    text = f"apiVersion: {api_version}\nkind: AuthorizationConfiguration\nauthorizers: [{{type: AlwaysAllow, name: alwaysallow}}]\n"
    assert parse_authorization_configuration(text) == (AuthorizerEntry("AlwaysAllow", "alwaysallow"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "authorizers: Required value: at least one authorization mode must be defined"),
        (HEAD, "authorizers: Required value: at least one authorization mode must be defined"),
        ("kind: AuthorizationConfiguration\n", "failed to load AuthorizationConfiguration from file: Object 'apiVersion' is missing"),
        ("apiVersion: v1\nkind: Config\n",
         'failed to load AuthorizationConfiguration from file: no kind "Config" is registered for version "v1"'),
        (HEAD + "authorizers: [{type: RBAC, name: rbac, mode: x}]\n",
         'failed to load AuthorizationConfiguration from file: strict decoding error: unknown field "authorizers[0].mode"'),
        (HEAD + "authorizers: [{type: Magic, name: magic}]\n",
         ('authorizers[0].type: Unsupported value: "Magic": supported values: "ABAC", "AlwaysAllow", "AlwaysDeny", '
          '"Node", "RBAC", "Webhook"')),
        (HEAD + "authorizers: [{type: RBAC, name: rbac}, {type: RBAC, name: rbac}]\n",
         'authorizers[1].type: Duplicate value: "RBAC"'),
        (HEAD + "authorizers: [{type: Node}]\n", "authorizers[0].name: Required value"),
        (HEAD + "authorizers: [{type: RBAC, name: my-rbac}]\n", "expected name rbac for authorizer RBAC instead of my-rbac"),
        (HEAD + "authorizers: [{type: Webhook, name: w}]\n", "authorizers[0].webhook: Required value: required when type=Webhook"),
        (HEAD + "authorizers: [{type: Node, name: node, webhook: {}}]\n",
         'authorizers[0].webhook: Invalid value: "non-null": may only be specified when type=Webhook'),
    ],
)
def test_bad_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(AuthorizationConfigurationError) as caught:
        parse_authorization_configuration(text)
    assert str(caught.value) == message


def test_webhook_fields_are_validated_together(tmp_path: Path) -> None:
    text = HEAD + "authorizers:\n" + webhook_yaml(
        Path("relative.kubeconfig"), timeout="45s", subjectAccessReviewVersion="v2", failurePolicy="-",
    )
    with pytest.raises(AuthorizationConfigurationError) as caught:
        parse_authorization_configuration(text)
    assert str(caught.value) == (
        '[authorizers[0].timeout: Invalid value: "45s": must be > 0s and <= 30s, '
        'authorizers[0].subjectAccessReviewVersion: Unsupported value: "v2": supported values: "v1", "v1beta1", '
        "authorizers[0].failurePolicy: Required value, "
        'authorizers[0].connectionInfo.kubeConfigFile: Invalid value: "relative.kubeconfig": must be an absolute path]'
    )


def test_what_kubegate_cannot_do_is_refused_clearly(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "hook.kubeconfig"
    kubeconfig.write_text("{}")
    in_cluster = HEAD + "authorizers:\n" + webhook_yaml(kubeconfig, connectionInfo="{type: InClusterConfig}")
    with pytest.raises(AuthorizationConfigurationError, match='connectionInfo.type: Unsupported value: "InClusterConfig": '
                                                              "kubegate does not run inside a cluster"):
        parse_authorization_configuration(in_cluster)
    cel = HEAD + "authorizers:\n" + webhook_yaml(kubeconfig) + "    matchConditions:\n    - expression: has(request.resourceAttributes)\n"
    with pytest.raises(AuthorizationConfigurationError, match="matchConditions: Forbidden: CEL match conditions are not supported"):
        parse_authorization_configuration(cel)
    empty = HEAD + "authorizers:\n" + webhook_yaml(kubeconfig) + "    matchConditions: []\n"
    assert parse_authorization_configuration(empty)[0].type == "Webhook"


def test_the_file_is_named_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "authz.yaml"
    path.write_text(HEAD + "authorizers: [{type: Node}]\n")
    with pytest.raises(AuthorizationConfigurationError, match=f"^--authorization-config {path}: authorizers"):
        load_authorization_configuration(path)
    with pytest.raises(AuthorizationConfigurationError, match="no such file or directory"):
        load_authorization_configuration(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("seconds", "text"), [(30, "30s"), (90, "1m30s"), (3600.5, "1h0m0.5s"), (0.25, "250ms"), (-2, "-2s"), (0, "0s")]
)
def test_durations_print_as_go_does(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text
