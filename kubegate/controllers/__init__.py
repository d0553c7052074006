"""In-process controllers: what kube-controller-manager would do for a real cluster."""
