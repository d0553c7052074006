"""Service networking done by every apiserver: cluster IPs and node ports, on create and update.

`ranges` holds the address and port ranges and their choice rules; `allocation` is the Service
strategy's hook that applies them. What is allocated is read from the Services in the watch
cache, so a deleted Service or a type change releases its IP and ports implicitly.
"""
