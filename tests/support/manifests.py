"""Manifests the kubectl tests apply, written as a user writes them (YAML text, not objects)."""

from __future__ import annotations


def deployment_manifest(name: str, *, namespace: str = "default", replicas: int = 2, image: str = "nginx:1.27") -> str:
    """A two-container Deployment whose selector matches its template, as `kubectl apply` sees it."""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: main
        image: {image}
      - name: side
        image: busybox
"""
