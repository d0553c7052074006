"""RequestInfo resolution: the cases of k8s.io/apiserver's requestinfo_test.go, and a few more."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from kubegate.api.requestinfo import (
    HTTP_METHOD_VERBS,
    RequestInfo,
    RequestInfoError,
    resolve_request_info,
)


def resolve(method: str, url: str) -> RequestInfo:
    """Resolve as a server would: decoded path, first value of each query parameter."""
    parts = urlsplit(url)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, value)
    return resolve_request_info(method, unquote(parts.path), query)


# method, url, verb, apiPrefix, group, version, namespace, resource, subresource, name, parts
RESOURCE_CASES = [
    # resource paths
    ("GET", "/api/v1/namespaces", "list", "api", "", "v1", "", "namespaces", "", "", ["namespaces"]),
    ("GET", "/api/v1/namespaces/other", "get", "api", "", "v1", "other", "namespaces", "", "other", ["namespaces", "other"]),
    ("GET", "/api/v1/namespaces/other/pods", "list", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("HEAD", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("GET", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("HEAD", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", ["pods"]),
    # special verbs
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo", "proxy", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("GET", "/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource", "proxy", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo", "subpath", "not", "a", "subresource"]),
    ("GET", "/api/v1/watch/pods", "watch", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/pods?watch=true", "watch", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/pods?watch=false", "list", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/watch/namespaces/other/pods", "watch", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/namespaces/other/pods?watch=1", "watch", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/namespaces/other/pods?watch=0", "list", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    # subresource identification
    ("GET", "/api/v1/namespaces/other/pods/foo/status", "get", "api", "", "v1", "other", "pods", "status", "foo", ["pods", "foo", "status"]),
    ("GET", "/api/v1/namespaces/other/pods/foo/proxy/subpath", "get", "api", "", "v1", "other", "pods", "proxy", "foo", ["pods", "foo", "proxy", "subpath"]),
    ("PUT", "/api/v1/namespaces/other/finalize", "update", "api", "", "v1", "other", "namespaces", "finalize", "other", ["namespaces", "other", "finalize"]),
    ("PUT", "/api/v1/namespaces/other/status", "update", "api", "", "v1", "other", "namespaces", "status", "other", ["namespaces", "other", "status"]),
    # verb identification
    ("PATCH", "/api/v1/namespaces/other/pods/foo", "patch", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("DELETE", "/api/v1/namespaces/other/pods/foo", "delete", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("POST", "/api/v1/namespaces/other/pods", "create", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    # deletecollection verb identification
    ("DELETE", "/api/v1/nodes", "deletecollection", "api", "", "v1", "", "nodes", "", "", ["nodes"]),
    ("DELETE", "/api/v1/namespaces", "deletecollection", "api", "", "v1", "", "namespaces", "", "", ["namespaces"]),
    ("DELETE", "/api/v1/namespaces/other/pods", "deletecollection", "api", "", "v1", "other", "pods", "", "", ["pods"]),
    ("DELETE", "/apis/extensions/v1/namespaces/other/pods", "deletecollection", "apis", "extensions", "v1", "other", "pods", "", "", ["pods"]),
    # api group and version identification
    ("POST", "/apis/extensions/v1/namespaces/other/pods", "create", "apis", "extensions", "v1", "other", "pods", "", "", ["pods"]),
    ("POST", "/apis/extensions/v1beta3/namespaces/other/pods", "create", "apis", "extensions", "v1beta3", "other", "pods", "", "", ["pods"]),
    # beyond the upstream table
    ("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", "get", "apis", "apps", "v1", "default", "deployments", "scale", "web", ["deployments", "web", "scale"]),
    ("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", "update", "apis", "apps", "v1", "default", "deployments", "scale", "web", ["deployments", "web", "scale"]),
    ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", "get", "apis", "rbac.authorization.k8s.io", "v1", "", "clusterroles", "", "admin", ["clusterroles", "admin"]),
    ("GET", "/api/v1/watch/namespaces/other/pods/foo", "watch", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("GET", "/api/v1/watch/namespaces/other", "watch", "api", "", "v1", "other", "namespaces", "", "other", ["namespaces", "other"]),
    ("GET", "/api/v1/watch/namespaces", "watch", "api", "", "v1", "", "namespaces", "", "", ["namespaces"]),
    ("GET", "/api/v1/namespaces/other/pods/foo?watch=true", "get", "api", "", "v1", "other", "pods", "", "foo", ["pods", "foo"]),
    ("GET", "/api/v1/pods?watch=", "watch", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/pods?watch=FALSE", "list", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/pods?watch=yes", "watch", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("POST", "/api/v1/namespaces/ns/serviceaccounts/default/token", "create", "api", "", "v1", "ns", "serviceaccounts", "token", "default", ["serviceaccounts", "default", "token"]),
    ("POST", "/api/v1/namespaces", "create", "api", "", "v1", "", "namespaces", "", "", ["namespaces"]),
    ("DELETE", "/api/v1/namespaces/other", "delete", "api", "", "v1", "other", "namespaces", "", "other", ["namespaces", "other"]),
    ("GET", "/api/v1/namespaces/other/pods/foo/log", "get", "api", "", "v1", "other", "pods", "log", "foo", ["pods", "foo", "log"]),
    ("OPTIONS", "/api/v1/pods", "", "api", "", "v1", "", "pods", "", "", ["pods"]),
    ("GET", "/api/v1/nodes/n1/proxy/metrics", "get", "api", "", "v1", "", "nodes", "proxy", "n1", ["nodes", "n1", "proxy", "metrics"]),
    ("GET", "/api/v1/pods//", "list", "api", "", "v1", "", "pods", "", "", ["pods"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "verb", "prefix", "group", "version", "namespace", "resource",
     "subresource", "name", "parts"),
    RESOURCE_CASES,
)  # fmt: skip
def test_resource_requests(
    method: str,
    url: str,
    verb: str,
    prefix: str,
    group: str,
    version: str,
    namespace: str,
    resource: str,
    subresource: str,
    name: str,
    parts: list[str],
) -> None:
    info = resolve(method, url)
    assert info.is_resource_request
    assert (
        info.verb,
        info.api_prefix,
        info.api_group,
        info.api_version,
        info.namespace,
        info.resource,
        info.subresource,
        info.name,
        info.parts,
    ) == (verb, prefix, group, version, namespace, resource, subresource, name, tuple(parts))
    assert info.path == urlsplit(url).path


@pytest.mark.parametrize(
    ("url", "is_resource"),
    [
        # TestGetNonAPIRequestInfo
        ("/api/version/resource", True),
        ("/apis/group/version/resource/name/subresource", True),
        ("/api/version/resource/name/subresource", True),
        ("/apis/batch/v1/job", True),
        ("/apis/batch/v1/job/foo", True),
        ("/apis/batch/v1/job/foo/scale", True),
        ("/not-api/version/resource", False),
        ("/apis/extensions/v1beta1", False),
        ("/apis/extensions/v1beta1/", False),
        ("/api/version", False),
        ("/api", False),
        ("/", False),
        ("", False),
        # the error cases of TestGetAPIRequestInfo: all resolve as non-resource requests
        ("/api/version/", False),
        ("/apis/group/version/", False),
        ("/badprefix/version/resource", False),
        ("/apis/version/resource", False),
        # and a few more
        ("/healthz", False),
        ("/openapi/v2", False),
        ("/version", False),
        ("/apis", False),
        ("/apis/apps", False),
        ("/apis/apps/v1", False),
    ],
)
def test_resource_or_not(url: str, is_resource: bool) -> None:
    assert resolve("GET", url).is_resource_request is is_resource


@pytest.mark.parametrize(
    ("method", "url", "verb"),
    [
        ("GET", "/healthz", "get"),
        ("POST", "/apis", "post"),
        ("PUT", "/version", "put"),
        ("DELETE", "/api/v1", "delete"),
        ("HEAD", "/livez", "head"),
        ("OPTIONS", "/", "options"),
    ],
)
def test_non_resource_verb_is_lowercase_method(method: str, url: str, verb: str) -> None:
    info = resolve(method, url)
    assert info == RequestInfo(is_resource_request=False, path=urlsplit(url).path, verb=verb)


# name, method, url, name, verb, fieldSelector, labelSelector (TestSelectorParsing)
SELECTOR_CASES = [
    ("no selector", "GET", "/apis/group/version/resource", "", "list", "", ""),
    ("metadata.name selector", "GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1", "name1", "list", "metadata.name=name1", ""),
    ("metadata.name selector with watch", "GET", "/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1", "name1", "watch", "metadata.name=name1", ""),
    ("random selector", "GET", "/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux", "", "list", "foo=bar", "baz=qux"),
    ("invalid selector with metadata.name", "GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo", "", "list", "metadata.name=name1,foo", ""),
    ("invalid selector with metadata.name with watch", "GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true", "", "watch", "metadata.name=name1,foo", ""),
    ("invalid selector with metadata.name with watch false", "GET", "/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false", "", "list", "metadata.name=name1,foo", ""),
    ("selector on deletecollection is honored", "DELETE", "/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux", "", "deletecollection", "foo=bar", "baz=qux"),
    ("selector on repeated param matches parsed param", "GET", "/apis/group/version/resource?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar&labelSelector=foo=bar&labelSelector=foo=baz", "foo", "list", "metadata.name=foo", "foo=bar"),
    ("selector on other verb is ignored", "GET", "/apis/group/version/resource/name?fieldSelector=foo=bar&labelSelector=foo=bar", "name", "get", "", ""),
    ("selector on deprecated root type watch is not parsed", "GET", "/apis/group/version/watch/resource?fieldSelector=metadata.name=foo&labelSelector=foo=bar", "", "watch", "", ""),
    ("selector on deprecated root item watch is not parsed", "GET", "/apis/group/version/watch/resource/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar", "name", "watch", "", ""),
    # beyond the upstream table: the name comes only from a fully decodable list request
    ("name with bad label selector", "GET", "/api/v1/pods?fieldSelector=metadata.name=a&labelSelector=x%20in%20(", "", "list", "metadata.name=a", "x in ("),
    ("name with bad limit", "GET", "/api/v1/pods?fieldSelector=metadata.name=a&limit=ten", "", "list", "metadata.name=a", ""),
    ("name with bad timeoutSeconds", "GET", "/api/v1/pods?fieldSelector=metadata.name=a&timeoutSeconds=1.5&watch=1", "", "watch", "metadata.name=a", ""),
    ("name with good options", "GET", "/api/v1/pods?fieldSelector=metadata.name=a&limit=5&timeoutSeconds=-1&labelSelector=x", "a", "list", "metadata.name=a", "x"),
    ("name that is not a path segment", "GET", "/api/v1/pods?fieldSelector=metadata.name=a/b", "", "list", "metadata.name=a/b", ""),
    ("name dot-dot", "GET", "/api/v1/pods?fieldSelector=metadata.name=..", "", "list", "metadata.name=..", ""),
    ("name with percent", "GET", "/api/v1/pods?fieldSelector=metadata.name=a%25b", "", "list", "metadata.name=a%b", ""),
    ("not-equal name is no name", "GET", "/api/v1/pods?fieldSelector=metadata.name!=a", "", "list", "metadata.name!=a", ""),
    ("double-equals name", "GET", "/api/v1/pods?fieldSelector=metadata.name==a,status.phase=Running", "a", "list", "metadata.name==a,status.phase=Running", ""),
    ("deletecollection never takes a name", "DELETE", "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=a", "", "deletecollection", "metadata.name=a", ""),
    ("create records no selectors", "POST", "/api/v1/namespaces/ns/pods?fieldSelector=a=b", "", "create", "", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "method", "url", "name", "verb", "field_selector", "label_selector"),
    SELECTOR_CASES,
    ids=[case[0] for case in SELECTOR_CASES],
)
def test_selectors(
    case: str,
    method: str,
    url: str,
    name: str,
    verb: str,
    field_selector: str,
    label_selector: str,
) -> None:
    info = resolve(method, url)
    assert (info.name, info.verb, info.field_selector, info.label_selector) == (
        name,
        verb,
        field_selector,
        label_selector,
    )


@pytest.mark.parametrize(
    ("method", "url", "prefix", "group", "version"),
    [
        ("GET", "/api/v1/watch", "api", "", "v1"),
        ("GET", "/api/v1/proxy", "api", "", "v1"),
        ("GET", "/apis/apps/v1/watch/", "apis", "apps", "v1"),
    ],
)
def test_special_verb_without_target_is_an_error(
    method: str, url: str, prefix: str, group: str, version: str
) -> None:
    with pytest.raises(RequestInfoError) as caught:
        resolve(method, url)
    info = caught.value.info
    assert (info.is_resource_request, info.verb, info.api_prefix, info.api_group) == (
        True,
        method.lower(),
        prefix,
        group,
    )
    assert info.api_version == version
    assert str(caught.value) == f"unable to determine kind and namespace from url, {url}"


def test_special_verb_error_response_text() -> None:
    with pytest.raises(RequestInfoError) as caught:
        resolve("GET", "/api/v1/watch")
    assert caught.value.response_text("/api/v1/watch?a=<b>&c") == (
        'Internal Server Error: "/api/v1/watch?a=&lt;b&gt;&amp;c": failed to create '
        "RequestInfo: unable to determine kind and namespace from url, "
        "/api/v1/watch?a=&lt;b&gt;&amp;c\n"
    )


def test_http_method_verbs() -> None:
    assert dict(HTTP_METHOD_VERBS) == {
        "POST": "create",
        "GET": "get",
        "HEAD": "get",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }


def test_request_info_is_frozen() -> None:
    info = resolve("GET", "/api/v1/pods")
    with pytest.raises(AttributeError):
        info.verb = "create"  # type: ignore[misc]
