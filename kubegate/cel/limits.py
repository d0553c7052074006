"""kube-apiserver's CEL cost limits, apart from the engine so that callers can name them
(as defaults, say) without importing cel-cpp and protobuf before any rule exists."""

from __future__ import annotations

#: kube-apiserver's limits (k8s.io/apiserver/pkg/apis/cel): per expression, per policy evaluation,
#: and for all match conditions of a webhook or policy
PER_CALL_LIMIT = 1_000_000
RUNTIME_BUDGET = 10_000_000
MATCH_CONDITIONS_BUDGET = 2_500_000
OUT_OF_BUDGET = "validation failed due to running out of cost budget, no further validation rules will be run"
