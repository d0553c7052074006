"""Access-review building blocks: body types, validation messages, attributes, rule listing."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api.gofmt import aggregate_errors
from kubegate.api.gotypes import (
    OBJECT_META,
    Struct,
    first_type_error,
    go_object_meta,
    object_meta_is_empty,
)
from kubegate.api.user import UserInfo
from kubegate.authz.always import AlwaysAllowAuthorizer, AlwaysDenyAuthorizer
from kubegate.authz.authorizer import EVERYTHING, Attributes, Decision, RulesResult, Verdict
from kubegate.authz.privileged import PrivilegedGroupAuthorizer
from kubegate.authz.union import UnionAuthorizer
from kubegate.endpoints.virtual.accessreview import (
    ACCESS_STATUS,
    SUBJECT_SPEC,
    attributes_from,
    echo_spec,
    invalid_review,
    subject_of,
    validate_metadata,
    validate_spec,
)

SAR = Struct("SubjectAccessReview", {"metadata": OBJECT_META, "spec": SUBJECT_SPEC, "status": ACCESS_STATUS})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"spec": {"user": 5}},
         "json: cannot unmarshal number into Go struct field SubjectAccessReviewSpec.spec.user of type string"),
        ({"spec": {"groups": "dev"}},
         "json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.groups of type []string"),
        ({"spec": {"groups": ["dev", 1]}},
         "json: cannot unmarshal number into Go struct field SubjectAccessReviewSpec.spec.groups of type string"),
        ({"spec": {"resourceAttributes": "pods"}},
         ("json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.resourceAttributes "
         "of type v1.ResourceAttributes")),
        ({"spec": {"resourceAttributes": {"verb": True}}},
         ("json: cannot unmarshal bool into Go struct field ResourceAttributes.spec.resourceAttributes.verb "
         "of type string")),
        ({"spec": {"extra": {"scopes": "a"}}},
         "json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.extra of type v1.ExtraValue"),
        ({"spec": []}, ("json: cannot unmarshal array into Go struct field SubjectAccessReview.spec "
                       "of type v1.SubjectAccessReviewSpec")),
        ({"metadata": {"name": 1}},
         "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string"),
        ({"status": {"allowed": "yes"}},
         "json: cannot unmarshal string into Go struct field SubjectAccessReviewStatus.status.allowed of type bool"),
    ],
)
def test_wrong_json_types_are_named_as_go_names_them(body: dict[str, Any], message: str) -> None:
    assert first_type_error(body, SAR) == message


def test_nulls_and_unknown_fields_are_fine() -> None:
    body = {"spec": {"user": None, "groups": [None], "whatever": 1}, "metadata": None, "extra": 5}
    assert first_type_error(body, SAR) is None


def test_validation_messages_are_the_real_ones() -> None:
    error = invalid_review(validate_spec({}, subject=True))
    assert error.code == 422
    assert error.message == (
        '.authorization.k8s.io "" is invalid: [spec.resourceAttributes: Invalid value: "null": exactly one of '
        'nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: "": '
        "at least one of user or group must be specified]"
    )
    assert error.details == {
        "group": "authorization.k8s.io",
        "causes": [
            {"reason": "FieldValueInvalid", "field": "spec.resourceAttributes",
             "message": 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'},
            {"reason": "FieldValueInvalid", "field": "spec.user",
             "message": 'Invalid value: "": at least one of user or group must be specified'},
        ],
    }


def test_both_kinds_of_attributes_at_once_is_invalid() -> None:
    spec = {"resourceAttributes": {"verb": "get"}, "nonResourceAttributes": {"path": "/x", "verb": "get"}}
    assert [str(p) for p in validate_spec(spec, subject=False)] == [
        ('spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: '
        "cannot be specified in combination with resourceAttributes")
    ]


def test_groups_alone_are_enough_for_a_subject() -> None:
    assert validate_spec({"groups": ["dev"], "nonResourceAttributes": {}}, subject=True) == []


def test_metadata_must_be_empty() -> None:
    assert validate_metadata({"creationTimestamp": None, "labels": {}, "managedFields": [{}]}) == []
    assert validate_metadata({"namespace": "x"}, except_namespace=True) == []
    [problem] = validate_metadata({"name": "x"})
    assert str(problem).startswith('metadata: Invalid value: v1.ObjectMeta{Name:"x", GenerateName:"", Namespace:""')
    assert str(problem).endswith("ManagedFields:[]v1.ManagedFieldsEntry(nil)}: must be empty")
    assert not object_meta_is_empty({"finalizers": ["a"]})
    assert "Finalizers:[]string{\"a\"}" in str(go_object_meta({"finalizers": ["a"]}))


def test_resource_attributes_become_authorizer_attributes() -> None:
    alice = UserInfo("alice")
    spec = {"resourceAttributes": {"namespace": "x", "verb": "create", "group": "apps", "resource": "deployments",
                                   "subresource": "scale", "name": "web"}}
    assert attributes_from(spec, alice) == Attributes(
        user=alice, verb="create", is_resource_request=True, namespace="x", api_group="apps", api_version="*",
        resource="deployments", subresource="scale", name="web",
    )
    assert attributes_from({"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}, alice) == Attributes(
        user=alice, verb="get", is_resource_request=False, path="/healthz"
    )


def test_a_subject_is_exactly_what_the_spec_says() -> None:
    user = subject_of({"user": "bob", "groups": ["dev"], "uid": "1", "extra": {"scopes": ["a", "b"]}})
    assert user == UserInfo("bob", "1", ("dev",), {"scopes": ("a", "b")})


def test_the_spec_is_echoed_in_go_field_order_without_empty_fields() -> None:
    spec = {"uid": "", "user": "bob", "resourceAttributes": {"name": "", "verb": "get", "namespace": "x"}}
    assert list(echo_spec(spec).items()) == [("resourceAttributes", {"namespace": "x", "verb": "get"}), ("user", "bob")]


def test_errors_aggregate_like_apimachinery() -> None:
    assert aggregate_errors([]) == ""
    assert aggregate_errors(["a"]) == "a"
    assert aggregate_errors(["a", "b", "a", ""]) == "[a, b]"


class Silent:
    """An authorizer that cannot list its rules (a webhook, say)."""

    async def authorize(self, attributes: Attributes) -> Verdict:
        return Verdict(Decision.NO_OPINION, "", "webhook unreachable")


MASTER = UserInfo("root", groups=("system:masters",))
ALICE = UserInfo("alice", groups=("dev",))


def test_system_masters_and_always_allow_list_everything_once() -> None:
    union = UnionAuthorizer([PrivilegedGroupAuthorizer(), AlwaysAllowAuthorizer()])
    assert union.rules_for(MASTER, "default") == EVERYTHING
    assert union.rules_for(ALICE, "default") == EVERYTHING


def test_always_deny_lists_nothing_and_is_complete() -> None:
    union = UnionAuthorizer([PrivilegedGroupAuthorizer(), AlwaysDenyAuthorizer()])
    assert union.rules_for(ALICE, "default") == RulesResult()
    assert union.rules_for(MASTER, "default") == EVERYTHING


def test_a_member_that_cannot_list_makes_the_answer_incomplete() -> None:
    result = UnionAuthorizer([PrivilegedGroupAuthorizer(), Silent()]).rules_for(ALICE, "default")
    assert result.incomplete
    assert result.evaluation_error == "Silent does not support user rule resolution"


async def test_evaluation_errors_of_silent_members_are_aggregated() -> None:
    verdict = await UnionAuthorizer([Silent(), AlwaysDenyAuthorizer(), Silent()]).authorize(
        Attributes(user=ALICE, verb="get", is_resource_request=False, path="/")
    )
    assert verdict == Verdict(Decision.NO_OPINION, "Everything is forbidden.", "webhook unreachable")
