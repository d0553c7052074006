"""Defaults the real server fills in on the way in, as data: one table of rows per kind.

`engine` applies rows of (field path, value, condition). `pods`, `volumes`, `workloads` and
`services` hold the SetDefaults_* of workloads, their pod templates and Services, whose strategies
(`kubegate.registry.strategy`) call them on every write (`on_write`), as the real decoding does;
`storage`, `networking`, `rbac`, `autoscaling`, `flowcontrol` and `cluster` hold the other kinds',
and `kinds.DEFAULTERS` names which resource gets which. tests/unit/test_default_tables.py checks
that every row names a field of its kind's schema.
"""
