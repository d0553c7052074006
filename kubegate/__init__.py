"""kubegate: a standalone Kubernetes API server double with real authentication and authorization."""

__version__ = "0.1.0"
