"""dialogs layer (see ARCHITECTURE.md)."""
