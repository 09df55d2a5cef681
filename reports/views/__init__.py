"""reports views, one module per part."""
