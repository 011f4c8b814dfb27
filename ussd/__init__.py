"""ussd layer (see ARCHITECTURE.md)."""
