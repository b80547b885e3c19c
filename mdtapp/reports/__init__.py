"""PDF letters, forms and returns (reportlab, imported lazily)."""
