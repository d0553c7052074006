"""The Kubernetes CEL libraries, as declarations of functions with Python implementations.

One module per library of k8s.io/apiserver's `pkg/cel/library`, in the order kube-apiserver
1.32 enables them: `lists`, `regex`, `urls` (1.0), `quantity` (1.28), `sets` (cel-go's sets
extension, 1.29), `net` (ip and cidr, 1.30), `formats` (1.31). The string extension (v2) and
optional types come with cel-cpp itself. `types` declares the opaque types they return.
"""

from __future__ import annotations

from kubegate.cel.library import formats, lists, net, quantity, regex, sets, urls
from kubegate.cel.library.declare import Declared

#: every function the environment declares, library by library
DECLARATIONS: tuple[Declared, ...] = (
    *lists.DECLARATIONS, *regex.DECLARATIONS, *urls.DECLARATIONS, *quantity.DECLARATIONS,
    *sets.DECLARATIONS, *net.DECLARATIONS, *formats.DECLARATIONS,
)
