"""`--authorization-mode=Webhook`: ask a remote service with a SubjectAccessReview.

`review` builds the request body exactly as k8s.io/apiserver's webhook authorizer serializes it
and reads the answer's status; `authorizer` adds the answer cache (allow and deny TTLs), the
failure policy and the HTTP call through the shared `kubegate.webhook` client.
"""
