"""ops forms, one module per area (see ../shared/architecture.md)."""
