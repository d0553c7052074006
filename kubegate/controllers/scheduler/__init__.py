"""kube-scheduler inside kubegate: filters, the failure message, scoring and the controller.

Split as the real scheduler's framework is: pure filter functions run in the default profile's
order (`filters`, `affinity`, over what `resources` computes), the FitError text built from their
verdicts (`fiterror`), a score choosing among fitting nodes (`scoring`), DefaultPreemption's
choice of victims (`preemption`), the pool of pods that wait for the cluster to change
(`attempts`), the writes to pods besides binding (`pod_writes`), and the controller that ties
them to the API (`controller`).
"""
