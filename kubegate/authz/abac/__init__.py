"""Attribute-based access control (`--authorization-mode=ABAC`), as pkg/auth/authorizer/abac.

`policy` reads the policy file (one JSON object a line, versioned or legacy) into flat `Policy`
records, applying the versions' conversions; `authorizer` matches requests against them.
"""
