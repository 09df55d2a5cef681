"""reports forms, one module per part."""
