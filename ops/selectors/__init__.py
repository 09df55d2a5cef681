"""ops selectors, one module per area (see ../shared/architecture.md)."""
