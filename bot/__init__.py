"""bot layer (see ARCHITECTURE.md)."""
