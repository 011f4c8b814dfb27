"""Tamper-evident audit log: every staff action and money movement, hash-chained per organization."""
