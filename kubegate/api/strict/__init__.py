"""Decoding a request body the way the real server's typed decoder does.

The real apiserver unmarshals every body into a Go struct (sigs.k8s.io/json, case-sensitive).
That has three effects a client can see, and this package reproduces them from the OpenAPI
schema of the kind instead of Go types:

- fields the type does not declare are dropped, and, with `fieldValidation` Strict or Warn,
  reported as `unknown field "spec.foo"` (duplicate keys as `duplicate field "x"`);
- a value of the wrong JSON type is a decoding error worded as encoding/json words it
  (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
  int32`), as are values some types parse themselves (quantities, base64 bytes, timestamps);
- what is left is the object that gets stored, timestamps encoded again as Go encodes them
  (`2026-11-23T20:00:00.5+02:00` is stored as `2026-11-23T18:00:00Z`; see `times`).

`schema` compiles a kind's definitions into a tree of nodes once; `walker` runs a decoded
body through that tree; `duplicates` parses JSON keeping what duplicate keys hid.
"""
