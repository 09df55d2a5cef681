"""reports services, one module per part."""
