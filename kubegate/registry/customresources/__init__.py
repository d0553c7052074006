"""Custom resources: what a CustomResourceDefinition means to the API server.

Mirrors k8s.io/apiextensions-apiserver. The CRD itself is read through `definition`, validated
(`crd_validation` over the internal form of `crd_internal`, with `crd_schema`, `crd_parts`,
`schema_rules` and `structural`) and prepared (`crd_strategy`) like any stored resource. Once its
names are accepted (`naming`), `serving` turns each served version into a catalog row
(`resources`) whose objects the generic store keeps with a per-version strategy (`cr_strategy`):
unknown fields pruned (`pruning`), schema defaults applied (`defaulting`), the openAPIV3Schema
enforced (`validator`, `validator_errors`, `formats`, `listtype`). Tables (`columns`) and field
selectors (`selectors`) evaluate the definition's JSONPaths (`jsonpath`); `govalues` prints
values the way Go's messages do.
"""
