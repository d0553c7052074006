"""Auditing as k8s.io/apiserver does it: a policy, one event per request stage, and backends.

`policy` reads and validates an `audit.k8s.io/v1 Policy`; `checker` picks the level of a request
(first matching rule wins); `event` holds the `audit.k8s.io/v1 Event` and its JSON form;
`context` follows one request through its stages; `backends` write the events (a log file with
rotation, stdout, a webhook); `factory` builds all of it from the `--audit-*` flags.

This package knows nothing of HTTP: the filters in `kubegate.endpoints.filters.audit` feed it.
"""
