"""Console pages, one module per area; each module has `routes` (a RouteTableDef)."""
