"""nlu layer (see ARCHITECTURE.md)."""
