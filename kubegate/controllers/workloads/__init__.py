"""kube-controller-manager's workload controllers: Deployments, ReplicaSets, ReplicationControllers
and the pod-control helpers every workload controller shares (`podcontrol`)."""
