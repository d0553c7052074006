"""Calling out to webhooks the way kube-apiserver does (k8s.io/apiserver's `pkg/util/webhook`).

Token review (authn) and subject access review (authz) webhooks share the kubeconfig-shaped
configuration file and the HTTP client with its retries; both live here so that authn and authz
need not import each other.
"""
