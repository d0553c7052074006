"""certificates.k8s.io: CertificateSigningRequests (pkg/registry/certificates and pkg/apis/certificates).

`api` holds the names and condition lookups everyone shares, `request` reads the PKCS#10
request inside a CSR, `kubelet` has the checks the kubelet signers apply, `validation` the 422
rules, `decoding` the 400s of a body Go could not decode, and `strategy` what the server sets
and keeps on each write.
"""
