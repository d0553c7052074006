"""DeleteOptions from a body or a query, and the real handler's 400 and 422 answers."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api import deleteoptions
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.api.errors import StatusError

INVALID = 'DeleteOptions.meta.k8s.io "" is invalid: '


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, DeleteOptions()),
        ({"propagationPolicy": "Background"}, DeleteOptions(propagation_policy="Background")),
        ({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0, "propagationPolicy": "Foreground"},
         DeleteOptions(grace_period_seconds=0, propagation_policy="Foreground")),
        ({"apiVersion": "apps/v1", "orphanDependents": True}, DeleteOptions(orphan_dependents=True)),
        ({"dryRun": ["All"], "preconditions": {"uid": "u-1", "resourceVersion": "7"}},
         DeleteOptions(dry_run=True, precondition_uid="u-1", precondition_resource_version="7")),
        ({"gracePeriodSeconds": None, "propagationPolicy": None}, DeleteOptions()),
    ],
)
def test_bodies_decode_like_the_go_struct(body: dict[str, Any], expected: DeleteOptions) -> None:
    assert deleteoptions.from_body(body) == expected


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"gracePeriodSeconds": "soon"}, 400,
         "json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"),
        ({"preconditions": {"uid": 5}}, 400,
         "json: cannot unmarshal number into Go struct field Preconditions.preconditions.uid of type string"),
        ([], 400, "json: cannot unmarshal array into Go value of type v1.DeleteOptions"),
        ({"kind": "Pod"}, 400, "decoded object cannot be converted to DeleteOptions"),
        ({"orphanDependents": True, "propagationPolicy": "Orphan"}, 422,
         INVALID + 'propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set'),
        ({"propagationPolicy": "Sideways"}, 422,
         INVALID + 'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'),
        ({"propagationPolicy": ""}, 422,
         INVALID + 'propagationPolicy: Unsupported value: "": supported values: "Foreground", "Background", "Orphan", "nil"'),
        ({"dryRun": ["All", "Nope"]}, 422,
         INVALID + 'dryRun: Unsupported value: []string{"All", "Nope"}: supported values: "All"'),
    ],
)
def test_bad_bodies_are_refused_with_the_real_words(body: Any, code: int, message: str) -> None:
    with pytest.raises(StatusError) as caught:
        deleteoptions.from_body(body)
    assert (caught.value.code, caught.value.message) == (code, message)


def test_several_problems_are_listed_together() -> None:
    with pytest.raises(StatusError) as caught:
        deleteoptions.from_body({"orphanDependents": False, "propagationPolicy": "Up", "dryRun": ["x"]})
    error = caught.value
    assert error.code == 422 and error.details is not None
    assert [c["field"] for c in error.details["causes"]] == ["propagationPolicy", "propagationPolicy", "dryRun"]
    assert error.details["kind"] == "DeleteOptions" and error.details["group"] == "meta.k8s.io"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, DeleteOptions()),
        ({"gracePeriodSeconds": ["5"], "propagationPolicy": ["Orphan"]},
         DeleteOptions(grace_period_seconds=5, propagation_policy="Orphan")),
        ({"gracePeriodSeconds": ["-3"]}, DeleteOptions(grace_period_seconds=-3)),
        ({"orphanDependents": ["false"]}, DeleteOptions(orphan_dependents=False)),
        ({"orphanDependents": ["0"]}, DeleteOptions(orphan_dependents=False)),
        ({"orphanDependents": ["yes"]}, DeleteOptions(orphan_dependents=True)),
        ({"dryRun": ["All"]}, DeleteOptions(dry_run=True)),
    ],
)
def test_queries_convert_like_the_parameter_codec(query: dict[str, list[str]], expected: DeleteOptions) -> None:
    assert deleteoptions.from_query(query) == expected


def test_a_bad_number_in_the_query_is_a_bad_request() -> None:
    with pytest.raises(StatusError) as caught:
        deleteoptions.from_query({"gracePeriodSeconds": ["soon"]})
    assert (caught.value.code, caught.value.message) == (400, 'strconv.ParseInt: parsing "soon": invalid syntax')
