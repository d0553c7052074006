"""Admission: checks and defaults applied to writes after authorization, before storage."""
