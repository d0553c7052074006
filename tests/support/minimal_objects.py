"""The smallest object of each built-in kind that a real 1.32 server would accept.

Used by the per-resource conformance suite. Bodies follow the real validation rules (a pod has
a container, a StatefulSet a serviceName, a CSR a PEM request), so the suite exercises objects a
client could really send; names are coupled to the spec where the API demands it (a CRD is
`<plural>.<group>`, an APIService `<version>.<group>`).
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubegate.registry.spec import ResourceSpec


def _csr_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "conformance")]))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(request.public_bytes(serialization.Encoding.PEM)).decode()


_POD_SPEC = {"containers": [{"name": "main", "image": "nginx:1.27"}]}
_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": _POD_SPEC}
_SELECTOR = {"matchLabels": {"app": "x"}}
_REFERENCE = {"apiVersion": "v1", "kind": "Pod", "name": "web", "namespace": "conformance"}
_RBAC = "rbac.authorization.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"

#: Everything but metadata, per (group, plural).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("", "configmaps"): {"data": {"k": "v"}},
    ("", "endpoints"): {"subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]},
    ("", "events"): {"involvedObject": _REFERENCE, "reason": "Tested", "message": "m", "type": "Normal"},
    ("", "limitranges"): {"spec": {"limits": [{"type": "Container", "default": {"cpu": "100m"}}]}},
    ("", "namespaces"): {},
    ("", "nodes"): {},
    ("", "persistentvolumeclaims"): {
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    },
    ("", "persistentvolumes"): {
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/pv"}}
    },
    ("", "pods"): {"spec": _POD_SPEC},
    ("", "podtemplates"): {"template": _TEMPLATE},
    ("", "replicationcontrollers"): {"spec": {"selector": {"app": "x"}, "template": _TEMPLATE}},
    ("", "resourcequotas"): {"spec": {"hard": {"pods": "10"}}},
    ("", "secrets"): {"data": {"k": "dg=="}},
    ("", "serviceaccounts"): {},
    ("", "services"): {"spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}},
    (_ADMISSION, "mutatingwebhookconfigurations"): {"webhooks": []},
    (_ADMISSION, "validatingwebhookconfigurations"): {"webhooks": []},
    (_ADMISSION, "validatingadmissionpolicies"): {
        "spec": {
            "validations": [{"expression": "true"}],
            "matchConstraints": {"resourceRules": [
                {"apiGroups": ["example.com"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["widgets"]}
            ]},
        }
    },
    (_ADMISSION, "validatingadmissionpolicybindings"): {
        "spec": {"policyName": "conformance-absent", "validationActions": ["Deny"]}
    },
    ("apps", "controllerrevisions"): {"revision": 1, "data": {}},
    ("apps", "daemonsets"): {"spec": {"selector": _SELECTOR, "template": _TEMPLATE}},
    ("apps", "deployments"): {"spec": {"replicas": 1, "selector": _SELECTOR, "template": _TEMPLATE}},
    ("apps", "replicasets"): {"spec": {"replicas": 1, "selector": _SELECTOR, "template": _TEMPLATE}},
    ("apps", "statefulsets"): {"spec": {"selector": _SELECTOR, "serviceName": "x", "template": _TEMPLATE}},
    ("autoscaling", "horizontalpodautoscalers"): {
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}
    },
    ("batch", "cronjobs"): {
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": {"spec": {**_POD_SPEC, "restartPolicy": "OnFailure"}}}},
        }
    },
    ("batch", "jobs"): {"spec": {"template": {"spec": {**_POD_SPEC, "restartPolicy": "Never"}}}},
    ("certificates.k8s.io", "certificatesigningrequests"): {
        "spec": {"request": _csr_pem(), "signerName": "example.com/conformance", "usages": ["digital signature"]}
    },
    ("coordination.k8s.io", "leases"): {"spec": {"holderIdentity": "me"}},
    ("discovery.k8s.io", "endpointslices"): {
        "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}], "ports": [{"port": 80}]
    },
    ("events.k8s.io", "events"): {
        # not a whole second: the Python client's isoformat() drops ".000000", which MicroTime needs
        "eventTime": "2024-01-01T00:00:00.500000Z", "reportingController": "example.com/c", "reportingInstance": "i",
        "action": "Test", "reason": "Tested", "regarding": _REFERENCE, "type": "Normal",
    },
    ("flowcontrol.apiserver.k8s.io", "flowschemas"): {
        "spec": {"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 9000}
    },
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): {
        "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}}}
    },
    ("networking.k8s.io", "ingressclasses"): {"spec": {"controller": "example.com/ingress"}},
    ("networking.k8s.io", "ingresses"): {
        "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}
    },
    ("networking.k8s.io", "networkpolicies"): {"spec": {"podSelector": {}}},
    ("node.k8s.io", "runtimeclasses"): {"handler": "runc"},
    ("policy", "poddisruptionbudgets"): {"spec": {"minAvailable": 1, "selector": _SELECTOR}},
    (_RBAC, "clusterroles"): {"rules": []},
    (_RBAC, "roles"): {"rules": []},
    (_RBAC, "clusterrolebindings"): {
        "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": _RBAC, "kind": "User", "name": "conformance"}],
    },
    (_RBAC, "rolebindings"): {
        "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": _RBAC, "kind": "User", "name": "conformance"}],
    },
    ("scheduling.k8s.io", "priorityclasses"): {"value": 1000},
    ("storage.k8s.io", "csidrivers"): {"spec": {}},
    ("storage.k8s.io", "csinodes"): {"spec": {"drivers": []}},
    ("storage.k8s.io", "csistoragecapacities"): {"storageClassName": "standard"},
    ("storage.k8s.io", "storageclasses"): {"provisioner": "example.com/provisioner"},
    ("storage.k8s.io", "volumeattachments"): {
        "spec": {"attacher": "example.com/attacher", "nodeName": "n1", "source": {"persistentVolumeName": "pv1"}}
    },
}


def object_name(spec: ResourceSpec, stem: str) -> str:
    """A name the API accepts for `spec`; the few kinds whose name is derived get theirs."""
    if (spec.group, spec.plural) == ("apiextensions.k8s.io", "customresourcedefinitions"):
        return f"{stem}s.conformance.example.com"
    if (spec.group, spec.plural) == ("apiregistration.k8s.io", "apiservices"):
        return f"v1alpha1.{stem}.conformance.example.com"
    return stem


def minimal_object(spec: ResourceSpec, stem: str, *, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A complete body for `spec`, named after `stem`."""
    name = object_name(spec, stem)
    body: dict[str, Any] = {"apiVersion": spec.api_version, "kind": spec.kind, "metadata": {"name": name}}
    if labels:
        body["metadata"]["labels"] = dict(labels)
    key = (spec.group, spec.plural)
    if key == ("apiextensions.k8s.io", "customresourcedefinitions"):
        body["spec"] = {
            "group": "conformance.example.com",
            "scope": "Namespaced",
            "names": {"plural": f"{stem}s", "singular": stem, "kind": stem.title().replace("-", ""), "listKind": "List"},
            "versions": [{"name": "v1", "served": True, "storage": True,
                          "schema": {"openAPIV3Schema": {"type": "object"}}}],
        }  # fmt: skip
        body["spec"]["names"]["listKind"] = body["spec"]["names"]["kind"] + "List"
        return body
    if key == ("apiregistration.k8s.io", "apiservices"):
        body["spec"] = {
            "group": f"{stem}.conformance.example.com", "version": "v1alpha1",
            "groupPriorityMinimum": 1000, "versionPriority": 15,
        }  # fmt: skip
        return body
    body.update(copy.deepcopy(BODIES[key]))
    return body
