"""Defaults the real server fills in on the way in, as data: one table of rows per kind.

`engine` applies rows of (field path, value, condition); `pods`, `workloads` and `services`
hold the tables of SetDefaults_* for their kinds. The strategies (`kubegate.registry.strategy`)
call them on every write (`on_write`), as the real decoding does.
"""
