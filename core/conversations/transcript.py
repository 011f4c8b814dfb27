"""The transcript the support inbox shows: every inbound, bot reply and agent reply of a conversation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.models import Conversation, ConversationMessage, Direction


async def record_message(
    session: AsyncSession,
    conversation: Conversation,
    *,
    direction: Direction,
    channel: str,
    text: str,
    choice_id: str | None = None,
    choices: Sequence[tuple[str, str]] = (),
    payload: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    handoff_id: int | None = None,
    staff_user_id: int | None = None,
) -> ConversationMessage:
    """Append one line in the caller's transaction; `choices` are (id, title) pairs shown with it, `payload`
    a reply's link and flags (core.messaging.outbox.transcript_payload)."""
    row = ConversationMessage(
        organization_id=conversation.organization_id,
        conversation_id=conversation.id,
        member_id=conversation.member_id,
        handoff_id=handoff_id,
        direction=direction,
        channel=channel,
        text=text,
        choice_id=choice_id,
        choices=[{"id": cid, "title": title} for cid, title in choices],
        payload=dict(payload) if payload else None,
        message_id=message_id,
        staff_user_id=staff_user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def conversation_transcript(
    session: AsyncSession, conversation_id: int, *, limit: int = 200
) -> list[ConversationMessage]:
    """The latest `limit` lines, oldest first (what the session's scope may see of them)."""
    rows = await session.execute(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(rows.scalars().all()))


async def replies_to(
    session: AsyncSession, conversation_id: int, *, channel: str, message_id: str
) -> list[ConversationMessage]:
    """The lines the bot answered an inbound message with: the outbound lines its turn saved with it (one
    transaction, so one timestamp), in order. Empty when the message is unknown or had no answer."""
    inbound = (
        select(ConversationMessage.id, ConversationMessage.created_at)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.channel == channel,
            ConversationMessage.message_id == message_id,
            ConversationMessage.direction == Direction.INBOUND.value,
        )
        .subquery()
    )
    rows = await session.execute(
        select(ConversationMessage)
        .join(inbound, ConversationMessage.created_at == inbound.c.created_at)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.id > inbound.c.id,
            ConversationMessage.direction == Direction.OUTBOUND.value,
        )
        .order_by(ConversationMessage.id)
    )
    return list(rows.scalars())
