"""Prometheus metrics under the real apiserver's names, one registry per server.

`registry` declares the metrics (names, labels, buckets, stability) and keeps them in a
`CollectorRegistry` of the server's own, so that several servers in one process count apart;
`labels` derives the request labels (verb, scope, dry_run) as the real server does; `collectors`
reads values at scrape time (stored objects, build info); `exposition` writes the text format;
`endpoint` serves `GET /metrics`.
"""
