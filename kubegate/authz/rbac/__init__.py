"""Role-based access control: rule matching, the rule resolver, the authorizer and its policy.

Mirrors plugin/pkg/auth/authorizer/rbac and pkg/registry/rbac/validation of the real server:
`rules` matches one request against one rule, `coverage` compares rule sets (escalation checks,
reconciliation), `index` and `resolver` find the rules that apply to a user in a namespace, and
`authorizer` turns the first matching rule into an ALLOW with a reason saying where it came from.
"""
