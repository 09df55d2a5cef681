"""ops views, one module per area (see ../shared/architecture.md)."""
