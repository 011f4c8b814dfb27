"""Hand-offs to a person: opened by a member ("talk to an agent"), listed and closed by support staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.conversations.models import Conversation, ConversationMessage, Direction, Handoff, HandoffStatus
from core.conversations.state import clear_state
from core.conversations.transcript import conversation_transcript, record_message
from core.errors import Conflict, InvalidInput, NotFound

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class OpenHandoff:
    """One row of the support inbox: who waits, why, since when, and how many messages they sent."""

    handoff_id: int
    conversation_id: int
    member_id: int | None
    phone: str | None
    reason: str
    channel: str
    language: str
    opened_at: datetime
    last_member_message_at: datetime | None
    member_messages: int


@dataclass(frozen=True, slots=True)
class AgentReply:
    """What the console hands to the outbox after an agent answers: where it goes and what it says."""

    handoff_id: int
    conversation_id: int
    phone: str | None
    conversation_key: str
    channel: str
    language: str
    text: str
    message_id: int


async def open_handoff(
    session: AsyncSession,
    *,
    organization_id: int,
    conversation_id: int,
    member_id: int | None,
    phone: str | None,
    reason: str,
    channel: str,
    language: str,
) -> Handoff:
    """Hand the conversation to the SACCO's support agents; returns the open one if there is one already."""
    existing = await open_handoff_for(session, conversation_id)
    if existing is not None:
        return existing
    handoff = Handoff(
        organization_id=organization_id,
        conversation_id=conversation_id,
        member_id=member_id,
        phone=phone,
        reason=reason.strip()[:MAX_REASON],
        channel=channel,
        language=language,
        status=HandoffStatus.OPEN,
        acknowledged=False,
    )
    session.add(handoff)
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=Actor.member(member_id) if member_id else Actor.system("bot"),
        action="handoff.opened",
        object_type="handoff",
        object_id=handoff.id,
        details={"channel": channel, "reason": handoff.reason},
    )
    return handoff


async def open_handoff_for(session: AsyncSession, conversation_id: int) -> Handoff | None:
    row = await session.execute(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status == HandoffStatus.OPEN)
    )
    return row.scalar_one_or_none()


async def list_open_handoffs(session: AsyncSession, organization_id: int) -> list[OpenHandoff]:
    """The support inbox: open hand-offs of the organization, oldest first."""
    counts = (
        select(ConversationMessage.handoff_id, func.count().label("n"))
        .where(ConversationMessage.direction == Direction.INBOUND)
        .group_by(ConversationMessage.handoff_id)
        .subquery()
    )
    rows = await session.execute(
        select(Handoff, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.handoff_id == Handoff.id)
        .where(Handoff.organization_id == organization_id, Handoff.status == HandoffStatus.OPEN)
        .order_by(Handoff.opened_at, Handoff.id)
    )
    return [
        OpenHandoff(
            handoff_id=h.id,
            conversation_id=h.conversation_id,
            member_id=h.member_id,
            phone=h.phone,
            reason=h.reason,
            channel=h.channel,
            language=h.language,
            opened_at=h.opened_at,
            last_member_message_at=h.last_member_message_at,
            member_messages=int(n),
        )
        for h, n in rows.all()
    ]


async def get_handoff(session: AsyncSession, organization_id: int, handoff_id: int) -> Handoff:
    """Raises NotFound for another organization's hand-off, as if it did not exist."""
    handoff = await session.get(Handoff, handoff_id)
    if handoff is None or handoff.organization_id != organization_id:
        raise NotFound(f"no hand-off {handoff_id}")
    return handoff


async def handoff_transcript(
    session: AsyncSession, organization_id: int, handoff_id: int, *, limit: int = 200
) -> list[ConversationMessage]:
    """The conversation around a hand-off (what happened before it too), oldest first."""
    handoff = await get_handoff(session, organization_id, handoff_id)
    return await conversation_transcript(session, handoff.conversation_id, limit=limit)


async def record_agent_reply(
    session: AsyncSession, organization_id: int, handoff_id: int, *, staff_user_id: int | None, text: str
) -> AgentReply:
    """Store an agent's answer in the transcript and say where to send it (the caller enqueues it).

    Raises Conflict when the hand-off is closed, InvalidInput on an empty text.
    """
    body = text.strip()
    if not body:
        raise InvalidInput("the reply is empty")
    handoff = await get_handoff(session, organization_id, handoff_id)
    if handoff.status != HandoffStatus.OPEN:
        raise Conflict("this conversation was handed back to the bot")
    conversation = await session.get(Conversation, handoff.conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation for hand-off {handoff_id}")
    line = await record_message(
        session, conversation, direction=Direction.AGENT, channel=handoff.channel, text=body,
        handoff_id=handoff.id, staff_user_id=staff_user_id,
    )
    if handoff.assigned_staff_id is None:
        handoff.assigned_staff_id = staff_user_id
    return AgentReply(
        handoff_id=handoff.id,
        conversation_id=conversation.id,
        phone=conversation.phone,
        conversation_key=conversation.key,
        channel=handoff.channel,
        language=handoff.language,
        text=body,
        message_id=line.id,
    )


async def close_handoff(
    session: AsyncSession, organization_id: int, handoff_id: int, *, actor: Actor, staff_user_id: int | None = None
) -> Handoff:
    """Close the hand-off and hand the member back to the bot (their next message gets the menu).

    Closing a closed hand-off is a no-op that returns it.
    """
    handoff = await get_handoff(session, organization_id, handoff_id)
    if handoff.status == HandoffStatus.CLOSED:
        return handoff
    now = datetime.now(UTC)
    handoff.status = HandoffStatus.CLOSED
    handoff.closed_at = now
    handoff.closed_by_staff_id = staff_user_id
    conversation = await session.get(Conversation, handoff.conversation_id, with_for_update=True)
    if conversation is not None:
        clear_state(conversation, now)
        await record_message(
            session, conversation, direction=Direction.SYSTEM, channel=handoff.channel,
            text="handoff.closed", handoff_id=handoff.id, staff_user_id=staff_user_id,
        )
    await session.flush()
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="handoff.closed",
        object_type="handoff",
        object_id=handoff.id,
        details={},
    )
    return handoff


def note_member_message(handoff: Handoff, now: datetime) -> bool:
    """Mark that the member wrote during the hand-off; True the first time (the one acknowledgement)."""
    handoff.last_member_message_at = now
    first = not handoff.acknowledged
    handoff.acknowledged = True
    return first
