"""Members, groups (ibimina) and who belongs to which group in which role."""
