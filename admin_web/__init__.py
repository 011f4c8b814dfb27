"""admin_web layer (see ARCHITECTURE.md)."""
