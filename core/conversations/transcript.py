"""The transcript the support inbox shows: every inbound, bot reply and agent reply of a conversation."""

from __future__ import annotations

from collections.abc import Sequence

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
    message_id: str | None = None,
    handoff_id: int | None = None,
    staff_user_id: int | None = None,
) -> ConversationMessage:
    """Append one line in the caller's transaction; `choices` are (id, title) pairs shown with it."""
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
