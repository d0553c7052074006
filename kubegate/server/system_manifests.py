"""What kubeadm (and kind) put in a fresh cluster, as data: CoreDNS, kube-proxy and their objects.

Shapes follow kubeadm's addon manifests (phases/addons/dns, phases/addons/proxy), its upload-config
phase (`kubeadm-config`, `kubelet-config`), its bootstrap-token phase (kube-public `cluster-info`)
and kind's default StorageClass. The few values that depend on the cluster (the DNS Service's IP,
the served version, CIDRs, the CA) are parameters; everything else is a literal table.
`system_workloads` creates them.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from typing import Any

import yaml

COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.3"
KUBE_PROXY_IMAGE = "registry.k8s.io/kube-proxy"
#: kubeadm gives the DNS Service this address of the service range (network address + 10)
DNS_IP_INDEX = 10
CLUSTER_DOMAIN = "cluster.local"

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""

_DNS_LABELS = {"k8s-app": "kube-dns"}

_COREDNS_CONTAINER: dict[str, Any] = {
    "name": "coredns",
    "image": COREDNS_IMAGE,
    "imagePullPolicy": "IfNotPresent",
    "args": ["-conf", "/etc/coredns/Corefile"],
    "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
    "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
    "ports": [
        {"containerPort": 53, "name": "dns", "protocol": "UDP"},
        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
    ],
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    },
    "livenessProbe": {
        "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
        "initialDelaySeconds": 60, "timeoutSeconds": 5, "successThreshold": 1, "failureThreshold": 5,
    },
    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
}

COREDNS_DEPLOYMENT: dict[str, Any] = {
    "metadata": {"name": "coredns", "labels": dict(_DNS_LABELS)},
    "spec": {
        "replicas": 2,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        "selector": {"matchLabels": dict(_DNS_LABELS)},
        "template": {
            "metadata": {"labels": dict(_DNS_LABELS)},
            "spec": {
                "priorityClassName": "system-cluster-critical",
                "serviceAccountName": "coredns",
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchExpressions": [
                            {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]},
                        ]},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }]}},
                "tolerations": [
                    {"key": "CriticalAddonsOnly", "operator": "Exists"},
                    {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                ],
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "containers": [_COREDNS_CONTAINER],
                "dnsPolicy": "Default",
                "volumes": [{"name": "config-volume", "configMap": {
                    "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}],
                }}],
            },
        },
    },
}

_DNS_SERVICE: dict[str, Any] = {
    "metadata": {
        "name": "kube-dns",
        "labels": {**_DNS_LABELS, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
        "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
    },
    "spec": {
        "ports": [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
        ],
        "selector": dict(_DNS_LABELS),
    },
}

_PROXY_LABELS = {"k8s-app": "kube-proxy"}

_KUBE_PROXY_DAEMONSET: dict[str, Any] = {
    "metadata": {"name": "kube-proxy", "labels": dict(_PROXY_LABELS)},
    "spec": {
        "selector": {"matchLabels": dict(_PROXY_LABELS)},
        "updateStrategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": dict(_PROXY_LABELS)},
            "spec": {
                "priorityClassName": "system-node-critical",
                "containers": [{
                    "name": "kube-proxy",
                    "imagePullPolicy": "IfNotPresent",
                    "command": [
                        "/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    "securityContext": {"privileged": True},
                    "volumeMounts": [
                        {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                        {"mountPath": "/run/xtables.lock", "name": "xtables-lock", "readOnly": False},
                        {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                    ],
                    "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                }],
                "hostNetwork": True,
                "serviceAccountName": "kube-proxy",
                "volumes": [
                    {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                    {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
                    {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}},
                ],
                "tolerations": [{"operator": "Exists"}],
                "nodeSelector": {"kubernetes.io/os": "linux"},
            },
        },
    },
}

#: in-cluster kubeconfig kube-proxy reads, from its ServiceAccount's mounted token
_PROXY_KUBECONFIG: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"cluster": {
        "certificate-authority": "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "server": "",
    }, "name": "default"}],
    "contexts": [{"context": {"cluster": "default", "namespace": "default", "user": "default"}, "name": "default"}],
    "current-context": "default",
    "users": [{"name": "default", "user": {"tokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"}}],
}

#: ServiceAccounts and RBAC the add-ons run with (kubeadm's names)
_RBAC: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("", "serviceaccounts", "kube-system", {"metadata": {"name": "coredns"}}),
    ("", "serviceaccounts", "kube-system", {"metadata": {"name": "kube-proxy"}}),
    ("rbac.authorization.k8s.io", "clusterroles", "", {
        "metadata": {"name": "system:coredns"},
        "rules": [
            {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]},
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
        ],
    }),
    ("rbac.authorization.k8s.io", "clusterrolebindings", "", {
        "metadata": {"name": "system:coredns"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
        "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}],
    }),
    ("rbac.authorization.k8s.io", "clusterrolebindings", "", {
        "metadata": {"name": "kubeadm:node-proxier"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node-proxier"},
        "subjects": [{"kind": "ServiceAccount", "name": "kube-proxy", "namespace": "kube-system"}],
    }),
    ("rbac.authorization.k8s.io", "roles", "kube-system", {
        "metadata": {"name": "kube-proxy"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["kube-proxy"], "verbs": ["get"]}],
    }),
    ("rbac.authorization.k8s.io", "rolebindings", "kube-system", {
        "metadata": {"name": "kube-proxy"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kube-proxy"},
        "subjects": [{"kind": "Group", "name": "system:bootstrappers:kubeadm:default-node-token"}],
    }),
)

_STANDARD_STORAGE_CLASS: dict[str, Any] = {
    "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "rancher.io/local-path",
    "reclaimPolicy": "Delete",
    "volumeBindingMode": "WaitForFirstConsumer",
}


@dataclass(frozen=True, kw_only=True)
class ClusterValues:
    """What the manifests take from the cluster's configuration."""

    dns_ip: str
    git_version: str  # v1.32.4
    cluster_cidr: str
    service_cidr: str
    server_url: str
    ca_pem: bytes | None
    extension_auth: dict[str, str]  # extension-apiserver-authentication's data


