"""reports selectors, one module per part."""
