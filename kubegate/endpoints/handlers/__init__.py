"""Verb handlers: one module per verb, shared by every resource."""
