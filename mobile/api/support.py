"""A member's message to the SACCO's support agents from the app: an open hand-off in their inbox.

The app's thread is its own conversation (`app:<organization>:<member>`), so it never disturbs a journey
the member has going with the bot on a chat channel; agents answer from the console and the answer goes
out on the member's reachable channel (`reply_channel`). This composes core.conversations' pieces in the
member's tenant scope; it belongs in core.conversations as one service (`member_support_message`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.conversations.handoffs import note_member_message, open_handoff
from core.conversations.models import Conversation, Direction, Handoff
from core.conversations.transcript import record_message
from core.members.models import Member

APP_CHANNEL = "app"


def app_conversation_key(member: Member) -> str:
    return f"{APP_CHANNEL}:{member.organization_id}:{member.id}"


async def _app_conversation(session: AsyncSession, member: Member) -> Conversation:
    key = app_conversation_key(member)
    await session.execute(
        insert(Conversation)
        .values(
            key=key, phone=member.phone, organization_id=member.organization_id, member_id=member.id,
            language=member.language, channel=APP_CHANNEL, slots={}, choices=[], awaiting=False,
        )
        .on_conflict_do_nothing(index_elements=[Conversation.key])
    )
    row = await session.execute(select(Conversation).where(Conversation.key == key).with_for_update())
    return row.scalar_one()


async def member_support_message(
    session: AsyncSession, *, member: Member, text: str, reply_channel: str, now: datetime | None = None
) -> Handoff:
    """Open (or continue) the member's hand-off and add their message to its transcript."""
    now = now or datetime.now(UTC)
    conversation = await _app_conversation(session, member)
    handoff = await open_handoff(
        session,
        organization_id=member.organization_id,
        conversation_id=conversation.id,
        member_id=member.id,
        phone=member.phone,
        reason=text,
        channel=reply_channel,
        language=member.language,
    )
    note_member_message(handoff, now)
    await record_message(
        session, conversation, direction=Direction.INBOUND, channel=APP_CHANNEL, text=text, handoff_id=handoff.id
    )
    conversation.last_inbound_at = now
    conversation.updated_at = now
    return handoff
