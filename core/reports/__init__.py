"""Read models for the staff console: dashboard figures, collections per day and per group."""
