"""Outbound messaging: the outbox, delivery statuses, webhook de-duplication, channel identities, pacing."""
