"""Demo data: two SACCOs with groups, members, officers and staff, for the first run and for scripts."""
