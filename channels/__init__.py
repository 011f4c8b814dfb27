"""channels layer (see ARCHITECTURE.md)."""
