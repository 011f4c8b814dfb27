"""Operational records: worker heartbeats and other signs of life the readiness check reads."""
