"""What objects count against a ResourceQuota: the quota evaluators shared by admission and the controller.

As Kubernetes' quota evaluators: every object counts once under `count/<resource>[.<group>]`;
pods, Services, PersistentVolumeClaims and a few other core kinds also count under their short
names and in compute or storage terms; quota scopes select the pods a quota tracks.
"""
