"""The member API's operations, one module per concept; mobile.api lists them in matching order."""
