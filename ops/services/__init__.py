"""ops services, one module per area (see ../shared/architecture.md)."""
