"""api layer of kubegate (see ../shared/ARCHITECTURE.md)."""
