"""PodSecurity admission: the Pod Security Standards, enforced per namespace by its labels.

`levels` reads a namespace's `pod-security.kubernetes.io/*` labels into a policy, `checks` holds
the standards' checks as data (ID, level, the minor each version starts at), `evaluator` picks the
checks a level and version run, and `plugin` is the admission step kube-apiserver runs (enforce
on pods, warn and audit on pods and workload templates, label validation on namespaces).
"""
