"""Pydantic models of the member API's payloads, one module per concept."""
