"""The Node authorizer (`--authorization-mode=Node`), as plugin/pkg/auth/authorizer/node.

A kubelet (`system:node:NAME` in `system:nodes`) may read only what the pods bound to its node
use. `references` lists where a pod or a PersistentVolume names other objects (data); `graph`
keeps, from store events, which node each such object is reachable from; `rules` is the static
policy for everything the graph does not subdivide; `authorizer` puts them together.
"""
