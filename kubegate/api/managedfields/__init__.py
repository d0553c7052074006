"""Field ownership (`metadata.managedFields`) and server-side apply.

A port of the parts of sigs.k8s.io/structured-merge-diff and k8s.io/apimachinery's
`managedfields` that a client can observe: which manager owns which fields (FieldsV1), how
updates move ownership, how an apply merges, prunes and conflicts, with the real messages.

- `schema`: structural types from OpenAPI definitions (atomic/granular maps and lists, keys)
- `values`, `fieldpath`: JSON values in paths; paths, field sets and their FieldsV1 form
- `typed`, `compare`, `merge`, `validate`: values walked with their types (field sets,
  changes, merging and pruning, validation of apply configurations)
- `updater`: ownership after an update or an apply (SMD's `merge.Updater`)
- `entries`: reading and writing managedFields entries
- `fieldmanager`, `conflicts`: the manager chain the apiserver runs for every write, and the
  409 of a conflicting apply
- `scale`: the Scale subresource's view of `spec.replicas` ownership
- `zero`: the Go zero values that typed comparison lays under objects
"""