#: (group, version, plural, namespace, object without apiVersion/kind)
Manifest = tuple[str, str, str, str, dict[str, Any]]


def _yaml(obj: Any) -> str:
    text: str = yaml.safe_dump(obj, sort_keys=True, default_flow_style=False)
    return text


def _config_map(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"metadata": metadata, "data": data}


def _config_maps(values: ClusterValues) -> list[Manifest]:
    proxy_kubeconfig = copy.deepcopy(_PROXY_KUBECONFIG)
    proxy_kubeconfig["clusters"][0]["cluster"]["server"] = values.server_url
    proxy_config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
        "bindAddress": "0.0.0.0", "clusterCIDR": values.cluster_cidr, "mode": "iptables",
        "clientConnection": {"kubeconfig": "/var/lib/kube-proxy/kubeconfig.conf"},
        "conntrack": {"maxPerCore": 0}, "metricsBindAddress": "",
    }
    cluster_configuration = {
        "apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ClusterConfiguration",
        "certificatesDir": "/etc/kubernetes/pki", "clusterName": "kubegate",
        "controlPlaneEndpoint": values.server_url.removeprefix("https://"),
        "dns": {}, "etcd": {"local": {"dataDir": "/var/lib/etcd"}}, "imageRepository": "registry.k8s.io",
        "kubernetesVersion": values.git_version,
        "networking": {"dnsDomain": CLUSTER_DOMAIN, "podSubnet": values.cluster_cidr,
                       "serviceSubnet": values.service_cidr},
        "proxy": {}, "scheduler": {}, "apiServer": {}, "controllerManager": {},
    }
    kubelet_configuration = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"cacheTTL": "0s", "enabled": True},
                           "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
        "authorization": {"mode": "Webhook"}, "cgroupDriver": "systemd",
        "clusterDNS": [values.dns_ip], "clusterDomain": CLUSTER_DOMAIN,
        "rotateCertificates": True, "staticPodPath": "/etc/kubernetes/manifests",
    }
    maps: list[Manifest] = [
        ("", "v1", "configmaps", "kube-system", _config_map("coredns", {"Corefile": COREFILE})),
        ("", "v1", "configmaps", "kube-system", _config_map("kube-proxy", {
            "config.conf": _yaml(proxy_config), "kubeconfig.conf": _yaml(proxy_kubeconfig),
        }, {"app": "kube-proxy"})),
        ("", "v1", "configmaps", "kube-system",
         _config_map("kubeadm-config", {"ClusterConfiguration": _yaml(cluster_configuration)})),
        ("", "v1", "configmaps", "kube-system", _config_map("kubelet-config", {"kubelet": _yaml(kubelet_configuration)})),
        ("", "v1", "configmaps", "kube-system",
         _config_map("extension-apiserver-authentication", values.extension_auth)),
    ]
    if values.ca_pem is not None:
        kubeconfig: dict[str, Any] = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"cluster": {
                "certificate-authority-data": base64.b64encode(values.ca_pem).decode(),
                "server": values.server_url,
            }, "name": ""}],
            "contexts": None, "current-context": "", "users": None,
        }
        maps.append(("", "v1", "configmaps", "kube-public", _config_map("cluster-info", {"kubeconfig": _yaml(kubeconfig)})))
    return maps


def manifests(values: ClusterValues) -> list[Manifest]:
    """Every object, in an order that lets each one's dependencies exist first."""
    dns_service = copy.deepcopy(_DNS_SERVICE)
    dns_service["spec"]["clusterIP"] = values.dns_ip
    dns_service["spec"]["clusterIPs"] = [values.dns_ip]
    proxy = copy.deepcopy(_KUBE_PROXY_DAEMONSET)
    proxy["spec"]["template"]["spec"]["containers"][0]["image"] = f"{KUBE_PROXY_IMAGE}:{values.git_version}"
    rbac = [(group, "v1", plural, namespace, copy.deepcopy(obj)) for group, plural, namespace, obj in _RBAC]
    return [
        *rbac,
        *_config_maps(values),
        ("", "v1", "services", "kube-system", dns_service),
        ("apps", "v1", "deployments", "kube-system", copy.deepcopy(COREDNS_DEPLOYMENT)),
        ("apps", "v1", "daemonsets", "kube-system", proxy),
        ("storage.k8s.io", "v1", "storageclasses", "", copy.deepcopy(_STANDARD_STORAGE_CLASS)),
    ]
