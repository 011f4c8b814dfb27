"""Webhook inbox states tests set up or leave behind (core/messaging/inbox.py)."""

from __future__ import annotations

from sqlalchemy import update

from core.db.database import Database
from core.messaging.models import WebhookInboxItem


async def lapse_claims(db: Database, *ids: int) -> None:
    """What a dead process (or the pause before a retry) leaves: claims that have run out."""
    async with db.system() as s:
        await s.execute(
            update(WebhookInboxItem).where(WebhookInboxItem.id.in_(ids)).values(claimed_until=None)
        )


async def finish_open_inbox(db: Database) -> None:
    """Leave no open rows for other tests' apps, whose inbox loops claim what nobody works."""
    async with db.system() as s:
        await s.execute(
            update(WebhookInboxItem)
            .where(WebhookInboxItem.done_at.is_(None))
            .values(done_at=WebhookInboxItem.received_at)
        )
