"""Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), read into JSON.

`wire` reads the protobuf wire format, `schema` holds the message layouts as data, and `decode`
turns a body into the object a JSON client would have sent.
"""
