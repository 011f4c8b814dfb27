"""Loans: applications from members (minimal now: eligibility, apply, status); products and approval come later."""
