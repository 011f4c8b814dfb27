"""SACCOs and MFIs (the tenants) and their optional geography."""
