"""mobile layer (see ARCHITECTURE.md)."""
